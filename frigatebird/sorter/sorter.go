package sorter

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Key is one ORDER BY key: a column of the batches, its direction, and
// where its NULLs go. NullsFirst holds for ASC and DESC alike: the
// planner resolves the dialect's default before it gets here.
type Key struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// Errors; see each for when it is returned.
var (
	// ErrKey is returned by NewLocal for no keys or a key naming a
	// column that does not exist.
	ErrKey = errors.New("bad sort key")
	// ErrType is returned by NewLocal for a column type that has no
	// physical representation (INTERVAL, an invalid type).
	ErrType = errors.New("unsortable type")
	// ErrBatch is returned by Add for a batch whose columns do not match
	// the local's types.
	ErrBatch = errors.New("batch does not match the sort")
	// ErrMerged is returned by Add on a local that was merged, and by
	// Merge for a local merged before or listed twice.
	ErrMerged = errors.New("local already merged")
	// ErrMismatch is returned by Merge for locals built with different
	// types, keys or limits.
	ErrMismatch = errors.New("locals do not match")
	// ErrTooManyRows is returned by Add when a local would hold more than
	// maxLocalRows rows (row numbers are uint32).
	ErrTooManyRows = errors.New("too many rows")
)

// maxLocalRows bounds the rows one local holds: row numbers are uint32.
const maxLocalRows = math.MaxUint32

// tuning holds the sorter's internal bounds; tests shrink them to reach
// every path with small inputs.
type tuning struct {
	// prefixBytes is the most bytes of a string key the normalized key
	// holds; longer strings are tie-broken on the full value.
	prefixBytes int
	// radixMinRows is the smallest run sorted by radix; smaller runs (and
	// runs of equal prefix words) are sorted by comparison.
	radixMinRows int
	// heapLimitMax is the largest limit kept by a bounded heap; a larger
	// limit sorts every row and keeps the first limit.
	heapLimitMax int64
	// parallelMergeMinRows is the smallest merge split across workers.
	parallelMergeMinRows int
	// samplesPerPart is how many sampled keys per merge partition choose
	// the partitions' splitters.
	samplesPerPart int
}

var defaultTuning = tuning{
	prefixBytes:          16,
	radixMinRows:         512,
	heapLimitMax:         1 << 16,
	parallelMergeMinRows: 1 << 15,
	samplesPerPart:       64,
}

var tune = defaultTuning

// identity is the selection of every row of a full batch.
var identity = func() (s [vector.Size]uint16) {
	for i := range s {
		s[i] = uint16(i)
	}
	return
}()

// Local is one worker's sort state: it copies the batches pushed to it
// and, for a top-N, keeps only the rows that may still be among the first
// limit. A Local is owned by one goroutine; Merge consumes it.
type Local struct {
	types []types.Type
	keys  []Key
	limit int64 // < 0: no limit

	coll  *vector.Collection
	stats []keyStats // of every row added (not used by a heap local)
	top   *topN      // the bounded heap, when 0 < limit <= heapLimitMax

	merged bool
}

// NewLocal returns an empty sort state for batches of columns ts ordered
// by keys. A limit below zero sorts every row; limit >= 0 keeps only the
// first limit rows in key order (a top-N; the executor passes
// offset+count). Errors wrap ErrKey or ErrType.
func NewLocal(ts []types.Type, keys []Key, limit int64) (*Local, error) {
	for j, t := range ts {
		if t.Phys() == types.PhysNone {
			return nil, fmt.Errorf("sorter: new local: column %d has type %s: %w", j, t, ErrType)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("sorter: new local: no keys: %w", ErrKey)
	}
	for i, k := range keys {
		if k.Col < 0 || k.Col >= len(ts) {
			return nil, fmt.Errorf("sorter: new local: key %d names column %d of %d: %w", i, k.Col, len(ts), ErrKey)
		}
	}
	l := &Local{
		types: append([]types.Type(nil), ts...),
		keys:  append([]Key(nil), keys...),
		limit: max(limit, -1),
		coll:  vector.NewCollection(ts),
		stats: make([]keyStats, len(keys)),
	}
	if limit > 0 && limit <= tune.heapLimitMax {
		l.top = newTopN(l.types, l.keys, int(limit))
	}
	return l, nil
}

// Add copies the active rows of b, whose columns have the local's types
// (b is the caller's again when Add returns). Errors wrap ErrBatch,
// ErrMerged or ErrTooManyRows; the local is unchanged then.
func (l *Local) Add(b *vector.Batch) error {
	if l.merged {
		return fmt.Errorf("sorter: add: %w", ErrMerged)
	}
	if err := l.check(b); err != nil {
		return err
	}
	n := b.Active()
	if n == 0 || l.limit == 0 {
		return nil
	}
	if int64(l.coll.Len())+int64(n) > maxLocalRows {
		return fmt.Errorf("sorter: add %d rows to %d: %w", n, l.coll.Len(), ErrTooManyRows)
	}
	rows := b.Sel
	if rows == nil {
		rows = identity[:b.Len]
	}
	if l.top != nil {
		l.addTop(b, rows)
		return nil
	}
	l.coll.Append(b)
	for i, k := range l.keys {
		l.stats[i].add(b.Cols[k.Col], rows)
	}
	return nil
}

// check validates b's shape against the local's columns.
func (l *Local) check(b *vector.Batch) error {
	if len(b.Cols) != len(l.types) {
		return fmt.Errorf("sorter: add: %d columns, want %d: %w", len(b.Cols), len(l.types), ErrBatch)
	}
	if b.Len < 0 || b.Len > vector.Size {
		return fmt.Errorf("sorter: add: batch of %d rows: %w", b.Len, ErrBatch)
	}
	for j, v := range b.Cols {
		if v == nil || v.Type.Phys() != l.types[j].Phys() || v.Len != b.Len {
			what := "nil"
			if v != nil {
				what = fmt.Sprintf("%s of %d rows", v.Type, v.Len)
			}
			return fmt.Errorf("sorter: add: column %d is %s, want %s of %d rows: %w", j, what, l.types[j], b.Len, ErrBatch)
		}
	}
	return nil
}

// Bytes returns the memory the local holds, in bytes. Merge needs about
// 8 × (key words + 3) bytes per row more while it sorts (normalized keys,
// sort entries and the radix buffer), and 8 bytes per result row.
func (l *Local) Bytes() int64 {
	n := collectionBytes(l.coll)
	if l.top != nil {
		n += l.top.bytes()
	}
	return n
}

// collectionBytes returns the capacity of a collection's buffers.
func collectionBytes(c *vector.Collection) int64 {
	if c == nil {
		return 0
	}
	var n int64
	for s := 0; s < c.Segments(); s++ {
		for _, col := range c.Segment(s) {
			n += int64(cap(col.Ints)+cap(col.Floats)+cap(col.Bools)+cap(col.Valid))*8 +
				int64(cap(col.Offsets))*4 + int64(cap(col.Bytes))
		}
	}
	return n
}

// add folds rows of v into s.
func (s *keyStats) add(v *vector.Vector, rows []uint16) {
	nulls := v.HasNulls()
	lo, hi, seen := s.lo, s.hi, s.nonNull
	if !seen {
		lo, hi = math.MaxUint64, 0
	}
	switch v.Type.Phys() {
	case types.PhysInt64:
		for _, r := range rows {
			if nulls && !v.IsValid(int(r)) {
				s.hasNull = true
				continue
			}
			o := intOrd(v.Ints[r])
			lo, hi, seen = min(lo, o), max(hi, o), true
		}
	case types.PhysFloat64:
		for _, r := range rows {
			if nulls && !v.IsValid(int(r)) {
				s.hasNull = true
				continue
			}
			o := floatOrd(v.Floats[r])
			lo, hi, seen = min(lo, o), max(hi, o), true
		}
	case types.PhysBool:
		for _, r := range rows {
			if nulls && !v.IsValid(int(r)) {
				s.hasNull = true
				continue
			}
			o := v.Bools[r>>6] >> (r & 63) & 1
			lo, hi, seen = min(lo, o), max(hi, o), true
		}
	case types.PhysBytes:
		if !nulls && len(rows) > 0 && int(rows[len(rows)-1])-int(rows[0]) == len(rows)-1 {
			// Contiguous rows: one scan of their bytes.
			r0, r1 := rows[0], rows[len(rows)-1]+1
			if !s.hasZero && bytes.IndexByte(v.Bytes[v.Offsets[r0]:v.Offsets[r1]], 0) >= 0 {
				s.hasZero = true
			}
			for r := r0; r < r1; r++ {
				s.maxLen = max(s.maxLen, int(v.Offsets[r+1]-v.Offsets[r]))
			}
			seen = true
			break
		}
		for _, r := range rows {
			if nulls && !v.IsValid(int(r)) {
				s.hasNull = true
				continue
			}
			str := v.Bytes[v.Offsets[r]:v.Offsets[r+1]]
			s.maxLen = max(s.maxLen, len(str))
			if !s.hasZero && bytes.IndexByte(str, 0) >= 0 {
				s.hasZero = true
			}
			seen = true
		}
	}
	if seen {
		s.lo, s.hi, s.nonNull = lo, hi, true
	}
}
