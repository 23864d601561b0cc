package hashagg

import (
	"bytes"
	"math"
	"math/bits"

	"github.com/reefdb/reef/frigatebird/vector"
)

// Aggregate states are kept row-wise: a group's states are stride
// consecutive words of part.states (group g at g*stride), aggregate a's at
// offset aggPlan.off. An update of a group with several aggregates then
// touches one or two cache lines instead of one per aggregate, which is
// what matters once the groups outgrow the caches. The words of each
// kind (n counts the non-NULL values; the result is NULL while it is 0):
//
//	kCount             n
//	kSumInt            lo, hi, n      128-bit two's-complement sum
//	kSumFloat          sum, n         float64 bits
//	kMinInt, kMaxInt   v, n           v starts at MaxInt64 / MinInt64
//	kMinFloat, ...     v, n           float64 bits; starts at NaN / -Inf
//	kMinStr, kMaxStr   off, ln<<32|cp, n   the value is arena[off:off+ln]
//
// Starting min and max at their identity (NaN is the greatest float in
// SQL order) makes updates branch-free: new groups copy compiled.empty.
//
// Sums are 128 bits wide and cannot overflow before 2^63 additions, so
// only the final value is checked against the result type: as in DuckDB
// (HUGEINT accumulators), an intermediate overflow that later cancels out
// is no error.

// stateWords returns the words of a kind's state.
func stateWords(k kind) int {
	switch k {
	case kCount:
		return 1
	case kSumInt, kMinStr, kMaxStr:
		return 3
	}
	return 2
}

// emptyState writes the state of a group with no value yet.
func emptyState(k kind, s []uint64) {
	switch k {
	case kMinInt:
		s[0] = math.MaxInt64
	case kMaxInt:
		s[0] = 1 << 63 // MinInt64
	case kMinFloat:
		s[0] = math.Float64bits(math.NaN())
	case kMaxFloat:
		s[0] = math.Float64bits(math.Inf(-1))
	}
}

// aggState is what one aggregate keeps per partition besides its words in
// the group rows.
type aggState struct {
	p *aggPlan
	// rows and stride locate the partition's state rows (for compact).
	rows   *[]uint64
	stride int
	// arena holds string minima or maxima; live is the bytes of the slots
	// in use (the rest is garbage until compact).
	arena []byte
	live  int
	dist  *distinctSet
	// Results, set by finish: sums (outI) and averages (outF).
	outI []int64
	outF []float64
}

func (st *aggState) init(p *aggPlan, rows *[]uint64, stride int) {
	st.p, st.rows, st.stride = p, rows, stride
	if p.distinct {
		st.dist = newDistinctSet(p.Arg.Phys())
	}
}

func (st *aggState) bytes() int64 {
	b := int64(cap(st.arena)) + int64(cap(st.outI))*8 + int64(cap(st.outF))*8
	if st.dist != nil {
		b += st.dist.bytes()
	}
	return b
}

// growZero extends s to n elements, the new ones zero, doubling capacity.
func growZero[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		old := len(s)
		s = s[:n]
		clear(s[old:])
		return s
	}
	t := make([]T, n, max(n, 2*cap(s), 16))
	copy(t, s)
	return t
}

// floatLess and floatGreater are SQL order: NaN above everything.
func floatLess(a, b float64) bool    { return a < b || (b != b && a == a) }
func floatGreater(a, b float64) bool { return a > b || (a != a && b == b) }

// nonNull returns sel without the rows where v is NULL (in w.nn).
func nonNull(v *vector.Vector, sel []uint16, w *scratch) []uint16 {
	if !v.HasNulls() {
		return sel
	}
	valid, out, k := v.Valid, w.nn[:len(sel)], 0
	for _, r := range sel {
		out[k] = r
		k += int(valid[r>>6] >> (r & 63) & 1)
	}
	return out[:k]
}

// boolInts writes the BOOLEANs of v at the rows of sel as 0/1 into dst.
func boolInts(v *vector.Vector, sel []uint16, dst []int64) []int64 {
	bs := v.Bools
	for _, r := range sel {
		dst[r] = int64(bs[r>>6] >> (r & 63) & 1)
	}
	return dst
}

// update folds the rows sel of v (nil for count(*)) into groups gids[r],
// whose state rows are in states.
func (st *aggState) update(states []uint64, stride int, v *vector.Vector, sel []uint16, gids []uint32, w *scratch) {
	p := st.p
	off := p.off
	if p.col < 0 {
		for _, r := range sel {
			states[int(gids[r])*stride+off]++
		}
		return
	}
	sel = nonNull(v, sel, w)
	if p.distinct {
		st.dist.add(v, sel, gids, len(*st.rows)/stride, w)
		return
	}
	switch p.kind {
	case kCount:
		for _, r := range sel {
			states[int(gids[r])*stride+off]++
		}
	case kSumInt:
		xs := v.Ints
		for _, r := range sel {
			i := int(gids[r])*stride + off
			s := states[i : i+3 : i+3]
			x := xs[r]
			var c uint64
			s[0], c = bits.Add64(s[0], uint64(x), 0)
			s[1] += c + uint64(x>>63)
			s[2]++
		}
	case kSumFloat:
		xs := v.Floats
		for _, r := range sel {
			i := int(gids[r])*stride + off
			s := states[i : i+2 : i+2]
			s[0] = math.Float64bits(math.Float64frombits(s[0]) + xs[r])
			s[1]++
		}
	case kMinInt, kMaxInt:
		xs := v.Ints
		if p.boolArg {
			xs = boolInts(v, sel, w.ints[:])
		}
		if p.kind == kMinInt {
			for _, r := range sel {
				i := int(gids[r])*stride + off
				s := states[i : i+2 : i+2]
				s[0] = uint64(min(int64(s[0]), xs[r]))
				s[1]++
			}
		} else {
			for _, r := range sel {
				i := int(gids[r])*stride + off
				s := states[i : i+2 : i+2]
				s[0] = uint64(max(int64(s[0]), xs[r]))
				s[1]++
			}
		}
	case kMinFloat:
		xs := v.Floats
		for _, r := range sel {
			i := int(gids[r])*stride + off
			s := states[i : i+2 : i+2]
			if x := xs[r]; floatLess(x, math.Float64frombits(s[0])) {
				s[0] = math.Float64bits(x)
			}
			s[1]++
		}
	case kMaxFloat:
		xs := v.Floats
		for _, r := range sel {
			i := int(gids[r])*stride + off
			s := states[i : i+2 : i+2]
			if x := xs[r]; floatGreater(x, math.Float64frombits(s[0])) {
				s[0] = math.Float64bits(x)
			}
			s[1]++
		}
	case kMinStr, kMaxStr:
		offs, data := v.Offsets, v.Bytes
		for _, r := range sel {
			i := int(gids[r])*stride + off
			st.strValue(states[i:i+3:i+3], data[offs[r]:offs[r+1]], 1)
		}
	}
}

// reduce folds the rows sel of v (nil for count(*)) into the one group
// whose state is s: the small-group path, accumulating in registers
// instead of through memory. Distinct aggregates never take it.
func (st *aggState) reduce(s []uint64, v *vector.Vector, sel []uint16, w *scratch) {
	p := st.p
	if p.col < 0 {
		s[0] += uint64(len(sel))
		return
	}
	sel = nonNull(v, sel, w)
	n := uint64(len(sel))
	switch p.kind {
	case kCount:
		s[0] += n
	case kSumInt:
		// Two carry-free sums, of the high (signed) and low (unsigned)
		// 32-bit halves: neither overflows over vector.Size rows.
		var hi32 int64
		var lo32 uint64
		xs := v.Ints
		for _, r := range sel {
			x := xs[r]
			hi32 += x >> 32
			lo32 += uint64(uint32(x))
		}
		// hi32<<32 + lo32 as 128 bits, added to the state.
		lo, c := bits.Add64(uint64(hi32)<<32, lo32, 0)
		hi := uint64(hi32>>32) + c
		s[0], c = bits.Add64(s[0], lo, 0)
		s[1] += hi + c
		s[2] += n
	case kSumFloat:
		var sum float64
		xs := v.Floats
		for _, r := range sel {
			sum += xs[r]
		}
		s[0] = math.Float64bits(math.Float64frombits(s[0]) + sum)
		s[1] += n
	case kMinInt, kMaxInt:
		xs := v.Ints
		if p.boolArg {
			xs = boolInts(v, sel, w.ints[:])
		}
		m := int64(s[0])
		if p.kind == kMinInt {
			for _, r := range sel {
				m = min(m, xs[r])
			}
		} else {
			for _, r := range sel {
				m = max(m, xs[r])
			}
		}
		s[0] = uint64(m)
		s[1] += n
	case kMinFloat, kMaxFloat:
		m, xs := math.Float64frombits(s[0]), v.Floats
		if p.kind == kMinFloat {
			for _, r := range sel {
				if x := xs[r]; floatLess(x, m) {
					m = x
				}
			}
		} else {
			for _, r := range sel {
				if x := xs[r]; floatGreater(x, m) {
					m = x
				}
			}
		}
		s[0] = math.Float64bits(m)
		s[1] += n
	case kMinStr, kMaxStr:
		// Find the extreme row first, then copy it once.
		if n == 0 {
			return
		}
		best := v.Str(int(sel[0]))
		for _, r := range sel[1:] {
			x := v.Str(int(r))
			if c := bytes.Compare(x, best); c != 0 && (c < 0) == (p.kind == kMinStr) {
				best = x
			}
		}
		st.strValue(s, best, n)
	}
}

// strValue folds string x (seen n times) into the string min or max s.
func (st *aggState) strValue(s []uint64, x []byte, n uint64) {
	off, ln, cp := int(s[0]), int(s[1]>>32), int(uint32(s[1]))
	if s[2] != 0 {
		c := bytes.Compare(x, st.arena[off:off+ln])
		if (st.p.kind == kMinStr && c >= 0) || (st.p.kind == kMaxStr && c <= 0) {
			s[2] += n
			return
		}
	}
	s[2] += n
	if cp >= len(x) {
		copy(st.arena[off:], x)
		s[1] = uint64(len(x))<<32 | uint64(cp)
		return
	}
	st.live += len(x) - cp
	if len(st.arena) > 2*st.live+compactSlackBytes {
		st.compact()
	}
	s[0], s[1] = uint64(len(st.arena)), uint64(len(x))<<32|uint64(len(x))
	st.arena = append(st.arena, x...)
}

// compactSlackBytes is the garbage a string arena may hold beyond its
// live bytes before compact runs (a variable so tests can force it).
var compactSlackBytes = 1 << 16

// compact rewrites the string arena with only the values in use (slots
// outgrown by longer values are garbage), so it stays within about twice
// the live bytes. The state rows are found through st.rows.
func (st *aggState) compact() {
	arena := make([]byte, 0, st.live+st.live/2)
	st.live = 0
	states, stride := *st.rows, st.stride
	for i := st.p.off; i < len(states); i += stride {
		s := states[i : i+3 : i+3]
		off, ln := int(s[0]), int(s[1]>>32)
		s[0] = uint64(len(arena))
		s[1] = uint64(ln)<<32 | uint64(ln)
		arena = append(arena, st.arena[off:off+ln]...)
		st.live += ln
	}
	st.arena = arena
}

// combine folds the states of src's groups base+k (k in sel) into dst's
// groups gids[k]: the merge of two partitions.
func (st *aggState) combine(dst []uint64, src []uint64, stride, base int, sel []uint16, gids []uint32, srcArena []byte) {
	off, words := st.p.off, stateWords(st.p.kind)
	for _, k := range sel {
		i, j := int(gids[k])*stride+off, (base+int(k))*stride+off
		d, s := dst[i:i+words:i+words], src[j:j+words:j+words]
		switch st.p.kind {
		case kCount:
			d[0] += s[0]
		case kSumInt:
			var c uint64
			d[0], c = bits.Add64(d[0], s[0], 0)
			d[1] += s[1] + c
			d[2] += s[2]
		case kSumFloat:
			d[0] = math.Float64bits(math.Float64frombits(d[0]) + math.Float64frombits(s[0]))
			d[1] += s[1]
		case kMinInt:
			d[0] = uint64(min(int64(d[0]), int64(s[0])))
			d[1] += s[1]
		case kMaxInt:
			d[0] = uint64(max(int64(d[0]), int64(s[0])))
			d[1] += s[1]
		case kMinFloat:
			if floatLess(math.Float64frombits(s[0]), math.Float64frombits(d[0])) {
				d[0] = s[0]
			}
			d[1] += s[1]
		case kMaxFloat:
			if floatGreater(math.Float64frombits(s[0]), math.Float64frombits(d[0])) {
				d[0] = s[0]
			}
			d[1] += s[1]
		case kMinStr, kMaxStr:
			if s[2] > 0 {
				off, ln := int(s[0]), int(s[1]>>32)
				st.strValue(d, srcArena[off:off+ln], s[2])
			}
		}
	}
}

// finish computes the results of n groups: the distinct aggregates from
// their sets, then sums (checked against the result type) and averages.
// It returns an error wrapping types.ErrOutOfRange for a sum that does not
// fit.
func (st *aggState) finish(states []uint64, stride, n int) error {
	p := st.p
	if p.distinct {
		st.dist.fold(st, states, stride)
	}
	switch {
	case p.kind == kSumInt && !p.avg:
		st.outI = growZero(st.outI[:0], n)
		for g := range n {
			i := g*stride + p.off
			s := states[i : i+3 : i+3]
			v := int64(s[0])
			if s[2] > 0 && (int64(s[1]) != v>>63 || v < p.lo || v > p.hi) {
				return errSumRange
			}
			st.outI[g] = v
		}
	case p.kind == kSumInt:
		st.outF = growZero(st.outF[:0], n)
		for g := range n {
			i := g*stride + p.off
			s := states[i : i+3 : i+3]
			if s[2] > 0 {
				st.outF[g] = int128Float(int64(s[1]), s[0]) / (float64(s[2]) * p.unit)
			}
		}
	case p.kind == kSumFloat && p.avg:
		st.outF = growZero(st.outF[:0], n)
		for g := range n {
			i := g*stride + p.off
			if c := states[i+1]; c > 0 {
				st.outF[g] = math.Float64frombits(states[i]) / float64(c)
			}
		}
	}
	return nil
}

// int128Float converts hi:lo to a float64 (within one rounding of each
// half).
func int128Float(hi int64, lo uint64) float64 {
	if hi == int64(lo)>>63 {
		return float64(int64(lo))
	}
	return float64(hi)*0x1p64 + float64(lo)
}
