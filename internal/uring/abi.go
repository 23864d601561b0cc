//go:build linux

package uring

import "unsafe"

// The subset of the io_uring ABI (include/uapi/linux/io_uring.h) this package
// uses. Layouts are fixed by the kernel; the size assertions below fail the
// build if a field is added or moved by mistake.

// Offsets passed to mmap(2) to map the three regions of a ring.
const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

// Opcodes (enum io_uring_op).
const (
	opFsync = 3
	opWrite = 23
)

// Flags.
const (
	sqeIOLink = 1 << 2 // IOSQE_IO_LINK: the next SQE starts only if this one succeeds in full

	fsyncDatasync = 1 << 0 // IORING_FSYNC_DATASYNC: fdatasync(2) rather than fsync(2)

	enterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS: wait for min_complete completions

	featSingleMmap = 1 << 0 // IORING_FEAT_SINGLE_MMAP: SQ and CQ rings share one mapping

	registerProbe  = 8      // IORING_REGISTER_PROBE
	probeSupported = 1 << 0 // IO_URING_OP_SUPPORTED
	probeOpsMax    = 256    // the most ops a probe can describe (ops_len is a u8)
)

// sqe is struct io_uring_sqe (64 bytes), with the unions named after the
// members used here.
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	opFlags     uint32 // rw_flags, fsync_flags, ...
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFdIn  int32
	addr3       uint64
	pad         uint64
}

// cqe is struct io_uring_cqe (16 bytes; this package never sets up a ring
// with IORING_SETUP_CQE32).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// sqringOffsets is struct io_sqring_offsets.
type sqringOffsets struct {
	head        uint32
	tail        uint32
	ringMask    uint32
	ringEntries uint32
	flags       uint32
	dropped     uint32
	array       uint32
	resv1       uint32
	userAddr    uint64
}

// cqringOffsets is struct io_cqring_offsets.
type cqringOffsets struct {
	head        uint32
	tail        uint32
	ringMask    uint32
	ringEntries uint32
	overflow    uint32
	cqes        uint32
	flags       uint32
	resv1       uint32
	userAddr    uint64
}

// params is struct io_uring_params, filled in by io_uring_setup(2).
type params struct {
	sqEntries    uint32
	cqEntries    uint32
	flags        uint32
	sqThreadCPU  uint32
	sqThreadIdle uint32
	features     uint32
	wqFd         uint32
	resv         [3]uint32
	sqOff        sqringOffsets
	cqOff        cqringOffsets
}

// probeOp is struct io_uring_probe_op.
type probeOp struct {
	op    uint8
	resv  uint8
	flags uint16
	resv2 uint32
}

// probe is struct io_uring_probe with room for every op.
type probe struct {
	lastOp uint8
	opsLen uint8
	resv   uint16
	resv2  [3]uint32
	ops    [probeOpsMax]probeOp
}

// Compile-time layout checks: each line fails to build unless the size is
// exactly the kernel's.
var (
	_ [unsafe.Sizeof(sqe{}) - 64]struct{}
	_ [64 - unsafe.Sizeof(sqe{})]struct{}
	_ [unsafe.Sizeof(cqe{}) - 16]struct{}
	_ [16 - unsafe.Sizeof(cqe{})]struct{}
	_ [unsafe.Sizeof(params{}) - 120]struct{}
	_ [120 - unsafe.Sizeof(params{})]struct{}
	_ [unsafe.Sizeof(probe{}) - (16 + 8*probeOpsMax)]struct{}
	_ [(16 + 8*probeOpsMax) - unsafe.Sizeof(probe{})]struct{}
)
