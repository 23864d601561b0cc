//go:build linux

package uring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Socket opcodes (enum io_uring_op), Linux 5.6+.
const (
	opSend = 26 // IORING_OP_SEND
	opRecv = 27 // IORING_OP_RECV
)

// Op is one socket transfer of a Batch.
type Op struct {
	Recv bool   // receive into Buf (recv(2)); otherwise send Buf (send(2))
	Fd   int    // a socket
	Buf  []byte // not empty; on the heap (a slice made by make or append)

	// Set by Batch.Run: the bytes transferred (0 on a receive: the peer
	// closed), or the error, unix.EAGAIN when the socket was not ready.
	N   int
	Err error
}

// Batch is a ring that runs many non-blocking socket sends and receives in
// one system call: an event loop hands it the transfers of a round, one per
// ready connection, where it would otherwise make one read(2) or write(2)
// each. Every transfer is flagged MSG_DONTWAIT, so the kernel completes it
// while it takes the submission (a socket that is not ready answers
// EAGAIN) and Run returns as soon as the kernel has taken them all.
//
// A Batch belongs to one goroutine: it is not safe for concurrent use.
type Batch struct {
	r    *Ring
	keep [][]byte // the buffers of the transfers in flight (see request.bufs)
}

// NewBatch sets up a Batch of at most entries transfers per system call
// (Run splits longer lists). It fails with an error wrapping
// ErrUnavailable when the kernel cannot run IORING_OP_SEND and
// IORING_OP_RECV; the caller then uses plain system calls.
func NewBatch(entries uint32) (*Batch, error) {
	r, err := New(entries)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := r.supports(opSend, opRecv); err != nil {
		r.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return &Batch{r: r}, nil
}

// Close releases the ring.
func (b *Batch) Close() error { return b.r.Close() }

// Run performs ops, each op once, and sets each op's N and Err. Its own
// error means the ring is closed or failed: the ops whose Err is that
// error did not run, the others have their results. An op with an empty
// Buf or a negative Fd gets EINVAL without running.
func (b *Batch) Run(ops []Op) error {
	for len(ops) > 0 {
		n := min(len(ops), int(b.r.entries))
		if err := b.run(ops[:n]); err != nil {
			for i := range ops[n:] {
				ops[n+i].N, ops[n+i].Err = 0, err
			}
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// errNotRun marks an op the kernel has not completed yet.
var errNotRun = errors.New("uring: transfer not run")

func (b *Batch) run(ops []Op) error {
	r := b.r
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	switch {
	case r.closed:
		err = fmt.Errorf("%w: batch", ErrClosed)
	case r.broken != nil:
		err = r.broken
	}
	if err != nil {
		for i := range ops {
			ops[i].N, ops[i].Err = 0, err
		}
		return err
	}
	b.keep = b.keep[:0]
	queued := uint32(0)
	for i := range ops {
		op := &ops[i]
		op.N, op.Err = 0, errNotRun
		if len(op.Buf) == 0 || op.Fd < 0 {
			op.Err = syscall.EINVAL
			continue
		}
		code := uint8(opSend)
		if op.Recv {
			code = opRecv
		}
		r.sqes[r.tail&r.sqMask] = sqe{
			opcode:   code,
			fd:       int32(op.Fd),
			addr:     uint64(uintptr(unsafe.Pointer(unsafe.SliceData(op.Buf)))),
			len:      uint32(min(len(op.Buf), 1<<31-1)),
			opFlags:  unix.MSG_DONTWAIT,
			userData: uint64(i),
		}
		b.keep = append(b.keep, op.Buf)
		r.tail++
		queued++
	}
	if queued == 0 {
		return nil
	}
	atomic.StoreUint32(r.sqTail, r.tail)
	for left := queued; left > 0; {
		toSubmit := r.tail - atomic.LoadUint32(r.sqHead)
		// RawSyscall: a MSG_DONTWAIT transfer completes while the kernel
		// takes it, so the call does not block on the network; and an event
		// loop's calls skip the scheduler's syscall bookkeeping.
		_, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd),
			uintptr(toSubmit), uintptr(left), enterGetEvents, 0, 0)
		switch errno {
		case 0, unix.EINTR, unix.EAGAIN, unix.EBUSY:
		default:
			// The kernel took no SQE: the queued ones stay unrun, and the
			// ring is unusable (its SQ holds them).
			r.breakLocked(errno)
			for i := range ops {
				if ops[i].Err == errNotRun {
					ops[i].Err = r.broken
				}
			}
			b.keep = b.keep[:0]
			return r.broken
		}
		head, tail := atomic.LoadUint32(r.cqHead), atomic.LoadUint32(r.cqTail)
		for ; head != tail; head++ {
			c := r.cqes[head&r.cqMask]
			if c.userData >= uint64(len(ops)) || ops[c.userData].Err != errNotRun {
				panic(fmt.Sprintf("uring: batch completion for unknown transfer %d", c.userData))
			}
			op := &ops[c.userData]
			if c.res >= 0 {
				op.N, op.Err = int(c.res), nil
			} else {
				op.Err = syscall.Errno(-c.res)
			}
			left--
		}
		atomic.StoreUint32(r.cqHead, head)
	}
	b.keep = b.keep[:0]
	return nil
}
