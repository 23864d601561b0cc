package sorter

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// A normalized key is a byte string whose bytewise order is the ORDER BY
// order of its row. It is held as big-endian uint64 words (layout.words
// per row, the tail zero-padded), so comparing two keys is comparing
// words as unsigned integers. Each key column contributes, in key order:
//
//   - ordinal keys (integers, DECIMAL, DATE, TIMESTAMP, floats, BOOLEAN)
//     map each value onto an order-preserving uint64 (the ordinal: the
//     sign bit flipped for ints; for floats the IEEE bits with the sign
//     bit flipped for positives and all bits flipped for negatives, after
//     -0.0 → +0.0 and every NaN → one NaN above +Inf). The code written is
//     ordinal-lo (ASC) or hi-ordinal (DESC), where [lo, hi] is the range
//     of the column's values, in as few bytes as the range needs. NULL is
//     folded into the code (0 below the values, or hi-lo+1 above them)
//     unless the range is the whole uint64 space; then a flag byte (0 or 1)
//     precedes the value.
//   - string keys write a flag byte when the column has NULLs, then the
//     first P bytes of the value, zero-padded (P is the longest value,
//     capped at the prefix bound), then, when some value is longer than P
//     or holds a 0x00 byte, a length byte: the length, or P+1 for a value
//     longer than P (a long value). Bytes are inverted for DESC. Short
//     values are thus encoded exactly ("ab" < "ab\x00" by length). Two
//     long values with equal prefixes cannot be ordered by their bytes, so
//     after a long value the rest of the key is zeroed: such rows tie on
//     the whole normalized key, and the layout is lossy: equal normalized
//     keys are ordered by comparing the rows' key values in full
//     (cmpValues). The encoding is monotone (a < b implies key(a) <=
//     key(b)), which makes that two-step comparison the SQL order and lets
//     a key's first word alone reject a row (top-N).
//
// The layout of a sort (the dynamic layout) is computed once from the
// statistics of every row of every local (keyStats), so all locals encode
// alike and a constant key takes no bytes. The top-N heap, which must
// compare rows as they arrive, uses the static layout: the same rules
// over the widest statistics a type allows.

// keyStats summarises one key column's values.
type keyStats struct {
	lo, hi  uint64 // ordinal range of the non-NULL values, when nonNull
	nonNull bool   // some value is not NULL
	hasNull bool   // some value is NULL
	maxLen  int    // strings: the longest value, in bytes
	hasZero bool   // strings: some value holds a 0x00 byte
}

// merge folds o into s.
func (s *keyStats) merge(o keyStats) {
	if o.nonNull {
		if !s.nonNull {
			s.lo, s.hi = o.lo, o.hi
		} else {
			s.lo, s.hi = min(s.lo, o.lo), max(s.hi, o.hi)
		}
		s.nonNull = true
	}
	s.hasNull = s.hasNull || o.hasNull
	s.maxLen = max(s.maxLen, o.maxLen)
	s.hasZero = s.hasZero || o.hasZero
}

// nanOrd is the ordinal of every NaN: above +Inf's.
const nanOrd = 0xFFF8_0000_0000_0000

// intOrd maps an int64 onto an order-preserving uint64.
func intOrd(v int64) uint64 { return uint64(v) ^ 1<<63 }

// floatOrd maps a float64 onto an order-preserving uint64 in SQL order:
// -0.0 and +0.0 map alike, every NaN maps to nanOrd.
func floatOrd(f float64) uint64 {
	if f != f {
		return nanOrd
	}
	if f == 0 {
		return 1 << 63
	}
	b := math.Float64bits(f)
	return b ^ (uint64(int64(b)>>63) | 1<<63)
}

// staticStats returns the widest statistics of a type: what the top-N
// heap encodes with before any row is seen.
func staticStats(p types.Phys) keyStats {
	s := keyStats{nonNull: true, hasNull: true}
	switch p {
	case types.PhysInt64:
		s.lo, s.hi = 0, math.MaxUint64
	case types.PhysFloat64:
		s.lo, s.hi = floatOrd(math.Inf(-1)), nanOrd
	case types.PhysBool:
		s.lo, s.hi = 0, 1
	case types.PhysBytes:
		s.maxLen, s.hasZero = math.MaxInt, true
	}
	return s
}

// slot places a value of up to 8 bytes at a byte offset of the key: its
// low bytes go to word lo (shifted left by lsh) and, when it straddles a
// word boundary, its high bytes to word hi = lo-1 (shifted right by rsh).
type slot struct {
	lo, hi   int // hi is -1 when the value does not straddle
	lsh, rsh uint
}

func newSlot(off, width int) slot {
	last := off + width - 1
	lo := last >> 3
	c := last&7 + 1 // bytes of the value that land in word lo
	s := slot{lo: lo, hi: -1, lsh: uint(8 * (8 - c))}
	if width > c {
		s.hi, s.rsh = lo-1, uint(8*c)
	}
	return s
}

// put ORs v into the key at dst[base:], writing only words below words.
func (s slot) put(dst []uint64, base, words int, v uint64) {
	if s.lo < words {
		dst[base+s.lo] |= v << s.lsh
	}
	if s.hi >= 0 && s.hi < words {
		dst[base+s.hi] |= v >> s.rsh
	}
}

// chunkSlot is up to 8 bytes of a string key's prefix.
type chunkSlot struct {
	slot
	off, width int    // bytes [off, off+width) of the string
	mask       uint64 // width bytes of ones
}

// keyLayout is where and how one key column is encoded.
type keyLayout struct {
	Key
	phys types.Phys

	// Flag byte (NULLs not folded): nullFlag for NULL, validFlag else.
	hasFlag             bool
	flag                slot
	nullFlag, validFlag uint64

	// Ordinal keys.
	lo, hi   uint64 // range of the ordinals
	fold     bool   // NULL is a code of the value slot
	nullCode uint64 // code of NULL when folded
	shift    uint64 // added to every value's code (1 when NULLs fold below)
	hasVal   bool   // false: one value at most, no bytes needed
	val      slot

	// String keys.
	chunks []chunkSlot
	prefix int  // P: bytes of the value kept
	hasLen bool // a length byte follows the prefix
	length slot
	lossy  bool // values longer than P exist: zero the key after end
	end    int  // byte offset just past the key's bytes
}

// layout is the normalized key of a sort.
type layout struct {
	keys  []keyLayout
	words int   // uint64 words per key, at least 1
	lossy []int // indexes into keys of the lossy string keys
}

// newLayout lays out the keys of columns ts given each key's statistics;
// string keys keep at most prefixMax bytes.
func newLayout(ts []types.Type, keys []Key, st []keyStats, prefixMax int) *layout {
	lay := &layout{keys: make([]keyLayout, len(keys))}
	off := 0
	for i, k := range keys {
		kl := &lay.keys[i]
		kl.Key, kl.phys = k, ts[k.Col].Phys()
		s := st[i]
		if kl.phys == types.PhysBytes {
			if s.hasNull {
				kl.setFlag(off)
				off++
			}
			p := min(s.maxLen, prefixMax)
			kl.prefix, kl.lossy = p, s.maxLen > p
			for c := 0; c < p; c += 8 {
				w := min(8, p-c)
				kl.chunks = append(kl.chunks, chunkSlot{slot: newSlot(off, w), off: c, width: w, mask: math.MaxUint64 >> (64 - 8*w)})
				off += w
			}
			if kl.lossy || s.hasZero {
				kl.hasLen, kl.length = true, newSlot(off, 1)
				off++
			}
			kl.end = off
			if kl.lossy {
				lay.lossy = append(lay.lossy, i)
			}
			continue
		}
		if s.nonNull {
			kl.lo, kl.hi = s.lo, s.hi
		}
		maxCode := kl.hi - kl.lo
		if s.hasNull {
			if maxCode < math.MaxUint64 {
				kl.fold = true
				if k.NullsFirst {
					kl.nullCode, kl.shift = 0, 1
				} else {
					kl.nullCode = maxCode + 1
				}
				maxCode++
			} else {
				kl.setFlag(off)
				off++
			}
		}
		if w := (bits.Len64(maxCode) + 7) / 8; w > 0 {
			kl.hasVal, kl.val = true, newSlot(off, w)
			off += w
		}
	}
	lay.words = max(1, (off+7)/8)
	return lay
}

func (kl *keyLayout) setFlag(off int) {
	kl.hasFlag, kl.flag = true, newSlot(off, 1)
	if kl.NullsFirst {
		kl.nullFlag, kl.validFlag = 0, 1
	} else {
		kl.nullFlag, kl.validFlag = 1, 0
	}
}

// encode ORs the normalized keys of rows of cols into dst: the key of
// rows[i] at dst[i*stride:], only its first words words (words <=
// stride). dst must be zeroed there. ords is scratch of len(rows) words.
func (lay *layout) encode(cols []*vector.Vector, rows []uint16, dst []uint64, stride, words int, ords []uint64) {
	for i := range lay.keys {
		kl := &lay.keys[i]
		v := cols[kl.Col]
		if kl.phys == types.PhysBytes {
			kl.encodeString(v, rows, dst, stride, words)
		} else {
			kl.encodeOrdinal(v, rows, dst, stride, words, ords[:len(rows)])
		}
	}
	// After a long value the key is zeroed; the earliest long key wins,
	// so the lossy keys go last to first.
	for j := len(lay.lossy) - 1; j >= 0; j-- {
		kl := &lay.keys[lay.lossy[j]]
		if kl.end >= 8*words {
			continue
		}
		we, keep := kl.end>>3, ^uint64(0)<<(64-8*(kl.end&7))
		if kl.end&7 == 0 {
			keep = 0
		}
		v := cols[kl.Col]
		nulls := v.HasNulls()
		for i, r := range rows {
			if int(v.Offsets[r+1]-v.Offsets[r]) <= kl.prefix || (nulls && !v.IsValid(int(r))) {
				continue
			}
			key := dst[i*stride : i*stride+words]
			key[we] &= keep
			clear(key[we+1:])
		}
	}
}

func (kl *keyLayout) encodeOrdinal(v *vector.Vector, rows []uint16, dst []uint64, stride, words int, ords []uint64) {
	nulls := v.HasNulls()
	if kl.hasFlag && kl.flag.lo < words {
		for i, r := range rows {
			f := kl.validFlag
			if nulls && !v.IsValid(int(r)) {
				f = kl.nullFlag
			}
			kl.flag.put(dst, i*stride, words, f)
		}
	}
	if !kl.hasVal || (kl.val.hi < 0 && kl.val.lo >= words) || (kl.val.hi >= words) {
		return
	}
	// code = ordinal - lo + shift (ASC) or hi + shift - ordinal (DESC).
	base := kl.lo - kl.shift
	if kl.Desc {
		base = kl.hi + kl.shift
	}
	switch v.Type.Phys() {
	case types.PhysInt64:
		xs := v.Ints
		if kl.Desc {
			for i, r := range rows {
				ords[i] = base - intOrd(xs[r])
			}
		} else {
			for i, r := range rows {
				ords[i] = intOrd(xs[r]) - base
			}
		}
	case types.PhysFloat64:
		xs := v.Floats
		if kl.Desc {
			for i, r := range rows {
				ords[i] = base - floatOrd(xs[r])
			}
		} else {
			for i, r := range rows {
				ords[i] = floatOrd(xs[r]) - base
			}
		}
	case types.PhysBool:
		xs := v.Bools
		if kl.Desc {
			for i, r := range rows {
				ords[i] = base - xs[r>>6]>>(r&63)&1
			}
		} else {
			for i, r := range rows {
				ords[i] = xs[r>>6]>>(r&63)&1 - base
			}
		}
	}
	if nulls {
		null := uint64(0) // with a flag byte, NULL's value bytes are zero
		if kl.fold {
			null = kl.nullCode
		}
		for i, r := range rows {
			if !v.IsValid(int(r)) {
				ords[i] = null
			}
		}
	}
	s := kl.val
	if s.hi < 0 && s.lo < words {
		for i, o := range ords {
			dst[i*stride+s.lo] |= o << s.lsh
		}
		return
	}
	for i, o := range ords {
		s.put(dst, i*stride, words, o)
	}
}

func (kl *keyLayout) encodeString(v *vector.Vector, rows []uint16, dst []uint64, stride, words int) {
	nulls := v.HasNulls()
	inv := uint64(0)
	if kl.Desc {
		inv = math.MaxUint64
	}
	for i, r := range rows {
		base := i * stride
		valid := !nulls || v.IsValid(int(r))
		if kl.hasFlag {
			f := kl.validFlag
			if !valid {
				f = kl.nullFlag
			}
			kl.flag.put(dst, base, words, f)
		}
		if !valid {
			continue // NULL's prefix bytes are zero
		}
		s := v.Bytes[v.Offsets[r]:v.Offsets[r+1]]
		for c := range kl.chunks {
			cs := &kl.chunks[c]
			if cs.slot.hi >= words || (cs.slot.hi < 0 && cs.slot.lo >= words) {
				break
			}
			cs.put(dst, base, words, (prefixChunk(s, cs.off, cs.width)^inv)&cs.mask)
		}
		if kl.hasLen {
			n := uint64(min(len(s), kl.prefix+1))
			kl.length.put(dst, base, words, (n^inv)&0xFF)
		}
	}
}

// prefixChunk returns bytes [off, off+width) of s, zero-padded, as a
// big-endian number.
func prefixChunk(s []byte, off, width int) uint64 {
	if len(s) >= off+8 {
		return binary.BigEndian.Uint64(s[off:]) >> (64 - 8*width)
	}
	var x uint64
	k := 0
	for j := off; j < len(s) && k < width; j++ {
		x = x<<8 | uint64(s[j])
		k++
	}
	return x << (8 * (width - k))
}

// rowRef names a row whose values cmpValues reads: a row of a
// collection, or (coll nil) a row of a batch's columns.
type rowRef struct {
	coll *vector.Collection
	cols []*vector.Vector
	row  int
}

// value returns column col of the row as the fields of a vector or chunk
// column, and false when it is NULL: ints and floats through i and f,
// booleans as i (0 or 1), strings through s.
func (r rowRef) value(col int) (i int64, f float64, s []byte, ok bool) {
	if r.coll != nil {
		c := &r.coll.Segment(r.row / vector.SegmentRows)[col]
		k := r.row % vector.SegmentRows
		if !c.IsValid(k) {
			return 0, 0, nil, false
		}
		switch types.Phys(c.Type) {
		case types.PhysInt64:
			return c.Ints[k], 0, nil, true
		case types.PhysFloat64:
			return 0, c.Floats[k], nil, true
		case types.PhysBool:
			return int64(c.Bools[k>>6] >> (k & 63) & 1), 0, nil, true
		}
		return 0, 0, c.String(k), true
	}
	v := r.cols[col]
	k := r.row
	if !v.IsValid(k) {
		return 0, 0, nil, false
	}
	switch v.Type.Phys() {
	case types.PhysInt64:
		return v.Ints[k], 0, nil, true
	case types.PhysFloat64:
		return 0, v.Floats[k], nil, true
	case types.PhysBool:
		return int64(v.Bools[k>>6] >> (k & 63) & 1), 0, nil, true
	}
	return 0, 0, v.Str(k), true
}

// cmpValues orders two rows by their key values in full, the SQL rules
// written out: what decides between rows whose normalized keys tie in a
// lossy layout.
func (lay *layout) cmpValues(a, b rowRef) int {
	for i := range lay.keys {
		kl := &lay.keys[i]
		ia, fa, sa, va := a.value(kl.Col)
		ib, fb, sb, vb := b.value(kl.Col)
		var c int
		switch {
		case !va && !vb:
			continue
		case !va:
			if kl.NullsFirst {
				return -1
			}
			return 1
		case !vb:
			if kl.NullsFirst {
				return 1
			}
			return -1
		}
		switch kl.phys {
		case types.PhysInt64, types.PhysBool:
			c = cmpInt(ia, ib)
		case types.PhysFloat64:
			c = types.CompareFloat(fa, fb)
		case types.PhysBytes:
			c = bytes.Compare(sa, sb)
		}
		if kl.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func cmpInt[T int | int64 | uint32 | uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpWords compares two keys of equal length.
func cmpWords(a, b []uint64) int {
	for i, x := range a {
		if y := b[i]; x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
