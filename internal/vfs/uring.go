//go:build linux

package vfs

import (
	"fmt"

	"github.com/reefdb/reef/internal/uring"
)

// uringEntries is the submission queue size of the ring behind a NewURing
// file system: the bound on writes and syncs in flight at once across all
// its files (a WriteAtSync counts two). Further callers wait for room.
const uringEntries = 128

// NewURing returns a file system identical to Default, except that its files
// write and sync through io_uring: File.WriteAt is IORING_OP_WRITE,
// File.Sync is IORING_OP_FSYNC with IORING_FSYNC_DATASYNC (fdatasync; a
// directory from OpenDir keeps fsync(2), as on Default), and its files
// implement SyncWriter, whose WriteAtSync submits the write and the
// fdatasync as one linked pair in one io_uring_enter (see uring.Ring).
// Everything else, reads included, is Default's: pread, the file position's
// Read and Write, Truncate, Preallocate, Stat, and every FS method. Files
// from OpenDirect (DirectOpener) get the same write path.
//
// All files of the FS share one ring, which is safe for concurrent use and
// runs operations concurrently; at most uringEntries SQEs are in flight.
// The ring lives as long as the process (FS has no Close), so create one
// such FS per process, not one per use.
//
// It fails, wrapping uring.ErrUnavailable, where io_uring cannot run (an
// old kernel, sysctl kernel.io_uring_disabled, a seccomp filter); the caller
// falls back to Default, which behaves the same.
//
// Errors read as Default's, with the ring's error as the cause:
// "vfs: write <name>: uring: write: bad file descriptor", so errors.Is with
// an errno, fs.ErrClosed after Close, and so on work as on Default.
func NewURing() (FS, error) {
	if err := uring.Unavailable(); err != nil {
		return nil, fmt.Errorf("vfs: new uring fs: %w", err)
	}
	ring, err := uring.New(uringEntries)
	if err != nil {
		return nil, fmt.Errorf("vfs: new uring fs: %w", err)
	}
	return &uringFS{ring: ring}, nil
}

// uringFS is Default (osFS) with its files' write path replaced.
type uringFS struct {
	osFS
	ring *uring.Ring
}

func (fs *uringFS) Create(name string) (File, error) { return fs.wrap(fs.osFS.Create(name)) }

func (fs *uringFS) Open(name string) (File, error) { return fs.wrap(fs.osFS.Open(name)) }

func (fs *uringFS) OpenReadWrite(name string) (File, error) {
	return fs.wrap(fs.osFS.OpenReadWrite(name))
}

func (fs *uringFS) OpenDir(name string) (File, error) { return fs.wrap(fs.osFS.OpenDir(name)) }

// OpenDirect opens name with O_DIRECT, as Default does; writes go through
// the ring with the same alignment rules.
func (fs *uringFS) OpenDirect(name string) (File, error) {
	return fs.wrap(fs.osFS.OpenDirect(name))
}

func (fs *uringFS) wrap(f File, err error) (File, error) {
	if err != nil {
		return nil, err
	}
	of, ok := f.(*osFile)
	if !ok {
		// osFS returned a file of another kind: leave its write path
		// alone rather than guess at its descriptor.
		return f, nil
	}
	return &uringFile{osFile: of, ring: fs.ring}, nil
}

// uringFile is an osFile whose WriteAt, Sync and WriteAtSync use the ring.
// The descriptor is borrowed through control, so Close cannot close (and
// the number cannot be reused) while the kernel still works on it.
type uringFile struct {
	*osFile
	ring *uring.Ring
}

var _ SyncWriter = (*uringFile)(nil)

func (f *uringFile) WriteAt(p []byte, off int64) (int, error) {
	var n int
	err := control(f.f, func(fd int) (err error) {
		n, err = f.ring.WriteAt(fd, p, off)
		return err
	})
	return n, f.wrap("write", err)
}

// Sync is fdatasync through the ring for a file, and fsync(2) for a
// directory, as on Default.
func (f *uringFile) Sync() error {
	if f.dir {
		return f.osFile.Sync()
	}
	return f.wrap("sync", control(f.f, f.ring.Fdatasync))
}

// WriteAtSync writes p at off and fdatasyncs the file with one linked
// submission.
func (f *uringFile) WriteAtSync(p []byte, off int64) (int, error) {
	var n int
	err := control(f.f, func(fd int) (err error) {
		n, err = f.ring.WriteAtSync(fd, p, off)
		return err
	})
	return n, f.wrap("write and sync", err)
}
