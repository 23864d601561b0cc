package bucket

import (
	"fmt"
	"log/slog"
	"math"
)

// DefaultSegmentBytes is the default Options.SegmentBytes.
const DefaultSegmentBytes = 64 << 20

// Options configures a Store. The zero value is usable for Open (the
// dimension comes from the manifest); Create needs Dim.
type Options struct {
	// Dim is the vector dimension, 1..MaxDim. Create requires it; Open
	// checks it against the manifest when it is not 0.
	Dim int
	// SegmentBytes is the size past which Write starts a new segment file.
	// A bucket larger than it gets a segment of its own. Default 64 MiB.
	SegmentBytes int64
	// Logger receives best-effort cleanup failures. Nil discards.
	Logger *slog.Logger
}

// Validate reports whether o is usable.
func (o Options) Validate() error {
	if o.Dim < 0 || o.Dim > MaxDim {
		return fmt.Errorf("%w: dim %d (want 1..%d)", ErrInvalid, o.Dim, MaxDim)
	}
	if o.SegmentBytes < 0 || o.SegmentBytes > math.MaxInt64/2 {
		return fmt.Errorf("%w: segment bytes %d", ErrInvalid, o.SegmentBytes)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
