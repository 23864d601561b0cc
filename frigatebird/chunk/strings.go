package chunk

import (
	"bytes"
	"encoding/binary"
	"unsafe"
)

// encodeBytes encodes a bytes column. Null rows are written as empty
// strings (plain) or as the code of a neighbouring valid row (dictionary).
func (e *encoder) encodeBytes(dst []byte, c *Column, z *ZoneMap) ([]byte, Encoding, error) {
	n := c.Len
	if n == 0 || z.Nulls == n {
		return dst, EncodingPlain, nil
	}
	hasNulls := len(c.Valid) != 0 && z.Nulls > 0
	valid := func(i int) bool { return !hasNulls || c.Valid[i>>6]&(1<<(uint(i)&63)) != 0 }

	// Zone map and plain-size stats over valid rows.
	var minV, maxV []byte
	first := true
	total := 0 // bytes of valid rows
	maxLen := 0
	for i := 0; i < n; i++ {
		if !valid(i) {
			continue
		}
		s := c.String(i)
		total += len(s)
		maxLen = max(maxLen, len(s))
		if first {
			minV, maxV, first = s, s, false
			continue
		}
		if bytes.Compare(s, minV) < 0 {
			minV = s
		} else if bytes.Compare(s, maxV) > 0 {
			maxV = s
		}
	}
	if total > e.opts.Limits.MaxDecodedBytes {
		return dst, 0, errLimitf("%d string bytes (limit %d)", total, e.opts.Limits.MaxDecodedBytes)
	}
	boundBytes(z, minV, maxV, e.opts.ZoneMapPrefixBytes)
	lw := widthOf(uint64(maxLen))
	plainSize := forBytes(n, lw) + total

	want := e.opts.Encoding
	useDict := false
	dictLimit := min(e.opts.DictMaxEntries, (n-1)/2)
	if want == EncodingDict {
		dictLimit = min(e.opts.DictMaxEntries, n)
	}
	if (want == EncodingAuto || want == EncodingDict) && dictLimit > 0 {
		if dictBytes, ok := e.buildDictBytes(c, hasNulls, dictLimit); ok {
			d := len(e.strIdx)
			z.Distinct = d
			size := uvarintLen(uint64(d)) + uvarintLen(uint64(dictBytes)) + forBytes(d, lw) + dictBytes +
				1 + packedLen(n, widthOf(uint64(d-1)))
			useDict = want == EncodingDict || size < plainSize
		}
	}
	if !useDict {
		// Plain: lengths (FOR, reference 0), then the bytes.
		dst = binary.LittleEndian.AppendUint64(dst, 0)
		dst = append(dst, byte(lw))
		var acc uint64
		var nbits uint
		for i := 0; i < n; i++ {
			l := uint64(0)
			if valid(i) {
				l = uint64(c.Offsets[i+1] - c.Offsets[i])
			}
			dst, acc, nbits = packOne(dst, acc, nbits, l, lw)
		}
		dst = flushBits(dst, acc, nbits)
		for i := 0; i < n; i++ {
			if valid(i) {
				dst = append(dst, c.String(i)...)
			}
		}
		return dst, EncodingPlain, nil
	}
	// Dictionary: size, bytes of entries, entry lengths (FOR, reference 0),
	// entry bytes, code width, codes.
	d := len(e.strIdx)
	dictBytes := 0
	for _, i := range e.strIdx {
		dictBytes += int(c.Offsets[i+1] - c.Offsets[i])
	}
	dst = binary.AppendUvarint(dst, uint64(d))
	dst = binary.AppendUvarint(dst, uint64(dictBytes))
	dst = binary.LittleEndian.AppendUint64(dst, 0)
	dst = append(dst, byte(lw))
	var acc uint64
	var nbits uint
	for _, i := range e.strIdx {
		dst, acc, nbits = packOne(dst, acc, nbits, uint64(c.Offsets[i+1]-c.Offsets[i]), lw)
	}
	dst = flushBits(dst, acc, nbits)
	for _, i := range e.strIdx {
		dst = append(dst, c.String(i)...)
	}
	cw := widthOf(uint64(d - 1))
	dst = append(dst, byte(cw))
	dst = pack(dst, e.codes[:n], 0, cw)
	return dst, EncodingDict, nil
}

// buildDictBytes assigns dictionary codes to rows (null rows repeat the
// previous valid row's code), recording each entry's first row in e.strIdx.
// It gives up past limit entries.
func (e *encoder) buildDictBytes(c *Column, hasNulls bool, limit int) (dictBytes int, ok bool) {
	n := c.Len
	if e.strDict == nil {
		e.strDict = make(map[string]uint32)
	}
	clear(e.strDict)
	e.strIdx = e.strIdx[:0]
	e.codes = growU32(e.codes, n)
	// Keys alias c.Bytes without copying; the map is cleared before Encode
	// returns and c is not modified meanwhile.
	var all string
	if len(c.Bytes) > 0 {
		all = unsafe.String(&c.Bytes[0], len(c.Bytes))
	}
	prev, seen := uint32(0), false
	var pending int // leading null rows waiting for the first valid code
	for i := 0; i < n; i++ {
		if hasNulls && c.Valid[i>>6]&(1<<(uint(i)&63)) == 0 {
			if !seen {
				pending++
			}
			e.codes[i] = prev
			continue
		}
		key := all[c.Offsets[i]:c.Offsets[i+1]]
		code, found := e.strDict[key]
		if !found {
			if len(e.strIdx) == limit {
				clear(e.strDict)
				return 0, false
			}
			code = uint32(len(e.strIdx))
			e.strDict[key] = code
			e.strIdx = append(e.strIdx, i)
			dictBytes += len(key)
		}
		if !seen {
			seen = true
			clear(e.codes[:pending]) // code 0 is the first valid row's
		}
		e.codes[i] = code
		prev = code
	}
	clear(e.strDict)
	return dictBytes, true
}

// packOne adds one value of width w to a bit accumulator, flushing whole
// words to dst.
func packOne(dst []byte, acc uint64, nbits uint, x uint64, w uint) ([]byte, uint64, uint) {
	if w == 0 {
		return dst, acc, nbits
	}
	acc |= x << nbits
	if nbits+w >= 64 {
		dst = binary.LittleEndian.AppendUint64(dst, acc)
		used := 64 - nbits
		if used == 64 {
			acc = 0
		} else {
			acc = x >> used
		}
		return dst, acc, nbits + w - 64
	}
	return dst, acc, nbits + w
}

// flushBits appends the partial bytes left in the accumulator.
func flushBits(dst []byte, acc uint64, nbits uint) []byte {
	for nbits > 0 {
		dst = append(dst, byte(acc))
		acc >>= 8
		if nbits <= 8 {
			break
		}
		nbits -= 8
	}
	return dst
}

// decodeBytes decodes a bytes chunk into into.Offsets and into.Bytes.
func (d *decoder) decodeBytes(r *reader, h header, into *Column) error {
	rows, nulls := int(h.rows), int(h.nulls)
	into.Codes = into.Codes[:0]
	into.Offsets = growU32(into.Offsets, rows+1)
	into.Offsets[0] = 0
	if rows == 0 || nulls == rows {
		clear(into.Offsets)
		into.Bytes = into.Bytes[:0]
		return nil
	}
	hasNulls := nulls > 0
	switch h.encoding {
	case EncodingPlain:
		ref, w, packed := readFOR(r, rows)
		if r.err != nil || ref != 0 || w > 32 {
			return corruptf("string lengths: truncated or bad block")
		}
		d.u32 = growU32(d.u32, rows)
		unpackUint32(d.u32, packed, w)
		avail := uint64(len(r.b))
		var off uint64
		for i, l := range d.u32 {
			if hasNulls && l != 0 && into.Valid[i>>6]&(1<<(uint(i)&63)) == 0 {
				return corruptf("null row %d has %d bytes", i, l)
			}
			off += uint64(l)
			if off > avail {
				return corruptf("string lengths exceed %d payload bytes", avail)
			}
			into.Offsets[i+1] = uint32(off)
		}
		data := r.bytes(int(off))
		into.Bytes = append(into.Bytes[:0], data...)
		return nil
	case EncodingDict:
		nd := int(r.uvarint(uint64(min(rows, MaxDictMaxEntries))))
		dictBytes := int(r.uvarint(uint64(len(r.b))))
		ref, w, packed := readFOR(r, nd)
		if r.err != nil || nd == 0 || ref != 0 || w > 32 {
			return corruptf("string dictionary: truncated or bad header")
		}
		data := r.bytes(dictBytes)
		cw := uint(r.u8())
		if r.err != nil || cw > 32 {
			return corruptf("string dictionary: truncated or code width %d", cw)
		}
		codes := r.bytes(packedLen(rows, cw))
		if r.err != nil {
			return corruptf("string dictionary codes: truncated")
		}
		// Entry offsets into data: dictOff[k]..dictOff[k+1].
		d.u32 = growU32(d.u32, nd+1+rows)
		dictOff := d.u32[:nd+1]
		lens := d.u32[nd+1 : 2*nd+1]
		unpackUint32(lens, packed, w)
		var off uint64
		dictOff[0] = 0
		for k, l := range lens {
			off += uint64(l)
			if off > uint64(len(data)) {
				return corruptf("string dictionary lengths exceed %d bytes", len(data))
			}
			dictOff[k+1] = uint32(off)
		}
		if off != uint64(len(data)) {
			return corruptf("string dictionary uses %d of %d bytes", off, len(data))
		}
		rowCodes := d.u32[nd+1 : nd+1+rows]
		unpackUint32(rowCodes, codes, cw)
		// Pass 1: offsets and the total size, bounded before allocating.
		var total uint64
		limit := uint64(d.lim.MaxDecodedBytes)
		for i, c := range rowCodes {
			if c >= uint32(nd) {
				return corruptf("string dictionary code %d of %d", c, nd)
			}
			if !hasNulls || into.Valid[i>>6]&(1<<(uint(i)&63)) != 0 {
				total += uint64(dictOff[c+1] - dictOff[c])
				if total > limit {
					return errLimitf("strings decode to more than %d bytes", limit)
				}
			}
			into.Offsets[i+1] = uint32(total)
		}
		// Pass 2: copy.
		into.Bytes = growBytes(into.Bytes, int(total))
		out := into.Bytes
		for i, c := range rowCodes {
			s, e := into.Offsets[i], into.Offsets[i+1]
			copy(out[s:e], data[dictOff[c]:dictOff[c+1]])
		}
		if nd <= MaxKeptDict {
			into.Codes = append(into.Codes[:0], rowCodes...)
			into.DictOffsets = append(into.DictOffsets[:0], dictOff...)
			into.DictBytes = append(into.DictBytes[:0], data...)
		}
		return nil
	}
	return corruptf("encoding %v", h.encoding)
}
