package storage

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/reefdb/reef/frigatebird/chunk"
)

// MergeStats says what MergeSmall did.
type MergeStats struct {
	// Removed is the number of small row groups replaced.
	Removed int
	// Written is the number of merged row groups written.
	Written int
	// Rows is the number of live rows copied.
	Rows int
}

// MergeSmall replaces the row groups with fewer than minRows live rows by
// as few groups as RowGroupRows allows, holding their live rows (deleted
// rows are dropped), sorted by the sort key when the schema has one. It is
// one Commit: readers see either the small groups or the merged ones.
// Groups with no live row are simply removed. A lone small group without
// deleted rows is left alone.
func (t *Table) MergeSmall(minRows int) (MergeStats, error) {
	t.commitMu.Lock()
	defer t.commitMu.Unlock()
	view, err := t.Snapshot()
	if err != nil {
		return MergeStats{}, err
	}
	defer view.Release()

	var stats MergeStats
	var remove []string
	var batches [][]int
	var batch []int
	batchRows := 0
	flush := func() {
		if len(batch) > 1 || (len(batch) == 1 && view.Deleted(batch[0]).Len() > 0) {
			batches = append(batches, batch)
		}
		batch, batchRows = nil, 0
	}
	for rg, g := range view.v.m.groups {
		live := g.meta.Rows - g.deleted.Len()
		switch {
		case live == 0:
			remove = append(remove, g.meta.Name)
			stats.Removed++
		case live < minRows:
			if batchRows+live > t.opts.RowGroupRows {
				flush()
			}
			batch = append(batch, rg)
			batchRows += live
		}
	}
	flush()

	var add []RowGroupMeta
	schema := &view.v.m.schema
	for _, b := range batches {
		cols, err := view.gatherLive(b)
		if err != nil {
			t.Discard(add)
			return MergeStats{}, err
		}
		if len(schema.SortKey) > 0 {
			cols = sortColumns(cols, schema.SortKey)
		}
		meta, err := t.WriteRowGroup(cols)
		if err != nil {
			t.Discard(add)
			return MergeStats{}, err
		}
		add = append(add, meta)
		stats.Written++
		stats.Rows += meta.Rows
		for _, rg := range b {
			remove = append(remove, view.v.m.groups[rg].meta.Name)
			stats.Removed++
		}
	}
	if err := t.commitLocked(add, nil, remove); err != nil {
		t.Discard(add)
		return MergeStats{}, err
	}
	return stats, nil
}

// gatherLive reads the given row groups and concatenates their live rows,
// one Column per schema column.
func (w *View) gatherLive(groups []int) ([]*chunk.Column, error) {
	schema := &w.v.m.schema
	out := make([]*chunk.Column, len(schema.Columns))
	var src chunk.Column
	var rows []int
	for c := range out {
		out[c] = newColumn(schema.Columns[c].Type)
		for _, rg := range groups {
			if err := w.ReadColumn(rg, c, &src); err != nil {
				return nil, err
			}
			del := w.Deleted(rg)
			rows = rows[:0]
			for r := 0; r < src.Len; r++ {
				if !del.Contains(uint32(r)) {
					rows = append(rows, r)
				}
			}
			appendRows(out[c], &src, rows)
		}
		finishColumn(out[c])
	}
	return out, nil
}

func newColumn(t chunk.PhysType) *chunk.Column {
	c := &chunk.Column{}
	c.Reset(t)
	return c
}

// appendRows appends the given rows of src to dst, keeping a validity
// bitmap in dst.Valid for every row (finishColumn drops it if no row is
// null).
func appendRows(dst, src *chunk.Column, rows []int) {
	for _, r := range rows {
		n := dst.Len
		if n>>6 >= len(dst.Valid) {
			dst.Valid = append(dst.Valid, 0)
		}
		valid := src.IsValid(r)
		if valid {
			dst.Valid[n>>6] |= 1 << (uint(n) & 63)
		}
		switch dst.Type {
		case chunk.TypeInt64:
			dst.Ints = append(dst.Ints, src.Ints[r])
		case chunk.TypeFloat64:
			dst.Floats = append(dst.Floats, src.Floats[r])
		case chunk.TypeBool:
			if n>>6 >= len(dst.Bools) {
				dst.Bools = append(dst.Bools, 0)
			}
			if src.Bool(r) {
				dst.Bools[n>>6] |= 1 << (uint(n) & 63)
			}
		case chunk.TypeBytes:
			dst.Bytes = append(dst.Bytes, src.String(r)...)
			dst.Offsets = append(dst.Offsets, uint32(len(dst.Bytes)))
		}
		dst.Len++
	}
}

// finishColumn drops an all-valid bitmap.
func finishColumn(c *chunk.Column) {
	if c.NullCount() == 0 {
		c.Valid = c.Valid[:0]
	}
}

// sortColumns returns cols with rows stably sorted by the key columns,
// nulls first.
func sortColumns(cols []*chunk.Column, key []int) []*chunk.Column {
	n := cols[0].Len
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		for _, k := range key {
			if c := compareRows(cols[k], a, b); c != 0 {
				return c
			}
		}
		return 0
	})
	out := make([]*chunk.Column, len(cols))
	for i, c := range cols {
		out[i] = newColumn(c.Type)
		appendRows(out[i], c, perm)
		finishColumn(out[i])
	}
	return out
}

// compareRows orders rows a and b of c: nulls first, then by value (floats
// by cmp.Compare, so NaN first; false before true; bytes lexicographic).
func compareRows(c *chunk.Column, a, b int) int {
	va, vb := c.IsValid(a), c.IsValid(b)
	if !va || !vb {
		switch {
		case va == vb:
			return 0
		case !va:
			return -1
		default:
			return 1
		}
	}
	switch c.Type {
	case chunk.TypeInt64:
		return cmp.Compare(c.Ints[a], c.Ints[b])
	case chunk.TypeFloat64:
		return cmp.Compare(c.Floats[a], c.Floats[b])
	case chunk.TypeBool:
		ba, bb := c.Bool(a), c.Bool(b)
		switch {
		case ba == bb:
			return 0
		case !ba:
			return -1
		}
		return 1
	default:
		return bytes.Compare(c.String(a), c.String(b))
	}
}
