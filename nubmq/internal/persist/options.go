package persist

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/walrus"
)

// Fsync is Redis's appendfsync: when an acknowledged write is durable.
type Fsync int

const (
	// FsyncEverySec (Redis's default, and the zero value): Sync returns once
	// the commands are written to the OS (they survive kill -9); the log is
	// fdatasync'ed every second (Walrus Interval mode with a 1s
	// SyncInterval), so a power loss loses about the last second.
	FsyncEverySec Fsync = iota
	// FsyncAlways: Sync returns once the commands are written and
	// fdatasync'ed (Walrus Sync mode). Concurrent callers share one write
	// and one fdatasync (group commit). An acknowledged write survives kill
	// -9 and power loss.
	FsyncAlways
	// FsyncNo: Sync returns once the commands are written to the OS (they
	// survive kill -9); the OS decides when they reach the disk (Walrus None
	// mode: fdatasync only when a segment fills, and at Close).
	FsyncNo
)

// String returns Redis's name for f: "everysec", "always" or "no".
func (f Fsync) String() string {
	switch f {
	case FsyncEverySec:
		return "everysec"
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	}
	return fmt.Sprintf("fsync(%d)", int(f))
}

// ParseFsync parses Redis's appendfsync values: "always", "everysec", "no".
func ParseFsync(s string) (Fsync, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("persist: unknown appendfsync %q (want always, everysec or no)", s)
}

func (f Fsync) durability() walrus.Durability {
	switch f {
	case FsyncAlways:
		return walrus.Sync
	case FsyncNo:
		return walrus.None
	}
	return walrus.Interval
}

// Defaults for the zero fields of Options.
const (
	DefaultMaxPendingBytes     = 16 << 20
	DefaultMaxEntryBytes       = walrus.DefaultMaxEntryBytes // 8 MiB
	DefaultMaxBatchBytes       = walrus.DefaultMaxBatchBytes // 16 MiB
	DefaultSegmentSizeBytes    = walrus.DefaultSegmentSizeBytes
	DefaultAutoRewritePercent  = 100      // Redis's auto-aof-rewrite-percentage
	DefaultAutoRewriteMinBytes = 64 << 20 // Redis's auto-aof-rewrite-min-size
	// EverySecInterval is the fdatasync period of FsyncEverySec.
	EverySecInterval = time.Second
	// flushInterval is how long appended commands may wait in the pending
	// buffer when nobody calls Sync (a safety net: the server calls Sync
	// after every batch of commands).
	flushInterval = 100 * time.Millisecond
	// minEntryBytes keeps room for a piece header and some payload.
	minEntryBytes = 64
)

// Options configure an AOF. The zero value of every field but Dir is usable.
type Options struct {
	// Dir is the data directory (required). It holds the MANIFEST, the base
	// snapshots and the Walrus log (subdirectory "aof"); see
	// docs/format/nubmq-persist.md.
	Dir string
	// FS is the file system; nil means the operating system's (vfs.Default).
	FS vfs.FS
	// Fsync is the appendfsync policy; the zero value is FsyncEverySec.
	Fsync Fsync
	// Logger receives recovery, rewrite and failure events; nil discards.
	Logger *slog.Logger
	// MaxPendingBytes bounds the encoded commands appended but not yet taken
	// by the flusher (default 16 MiB). Append blocks while it is full (see
	// Append). A single command larger than the bound is accepted alone.
	MaxPendingBytes int
	// MaxEntryBytes bounds one Walrus entry (default 8 MiB, Walrus's
	// MaxEntryBytes). Commands are packed several to an entry; a command
	// larger than an entry is split over several (docs/format).
	MaxEntryBytes int
	// MaxBatchBytes bounds one Walrus AppendBatch, which is one frame and
	// one write (default 16 MiB, Walrus's MaxBatchBytes). At least
	// MaxEntryBytes.
	MaxBatchBytes int
	// SegmentSizeBytes is the Walrus segment size (default 64 MiB).
	SegmentSizeBytes int64
	// AutoRewritePercent and AutoRewriteMinBytes are Redis's
	// auto-aof-rewrite-percentage (default 100; negative disables) and
	// auto-aof-rewrite-min-size (default 64 MiB); RewriteDue applies them.
	AutoRewritePercent  int
	AutoRewriteMinBytes int64
	// Now is the clock for metrics (default time.Now).
	Now func() time.Time
}

// Validate reports a field that is out of range.
func (o *Options) Validate() error {
	switch {
	case o.Dir == "":
		return errors.New("persist: options: Dir is required")
	case o.Fsync < FsyncEverySec || o.Fsync > FsyncNo:
		return fmt.Errorf("persist: options: unknown Fsync %d", o.Fsync)
	case o.MaxPendingBytes < 0 || o.MaxEntryBytes < 0 || o.MaxBatchBytes < 0 || o.SegmentSizeBytes < 0 || o.AutoRewriteMinBytes < 0:
		return errors.New("persist: options: negative size bound")
	case o.MaxEntryBytes > 0 && o.MaxEntryBytes < minEntryBytes:
		return fmt.Errorf("persist: options: MaxEntryBytes %d below %d", o.MaxEntryBytes, minEntryBytes)
	case o.MaxBatchBytes > 0 && o.MaxBatchBytes < max(o.MaxEntryBytes, minEntryBytes):
		return fmt.Errorf("persist: options: MaxBatchBytes %d below MaxEntryBytes", o.MaxBatchBytes)
	}
	w := o.walrusOptions()
	if err := w.Validate(); err != nil {
		return fmt.Errorf("persist: options: %w", err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxPendingBytes == 0 {
		o.MaxPendingBytes = DefaultMaxPendingBytes
	}
	if o.MaxEntryBytes == 0 {
		o.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if o.MaxBatchBytes == 0 {
		o.MaxBatchBytes = max(DefaultMaxBatchBytes, o.MaxEntryBytes)
	}
	if o.SegmentSizeBytes == 0 {
		o.SegmentSizeBytes = DefaultSegmentSizeBytes
	}
	if o.AutoRewritePercent == 0 {
		o.AutoRewritePercent = DefaultAutoRewritePercent
	}
	if o.AutoRewriteMinBytes == 0 {
		o.AutoRewriteMinBytes = DefaultAutoRewriteMinBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// walrusOptions maps o onto the Walrus log's options. Walrus's own write
// buffer holds one batch: the AOF's pending buffer is the queue.
func (o Options) walrusOptions() walrus.Options {
	w := walrus.Options{
		FS:               o.FS,
		Durability:       o.Fsync.durability(),
		SegmentSizeBytes: o.SegmentSizeBytes,
		MaxEntryBytes:    o.MaxEntryBytes,
		MaxBatchBytes:    o.MaxBatchBytes,
		MaxPendingBytes:  o.MaxBatchBytes,
		Logger:           o.Logger,
	}
	if o.Fsync == FsyncEverySec {
		w.SyncInterval = EverySecInterval
	}
	return w
}
