// Package uring is a small io_uring ring for Linux, written directly on the
// system calls of golang.org/x/sys/unix: enough to write and fdatasync files
// through the kernel's submission and completion queues, and in particular
// to submit a write and the fdatasync that makes it durable as one linked
// pair, in one system call.
//
// # Types
//
//   - Ring: one io_uring instance (New, Close) with three synchronous
//     operations: WriteAt, Fdatasync and WriteAtSync.
//   - Batch: a ring owned by one goroutine that runs many non-blocking
//     socket sends and receives (IORING_OP_SEND, IORING_OP_RECV with
//     MSG_DONTWAIT) in one io_uring_enter: an event loop's round of
//     transfers in one system call (NewBatch, Run, Close).
//   - Available: whether this kernel (and its seccomp filter and sysctls)
//     lets a ring run the operations above; probed once, then cached.
//
// # The ABI subset used
//
// io_uring_setup(2) with no flags (no SQPOLL, no IOPOLL, no CQE32), then
// mmap(2) of the SQ ring, the CQ ring (the same mapping when the kernel
// reports IORING_FEAT_SINGLE_MMAP, Linux 5.4+) and the SQE array.
// io_uring_enter(2) with IORING_ENTER_GETEVENTS. io_uring_register(2) only
// for IORING_REGISTER_PROBE. Opcodes: IORING_OP_WRITE (Linux 5.6+) and
// IORING_OP_FSYNC with IORING_FSYNC_DATASYNC; the SQE flag IOSQE_IO_LINK;
// for Batch, IORING_OP_SEND and IORING_OP_RECV (Linux 5.6+).
// The ring-index fields shared with the kernel (SQ head and tail, CQ head
// and tail) are read and written only with sync/atomic, which gives the
// acquire and release ordering the ABI requires.
//
// # Invariants
//
//   - Every SQE published to the kernel produces exactly one CQE, and its
//     user_data names the request slot and the SQE's index in the request.
//     A completion for anything else is a bug and panics.
//   - At most Ring's SQ size of SQEs is in flight, so neither the SQ nor
//     the CQ (twice the SQ) can overflow; more callers wait for room.
//   - A caller's buffer stays reachable, and on the heap, until the kernel
//     has completed the SQE that reads it.
//
// # Concurrency
//
// A Ring is safe for concurrent use, and its operations do run
// concurrently: each caller's request is queued under the ring's mutex,
// and whichever caller holds the polling role waits in io_uring_enter
// (without the mutex) and hands every completion to its request by
// user_data; the other callers sleep until their request is done or the
// role is passed to them. Close waits for the operations in flight;
// afterwards every operation fails with ErrClosed. A Ring must not be
// copied.
//
// # Errors
//
// A negative cqe.res comes back as its errno, wrapped with the action:
// "uring: write: bad file descriptor", so errors.Is(err, syscall.EBADF)
// holds. ErrClosed after Close. If io_uring_enter itself fails with an
// error that retrying cannot fix (EINTR is retried), the ring refuses
// further work with that error.
//
// # Callers always keep a fallback
//
// io_uring may be missing (old kernels) or forbidden (io_uring_disabled,
// container seccomp profiles), so no caller may depend on this package: it
// checks Available and otherwise uses pwrite(2) and fdatasync(2). In Reef,
// vfs.NewURing is the only user, and vfs.Default is the fallback.
package uring
