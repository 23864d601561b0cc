//go:build linux

package vfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// Default is the FS of the operating system. Names are ordinary OS paths.
//
// File.Sync is fdatasync(2) for files and fsync(2) for directories,
// File.Preallocate is fallocate(2) with mode 0 (falling back to extending
// the size with ftruncate(2) where the file system does not support it), and
// FS.Lock is flock(2) with LOCK_EX|LOCK_NB on a file it creates. Two Locks
// of the same file conflict even within one process, because flock locks
// belong to the open file description.
var Default FS = osFS{}

type osFS struct{}

func (osFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, osError("create", name, err)
	}
	return &osFile{f: f, name: name}, nil
}

func (osFS) Open(name string) (File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, osError("open", name, err)
	}
	return &osFile{f: f, name: name}, nil
}

func (osFS) OpenReadWrite(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, osError("open", name, err)
	}
	return &osFile{f: f, name: name}, nil
}

func (osFS) OpenDir(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, osError("open dir", name, err)
	}
	return &osFile{f: f, name: name, dir: true}, nil
}

func (osFS) Remove(name string) error {
	if err := os.Remove(name); err != nil {
		return osError("remove", name, err)
	}
	return nil
}

func (osFS) RemoveAll(name string) error {
	if err := os.RemoveAll(name); err != nil {
		return osError("remove all", name, err)
	}
	return nil
}

func (osFS) Rename(oldname, newname string) error {
	if err := os.Rename(oldname, newname); err != nil {
		return osError("rename", oldname+" to "+newname, err)
	}
	return nil
}

func (osFS) MkdirAll(dir string, perm os.FileMode) error {
	if err := os.MkdirAll(dir, perm); err != nil {
		return osError("mkdir all", dir, err)
	}
	return nil
}

func (osFS) List(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, osError("list", dir, err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, osError("list", dir, err)
	}
	slices.Sort(names)
	return names, nil
}

func (osFS) Stat(name string) (os.FileInfo, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, osError("stat", name, err)
	}
	return fi, nil
}

func (osFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, osError("lock", name, err)
	}
	err = control(f, func(fd int) error { return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) })
	if errors.Is(err, unix.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrLocked, name)
	}
	if err != nil {
		f.Close()
		return nil, opError("lock", name, err)
	}
	return &osLock{f: f, name: name}, nil
}

// osLock holds a flock. Closing the file releases it: the lock belongs to
// the open file description, which only this process holds (Go opens files
// with O_CLOEXEC).
type osLock struct {
	f    *os.File
	name string
}

func (l *osLock) Close() error {
	if err := l.f.Close(); err != nil {
		return osError("unlock", l.name, err)
	}
	return nil
}

type osFile struct {
	f    *os.File
	name string
	dir  bool // opened by OpenDir: Sync is fsync, not fdatasync
}

// wrap turns an error of f.f into the package's error. io.EOF passes through
// unwrapped because io.Reader callers compare it with ==.
func (f *osFile) wrap(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return osError(op, f.name, err)
}

func (f *osFile) Read(p []byte) (int, error) {
	n, err := f.f.Read(p)
	return n, f.wrap("read", err)
}

func (f *osFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.f.ReadAt(p, off)
	return n, f.wrap("read", err)
}

func (f *osFile) Write(p []byte) (int, error) {
	n, err := f.f.Write(p)
	return n, f.wrap("write", err)
}

func (f *osFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.f.WriteAt(p, off)
	return n, f.wrap("write", err)
}

func (f *osFile) Close() error {
	return f.wrap("close", f.f.Close())
}

func (f *osFile) Sync() error {
	if f.dir {
		return f.wrap("sync", f.f.Sync())
	}
	err := control(f.f, func(fd int) error { return retryEINTR(func() error { return unix.Fdatasync(fd) }) })
	return f.wrap("sync", err)
}

func (f *osFile) Truncate(size int64) error {
	return f.wrap("truncate", f.f.Truncate(size))
}

func (f *osFile) Preallocate(off, length int64) error {
	if off < 0 || length < 0 {
		return opError("preallocate", f.name, syscall.EINVAL)
	}
	if length == 0 {
		return nil // fallocate(2) rejects a zero length; there is nothing to do
	}
	err := control(f.f, func(fd int) error {
		return retryEINTR(func() error { return unix.Fallocate(fd, 0, off, length) })
	})
	if errors.Is(err, unix.EOPNOTSUPP) {
		// Some file systems (older tmpfs, some FUSE and network file
		// systems) cannot reserve space; the contract still promises the
		// size, so extend it.
		var fi os.FileInfo
		if fi, err = f.f.Stat(); err == nil && fi.Size() < off+length {
			err = f.f.Truncate(off + length)
		}
	}
	return f.wrap("preallocate", err)
}

func (f *osFile) Stat() (os.FileInfo, error) {
	fi, err := f.f.Stat()
	return fi, f.wrap("stat", err)
}

// control runs fn on f's descriptor without Fd's side effect of switching
// the file to blocking mode, and without racing with Close.
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var fnErr error
	if err := rc.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		// Control fails only on a closed file, with an internal error
		// that package os maps to os.ErrClosed for its own methods.
		return os.ErrClosed
	}
	return fnErr
}

// retryEINTR repeats a system call interrupted by a signal, as package os
// does for its own calls.
func retryEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}
