package vector

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/types"
)

// SegmentRows is the number of rows in each segment of a Collection: 60
// vectors, the size of a table's row group (storage.DefaultRowGroupRows),
// so that a collection of rows to insert is written one segment per group.
const SegmentRows = 60 * Size

// Collection is a growable, columnar copy of rows: what operators that
// must keep their input (sort, the rows of INSERT, the result of a query)
// append batches to. Rows are numbered 0..Len()-1 in append order and
// stored in segments of SegmentRows rows, each segment one chunk.Column
// per column, so a row number fits a uint32 and strings of one segment
// stay under 4 GiB. A Collection is owned by one goroutine at a time.
type Collection struct {
	types []types.Type
	segs  [][]chunk.Column
	n     int
	// segCap is the row capacity new segments start with (Reserve).
	segCap int
}

// Reserve makes new segments start with room for rows rows (at most
// SegmentRows), for a caller that knows it will append that many: it
// saves the copies of growing by doubling.
func (c *Collection) Reserve(rows int) { c.segCap = min(rows, SegmentRows) }

// PopFront removes the first segment and returns its columns; the rows
// after it are renumbered from 0. A caller streaming rows out (COPY
// writing full row groups as they fill) uses it.
func (c *Collection) PopFront() []chunk.Column {
	seg := c.segs[0]
	c.segs = c.segs[1:]
	c.n -= seg[0].Len
	return seg
}

// NewCollection returns an empty collection of columns of the given
// types (none may be INTERVAL).
func NewCollection(ts []types.Type) *Collection {
	for _, t := range ts {
		if t.Phys() == types.PhysNone {
			panic(fmt.Sprintf("vector: collection of %s", t))
		}
	}
	return &Collection{types: append([]types.Type(nil), ts...)}
}

// Types returns the column types.
func (c *Collection) Types() []types.Type { return c.types }

// Len returns the number of rows.
func (c *Collection) Len() int { return c.n }

// Segments returns the number of segments; Segment(i) returns segment i's
// columns (rows [i*SegmentRows, ...)), which the caller must not modify.
func (c *Collection) Segments() int { return len(c.segs) }

// Segment returns the columns of segment i.
func (c *Collection) Segment(i int) []chunk.Column { return c.segs[i] }

// Append copies the active rows of b (whose columns have the collection's
// types, in order).
func (c *Collection) Append(b *Batch) {
	if len(b.Cols) != len(c.types) {
		panic(fmt.Sprintf("vector: append %d columns to a collection of %d", len(b.Cols), len(c.types)))
	}
	sel := b.Sel
	n := b.Active()
	if len(c.types) == 0 {
		c.n += n // zero columns: only the row count matters
		return
	}
	done := 0
	for done < n {
		seg := c.tail()
		room := SegmentRows - seg[0].Len
		take := min(room, n-done)
		var part []uint16
		if sel != nil {
			part = sel[done : done+take]
		}
		base := done
		if sel != nil {
			base = 0
		}
		for j, v := range b.Cols {
			appendRows(&seg[j], v, part, base, take)
		}
		c.n += take
		done += take
	}
}

// AppendRow copies row i of b (ignoring b.Sel).
func (c *Collection) AppendRow(b *Batch, i int) {
	sel := [1]uint16{uint16(i)}
	c.Append(&Batch{Cols: b.Cols, Len: b.Len, Sel: sel[:]})
}

// tail returns the last segment with room, starting a new one when needed.
func (c *Collection) tail() []chunk.Column {
	if len(c.segs) == 0 || c.segs[len(c.segs)-1][0].Len == SegmentRows {
		seg := make([]chunk.Column, len(c.types))
		for j, t := range c.types {
			col := &seg[j]
			col.Type = chunk.PhysType(t.Phys())
			switch col.Type {
			case chunk.TypeInt64:
				col.Ints = make([]int64, 0, c.segCap)
			case chunk.TypeFloat64:
				col.Floats = make([]float64, 0, c.segCap)
			case chunk.TypeBool:
				col.Bools = make([]uint64, 0, Words(c.segCap))
			case chunk.TypeBytes:
				col.Offsets = make([]uint32, 1, c.segCap+1)
			}
		}
		c.segs = append(c.segs, seg)
	}
	return c.segs[len(c.segs)-1]
}

// appendRows appends take rows of v to col: rows sel[0:take] when sel is
// non-nil, else rows base..base+take-1.
func appendRows(col *chunk.Column, v *Vector, sel []uint16, base, take int) {
	at := col.Len
	row := func(k int) int {
		if sel != nil {
			return int(sel[k])
		}
		return base + k
	}
	switch col.Type {
	case chunk.TypeInt64:
		if sel == nil {
			col.Ints = append(col.Ints, v.Ints[base:base+take]...)
		} else {
			for _, r := range sel {
				col.Ints = append(col.Ints, v.Ints[r])
			}
		}
	case chunk.TypeFloat64:
		if sel == nil {
			col.Floats = append(col.Floats, v.Floats[base:base+take]...)
		} else {
			for _, r := range sel {
				col.Floats = append(col.Floats, v.Floats[r])
			}
		}
	case chunk.TypeBool:
		for len(col.Bools) < Words(at+take) {
			col.Bools = append(col.Bools, 0)
		}
		for k := 0; k < take; k++ {
			if v.Type.Phys() == types.PhysBool && v.Bool(row(k)) {
				col.Bools[(at+k)>>6] |= 1 << (uint(at+k) & 63)
			}
		}
	case chunk.TypeBytes:
		for k := 0; k < take; k++ {
			col.Bytes = append(col.Bytes, v.Str(row(k))...)
			col.Offsets = append(col.Offsets, uint32(len(col.Bytes)))
		}
	}
	if v.HasNulls() || len(col.Valid) != 0 {
		for len(col.Valid) < Words(at+take) {
			w := ^uint64(0)
			col.Valid = append(col.Valid, w)
		}
		for k := 0; k < take; k++ {
			if !v.IsValid(row(k)) {
				col.Valid[(at+k)>>6] &^= 1 << (uint(at+k) & 63)
			}
		}
	}
	col.Len = at + take
}

// Window sets out to rows [start, start+n) of the collection without
// copying when they lie in one segment at a multiple of 64 (n <= Size):
// out's vectors alias the segment. It reports false (and leaves out
// alone) when they do not; use Gather then.
func (c *Collection) Window(start, n int, out *Batch) bool {
	seg, off := start/SegmentRows, start%SegmentRows
	if n > Size || off&63 != 0 || off+n > SegmentRows || start+n > c.n {
		return false
	}
	c.shape(out)
	for j, t := range c.types {
		v, err := FromColumn(&c.segs[seg][j], t, off, n)
		if err != nil {
			panic(err) // the checks above make this unreachable
		}
		*out.Cols[j] = v
	}
	out.Len, out.Sel = n, nil
	return true
}

// Read sets out to rows [at, at+n) (n <= Size): a window without a copy
// when Window can, else a copy by Gather (idx is its scratch, returned
// for reuse).
func (c *Collection) Read(at, n int, out *Batch, idx []uint32) []uint32 {
	if c.Window(at, n, out) {
		return idx
	}
	idx = idx[:0]
	for i := 0; i < n; i++ {
		idx = append(idx, uint32(at+i))
	}
	c.Gather(idx, out)
	return idx
}

// Gather copies the listed rows (at most Size) into out, in order,
// reusing out's vectors.
func (c *Collection) Gather(rows []uint32, out *Batch) {
	c.shape(out)
	n := len(rows)
	for j, t := range c.types {
		v := out.Cols[j]
		v.Reset(t, n)
		for k, r := range rows {
			col := &c.segs[r/SegmentRows][j]
			i := int(r % SegmentRows)
			if !col.IsValid(i) {
				v.SetNull(k)
				if t.Phys() == types.PhysBytes {
					v.AppendStr(k, nil)
				}
				continue
			}
			switch col.Type {
			case chunk.TypeInt64:
				v.Ints[k] = col.Ints[i]
			case chunk.TypeFloat64:
				v.Floats[k] = col.Floats[i]
			case chunk.TypeBool:
				v.SetBool(k, col.Bool(i))
			case chunk.TypeBytes:
				v.AppendStr(k, col.String(i))
			}
		}
	}
	out.Len, out.Sel = n, nil
}

// Value returns column j of row r (for tests and row-at-a-time results).
func (c *Collection) Value(r, j int) types.Value {
	col := &c.segs[r/SegmentRows][j]
	i := r % SegmentRows
	t := c.types[j]
	if !col.IsValid(i) {
		return types.NullValue(t)
	}
	v := types.Value{Type: t}
	switch col.Type {
	case chunk.TypeInt64:
		v.Int = col.Ints[i]
	case chunk.TypeFloat64:
		v.Float = col.Floats[i]
	case chunk.TypeBool:
		v.Bool = col.Bool(i)
	case chunk.TypeBytes:
		v.Str = string(col.String(i))
	}
	return v
}

// shape makes out hold one vector per column.
func (c *Collection) shape(out *Batch) {
	for len(out.Cols) < len(c.types) {
		out.Cols = append(out.Cols, &Vector{})
	}
	out.Cols = out.Cols[:len(c.types)]
	for j := range out.Cols {
		if out.Cols[j] == nil {
			out.Cols[j] = &Vector{}
		}
	}
}
