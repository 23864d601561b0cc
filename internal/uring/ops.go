//go:build linux

package uring

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"syscall"
)

// WriteAt writes p to fd at offset off, like pwrite(2), with IORING_OP_WRITE.
// A short write is resubmitted for the rest, so it returns len(p) or an
// error. A negative cqe.res is returned as its errno, wrapped:
// errors.Is(err, syscall.EBADF) holds for a bad descriptor.
//
// p must not be modified until WriteAt returns.
func (r *Ring) WriteAt(fd int, p []byte, off int64) (int, error) {
	if err := checkArgs(fd, p, off); err != nil {
		return 0, opError("write", err)
	}
	if len(p) == 0 {
		return 0, r.checkOpen("write")
	}
	n := 0
	for n < len(p) {
		chunk := p[n:min(len(p), n+ioBytesMax)]
		args := [2]sqeArgs{{opcode: opWrite, fd: int32(fd), buf: chunk, off: uint64(off) + uint64(n)}}
		res, err := r.do(&args, 1)
		if err != nil {
			return n, opError("write", err)
		}
		if res[0] < 0 {
			return n, opError("write", syscall.Errno(-res[0]))
		}
		if res[0] == 0 {
			// pwrite(2) never does this for a positive count; looping
			// on it could spin forever.
			return n, opError("write", io.ErrShortWrite)
		}
		n += int(res[0])
	}
	runtime.KeepAlive(p)
	return n, nil
}

// Fdatasync flushes fd's data, and the metadata needed to read it back, to
// stable storage, like fdatasync(2), with IORING_OP_FSYNC and
// IORING_FSYNC_DATASYNC.
func (r *Ring) Fdatasync(fd int) error {
	if fd < 0 || fd > math.MaxInt32 {
		return opError("fdatasync", syscall.EBADF)
	}
	args := [2]sqeArgs{{opcode: opFsync, fd: int32(fd), opFlags: fsyncDatasync}}
	res, err := r.do(&args, 1)
	if err != nil {
		return opError("fdatasync", err)
	}
	if res[0] < 0 {
		return opError("fdatasync", syscall.Errno(-res[0]))
	}
	return nil
}

// WriteAtSync writes p to fd at offset off and then fdatasyncs fd, as one
// submission of a linked pair (the write with IOSQE_IO_LINK, then the
// fsync) and, when no other caller is using the ring, one io_uring_enter.
// It returns len(p) and nil only when the data is durable. If the write
// comes back short, the kernel cancels the linked fsync; WriteAtSync then
// finishes the write with WriteAt and syncs with Fdatasync.
//
// p must not be modified until WriteAtSync returns.
func (r *Ring) WriteAtSync(fd int, p []byte, off int64) (int, error) {
	if err := checkArgs(fd, p, off); err != nil {
		return 0, opError("write", err)
	}
	if len(p) == 0 {
		return 0, r.Fdatasync(fd)
	}
	if len(p) > ioBytesMax {
		n, err := r.WriteAt(fd, p, off)
		if err != nil {
			return n, err
		}
		return n, r.Fdatasync(fd)
	}
	args := [2]sqeArgs{
		{opcode: opWrite, flags: sqeIOLink, fd: int32(fd), buf: p, off: uint64(off)},
		{opcode: opFsync, fd: int32(fd), opFlags: fsyncDatasync},
	}
	res, err := r.do(&args, 2)
	runtime.KeepAlive(p)
	written, synced := res[0], res[1]
	switch {
	case err != nil:
		return int(max(written, 0)), opError("write", err)
	case written < 0:
		return 0, opError("write", syscall.Errno(-written))
	case int(written) < len(p) || synced == -int32(syscall.ECANCELED):
		// Short: the kernel broke the link and cancelled the fsync.
		n, err := r.WriteAt(fd, p[written:], off+int64(written))
		n += int(written)
		if err != nil {
			return n, err
		}
		return n, r.Fdatasync(fd)
	case synced < 0:
		return len(p), opError("fdatasync", syscall.Errno(-synced))
	}
	return len(p), nil
}

// checkArgs rejects what the kernel would misread: a negative offset means
// "the file position" to IORING_OP_WRITE, not an error as for pwrite(2).
func checkArgs(fd int, p []byte, off int64) error {
	switch {
	case fd < 0 || fd > math.MaxInt32:
		return syscall.EBADF
	case off < 0 || off > math.MaxInt64-int64(len(p)):
		return syscall.EINVAL
	}
	return nil
}

// checkOpen returns the error an operation on a closed or broken ring
// returns, for operations with nothing to submit.
func (r *Ring) checkOpen(op string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return opError(op, ErrClosed)
	case r.broken != nil:
		return opError(op, r.broken)
	}
	return nil
}

// opError wraps err as the error of operation op: "uring: write: bad file
// descriptor", or "uring: ring closed: write" for ErrClosed.
func opError(op string, err error) error {
	if errors.Is(err, ErrClosed) {
		return fmt.Errorf("%w: %s", ErrClosed, op)
	}
	return fmt.Errorf("uring: %s: %w", op, err)
}
