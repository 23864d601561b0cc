package vfs

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// DirectAlignment is the alignment direct I/O needs for file offsets, lengths
// and memory addresses.
const DirectAlignment = 4096

// DirectOpener is implemented by file systems that can open a file for direct
// I/O (O_DIRECT), bypassing the page cache. Every ReadAt and WriteAt on such a
// File must use an offset, a length and a buffer address that are multiples
// of DirectAlignment (see AlignedBuffer), or it fails with EINVAL. A direct
// write is not durable until Sync, like any other.
type DirectOpener interface {
	// OpenDirect opens an existing file read-write for direct I/O.
	OpenDirect(name string) (File, error)
}

// ErrNoDirectIO is returned by OpenDirect for a file system without direct
// I/O.
var ErrNoDirectIO = errors.New("vfs: direct I/O not supported")

// OpenDirect opens name on fs for direct I/O, or fails with ErrNoDirectIO.
func OpenDirect(fs FS, name string) (File, error) {
	if d, ok := fs.(DirectOpener); ok {
		return d.OpenDirect(name)
	}
	return nil, fmt.Errorf("%w: open %s", ErrNoDirectIO, name)
}

// AlignedBuffer returns a zeroed buffer of n bytes whose address is a multiple
// of DirectAlignment.
func AlignedBuffer(n int) []byte {
	b := make([]byte, n+DirectAlignment)
	skip := 0
	if r := int(uintptr(unsafe.Pointer(&b[0])) % DirectAlignment); r != 0 {
		skip = DirectAlignment - r
	}
	return b[skip : skip+n : skip+n]
}

func directAligned(p []byte, off int64) bool {
	return off%DirectAlignment == 0 && len(p)%DirectAlignment == 0 &&
		(len(p) == 0 || uintptr(unsafe.Pointer(&p[0]))%DirectAlignment == 0)
}

// OpenDirect opens name with O_DIRECT.
func (osFS) OpenDirect(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|syscall.O_DIRECT, 0)
	if err != nil {
		return nil, osError("open direct", name, err)
	}
	return &osFile{f: f, name: name}, nil
}

// OpenDirect opens name for "direct" I/O on the in-memory file system: the
// data path is the ordinary one (MemFS has no page cache to bypass, and its
// durability model already treats every unsynced write as at risk), but
// misaligned reads and writes fail with EINVAL as they would on Linux, so an
// engine's direct path is exercised by the same tests.
func (fs *MemFS) OpenDirect(name string) (File, error) {
	f, err := fs.OpenReadWrite(name)
	if err != nil {
		return nil, err
	}
	return &alignedFile{File: f, name: name}, nil
}

// OpenDirect passes through to the wrapped file system, with injection.
func (i *InjectingFS) OpenDirect(name string) (File, error) {
	if inj := i.inject(OpOpen, nil, name); inj != nil {
		return nil, inj.err
	}
	f, err := OpenDirect(i.fs, name)
	return i.wrapFile(name, f, err)
}

// alignedFile enforces direct I/O alignment on a MemFS file.
type alignedFile struct {
	File
	name string
}

func (f *alignedFile) ReadAt(p []byte, off int64) (int, error) {
	if !directAligned(p, off) {
		return 0, opError("read direct", f.name, syscall.EINVAL)
	}
	return f.File.ReadAt(p, off)
}

func (f *alignedFile) WriteAt(p []byte, off int64) (int, error) {
	if !directAligned(p, off) {
		return 0, opError("write direct", f.name, syscall.EINVAL)
	}
	return f.File.WriteAt(p, off)
}
