//go:build linux

package uring

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrUnavailable says that io_uring cannot be used here: the kernel is too
// old, io_uring is disabled (sysctl kernel.io_uring_disabled) or filtered
// (seccomp, as in many container runtimes), or the probe write failed.
var ErrUnavailable = errors.New("uring: io_uring unavailable")

var probeOnce = sync.OnceValue(probeKernel)

// Available reports whether rings can be set up and run IORING_OP_WRITE and
// IORING_OP_FSYNC. The first call probes (a small ring asks the kernel
// which opcodes it supports, then writes, fdatasyncs and reads back a
// memfd); later calls return the cached answer.
func Available() bool {
	return probeOnce() == nil
}

// Unavailable returns why Available is false, wrapping ErrUnavailable, or
// nil when it is true.
func Unavailable() error {
	return probeOnce()
}

func probeKernel() error {
	r, err := New(4)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer r.Close()
	if err := r.supports(opWrite, opFsync); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	fd, err := unix.MemfdCreate("reef-uring-probe", unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("%w: memfd: %w", ErrUnavailable, err)
	}
	defer unix.Close(fd)
	want := []byte("reef io_uring probe")
	if _, err := r.WriteAtSync(fd, want, 0); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	got := make([]byte, len(want)+1)
	if n, err := unix.Pread(fd, got, 0); err != nil || !bytes.Equal(got[:n], want) {
		return fmt.Errorf("%w: probe write read back as %q, %v", ErrUnavailable, got[:max(n, 0)], err)
	}
	return nil
}

// supports asks the kernel (IORING_REGISTER_PROBE, Linux 5.6+) whether it
// implements every opcode in ops.
func (r *Ring) supports(ops ...uint8) error {
	var p probe
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerProbe,
		uintptr(unsafe.Pointer(&p)), probeOpsMax, 0, 0)
	if errno != 0 {
		return fmt.Errorf("register probe: %w", errno)
	}
	for _, op := range ops {
		if op >= p.opsLen || p.ops[op].flags&probeSupported == 0 {
			return fmt.Errorf("opcode %d not supported", op)
		}
	}
	return nil
}
