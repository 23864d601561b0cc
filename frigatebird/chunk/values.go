package chunk

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"
)

// encoder holds Encode's pooled scratch space.
type encoder struct {
	opts    Options
	payload []byte
	vals    []int64  // values with null slots filled
	codes   []uint32 // dictionary codes per row
	dict    []int64  // dictionary values in first-seen order
	runV    []int64  // RLE run values
	runL    []int64  // RLE run lengths
	slots   []uint32 // open-addressing table: code+1, 0 = empty
	strDict map[string]uint32
	strIdx  []int // row index of each string dictionary entry's first occurrence
}

func (e *encoder) release() {
	if cap(e.payload) > maxPooledBytes || 8*cap(e.vals) > maxPooledBytes || 4*cap(e.codes) > maxPooledBytes ||
		8*cap(e.runV) > maxPooledBytes || len(e.strDict) > 1<<16 {
		return
	}
	clear(e.strDict)
	encoders.Put(e)
}

// floatsAsInts views float64s as their IEEE-754 bit patterns, so the 64-bit
// integer encodings carry floats bit-exactly (NaN payloads, -0.0).
func floatsAsInts(f []float64) []int64 {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&f[0])), len(f))
}

// stats64 summarises 64-bit values for choosing an encoding.
type stats64 struct {
	min, max       int64 // signed, over the filled values
	runs           int
	minRun, maxRun int
}

func computeStats64(v []int64) stats64 {
	s := stats64{min: v[0], max: v[0], runs: 1, minRun: len(v)}
	run := 1
	prev := v[0]
	for _, x := range v[1:] {
		s.min = min(s.min, x)
		s.max = max(s.max, x)
		if x == prev {
			run++
			continue
		}
		s.runs++
		s.minRun = min(s.minRun, run)
		s.maxRun = max(s.maxRun, run)
		run = 1
		prev = x
	}
	s.minRun = min(s.minRun, run)
	s.maxRun = max(s.maxRun, run)
	return s
}

func forBytes(n int, w uint) int { return 9 + packedLen(n, w) }

func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// fillNulls copies the first n values into e.vals with every null slot set
// to the previous valid value (the first valid value for leading nulls).
// Any value would do, as Decode zeroes null slots; repeating a neighbour
// keeps runs, ranges and dictionaries unchanged. ok is false when every row
// is null.
func (e *encoder) fillNulls(src []int64, valid []uint64, n int) (vals []int64, ok bool) {
	if len(valid) == 0 {
		return src[:n], true
	}
	first := -1
	for i := 0; i < n; i++ {
		if valid[i>>6]&(1<<(uint(i)&63)) != 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, false
	}
	e.vals = growInts(e.vals, n)
	prev := src[first]
	for i := 0; i < n; i++ {
		if valid[i>>6]&(1<<(uint(i)&63)) != 0 {
			prev = src[i]
		}
		e.vals[i] = prev
	}
	return e.vals, true
}

// encode64 encodes an int64 or float64 column.
func (e *encoder) encode64(dst []byte, c *Column, z *ZoneMap) ([]byte, Encoding, error) {
	n := c.Len
	var src []int64
	if c.Type == TypeInt64 {
		src = c.Ints
	} else {
		src = floatsAsInts(c.Floats)
	}
	if n == 0 {
		return dst, EncodingPlain, nil
	}
	v, ok := e.fillNulls(src, c.Valid, n)
	if !ok {
		return dst, EncodingPlain, nil // all null: no values stored
	}
	s := computeStats64(v)
	if c.Type == TypeInt64 {
		z.HasMinMax, z.MinInt, z.MaxInt = true, s.min, s.max
	} else {
		floatZone(z, v)
	}
	w := widthOf(uint64(s.max - s.min))

	// Estimated payload sizes; earlier candidates win ties (faster decode).
	enc, best := EncodingPlain, 8*n
	try := func(c Encoding, size int) {
		if size < best {
			enc, best = c, size
		}
	}
	try(EncodingFOR, forBytes(n, w))
	lw := widthOf(uint64(s.maxRun - s.minRun))
	try(EncodingRLE, uvarintLen(uint64(s.runs))+forBytes(s.runs, w)+forBytes(s.runs, lw))

	want := e.opts.Encoding
	dictLimit := min(e.opts.DictMaxEntries, (n-1)/2)
	// A dictionary's codes are never wider than w, so it can only win when
	// the best so far spends more than a bit per row.
	if want == EncodingDict || (want == EncodingAuto && best > packedLen(n, 1)+16 && dictLimit > 0) {
		if want == EncodingDict {
			dictLimit = min(e.opts.DictMaxEntries, n)
		}
		if e.buildDict64(v, dictLimit) {
			d := len(e.dict)
			z.Distinct = d // null slots hold copies of valid values: exact
			try(EncodingDict, uvarintLen(uint64(d))+forBytes(d, w)+1+packedLen(n, widthOf(uint64(d-1))))
			if want == EncodingDict {
				enc = EncodingDict
			}
		}
	}
	if want != EncodingAuto && want != EncodingDict {
		enc = want
	}

	switch enc {
	case EncodingPlain:
		for _, x := range v {
			dst = binary.LittleEndian.AppendUint64(dst, uint64(x))
		}
	case EncodingFOR:
		dst = appendFOR(dst, v, s.min, s.max)
	case EncodingRLE:
		e.runV, e.runL = e.runV[:0], e.runL[:0]
		prev, run := v[0], int64(0)
		for _, x := range v {
			if x != prev {
				e.runV = append(e.runV, prev)
				e.runL = append(e.runL, run)
				prev, run = x, 0
			}
			run++
		}
		e.runV = append(e.runV, prev)
		e.runL = append(e.runL, run)
		dst = binary.AppendUvarint(dst, uint64(len(e.runV)))
		dst = appendFOR(dst, e.runV, s.min, s.max)
		dst = appendFOR(dst, e.runL, int64(s.minRun), int64(s.maxRun))
	case EncodingDict:
		d := len(e.dict)
		dst = binary.AppendUvarint(dst, uint64(d))
		dst = appendFOR(dst, e.dict, s.min, s.max)
		cw := widthOf(uint64(d - 1))
		dst = append(dst, byte(cw))
		dst = pack(dst, e.codes[:n], 0, cw)
	}
	return dst, enc, nil
}

// floatZone sets z's float bounds from bit patterns v (null slots already
// hold copies of valid values).
func floatZone(z *ZoneMap, v []int64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range v {
		f := math.Float64frombits(uint64(b))
		if f != f {
			z.HasNaN = true
			continue
		}
		lo = min(lo, f)
		hi = max(hi, f)
	}
	if lo <= hi {
		z.HasMinMax, z.MinFloat, z.MaxFloat = true, lo, hi
	}
}

// appendFOR writes a frame-of-reference block: reference (int64), width
// (byte), then v[i]-lo packed at that width. lo and hi bound v.
func appendFOR(dst []byte, v []int64, lo, hi int64) []byte {
	w := widthOf(uint64(hi - lo))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(lo))
	dst = append(dst, byte(w))
	return pack(dst, v, lo, w)
}

// buildDict64 fills e.dict (first-seen order) and e.codes, giving up once
// more than limit distinct values are seen.
func (e *encoder) buildDict64(v []int64, limit int) bool {
	size := 1
	for size < 2*min(limit+1, len(v)) {
		size <<= 1
	}
	shift := uint(64 - bits.Len(uint(size-1)))
	e.slots = growU32(e.slots, size)
	clear(e.slots)
	e.codes = growU32(e.codes, len(v))
	e.dict = e.dict[:0]
	mask := uint64(size - 1)
	for i, x := range v {
		h := (uint64(x) * 0x9E3779B97F4A7C15) >> shift
		for {
			s := e.slots[h]
			if s == 0 {
				if len(e.dict) == limit {
					return false
				}
				e.dict = append(e.dict, x)
				e.slots[h] = uint32(len(e.dict))
				e.codes[i] = uint32(len(e.dict) - 1)
				break
			}
			if e.dict[s-1] == x {
				e.codes[i] = s - 1
				break
			}
			h = (h + 1) & mask
		}
	}
	return true
}

// readFOR reads a frame-of-reference block header and its packed bytes for
// n values.
func readFOR(r *reader, n int) (ref int64, w uint, packed []byte) {
	ref = int64(r.u64())
	w = uint(r.u8())
	if w > 64 {
		r.fail()
		return 0, 0, nil
	}
	packed = r.bytes(packedLen(n, w))
	return ref, w, packed
}

// decode64 decodes the values of an int64 or float64 chunk into out
// (len rows) and zeroes null slots.
func (d *decoder) decode64(r *reader, h header, out []int64, valid []uint64) error {
	rows, nulls := int(h.rows), int(h.nulls)
	if rows == 0 {
		return nil
	}
	if nulls == rows {
		clear(out)
		return nil
	}
	switch h.encoding {
	case EncodingPlain:
		b := r.bytes(8 * rows)
		if r.err != nil {
			return corruptf("plain values: truncated")
		}
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case EncodingFOR:
		ref, w, packed := readFOR(r, rows)
		if r.err != nil {
			return corruptf("frame of reference: truncated")
		}
		unpackInt64(out, packed, ref, w)
	case EncodingRLE:
		nruns := int(r.uvarint(uint64(rows)))
		if r.err != nil || nruns == 0 {
			return corruptf("rle: bad run count")
		}
		vref, vw, vp := readFOR(r, nruns)
		lref, lw, lp := readFOR(r, nruns)
		if r.err != nil {
			return corruptf("rle: truncated")
		}
		d.i64a = growInts(d.i64a, nruns)
		d.i64b = growInts(d.i64b, nruns)
		unpackInt64(d.i64a, vp, vref, vw)
		unpackInt64(d.i64b, lp, lref, lw)
		pos := 0
		for k, l := range d.i64b {
			if l < 1 || l > int64(rows-pos) {
				return corruptf("rle: run of %d at row %d of %d", l, pos, rows)
			}
			x := d.i64a[k]
			run := out[pos : pos+int(l)]
			for i := range run {
				run[i] = x
			}
			pos += int(l)
		}
		if pos != rows {
			return corruptf("rle: runs cover %d of %d rows", pos, rows)
		}
	case EncodingDict:
		nd := int(r.uvarint(uint64(min(rows, MaxDictMaxEntries))))
		if r.err != nil || nd == 0 {
			return corruptf("dictionary: bad size")
		}
		ref, w, packed := readFOR(r, nd)
		cw := uint(r.u8())
		if r.err != nil || cw > 32 {
			return corruptf("dictionary: truncated or code width %d", cw)
		}
		codes := r.bytes(packedLen(rows, cw))
		if r.err != nil {
			return corruptf("dictionary codes: truncated")
		}
		d.i64a = growInts(d.i64a, nd)
		dict := d.i64a
		unpackInt64(dict, packed, ref, w)
		d.u32 = growU32(d.u32, rows)
		unpackUint32(d.u32, codes, cw)
		for i, c := range d.u32 {
			if c >= uint32(len(dict)) {
				return corruptf("dictionary code %d of %d", c, len(dict))
			}
			out[i] = dict[c]
		}
	default:
		return corruptf("encoding %v", h.encoding)
	}
	if nulls > 0 {
		zeroNulls(out, valid, rows)
	}
	return nil
}

// zeroNulls sets every null slot of out to 0.
func zeroNulls(out []int64, valid []uint64, rows int) {
	for wi, word := range valid {
		inv := ^word
		if rem := rows - wi*64; rem < 64 {
			inv &= 1<<uint(rem) - 1
		}
		for inv != 0 {
			out[wi*64+bits.TrailingZeros64(inv)] = 0
			inv &= inv - 1
		}
	}
}

// encodeBools writes the bitmap of a bool column with null slots false.
func (e *encoder) encodeBools(dst []byte, c *Column, z *ZoneMap) ([]byte, Encoding) {
	n := c.Len
	if n == 0 || z.Nulls == n {
		return dst, EncodingPlain
	}
	words := (n + 63) >> 6
	trues, falses := 0, 0
	for i := 0; i < words; i++ {
		x := c.Bools[i]
		m := ^uint64(0)
		if len(c.Valid) != 0 {
			m = c.Valid[i]
		}
		if i == words-1 && n&63 != 0 {
			m &= 1<<uint(n&63) - 1
		}
		x &= m
		trues += bits.OnesCount64(x)
		falses += bits.OnesCount64(^x & m)
		dst = binary.LittleEndian.AppendUint64(dst, x)
	}
	// Keep packedLen(n, 1) bytes: drop the padding of the last word.
	dst = dst[:len(dst)-(8*words-packedLen(n, 1))]
	z.HasMinMax = true
	z.MinInt, z.MaxInt = 1, 0
	if falses > 0 {
		z.MinInt = 0
	}
	if trues > 0 {
		z.MaxInt = 1
	}
	z.Distinct = min(trues, 1) + min(falses, 1)
	return dst, EncodingPlain
}

func (d *decoder) decodeBools(r *reader, h header, into *Column) error {
	rows, nulls := int(h.rows), int(h.nulls)
	words := (rows + 63) >> 6
	into.Bools = growWords(into.Bools, words)
	if rows == 0 {
		return nil
	}
	if nulls == rows {
		clear(into.Bools)
		return nil
	}
	b := r.bytes(packedLen(rows, 1))
	if r.err != nil {
		return corruptf("bool bitmap: truncated")
	}
	if err := readBitmap(into.Bools, b, rows); err != nil {
		return err
	}
	if nulls > 0 {
		for i, v := range into.Valid {
			if into.Bools[i]&^v != 0 {
				return corruptf("bool set in a null row")
			}
		}
	}
	return nil
}
