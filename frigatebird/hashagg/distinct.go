package hashagg

import (
	"bytes"
	"math"
	"math/bits"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// golden spreads a group id over the hash of a (group, value) pair.
const golden = 0x9e3779b97f4a7c15

// distinctSet holds the distinct values of one DISTINCT aggregate for
// each group of one partition. The aggregate's state is computed from it
// once, when the partition is finished; merging partitions takes the
// union of their sets with the groups mapped.
//
// Values backed by int64 (integers, decimals, dates, timestamps), floats
// (as canonical bits: -0.0 as 0.0, one NaN) and booleans (0/1) are kept as
// int64s. While the partition has at most smallGroups groups (no GROUP BY,
// or a few groups: the common shapes of count(DISTINCT x)) each group has
// a valueSet of its own, 8 bytes a slot (half the memory of pairs); past
// that they move to one hash set of (gid, value) pairs with both inline in
// 16-byte slots, so a probe reads one cache line. Strings always use a
// pair set whose slots hold a tag and an entry index, the values stored
// once in an arena.
type distinctSet struct {
	phys types.Phys
	// int-like values: vsets[gid] until pairs is set, then the pair set.
	vsets []valueSet
	pairs bool
	slots []dslot
	n     int // pairs in the pair set
	mask  uint64
	// strings: tags[at] is 0 or tagOf(hash)<<32 | entry+1; entry i is
	// group g[i], value arena[offs[i]:offs[i+1]] hashed vh[i].
	tags  []uint64
	g     []uint32
	vh    []uint64
	offs  []int
	arena []byte
}

// dslot is one (gid, value) pair; g is gid+1, 0 when the slot is empty.
type dslot struct {
	v int64
	g uint32
}

func newDistinctSet(phys types.Phys) *distinctSet {
	d := &distinctSet{phys: phys}
	if phys == types.PhysBytes {
		d.offs = []int{0}
	}
	return d
}

func pairHash(g uint32, vh uint64) uint64 { return vh ^ uint64(g)*golden }

// floatBits returns f's bits with -0.0 as 0.0 and every NaN as one NaN.
func floatBits(f float64) int64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return int64(math.Float64bits(math.NaN()))
	}
	return int64(math.Float64bits(f))
}

// add inserts (gids[r], row r of v) for the rows of sel (which has no NULL
// row); the partition has ngroups groups.
func (d *distinctSet) add(v *vector.Vector, sel []uint16, gids []uint32, ngroups int, w *scratch) {
	if d.phys == types.PhysBytes {
		offs, data := v.Offsets, v.Bytes
		for _, r := range sel {
			x := data[offs[r]:offs[r+1]]
			d.insertBytes(gids[r], x, vector.HashBytes(x))
		}
		return
	}
	var xs []int64
	switch d.phys {
	case types.PhysInt64:
		xs = v.Ints
	case types.PhysFloat64:
		xs = w.ints[:]
		for _, r := range sel {
			xs[r] = floatBits(v.Floats[r])
		}
	case types.PhysBool:
		xs = boolInts(v, sel, w.ints[:])
	}
	if !d.pairs && ngroups > smallGroups {
		d.toPairs()
	}
	if d.pairs {
		d.addPairs(xs, sel, gids, w)
		return
	}
	d.vsets = growZero(d.vsets, ngroups)
	if ngroups == 1 {
		d.vsets[0].addRows(xs, sel, w.pos[:])
		return
	}
	// Deal the rows to their groups (a counting sort), then add each
	// group's rows to its set.
	var starts [smallGroups + 1]int
	for _, r := range sel {
		starts[gids[r]+1]++
	}
	for g := 1; g <= ngroups; g++ {
		starts[g] += starts[g-1]
	}
	at := starts
	sorted := w.dsorted[:len(sel)]
	for _, r := range sel {
		g := gids[r]
		sorted[at[g]] = r
		at[g]++
	}
	for g := range ngroups {
		if rows := sorted[starts[g]:starts[g+1]]; len(rows) > 0 {
			d.vsets[g].addRows(xs, rows, w.pos[:])
		}
	}
}

// addPairs inserts the pairs (gids[r], xs[r]) for the rows of sel. The
// home slots are computed first, in a loop of their own, so the probe
// loop's loads do not wait on hashing and many misses overlap.
func (d *distinctSet) addPairs(xs []int64, sel []uint16, gids []uint32, w *scratch) {
	for 2*(d.n+len(sel)) > len(d.slots) {
		d.growPairs()
	}
	pos, mask := w.pos[:], d.mask
	for _, r := range sel {
		pos[r] = pairHash(gids[r], vector.HashInt64(xs[r])) & mask
	}
	slots := d.slots
	for _, r := range sel {
		x, g, at := xs[r], gids[r]+1, pos[r]
		for {
			s := &slots[at]
			if s.v == x && s.g == g {
				break
			}
			if s.g == 0 {
				s.v, s.g = x, g
				d.n++
				break
			}
			at = (at + 1) & mask
		}
	}
}

// insert adds the pair (g, x) of an int-like value.
func (d *distinctSet) insert(g uint32, x int64) {
	if !d.pairs && g >= smallGroups {
		d.toPairs()
	}
	if !d.pairs {
		d.vsets = growZero(d.vsets, int(g)+1)
		d.vsets[g].insert(x)
		return
	}
	if 2*d.n >= len(d.slots) {
		d.growPairs()
	}
	at := pairHash(g, vector.HashInt64(x)) & d.mask
	for {
		s := &d.slots[at]
		if s.g == 0 {
			s.v, s.g = x, g+1
			d.n++
			return
		}
		if s.v == x && s.g == g+1 {
			return
		}
		at = (at + 1) & d.mask
	}
}

// toPairs moves the per-group sets into the pair set.
func (d *distinctSet) toPairs() {
	vsets := d.vsets
	d.vsets, d.pairs = nil, true
	for g := range vsets {
		vsets[g].each(func(x int64) { d.insert(uint32(g), x) })
	}
}

func (d *distinctSet) growPairs() {
	old := d.slots
	size := max(minSlots, 2*len(old))
	d.slots, d.mask = make([]dslot, size), uint64(size-1)
	for _, s := range old {
		if s.g == 0 {
			continue
		}
		at := pairHash(s.g-1, vector.HashInt64(s.v)) & d.mask
		for d.slots[at].g != 0 {
			at = (at + 1) & d.mask
		}
		d.slots[at] = s
	}
}

func (d *distinctSet) insertBytes(g uint32, x []byte, vh uint64) {
	if 2*d.n >= len(d.tags) {
		d.growBytes()
	}
	h := pairHash(g, vh)
	tag, at := tagOf(h), h&d.mask
	for {
		e := d.tags[at]
		if e == 0 {
			d.g = append(d.g, g)
			d.vh = append(d.vh, vh)
			d.arena = append(d.arena, x...)
			d.offs = append(d.offs, len(d.arena))
			d.n++
			d.tags[at] = tag<<32 | uint64(d.n)
			return
		}
		if e>>32 == tag {
			if i := uint32(e) - 1; d.g[i] == g && bytes.Equal(d.arena[d.offs[i]:d.offs[i+1]], x) {
				return
			}
		}
		at = (at + 1) & d.mask
	}
}

func (d *distinctSet) growBytes() {
	size := max(minSlots, 1<<bits.Len(uint(2*d.n)))
	d.tags, d.mask = make([]uint64, size), uint64(size-1)
	for i := range d.n {
		h := pairHash(d.g[i], d.vh[i])
		at := h & d.mask
		for d.tags[at] != 0 {
			at = (at + 1) & d.mask
		}
		d.tags[at] = tagOf(h)<<32 | uint64(i+1)
	}
}

// each calls fn for every int-like pair.
func (d *distinctSet) each(fn func(g uint32, x int64)) {
	if !d.pairs {
		for g := range d.vsets {
			d.vsets[g].each(func(x int64) { fn(uint32(g), x) })
		}
		return
	}
	for _, s := range d.slots {
		if s.g != 0 {
			fn(s.g-1, s.v)
		}
	}
}

// merge inserts src's pairs whose group g is selected (want < 0, or
// hashes[g]>>shift == want) as (mapping[g], value).
func (d *distinctSet) merge(src *distinctSet, mapping []uint32, hashes []uint64, shift uint, want int) {
	keep := func(g uint32) bool { return want < 0 || int(hashes[g]>>shift) == want }
	if d.phys != types.PhysBytes {
		src.each(func(g uint32, x int64) {
			if keep(g) {
				d.insert(mapping[g], x)
			}
		})
		return
	}
	for i := range src.n {
		if g := src.g[i]; keep(g) {
			d.insertBytes(mapping[g], src.arena[src.offs[i]:src.offs[i+1]], src.vh[i])
		}
	}
}

// fold computes the aggregate st from the pairs into the state rows:
// count, sum and avg (the only DISTINCT aggregates; strings are only
// counted).
func (d *distinctSet) fold(st *aggState, states []uint64, stride int) {
	off := st.p.off
	each := func(g uint32, v int64) {
		i := int(g)*stride + off
		switch st.p.kind {
		case kCount:
			states[i]++
		case kSumInt:
			s := states[i : i+3 : i+3]
			var c uint64
			s[0], c = bits.Add64(s[0], uint64(v), 0)
			s[1] += c + uint64(v>>63)
			s[2]++
		case kSumFloat:
			s := states[i : i+2 : i+2]
			s[0] = math.Float64bits(math.Float64frombits(s[0]) + math.Float64frombits(uint64(v)))
			s[1]++
		}
	}
	if d.phys != types.PhysBytes {
		d.each(each)
		return
	}
	for _, g := range d.g {
		each(g, 0)
	}
}

func (d *distinctSet) bytes() int64 {
	b := int64(cap(d.slots))*16 + int64(cap(d.tags)+cap(d.vh)+cap(d.offs))*8 + int64(cap(d.g))*4 + int64(cap(d.arena))
	for g := range d.vsets {
		b += int64(cap(d.vsets[g].slots)) * 8
	}
	return b
}

// valueSet is one group's set of int64 values: open addressing, linear
// probing, at most half full (fuller tables measured slower: more probes
// past the home slot, each a mispredicted branch that stalls the
// overlapping cache misses). Free slots hold emptyVal; the value emptyVal
// itself is recorded by hasEmpty.
type valueSet struct {
	slots    []int64
	n        int
	mask     uint64
	hasEmpty bool
}

const emptyVal = math.MinInt64

// reserve makes room for extra more values.
func (s *valueSet) reserve(extra int) {
	if 2*(s.n+extra) <= len(s.slots) {
		return
	}
	size := max(minSlots, len(s.slots))
	for 2*(s.n+extra) > size {
		size *= 2
	}
	old := s.slots
	s.slots, s.mask = make([]int64, size), uint64(size-1)
	for i := range s.slots {
		s.slots[i] = emptyVal
	}
	for _, x := range old {
		if x == emptyVal {
			continue
		}
		at := vector.HashInt64(x) & s.mask
		for s.slots[at] != emptyVal {
			at = (at + 1) & s.mask
		}
		s.slots[at] = x
	}
}

// addRows inserts xs[r] for the rows; pos is scratch indexed by row. Home
// slots are computed first, in a loop of their own (see addPairs).
func (s *valueSet) addRows(xs []int64, rows []uint16, pos []uint64) {
	s.reserve(len(rows))
	slots, mask := s.slots, s.mask
	for _, r := range rows {
		pos[r] = vector.HashInt64(xs[r]) & mask
	}
	for _, r := range rows {
		x, at := xs[r], pos[r]
		if x == emptyVal {
			s.insert(x)
			continue
		}
		for {
			y := slots[at]
			if y == x {
				break
			}
			if y == emptyVal {
				slots[at] = x
				s.n++
				break
			}
			at = (at + 1) & mask
		}
	}
}

func (s *valueSet) insert(x int64) {
	if x == emptyVal {
		if !s.hasEmpty {
			s.hasEmpty = true
			s.n++
		}
		return
	}
	s.reserve(1)
	at := vector.HashInt64(x) & s.mask
	for {
		y := s.slots[at]
		if y == x {
			return
		}
		if y == emptyVal {
			s.slots[at] = x
			s.n++
			return
		}
		at = (at + 1) & s.mask
	}
}

func (s *valueSet) each(fn func(x int64)) {
	if s.hasEmpty {
		fn(emptyVal)
	}
	for _, x := range s.slots {
		if x != emptyVal {
			fn(x)
		}
	}
}
