//go:build linux

package uring

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned, wrapped, by every operation on a Ring after Close,
// and by a second Close.
var ErrClosed = errors.New("uring: ring closed")

const (
	// EntriesMax is the largest submission queue New accepts. The kernel
	// allows more; a Reef ring never needs them.
	EntriesMax = 4096

	// ioBytesMax bounds the bytes of one write SQE: sqe.len is 32 bits, and
	// the kernel caps one write at MAX_RW_COUNT (2 GiB - 4 KiB) anyway.
	ioBytesMax = 1 << 30

	// transientRetriesMax bounds consecutive EAGAIN or EBUSY answers from
	// io_uring_enter before the ring is declared broken.
	transientRetriesMax = 1000

	// brokenPollInterval is how often a caller of a broken ring looks for
	// the completions of SQEs the kernel had already taken. A ring breaks
	// only on a bug, so this path is for not hanging, not for speed.
	brokenPollInterval = time.Millisecond
)

// Ring is an io_uring instance: a submission queue, a completion queue, and
// the bookkeeping that lets many goroutines share them. Its operations are
// synchronous: each returns once the kernel has completed everything it
// submitted. The zero value is not usable; call New.
//
// Lock order: Ring.mu only; nothing is called with it held that takes
// another lock of this package.
type Ring struct {
	fd      int
	entries uint32 // SQ size: the bound on SQEs in flight and on requests

	// Shared with the kernel. The kernel writes *sqHead and *cqTail; this
	// package writes *sqTail and *cqHead. All four are read and written
	// with sync/atomic, which orders the SQE writes before the tail store
	// that publishes them, and the CQE reads before the head store that
	// hands their slots back.
	sqMem, cqMem, sqeMem []byte // cqMem is sqMem with IORING_FEAT_SINGLE_MMAP
	sqHead, sqTail       *uint32
	cqHead, cqTail       *uint32
	sqMask, cqMask       uint32
	sqes                 []sqe
	cqes                 []cqe

	// mu guards the fields below, and every request.
	mu sync.Mutex
	// cond (on mu) is broadcast when a completion is reaped, a request
	// slot is freed, a caller leaves, or the ring closes.
	cond     sync.Cond
	tail     uint32     // next SQ position to fill; published to *sqTail
	inflight uint32     // SQEs queued or submitted whose completion is not reaped; ≤ entries
	reqs     []*request // by slot; an SQE's user_data is slot<<1 | its index in the request
	free     []uint32   // free slots
	live     int        // requests with completions outstanding
	polling  bool       // a caller owns the job of waiting in the kernel and reaping
	// combining is set while the poller's io_uring_enter, running without
	// mu, may still take SQEs: exactly those queued before combineEnd.
	combining  bool
	combineEnd uint32
	users      int // callers inside do
	closed     bool
	broken     error // io_uring_enter failed in a way retrying cannot fix
}

// request is one operation of one caller: one SQE, or two linked ones.
type request struct {
	slot  uint32
	first uint32 // SQ position of its first SQE
	n     uint32 // its SQEs
	left  uint32 // its SQEs whose completion is not yet reaped
	res   [2]int32
	err   error // set when the ring broke before the kernel took an SQE
	// bufs holds the caller's buffers until completion. Besides keeping
	// them reachable, storing them here makes every buffer passed to the
	// Ring escape to the heap, where the garbage collector never moves
	// memory; a buffer on a goroutine stack could move under the kernel
	// when the stack is copied.
	bufs [2][]byte
	// wake (capacity 1) is signalled when the request completes or when
	// its caller should take over polling.
	wake chan struct{}
}

// sqeArgs describes one SQE of a request.
type sqeArgs struct {
	opcode  uint8
	flags   uint8
	fd      int32
	buf     []byte
	off     uint64
	opFlags uint32
}

// New sets up a ring whose submission queue has entries slots (rounded up
// to a power of two by the kernel, at most EntriesMax). At most that many
// SQEs are in flight at once; further callers wait for room.
func New(entries uint32) (*Ring, error) {
	if entries == 0 || entries > EntriesMax {
		return nil, fmt.Errorf("uring: setup %d entries: %w", entries, syscall.EINVAL)
	}
	var p params
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("uring: setup: %w", errno)
	}
	r := &Ring{fd: int(fd), entries: p.sqEntries}
	if err := r.mapRings(&p); err != nil {
		r.unmap()
		unix.Close(r.fd)
		return nil, err
	}
	r.cond.L = &r.mu
	r.reqs = make([]*request, r.entries)
	r.free = make([]uint32, 0, r.entries)
	for slot := range r.entries {
		r.free = append(r.free, r.entries-1-slot)
	}
	return r, nil
}

// mapRings maps the SQ ring, the CQ ring (the same mapping when the kernel
// offers IORING_FEAT_SINGLE_MMAP) and the SQE array, and points the Ring's
// fields into them.
func (r *Ring) mapRings(p *params) error {
	const prot, flags = unix.PROT_READ | unix.PROT_WRITE, unix.MAP_SHARED | unix.MAP_POPULATE
	sqSize := int(p.sqOff.array) + int(p.sqEntries)*4
	cqSize := int(p.cqOff.cqes) + int(p.cqEntries)*int(unsafe.Sizeof(cqe{}))
	single := p.features&featSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, prot, flags); err != nil {
		return fmt.Errorf("uring: map submission ring: %w", err)
	}
	r.cqMem = r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, prot, flags); err != nil {
			r.cqMem = nil
			return fmt.Errorf("uring: map completion ring: %w", err)
		}
	}
	sqeSize := int(p.sqEntries) * int(unsafe.Sizeof(sqe{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeSize, prot, flags); err != nil {
		return fmt.Errorf("uring: map submission entries: %w", err)
	}

	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail)
	r.sqMask = *u32(r.sqMem, p.sqOff.ringMask)
	r.cqHead, r.cqTail = u32(r.cqMem, p.cqOff.head), u32(r.cqMem, p.cqOff.tail)
	r.cqMask = *u32(r.cqMem, p.cqOff.ringMask)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), p.cqEntries)
	if r.sqMask != p.sqEntries-1 || r.cqMask != p.cqEntries-1 || p.cqEntries < p.sqEntries {
		return fmt.Errorf("uring: setup: unexpected ring sizes sq=%d (mask %#x) cq=%d (mask %#x)",
			p.sqEntries, r.sqMask, p.cqEntries, r.cqMask)
	}
	// The SQ array maps ring positions to SQE indexes. This package fills
	// SQE i at position i (mod size), so the map is the identity, forever.
	array := unsafe.Slice(u32(r.sqMem, p.sqOff.array), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.tail = atomic.LoadUint32(r.sqTail)
	return nil
}

func (r *Ring) unmap() error {
	var errs []error
	if r.sqeMem != nil {
		errs = append(errs, unix.Munmap(r.sqeMem))
	}
	if r.cqMem != nil && unsafe.SliceData(r.cqMem) != unsafe.SliceData(r.sqMem) {
		errs = append(errs, unix.Munmap(r.cqMem))
	}
	if r.sqMem != nil {
		errs = append(errs, unix.Munmap(r.sqMem))
	}
	r.sqMem, r.cqMem, r.sqeMem, r.sqes, r.cqes = nil, nil, nil, nil, nil
	return errors.Join(errs...)
}

// Close waits for the operations in flight to finish, then releases the
// ring. Operations started after Close fail with ErrClosed.
func (r *Ring) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("%w: close", ErrClosed)
	}
	r.closed = true
	r.cond.Broadcast()
	for r.users > 0 {
		r.cond.Wait()
	}
	r.mu.Unlock()
	err := errors.Join(r.unmap(), unix.Close(r.fd))
	if err != nil {
		return fmt.Errorf("uring: close: %w", err)
	}
	return nil
}

// do queues the n SQEs described by args as one request, makes sure the
// kernel has them, and returns once all n have completed, with each SQE's
// cqe.res. The error is ErrClosed, or the error that broke the ring; it
// says nothing about the SQEs' own results.
//
// Completions are reaped by whichever caller holds the polling role: it
// waits in io_uring_enter, hands each completion to its request, and
// passes the role to another waiting caller when its own request is done.
// The others sleep on their request's wake channel.
//
// SQEs are taken by the kernel only whole requests at a time, so a linked
// pair is never split across two io_uring_enter calls (the kernel would
// run the fsync unlinked). Two rules ensure it. Every io_uring_enter asks
// for exactly the SQEs queued when it was prepared, and it is prepared
// under mu, where requests are queued whole. And only one call that takes
// SQEs runs at a time: either under mu (submitLocked), or the poller's,
// which runs without mu and is flagged by combining until the kernel has
// taken its SQEs. The poller's call submits and waits at once, so a caller
// alone on the ring needs a single io_uring_enter per operation.
func (r *Ring) do(args *[2]sqeArgs, n uint32) ([2]int32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users++
	defer r.leaveLocked()
	for !r.closed && r.broken == nil && (r.inflight+n > r.entries || len(r.free) == 0) {
		r.cond.Wait()
	}
	switch {
	case r.closed:
		return [2]int32{}, ErrClosed
	case r.broken != nil:
		return [2]int32{}, r.broken
	}
	req := r.queueLocked(args, n)
	r.waitLocked(req)
	res, err := req.res, req.err
	r.releaseLocked(req)
	return res, err
}

func (r *Ring) leaveLocked() {
	r.users--
	if r.closed {
		r.cond.Broadcast()
	}
}

// queueLocked takes a request slot, writes the request's SQEs and publishes
// them to the kernel (which takes them at the next io_uring_enter).
func (r *Ring) queueLocked(args *[2]sqeArgs, n uint32) *request {
	slot := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	req := r.reqs[slot]
	if req == nil {
		req = &request{slot: slot, wake: make(chan struct{}, 1)}
		r.reqs[slot] = req
	}
	req.first, req.n, req.left, req.res, req.err = r.tail, n, n, [2]int32{}, nil
	for i := range n {
		a := &args[i]
		s := &r.sqes[r.tail&r.sqMask]
		*s = sqe{
			opcode:   a.opcode,
			flags:    a.flags,
			fd:       a.fd,
			off:      a.off,
			opFlags:  a.opFlags,
			userData: uint64(slot)<<1 | uint64(i),
		}
		if len(a.buf) > 0 {
			s.addr = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(a.buf))))
			s.len = uint32(len(a.buf))
		}
		req.bufs[i] = a.buf
		r.tail++
	}
	atomic.StoreUint32(r.sqTail, r.tail)
	r.inflight += n
	r.live++
	return req
}

// waitLocked returns once every SQE of req has completed (or was failed
// because the ring broke). It may release and retake mu.
func (r *Ring) waitLocked(req *request) {
	transient := 0
	for req.left > 0 {
		if !r.polling {
			r.pollLocked(req, &transient)
			continue
		}
		// Another caller polls and will wake us. Our SQEs must reach the
		// kernel first: the poller may be asleep with nothing of ours
		// submitted. submitLocked may release mu, so look again after.
		if r.broken == nil && !r.takenLocked(req) {
			r.submitLocked()
			continue
		}
		r.mu.Unlock()
		<-req.wake
		r.mu.Lock()
	}
	// A caller that leaves without the role must not strand the others:
	// if nobody polls, pass the role on.
	if !r.polling && r.live > 0 {
		r.handOffLocked()
	}
}

// pollLocked takes the polling role for one round: it submits whatever is
// queued, waits in the kernel for completions, and reaps them.
func (r *Ring) pollLocked(req *request, transient *int) {
	r.polling = true
	broken := r.broken
	var toSubmit, minComplete uint32
	if broken == nil {
		toSubmit = r.tail - atomic.LoadUint32(r.sqHead)
		minComplete = 1
		if r.live == 1 {
			minComplete = req.left // alone: sleep until all of ours are done
		}
	}
	if toSubmit > 0 {
		r.combining, r.combineEnd = true, r.tail
	}
	r.mu.Unlock()
	var err error
	if broken != nil {
		time.Sleep(brokenPollInterval)
	} else {
		_, err = r.enter(toSubmit, minComplete, enterGetEvents)
	}
	r.mu.Lock()
	r.combining = false
	r.polling = false
	switch {
	case err == nil:
		*transient = 0
	case err == syscall.EINTR:
		// A signal (the Go runtime preempts with SIGURG) cut the wait
		// short; whatever was submitted stays submitted.
	case (err == syscall.EAGAIN || err == syscall.EBUSY) && *transient < transientRetriesMax:
		*transient++
	default:
		r.breakLocked(err)
	}
	if r.broken != nil {
		r.failQueuedLocked()
	}
	r.reapLocked()
}

// takenLocked reports whether the kernel has taken all of req's SQEs.
func (r *Ring) takenLocked(req *request) bool {
	return int32(atomic.LoadUint32(r.sqHead)-req.first) >= int32(req.n)
}

// submitLocked hands every queued SQE to the kernel without waiting for
// completions. It may release mu: while the poller's io_uring_enter has
// not yet taken the SQEs it asked for, it yields and looks again (the
// window is the poller's few instructions between unlocking and entering
// the kernel).
func (r *Ring) submitLocked() {
	for r.combining && int32(r.combineEnd-atomic.LoadUint32(r.sqHead)) > 0 {
		r.mu.Unlock()
		runtime.Gosched()
		r.mu.Lock()
	}
	if r.broken != nil {
		return
	}
	transient := 0
	for attempt := uint32(0); ; attempt++ {
		queued := r.tail - atomic.LoadUint32(r.sqHead)
		if queued == 0 {
			return
		}
		// Every successful call takes at least one SQE, so a queue that
		// is still not empty after this many calls is a bug.
		if attempt > r.entries+transientRetriesMax {
			r.breakLocked(errors.New("submission queue does not drain"))
			break
		}
		_, err := r.enter(queued, 0, 0)
		if err == nil || err == syscall.EINTR {
			continue
		}
		if (err == syscall.EAGAIN || err == syscall.EBUSY) && transient < transientRetriesMax {
			transient++
			continue
		}
		r.breakLocked(err)
		break
	}
	r.failQueuedLocked()
}

func (r *Ring) enter(toSubmit, minComplete, flags uint32) (uint32, error) {
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd),
		uintptr(toSubmit), uintptr(minComplete), uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return uint32(n), nil
}

// breakLocked records that io_uring_enter failed with an error retrying
// cannot fix: the ring accepts no more requests, and SQEs the kernel has
// not taken are failed.
func (r *Ring) breakLocked(err error) {
	if r.broken == nil {
		r.broken = fmt.Errorf("io_uring_enter: %w", err)
	}
}

// failQueuedLocked fails the SQEs published but not taken by the kernel,
// with -ECANCELED and the ring's error, and takes them back; except those
// the poller's io_uring_enter may still take, which the poller fails when
// it returns.
func (r *Ring) failQueuedLocked() {
	from := atomic.LoadUint32(r.sqHead)
	if r.combining && int32(r.combineEnd-from) > 0 {
		from = r.combineEnd
	}
	for pos := from; pos != r.tail; pos++ {
		s := &r.sqes[pos&r.sqMask]
		req := r.reqs[s.userData>>1]
		if req.err == nil {
			req.err = r.broken
		}
		r.completeLocked(req, s.userData&1, -int32(syscall.ECANCELED))
	}
	r.tail = from
	atomic.StoreUint32(r.sqTail, from)
}

// reapLocked hands every completion in the CQ to its request and returns
// the CQ slots to the kernel. Only the poller calls it.
func (r *Ring) reapLocked() {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	if head == tail {
		return
	}
	for ; head != tail; head++ {
		c := r.cqes[head&r.cqMask]
		slot := c.userData >> 1
		if slot >= uint64(len(r.reqs)) || r.reqs[slot] == nil {
			panic(fmt.Sprintf("uring: completion with unknown user_data %#x", c.userData))
		}
		r.completeLocked(r.reqs[slot], c.userData&1, c.res)
	}
	atomic.StoreUint32(r.cqHead, head)
}

// completeLocked records the result of SQE i of req.
func (r *Ring) completeLocked(req *request, i uint64, res int32) {
	if req.left == 0 || i >= uint64(req.n) {
		panic(fmt.Sprintf("uring: completion %d for request slot %d with %d SQEs, %d outstanding",
			i, req.slot, req.n, req.left))
	}
	req.res[i] = res
	req.left--
	r.inflight--
	if req.left == 0 {
		r.live--
		signal(req.wake)
	}
	r.cond.Broadcast()
}

// handOffLocked wakes one caller whose request is outstanding, so that it
// takes the polling role.
func (r *Ring) handOffLocked() {
	for _, req := range r.reqs {
		if req != nil && req.left > 0 {
			signal(req.wake)
			return
		}
	}
}

// releaseLocked returns a finished request's slot.
func (r *Ring) releaseLocked(req *request) {
	req.bufs = [2][]byte{}
	select {
	case <-req.wake: // a hand-off or completion signal it did not need
	default:
	}
	r.free = append(r.free, req.slot)
	r.cond.Broadcast()
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // already signalled; one pending signal is enough
	}
}
