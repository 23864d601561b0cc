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

// decodeLE fills dst from the little-endian encoding of its values at the
// start of src (len(src) >= size·len(dst)): one memory copy on
// little-endian machines.
func decodeLE[T uint32 | uint64 | float32](dst []T, src []byte) {
	if len(dst) == 0 {
		return
	}
	if littleEndian {
		size := int(unsafe.Sizeof(dst[0]))
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst)*size), src)
		return
	}
	for i := range dst {
		switch p := any(&dst[i]).(type) {
		case *uint32:
			*p = binary.LittleEndian.Uint32(src[4*i:])
		case *uint64:
			*p = binary.LittleEndian.Uint64(src[8*i:])
		case *float32:
			*p = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
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
