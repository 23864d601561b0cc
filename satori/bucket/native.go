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

// decodeU32s fills dst from the little-endian words of src.
func decodeU32s(dst []uint32, src []byte) {
	if len(dst) == 0 {
		return
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst)*4), src)
		return
	}
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint32(src[i*4:])
	}
}

// viewOf returns the n values of type T at offset off of b, in place (b
// must be suitably aligned: the caller checks b's start is 8-aligned and
// every section offset is a multiple of 8).
func viewOf[T uint32 | uint64 | float32](b []byte, off, n int) []T {
	if n == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[off])), n)[:n:n]
}

// bytesOf returns the memory of v as bytes (little-endian machines only).
func bytesOf(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}
