package vfs

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// FS is the file system an engine sees. Every engine opens, syncs, renames and
// removes files only through an FS, so the same engine code runs over the real
// OS (Default) and over MemFS, where tests inject I/O errors, torn writes and
// power loss.
//
// Names are slash-separated paths as understood by the implementation; use
// path/filepath to build them. Directory entries (creation, rename, removal) are
// durable only after the parent directory has been synced (OpenDir + Sync), as
// on a POSIX file system.
type FS interface {
	// Create creates or truncates the named file and opens it read-write.
	Create(name string) (File, error)
	// Open opens an existing file read-only.
	Open(name string) (File, error)
	// OpenReadWrite opens an existing file for reading and writing without
	// truncating it.
	OpenReadWrite(name string) (File, error)
	// OpenDir opens a directory so that it can be synced.
	OpenDir(name string) (File, error)
	// Remove removes a file or an empty directory.
	Remove(name string) error
	// RemoveAll removes a directory and everything under it. It is not
	// atomic: rename the directory first when a crash must not leave half.
	RemoveAll(name string) error
	// Rename atomically replaces newname with oldname.
	Rename(oldname, newname string) error
	// MkdirAll creates a directory and any missing parents.
	MkdirAll(dir string, perm os.FileMode) error
	// List returns the names (not paths) of the entries in dir, sorted.
	List(dir string) ([]string, error)
	// Stat describes the named file.
	Stat(name string) (os.FileInfo, error)
	// Lock takes an exclusive, advisory lock on the named file, creating it
	// if needed. It fails with ErrLocked if another holder has it. Close the
	// returned io.Closer to release.
	Lock(name string) (io.Closer, error)
}

// File is an open file. ReadAt and WriteAt may be called concurrently; Write,
// Read and Seek share one position and must not be.
type File interface {
	io.Reader
	io.Writer
	io.ReaderAt
	io.WriterAt
	io.Closer
	// Sync flushes the file's data (and the metadata needed to read it back,
	// such as its size) to stable storage: fdatasync on Linux. For a
	// directory it makes its entries durable.
	Sync() error
	// Truncate changes the size of the file.
	Truncate(size int64) error
	// Preallocate reserves space for [off, off+length) and extends the file
	// size to at least off+length; the new bytes read as zeros. An
	// implementation without support may write zeros or do nothing but
	// extend the size.
	Preallocate(off, length int64) error
	// Stat describes the open file.
	Stat() (os.FileInfo, error)
}

// ErrLocked is returned by FS.Lock when the lock is held elsewhere.
var ErrLocked = errors.New("vfs: lock held by another process")

// ErrInjected is wrapped by every error an InjectingFS injects, so tests can
// tell an injected failure from a real bug with errors.Is.
var ErrInjected = errors.New("vfs: injected fault")

// SyncDir makes the directory entries of dir durable (creations, renames and
// removals in it): OpenDir, Sync, Close.
func SyncDir(fs FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return d.Close()
}
