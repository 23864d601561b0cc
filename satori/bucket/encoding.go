package bucket

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"slices"
	"unsafe"
)

// An encoded bucket is a head, which a search probe reads alone, followed
// by the float32 vectors, which maintenance reads whole and a search reads
// one at a time to rerank its candidates (docs/format/satori-buckets.md):
//
//	header (32 bytes) | ids | versions | min | scale | codes | vector CRCs |
//	attribute offsets, attributes | head CRC | vectors
//
// Every section starts at a multiple of 8 from the bucket's start.

// layout is where each section of a bucket of n vectors of dimension d
// with a bytes of attributes lives. All offsets are from the bucket's start.
type layout struct {
	n, d, a                                  int
	ids, versions, min, scale, codes, crcs   int
	attrOffs, attrData, headCRC, head, total int
}

func pad8(x uint64) uint64 { return (x + 7) &^ 7 }

// sizes returns the head and total length in bytes of a bucket of n
// vectors of dimension d with a bytes of attributes, in 64-bit arithmetic
// so that no header value can overflow them.
func sizes(n, d, a uint64) (head, total uint64) {
	head = bucketHeaderBytes + 16*n + 8*d + pad8(n*d) + pad8(4*n) + headTrailerBytes
	if a > 0 {
		head += pad8(4*(n+1) + a)
	}
	return head, head + 4*n*d
}

// newLayout computes the layout; the sizes must already be known to fit
// (checked with sizes).
func newLayout(n, d, a int) layout {
	l := layout{n: n, d: d, a: a}
	p := bucketHeaderBytes
	l.ids, p = p, p+8*n
	l.versions, p = p, p+8*n
	l.min, p = p, p+4*d
	l.scale, p = p, p+4*d
	l.codes, p = p, p+int(pad8(uint64(n*d)))
	l.crcs, p = p, p+int(pad8(uint64(4*n)))
	if a > 0 {
		l.attrOffs, l.attrData = p, p+4*(n+1)
		p += int(pad8(uint64(4*(n+1) + a)))
	}
	l.headCRC, p = p, p+headTrailerBytes
	l.head = p
	l.total = p + 4*n*d
	return l
}

// encodedSize returns the encoded size of b.
func (b *Bucket) encodedSize() uint64 {
	_, total := sizes(uint64(len(b.IDs)), uint64(b.Dim), uint64(b.attrBytes()))
	return total
}

func (b *Bucket) attrBytes() int {
	if len(b.AttrOffsets) == 0 {
		return 0
	}
	return len(b.AttrData)
}

// minEncodedBytes is the least a bucket of n vectors of dim takes (no
// attributes).
func minEncodedBytes(n, dim uint64) uint64 {
	_, total := sizes(n, dim, 0)
	return total
}

// quantize computes the per-dimension range of vecs (n×d) and appends the
// u8 codes: code = round((x-min)/scale), scale = (max-min)/255, 0 where
// the range is empty. Non-finite components are left out of the range and
// coded 0.
func quantize(vecs []float32, n, d int, minv, scale []float32, codes []byte) {
	for j := range d {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := range n {
			x := vecs[i*d+j]
			if x-x != 0 { // NaN or ±Inf
				continue
			}
			lo, hi = min(lo, x), max(hi, x)
		}
		if lo > hi {
			lo, hi = 0, 0
		}
		minv[j], scale[j] = lo, (hi-lo)/255
	}
	for i := range n {
		for j := range d {
			x, s := vecs[i*d+j], scale[j]
			var c float32
			if s > 0 && x-x == 0 {
				c = min(max((x-minv[j])/s+0.5, 0), 255)
			}
			codes[i*d+j] = uint8(c)
		}
	}
}

// appendBucket appends the encoding of b to dst. b must be valid.
func appendBucket(dst []byte, b *Bucket) []byte {
	n, d, a := len(b.IDs), b.Dim, b.attrBytes()
	l := newLayout(n, d, a)
	start := len(dst)
	dst = slices.Grow(dst, l.total)[:start+l.total]
	out := dst[start:]
	clear(out[:l.head])
	copy(out, BucketMagic)
	out[4] = BucketVersion
	le := binary.LittleEndian
	le.PutUint32(out[8:], b.ID)
	le.PutUint32(out[12:], uint32(n))
	le.PutUint32(out[16:], uint32(d))
	le.PutUint32(out[20:], uint32(a))
	le.PutUint32(out[24:], uint32(l.head))
	for i, id := range b.IDs {
		le.PutUint64(out[l.ids+8*i:], id)
		le.PutUint64(out[l.versions+8*i:], b.Versions[i])
	}
	minv := make([]float32, d)
	scale := make([]float32, d)
	quantize(b.Vectors, n, d, minv, scale, out[l.codes:l.codes+n*d])
	for j := range d {
		le.PutUint32(out[l.min+4*j:], math.Float32bits(minv[j]))
		le.PutUint32(out[l.scale+4*j:], math.Float32bits(scale[j]))
	}
	if a > 0 {
		for i, o := range b.AttrOffsets {
			le.PutUint32(out[l.attrOffs+4*i:], o)
		}
		copy(out[l.attrData:], b.AttrData)
	}
	for i, f := range b.Vectors {
		le.PutUint32(out[l.head+4*i:], math.Float32bits(f))
	}
	for i := range n {
		v := out[l.head+4*d*i : l.head+4*d*(i+1)]
		le.PutUint32(out[l.crcs+4*i:], crc32.Checksum(v, castagnoli))
	}
	le.PutUint32(out[l.headCRC:], crc32.Checksum(out[:l.headCRC], castagnoli))
	return dst
}

// checkHead verifies the head of an encoded bucket at the start of src,
// which holds the head alone (whole false) or the whole bucket (whole
// true): length, magic, version, reserved bytes, dimension, the sizes the
// header implies, the head checksum and the attribute offsets. It returns
// the layout. Nothing is trusted before it is checked against len(src),
// and it never panics.
func checkHead(src []byte, whole bool) (layout, error) {
	if len(src) < minBucketBytes {
		return layout{}, corruptf("bucket: %d bytes", len(src))
	}
	if string(src[:4]) != BucketMagic {
		return layout{}, corruptf("bucket: bad magic")
	}
	le := binary.LittleEndian
	id := le.Uint32(src[8:])
	n, d, a := uint64(le.Uint32(src[12:])), uint64(le.Uint32(src[16:])), uint64(le.Uint32(src[20:]))
	headField := uint64(le.Uint32(src[24:]))
	head, total := sizes(n, d, a)
	want := head
	if whole {
		want = total
	}
	if d == 0 || d > MaxDim || headField != head || want != uint64(len(src)) {
		return layout{}, corruptf("bucket %d: %d vectors of dim %d, %d attribute bytes, head %d, in %d bytes", id, n, d, a, headField, len(src))
	}
	l := newLayout(int(n), int(d), int(a))
	if crc32.Checksum(src[:l.headCRC], castagnoli) != le.Uint32(src[l.headCRC:]) {
		return layout{}, corruptf("bucket %d: head checksum mismatch", id)
	}
	if src[4] != BucketVersion {
		return layout{}, errUnsupported("bucket version %d", src[4])
	}
	if src[5]|src[6]|src[7] != 0 || le.Uint32(src[28:]) != 0 || le.Uint32(src[l.headCRC+4:]) != 0 {
		return layout{}, corruptf("bucket %d: reserved bytes set", id)
	}
	if a > 0 {
		prev := uint32(0)
		for i := range l.n + 1 {
			o := le.Uint32(src[l.attrOffs+4*i:])
			if o < prev || int(o) > l.a || (i == 0 && o != 0) || (i == l.n && int(o) != l.a) {
				return layout{}, corruptf("bucket %d: attribute offset %d of %d out of order", id, i, l.n)
			}
			prev = o
		}
	}
	return l, nil
}

// checkVectors verifies every vector of a whole bucket against its CRC.
func checkVectors(src []byte, l layout) error {
	le := binary.LittleEndian
	for i := range l.n {
		v := src[l.head+4*l.d*i : l.head+4*l.d*(i+1)]
		if crc32.Checksum(v, castagnoli) != le.Uint32(src[l.crcs+4*i:]) {
			return corruptf("bucket %d: vector %d checksum mismatch", le.Uint32(src[8:]), i)
		}
	}
	return nil
}

// decodeBucket validates src, one whole encoded bucket, and decodes it
// into into (copies, reusing into's slices). It never panics. On error
// into is unspecified but holds no data from src.
func decodeBucket(src []byte, into *Bucket) error {
	l, err := checkHead(src, true)
	if err != nil {
		return err
	}
	if err := checkVectors(src, l); err != nil {
		return err
	}
	into.detach()
	into.ID, into.Dim = binary.LittleEndian.Uint32(src[8:]), l.d
	into.IDs = resize(into.IDs, l.n)
	into.Versions = resize(into.Versions, l.n)
	into.Min = resize(into.Min, l.d)
	into.Scale = resize(into.Scale, l.d)
	into.Codes = append(into.Codes[:0], src[l.codes:l.codes+l.n*l.d]...)
	into.VectorCRCs = resize(into.VectorCRCs, l.n)
	into.Vectors = resize(into.Vectors, l.n*l.d)
	decodeLE(into.IDs, src[l.ids:])
	decodeLE(into.Versions, src[l.versions:])
	decodeLE(into.Min, src[l.min:])
	decodeLE(into.Scale, src[l.scale:])
	decodeLE(into.VectorCRCs, src[l.crcs:])
	decodeLE(into.Vectors, src[l.head:])
	into.AttrOffsets, into.AttrData = into.AttrOffsets[:0], into.AttrData[:0]
	if l.a > 0 {
		into.AttrOffsets = resize(into.AttrOffsets, l.n+1)
		decodeLE(into.AttrOffsets, src[l.attrOffs:])
		into.AttrData = append(into.AttrData, src[l.attrData:l.attrData+l.a]...)
	}
	return nil
}

// viewBucket verifies src (a whole bucket, or its head alone when whole is
// false) and points into's slices at it without copying, when the machine
// is little-endian and src is 8-byte aligned; otherwise it copies. After a
// head-only view into.Vectors is nil. into keeps src as its read buffer.
func viewBucket(src []byte, into *Bucket, whole bool) error {
	l, err := checkHead(src, whole)
	if err != nil {
		return err
	}
	if whole {
		if err := checkVectors(src, l); err != nil {
			return err
		}
	}
	into.detach()
	into.ID, into.Dim = binary.LittleEndian.Uint32(src[8:]), l.d
	if !littleEndian || uintptr(unsafe.Pointer(&src[0]))%8 != 0 {
		return copyHead(src, l, into, whole)
	}
	into.view = true
	into.IDs = viewOf[uint64](src, l.ids, l.n)
	into.Versions = viewOf[uint64](src, l.versions, l.n)
	into.Min = viewOf[float32](src, l.min, l.d)
	into.Scale = viewOf[float32](src, l.scale, l.d)
	into.Codes = src[l.codes : l.codes+l.n*l.d : l.codes+l.n*l.d]
	into.VectorCRCs = viewOf[uint32](src, l.crcs, l.n)
	if whole {
		into.Vectors = viewOf[float32](src, l.head, l.n*l.d)
	}
	if l.a > 0 {
		into.AttrOffsets = viewOf[uint32](src, l.attrOffs, l.n+1)
		into.AttrData = src[l.attrData : l.attrData+l.a : l.attrData+l.a]
	}
	return nil
}

// copyHead is viewBucket's copying path (big-endian or unaligned).
func copyHead(src []byte, l layout, into *Bucket, whole bool) error {
	into.IDs = resize(into.IDs, l.n)
	into.Versions = resize(into.Versions, l.n)
	into.Min = resize(into.Min, l.d)
	into.Scale = resize(into.Scale, l.d)
	into.VectorCRCs = resize(into.VectorCRCs, l.n)
	decodeLE(into.IDs, src[l.ids:])
	decodeLE(into.Versions, src[l.versions:])
	decodeLE(into.Min, src[l.min:])
	decodeLE(into.Scale, src[l.scale:])
	decodeLE(into.VectorCRCs, src[l.crcs:])
	into.Codes = append(into.Codes[:0], src[l.codes:l.codes+l.n*l.d]...)
	into.Vectors = into.Vectors[:0]
	if whole {
		into.Vectors = resize(into.Vectors, l.n*l.d)
		decodeLE(into.Vectors, src[l.head:])
	}
	into.AttrOffsets, into.AttrData = into.AttrOffsets[:0], into.AttrData[:0]
	if l.a > 0 {
		into.AttrOffsets = resize(into.AttrOffsets, l.n+1)
		decodeLE(into.AttrOffsets, src[l.attrOffs:])
		into.AttrData = append(into.AttrData, src[l.attrData:l.attrData+l.a]...)
	}
	return nil
}

// detach drops slices that are views of the read buffer, so that neither
// an Append nor the next read can write through them.
func (b *Bucket) detach() {
	if !b.view {
		return
	}
	b.IDs, b.Versions, b.Vectors, b.AttrOffsets, b.AttrData = nil, nil, nil, nil, nil
	b.Min, b.Scale, b.Codes, b.VectorCRCs = nil, nil, nil, nil
	b.view = false
}
