package satori

import (
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/satori/bucket"
	"github.com/reefdb/reef/walrus"
)

// Metric is the distance a collection orders vectors by. Smaller
// Result.Distance is always nearer.
type Metric uint8

const (
	// L2 is the squared Euclidean distance (as FAISS reports it).
	L2 Metric = iota
	// Cosine is 1 - cos(q, x). Vectors and queries are normalized to unit
	// length when they enter, so Get returns the normalized vector.
	Cosine
	// InnerProduct is the negated inner product -<q, x> (maximum inner
	// product search).
	InnerProduct
)

// String returns "l2", "cosine" or "ip".
func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case Cosine:
		return "cosine"
	case InnerProduct:
		return "ip"
	}
	return fmt.Sprintf("Metric(%d)", uint8(m))
}

// ParseMetric parses "l2", "cosine" or "ip" (also "euclidean", "dot",
// "inner_product"), case-insensitively.
func ParseMetric(s string) (Metric, error) {
	switch strings.ToLower(s) {
	case "l2", "euclidean":
		return L2, nil
	case "cosine", "cos":
		return Cosine, nil
	case "ip", "dot", "inner_product", "innerproduct":
		return InnerProduct, nil
	}
	return 0, fmt.Errorf("%w: unknown metric %q (want l2, cosine or ip)", ErrInvalidOptions, s)
}

// Durability says when a write is acknowledged relative to fsync of the
// log, as in Walrus.
type Durability = walrus.Durability

// The durability modes.
const (
	// SyncAlways acknowledges a write after its log record is fdatasync'ed
	// (group-committed with concurrent writers).
	SyncAlways = walrus.Sync
	// SyncInterval acknowledges once the record is buffered and fsyncs
	// every Options.SyncInterval: a crash loses at most about that much.
	SyncInterval = walrus.Interval
	// SyncNone leaves syncing to the OS (and to bucket commits).
	SyncNone = walrus.None
)

// Defaults of Options.
const (
	DefaultMaxBucket     = 512
	DefaultProbes        = 32
	DefaultProbeSlack    = 0.3
	DefaultMaxDeltaBytes = 64 << 20
	DefaultLogBytes      = 256 << 20
)

// MinProbes is how many of the nearest buckets a search reads whatever
// ProbeSlack prunes (fewer only if Probes is smaller); past 8·MinProbes
// probes, a search reads at least an eighth of them.
const MinProbes = 8

// Options configures a database. Dim is required when the directory holds
// no database yet; on an existing one Dim and Metric, when set, must match
// what it was created with.
type Options struct {
	// Dim is the vector dimension, 1..65536.
	Dim int
	// Metric is the distance; default L2.
	Metric Metric
	// Durability is when writes are acknowledged; default SyncAlways.
	Durability Durability
	// SyncInterval is the fsync period of SyncInterval (default 100ms).
	SyncInterval time.Duration
	// MaxBucket is the size past which a bucket is split in two (balanced
	// 2-means); default 512. Buckets hold between MinBucket and MaxBucket
	// vectors once maintenance has caught up.
	MaxBucket int
	// MinBucket is the size under which a bucket is merged into its
	// neighbours; default MaxBucket/8.
	MinBucket int
	// Probes is how many buckets a search reads at most when
	// SearchOptions.Probes is 0; default 32. More probes: higher recall,
	// slower search.
	Probes int
	// ProbeSlack prunes each query's probes (SPANN's query-aware
	// pruning): past the nearest max(MinProbes, Probes/8) buckets, a
	// search skips those whose centroid's squared distance is more than
	// 1+ProbeSlack times the nearest one's. A query close to a few
	// buckets then reads those, one inside a large cluster reads up to
	// Probes; raising Probes still raises recall. 0 means
	// DefaultProbeSlack (0.3); negative reads Probes buckets always. Not
	// applied with InnerProduct, whose routing scores are not distances.
	ProbeSlack float64
	// Workers is how many searches run at once (one worker per core);
	// default GOMAXPROCS. Searches beyond it wait.
	Workers int
	// MaxDeltaBytes bounds the acknowledged vectors held in memory until
	// maintenance writes them into their buckets; writers wait while it is
	// exceeded. Default 64 MiB.
	MaxDeltaBytes int64
	// LogBytes is how much log may accumulate before maintenance writes
	// out the oldest changes so the log can be trimmed; default 256 MiB.
	LogBytes int64
	// SegmentBytes is the size past which the bucket store starts a new
	// segment file (satori/bucket); default 64 MiB. Maintenance compacts
	// segments once their files hold more than twice the live buckets'
	// bytes plus two segments.
	SegmentBytes int64
	// MaintenanceInterval is how often maintenance looks for work when no
	// write wakes it; default 100ms.
	MaintenanceInterval time.Duration
	// DisableMaintenance stops the background maintenance (tests drive it
	// with Maintain). Flush and Close still write everything out.
	DisableMaintenance bool
	// Seed seeds the clustering and the router's level generator.
	Seed uint64
	// FS is the file system; nil means the operating system's.
	FS vfs.FS
	// Logger receives maintenance events and failures; nil discards.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxBucket == 0 {
		o.MaxBucket = DefaultMaxBucket
	}
	if o.MinBucket == 0 {
		o.MinBucket = max(1, o.MaxBucket/8)
	}
	if o.Probes == 0 {
		o.Probes = DefaultProbes
	}
	if o.ProbeSlack == 0 {
		o.ProbeSlack = DefaultProbeSlack
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxDeltaBytes == 0 {
		o.MaxDeltaBytes = DefaultMaxDeltaBytes
	}
	if o.LogBytes == 0 {
		o.LogBytes = DefaultLogBytes
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = 100 * time.Millisecond
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = walrus.DefaultSyncInterval
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate checks o after defaults; dim 0 is allowed (an existing
// database supplies it).
func (o Options) validate() error {
	switch {
	case o.Dim < 0 || o.Dim > bucket.MaxDim:
		return fmt.Errorf("%w: Dim %d outside 1..%d", ErrInvalidOptions, o.Dim, bucket.MaxDim)
	case o.Metric > InnerProduct:
		return fmt.Errorf("%w: unknown Metric %d", ErrInvalidOptions, o.Metric)
	case o.MaxBucket < 2 || o.MaxBucket > 1<<20:
		return fmt.Errorf("%w: MaxBucket %d outside 2..%d", ErrInvalidOptions, o.MaxBucket, 1<<20)
	case o.MinBucket < 1 || o.MinBucket*2 > o.MaxBucket:
		return fmt.Errorf("%w: MinBucket %d must be in 1..MaxBucket/2", ErrInvalidOptions, o.MinBucket)
	case o.Probes < 1:
		return fmt.Errorf("%w: Probes %d < 1", ErrInvalidOptions, o.Probes)
	case math.IsNaN(o.ProbeSlack) || math.IsInf(o.ProbeSlack, 0):
		return fmt.Errorf("%w: ProbeSlack %v", ErrInvalidOptions, o.ProbeSlack)
	case o.Workers < 1:
		return fmt.Errorf("%w: Workers %d < 1", ErrInvalidOptions, o.Workers)
	case o.MaxDeltaBytes < 1<<16:
		return fmt.Errorf("%w: MaxDeltaBytes %d < 64 KiB", ErrInvalidOptions, o.MaxDeltaBytes)
	case o.LogBytes < 1<<20:
		return fmt.Errorf("%w: LogBytes %d < 1 MiB", ErrInvalidOptions, o.LogBytes)
	case o.SyncInterval < 0 || o.MaintenanceInterval < 0:
		return fmt.Errorf("%w: negative interval", ErrInvalidOptions)
	}
	switch o.Durability {
	case SyncAlways, SyncInterval, SyncNone:
	default:
		return fmt.Errorf("%w: unknown Durability %d", ErrInvalidOptions, o.Durability)
	}
	return nil
}
