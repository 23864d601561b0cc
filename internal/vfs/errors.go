package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrCrashed is returned by every method of a File or lock taken from a
// MemFS before its last Crash. A test that crashes the file system must reopen
// everything, exactly as a restarted process would; this error catches the
// handles it forgot.
var ErrCrashed = errors.New("vfs: file handle invalidated by crash")

// opError builds the package's error for a failed operation on a named file:
// "vfs: <op> <name>: <err>". Both implementations use it, so callers see the
// same text and the same errors.Is targets (fs.ErrNotExist via the errno,
// syscall errnos themselves) whichever FS they run on.
func opError(op, name string, err error) error {
	return fmt.Errorf("vfs: %s %s: %w", op, name, err)
}

// osError is opError for errors from package os. It drops the *fs.PathError
// or *os.LinkError wrapper, whose text would repeat the operation and the
// name, and keeps the errno underneath.
func osError(op, name string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return opError(op, name, err)
}
