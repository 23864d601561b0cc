package bucket

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// littleEndian reports whether the machine stores numbers as the format
// does, so decoding a bucket is a memory copy instead of a loop over every
// number (the hot path of a search probe).
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// decodeU64s fills dst from the little-endian words of src
// (len(src) >= 8*len(dst)).
func decodeU64s(dst []uint64, src []byte) {
	if len(dst) == 0 {
		return
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst)*8), src)
		return
	}
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint64(src[i*8:])
	}
}

// decodeF32s fills dst from the little-endian IEEE 754 bits of src
// (len(src) >= 4*len(dst)).
func decodeF32s(dst []float32, src []byte) {
	if len(dst) == 0 {
		return
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst)*4), src)
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[i*4:]))
	}
}

// viewBucket decodes the verified encoding src (see decodeBucket: the
// checks are the same) into views of src, without copying, when the
// machine is little-endian and src is 8-byte aligned; otherwise it copies
// like decodeBucket. into keeps src as its read buffer.
func viewBucket(src []byte, into *Bucket) error {
	if !littleEndian || len(src) == 0 || uintptr(unsafe.Pointer(&src[0]))%8 != 0 {
		into.Reset(into.ID, into.Dim)
		return decodeBucket(src, into)
	}
	n, d, attrBytes, err := checkBucket(src)
	if err != nil {
		return err
	}
	into.ID, into.Dim = binary.LittleEndian.Uint32(src[8:]), d
	into.view = true
	p := bucketHeaderBytes
	into.IDs = unsafe.Slice((*uint64)(unsafe.Pointer(&src[p])), n)[:n:n]
	p += 8 * n
	into.Versions = unsafe.Slice((*uint64)(unsafe.Pointer(&src[p])), n)[:n:n]
	p += 8 * n
	into.Vectors = unsafe.Slice((*float32)(unsafe.Pointer(&src[p])), n*d)[: n*d : n*d]
	p += 4 * n * d
	into.AttrOffsets, into.AttrData = nil, nil
	if attrBytes == 0 {
		return nil
	}
	offs := unsafe.Slice((*uint32)(unsafe.Pointer(&src[p])), n+1)[: n+1 : n+1]
	if err := checkAttrOffsets(offs, n, attrBytes, into.ID); err != nil {
		into.IDs, into.Versions, into.Vectors = nil, nil, nil
		into.view = false
		return err
	}
	into.AttrOffsets = offs
	p += 4 * (n + 1)
	into.AttrData = src[p : p+attrBytes : p+attrBytes]
	return nil
}
