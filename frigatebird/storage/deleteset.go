package storage

import (
	"encoding/binary"
	"slices"
	"sort"
)

// DeleteSet is the set of deleted rows of one row group, stored as sorted,
// disjoint, non-adjacent runs [Start, Start+Len). It is immutable: Add
// returns a new set. The zero value is the empty set.
type DeleteSet struct {
	runs []deleteRun
}

type deleteRun struct {
	start, n uint32
}

// Len returns the number of deleted rows.
func (d DeleteSet) Len() int {
	total := 0
	for _, r := range d.runs {
		total += int(r.n)
	}
	return total
}

// Runs returns the number of runs (what the set costs in a manifest).
func (d DeleteSet) Runs() int { return len(d.runs) }

// Contains reports whether row is deleted.
func (d DeleteSet) Contains(row uint32) bool {
	i := sort.Search(len(d.runs), func(i int) bool { return d.runs[i].start+d.runs[i].n > row })
	return i < len(d.runs) && d.runs[i].start <= row
}

// AppendRows appends the deleted rows in increasing order to dst.
func (d DeleteSet) AppendRows(dst []uint32) []uint32 {
	for _, r := range d.runs {
		for k := uint32(0); k < r.n; k++ {
			dst = append(dst, r.start+k)
		}
	}
	return dst
}

// Max returns one past the largest deleted row, or 0 when empty.
func (d DeleteSet) end() uint64 {
	if len(d.runs) == 0 {
		return 0
	}
	last := d.runs[len(d.runs)-1]
	return uint64(last.start) + uint64(last.n)
}

// Add returns the union of d and rows (in any order, duplicates allowed).
func (d DeleteSet) Add(rows []uint32) DeleteSet {
	if len(rows) == 0 {
		return d
	}
	all := d.AppendRows(make([]uint32, 0, d.Len()+len(rows)))
	all = append(all, rows...)
	slices.Sort(all)
	all = slices.Compact(all)
	var out []deleteRun
	for _, r := range all {
		if k := len(out) - 1; k >= 0 && uint64(out[k].start)+uint64(out[k].n) == uint64(r) {
			out[k].n++
			continue
		}
		out = append(out, deleteRun{start: r, n: 1})
	}
	return DeleteSet{runs: out}
}

// deleteRunBytes is the encoded size of one run.
const deleteRunBytes = 8

// appendTo encodes d: run count (uint32), then per run start and length
// (uint32 each).
func (d DeleteSet) appendTo(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(d.runs)))
	for _, r := range d.runs {
		dst = binary.LittleEndian.AppendUint32(dst, r.start)
		dst = binary.LittleEndian.AppendUint32(dst, r.n)
	}
	return dst
}

// readDeleteSet decodes a set of a group of rows rows, checking that runs
// are non-empty, sorted, disjoint, non-adjacent and inside the group.
func readDeleteSet(r *reader, rows int) DeleteSet {
	n := r.u32()
	if r.err != nil || uint64(n)*deleteRunBytes > uint64(len(r.b)) {
		r.failf("delete set of %d runs", n)
		return DeleteSet{}
	}
	if n == 0 {
		return DeleteSet{}
	}
	runs := make([]deleteRun, n)
	var end uint64
	for i := range runs {
		runs[i] = deleteRun{start: r.u32(), n: r.u32()}
		s, l := uint64(runs[i].start), uint64(runs[i].n)
		if l == 0 || s+l > uint64(rows) || (i > 0 && s <= end) {
			r.failf("delete run %d [%d,+%d) in %d rows", i, s, l, rows)
			return DeleteSet{}
		}
		end = s + l
	}
	return DeleteSet{runs: runs}
}
