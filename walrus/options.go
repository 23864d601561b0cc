package walrus

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/reefdb/reef/internal/vfs"
)

// Durability says when an append is acknowledged relative to fsync.
type Durability int

const (
	// Sync acknowledges an append only after its data has been written and
	// fdatasync'ed. Concurrent appends share one write and one fdatasync
	// (group commit). A crash never loses an acknowledged entry, and readers
	// only see synced entries, so nothing a reader saw can be taken back.
	Sync Durability = iota
	// Interval acknowledges an append once it is in Walrus's write buffer. A
	// background flusher writes buffered entries to the file as they come and
	// fdatasyncs every Options.SyncInterval, so a crash (of the process or the
	// machine) loses at most the entries acknowledged in roughly the last
	// SyncInterval plus one fdatasync. What survives is always a prefix of the
	// topic: never a hole in the middle.
	Interval
	// None calls fdatasync only when a segment is sealed or created (once per
	// SegmentSizeBytes, so that what survives is a prefix). Entries reach the OS page cache shortly
	// after the acknowledgement; a process crash loses at most the entries
	// still in Walrus's write buffer, a power loss may lose any number of
	// them. What survives is a prefix, as in Interval.
	None
)

// String returns "sync", "interval" or "none".
func (d Durability) String() string {
	switch d {
	case Sync:
		return "sync"
	case Interval:
		return "interval"
	case None:
		return "none"
	}
	return fmt.Sprintf("durability(%d)", int(d))
}

// ParseDurability parses "sync", "interval" or "none".
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "sync":
		return Sync, nil
	case "interval":
		return Interval, nil
	case "none":
		return None, nil
	}
	return 0, fmt.Errorf("walrus: unknown durability %q (want sync, interval or none)", s)
}

// One io_uring FS (one ring) serves every Log of the process that asks for
// it: a ring is never closed, so it must not be made per Open.
var (
	uringOnce sync.Once
	uringFS   vfs.FS
	uringErr  error
)

// IOOptions applies a named I/O path to o: "auto" (the default: IOAuto),
// "pwrite" (IOBuffered: pwrite, fdatasync, page cache), "direct" (IODirect)
// or "uring" (pwrite and fdatasync through an io_uring FS, vfs.NewURing). It
// is what the --io flags of the reef commands map onto.
func IOOptions(o Options, path string) (Options, error) {
	switch path {
	case "", "auto":
		o.IO = IOAuto
	case "pwrite":
		o.IO = IOBuffered
	case "direct":
		o.IO = IODirect
	case "uring":
		o.IO = IOBuffered
		uringOnce.Do(func() { uringFS, uringErr = vfs.NewURing() })
		if uringErr != nil {
			return o, fmt.Errorf("walrus: io_uring: %w", uringErr)
		}
		o.FS = uringFS
	default:
		return o, fmt.Errorf("walrus: unknown I/O path %q (want pwrite, direct or uring)", path)
	}
	return o, nil
}

// IOMode is how segments are written.
type IOMode int

const (
	// IOAuto is IODirect in Sync mode and IOBuffered otherwise.
	IOAuto IOMode = iota
	// IOBuffered writes with pwrite through the page cache.
	IOBuffered
	// IODirect writes with O_DIRECT, in whole 4 KiB blocks (the partial
	// last block is rewritten by the next write), bypassing the page cache;
	// reads stay buffered. The FS must implement vfs.DirectOpener. Rewriting
	// the partial block relies on the device writing a 4 KiB block
	// atomically (as PostgreSQL's WAL and RocksDB's direct mode do). Each
	// topic holds one more file handle.
	IODirect
)

// Defaults for the zero value of Options.
const (
	DefaultSyncInterval       = 100 * time.Millisecond
	DefaultSegmentSizeBytes   = 64 << 20
	DefaultMaxEntryBytes      = 8 << 20
	DefaultMaxBatchBytes      = 16 << 20
	DefaultMaxPendingBytes    = 4 << 20
	DefaultFrameTargetBytes   = 64 << 10
	DefaultIndexIntervalBytes = 4 << 10
	DefaultMaxOpenFiles       = 1024
	DefaultRetentionInterval  = time.Minute
)

// Options configure a Log. The zero value is usable: every zero field takes
// the documented default.
type Options struct {
	// FS is the file system; nil means the operating system's (vfs.Default).
	FS vfs.FS
	// Durability is the acknowledgement mode; the zero value is Sync.
	Durability Durability
	// SyncInterval is the fdatasync period in Interval mode (default 100ms).
	SyncInterval time.Duration
	// SegmentSizeBytes is the size at which the active segment is sealed and
	// a new one started (default 64 MiB). A segment exceeds it by at most one
	// frame.
	SegmentSizeBytes int64
	// MaxEntryBytes bounds one entry's value (default 8 MiB).
	MaxEntryBytes int
	// MaxBatchBytes bounds the total of one AppendBatch (default 16 MiB). A
	// batch is written as one frame, so it is atomic across a crash.
	MaxBatchBytes int
	// MaxPendingBytes bounds the appended bytes not yet written to the file
	// (default 4 MiB). Appenders wait while it is full. Each topic holds two
	// buffers (one filling, one being written) that grow up to this size.
	MaxPendingBytes int
	// FrameTargetBytes is the size at which the frame being filled by
	// concurrent appends is closed and a new one begun (default 64 KiB).
	FrameTargetBytes int
	// IndexIntervalBytes is the spacing of sparse index entries (default 4 KiB).
	IndexIntervalBytes int
	// MaxOpenFiles bounds the file handles the Log keeps (default 1024). Each
	// topic holds its active segment and its cursor file open; sealed
	// segments are opened on demand and closed least-recently-used. An
	// operation that needs a handle while all are busy waits up to 2s for
	// one, then fails with ErrTooManyOpenFiles.
	MaxOpenFiles int
	// RetentionBytes deletes a topic's oldest sealed segments while the topic
	// is larger than this (0 = keep everything).
	RetentionBytes int64
	// RetentionAge deletes sealed segments whose newest entry is older than
	// this (0 = keep everything).
	RetentionAge time.Duration
	// RetentionInterval is how often retention is enforced (default 1 min);
	// it is also enforced whenever a segment is sealed.
	RetentionInterval time.Duration
	// IO selects how segments are written. IOAuto (the zero value) uses
	// direct I/O in Sync mode, where it measured faster, and the page cache
	// otherwise (docs/benchmarks.md, suite walrus-io), falling back to the
	// page cache where the file system cannot do direct I/O.
	IO IOMode
	// ReadOnly opens the log without taking the directory lock, without
	// recovery writes and without creating anything, so it can read beside a
	// process that has the log open. Reads and Wait pick up what that
	// process appends (entries it wrote, synced or not).
	ReadOnly bool
	// Logger receives recovery and retention events; nil discards them.
	Logger *slog.Logger
	// Now returns the current time (default time.Now); tests inject a clock.
	Now func() time.Time
}

// Validate reports a field that is out of range. Zero values are valid.
func (o *Options) Validate() error {
	switch {
	case o.Durability < Sync || o.Durability > None:
		return fmt.Errorf("walrus: options: unknown durability %d", o.Durability)
	case o.SyncInterval < 0:
		return fmt.Errorf("walrus: options: negative SyncInterval")
	case o.SegmentSizeBytes < 0 || (o.SegmentSizeBytes > 0 && o.SegmentSizeBytes < 4096):
		return fmt.Errorf("walrus: options: SegmentSizeBytes %d below 4096", o.SegmentSizeBytes)
	case o.MaxEntryBytes < 0 || o.MaxBatchBytes < 0 || o.MaxPendingBytes < 0:
		return fmt.Errorf("walrus: options: negative size bound")
	case o.MaxEntryBytes > maxFrameBody || o.MaxBatchBytes > maxFrameBody:
		return fmt.Errorf("walrus: options: entry and batch bounds must stay below %d", maxFrameBody)
	case o.IO < IOAuto || o.IO > IODirect:
		return fmt.Errorf("walrus: options: unknown IO mode %d", o.IO)
	case o.FrameTargetBytes < 0 || o.IndexIntervalBytes < 0:
		return fmt.Errorf("walrus: options: negative frame or index interval")
	case o.MaxOpenFiles < 0 || (o.MaxOpenFiles > 0 && o.MaxOpenFiles < 4):
		return fmt.Errorf("walrus: options: MaxOpenFiles %d below 4", o.MaxOpenFiles)
	case o.RetentionBytes < 0 || o.RetentionAge < 0 || o.RetentionInterval < 0:
		return fmt.Errorf("walrus: options: negative retention")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.SegmentSizeBytes == 0 {
		o.SegmentSizeBytes = DefaultSegmentSizeBytes
	}
	if o.MaxEntryBytes == 0 {
		o.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if o.MaxBatchBytes == 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if o.MaxBatchBytes < o.MaxEntryBytes {
		o.MaxBatchBytes = o.MaxEntryBytes
	}
	if o.MaxPendingBytes == 0 {
		o.MaxPendingBytes = DefaultMaxPendingBytes
	}
	if o.FrameTargetBytes == 0 {
		o.FrameTargetBytes = DefaultFrameTargetBytes
	}
	// Frames are the unit of rolling: keep several in a segment.
	o.FrameTargetBytes = min(o.FrameTargetBytes, int(o.SegmentSizeBytes/4))
	if o.IndexIntervalBytes == 0 {
		o.IndexIntervalBytes = DefaultIndexIntervalBytes
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = DefaultMaxOpenFiles
	}
	if o.RetentionInterval == 0 {
		o.RetentionInterval = DefaultRetentionInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
