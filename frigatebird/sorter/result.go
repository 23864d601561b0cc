package sorter

import (
	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Result is the sorted rows of a Merge, read in batches by Next. It keeps
// the locals' row storage and one 8-byte reference (local, row) per
// result row. A Result is owned by one goroutine.
type Result struct {
	types []types.Type
	// cols[j][l*segs + s] is column j of segment s of local l.
	cols  [][]*chunk.Column
	segs  int
	nulls []bool   // nulls[j]: some segment of column j has a validity bitmap
	refs  []uint64 // local<<32 | row, in sorted order
	pos   int      // refs[:pos] were read
}

// newResult indexes the columns of the locals' collections.
func newResult(ts []types.Type, colls []*vector.Collection, refs []uint64) *Result {
	r := &Result{types: ts, refs: refs, cols: make([][]*chunk.Column, len(ts)), nulls: make([]bool, len(ts))}
	for _, c := range colls {
		r.segs = max(r.segs, c.Segments())
	}
	for j := range ts {
		r.cols[j] = make([]*chunk.Column, len(colls)*r.segs)
		for l, c := range colls {
			for s := 0; s < c.Segments(); s++ {
				col := &c.Segment(s)[j]
				r.cols[j][l*r.segs+s] = col
				r.nulls[j] = r.nulls[j] || len(col.Valid) != 0
			}
		}
	}
	return r
}

// Len returns the number of rows in the result.
func (r *Result) Len() int { return len(r.refs) }

// Next fills out with the next up to vector.Size rows in order, all
// columns, with no selection; it reports false when every row was read.
// out's vectors are reused (their old contents are overwritten; they must
// not alias storage the caller still needs).
func (r *Result) Next(out *vector.Batch) bool {
	n := min(vector.Size, len(r.refs)-r.pos)
	if n <= 0 {
		return false
	}
	refs := r.refs[r.pos : r.pos+n]
	r.pos += n
	for len(out.Cols) < len(r.types) {
		out.Cols = append(out.Cols, nil)
	}
	out.Cols = out.Cols[:len(r.types)]
	for j, t := range r.types {
		if out.Cols[j] == nil {
			out.Cols[j] = &vector.Vector{}
		}
		v := out.Cols[j]
		v.Reset(t, n)
		r.gather(v, j, refs)
	}
	out.Len, out.Sel = n, nil
	return true
}

// gather fills v (Reset to len(refs) rows) with column j of the rows refs.
func (r *Result) gather(v *vector.Vector, j int, refs []uint64) {
	cols, segs := r.cols[j], r.segs
	at := func(ref uint64) (*chunk.Column, int) {
		row := uint32(ref)
		return cols[int(ref>>32)*segs+int(row/vector.SegmentRows)], int(row % vector.SegmentRows)
	}
	if r.nulls[j] {
		for k, ref := range refs {
			if c, i := at(ref); len(c.Valid) != 0 && c.Valid[i>>6]&(1<<(uint(i)&63)) == 0 {
				v.SetNull(k)
			}
		}
	}
	switch v.Type.Phys() {
	case types.PhysInt64:
		dst := v.Ints[:len(refs)]
		for k, ref := range refs {
			c, i := at(ref)
			dst[k] = c.Ints[i] // a NULL's slot holds whatever the collection kept
		}
	case types.PhysFloat64:
		dst := v.Floats[:len(refs)]
		for k, ref := range refs {
			c, i := at(ref)
			dst[k] = c.Floats[i]
		}
	case types.PhysBool:
		for k, ref := range refs {
			c, i := at(ref)
			v.SetBool(k, c.Bools[i>>6]&(1<<(uint(i)&63)) != 0)
		}
	case types.PhysBytes:
		for k, ref := range refs {
			c, i := at(ref)
			v.AppendStr(k, c.Bytes[c.Offsets[i]:c.Offsets[i+1]]) // NULLs are empty
		}
	}
}
