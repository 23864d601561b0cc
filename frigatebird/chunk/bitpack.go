package chunk

import (
	"encoding/binary"
	"math/bits"
)

// Bit packing: value i of a packed run of width w occupies bits
// [i*w, i*w+w) of a little-endian byte string, least significant bit first.
// n values take packedLen(n, w) bytes; the unused high bits of the last byte
// are zero.

// packedLen returns the bytes needed for n values of width w (w <= 64,
// n <= maxRowsHard so the product cannot overflow).
func packedLen(n int, w uint) int { return int((uint64(n)*uint64(w) + 7) >> 3) }

// packable is the set of element types the packer reads.
type packable interface{ ~int64 | ~uint64 | ~uint32 }

// pack appends vals[i]-ref packed at width w to dst. Every vals[i]-ref
// (as uint64, wrapping) must fit in w bits.
func pack[T packable](dst []byte, vals []T, ref T, w uint) []byte {
	if w == 0 || len(vals) == 0 {
		return dst
	}
	var acc uint64
	var nbits uint
	for _, v := range vals {
		x := uint64(v - ref)
		acc |= x << nbits
		if nbits+w >= 64 {
			dst = binary.LittleEndian.AppendUint64(dst, acc)
			used := 64 - nbits // bits of x consumed
			if used == 64 {
				acc = 0
			} else {
				acc = x >> used
			}
			nbits = nbits + w - 64
		} else {
			nbits += w
		}
	}
	for nbits > 0 {
		dst = append(dst, byte(acc))
		acc >>= 8
		if nbits < 8 {
			break
		}
		nbits -= 8
	}
	return dst
}

// unpackInt64 decodes len(dst) values of width w from src, adding ref
// (wrapping). len(src) must be >= packedLen(len(dst), w).
func unpackInt64(dst []int64, src []byte, ref int64, w uint) {
	n := len(dst)
	switch {
	case n == 0:
		return
	case w == 0:
		for i := range dst {
			dst[i] = ref
		}
		return
	case w == 64:
		src = src[:8*n]
		for i := range dst {
			dst[i] = int64(binary.LittleEndian.Uint64(src[8*i:])) + ref
		}
		return
	}
	mask := uint64(1)<<w - 1
	i := 0
	if w <= 56 {
		// Fast path: one unaligned 8-byte load per value while 8 bytes
		// remain at the value's first byte.
		fast := 0
		if len(src) >= 8 {
			fast = ((len(src)-8)*8)/int(w) + 1
			if fast > n {
				fast = n
			}
		}
		// Groups of 8 values span exactly w bytes: step the base pointer
		// per group so bit offsets inside a group are constants.
		groups := fast / 8
		for g := 0; g < groups; g++ {
			b := src[g*int(w):]
			d := dst[g*8 : g*8+8 : g*8+8]
			b = b[:8+7*w/8] // bounds hint for the 8 loads below
			d[0] = int64(binary.LittleEndian.Uint64(b[0:])&mask) + ref
			d[1] = int64(binary.LittleEndian.Uint64(b[(1*w)>>3:])>>((1*w)&7)&mask) + ref
			d[2] = int64(binary.LittleEndian.Uint64(b[(2*w)>>3:])>>((2*w)&7)&mask) + ref
			d[3] = int64(binary.LittleEndian.Uint64(b[(3*w)>>3:])>>((3*w)&7)&mask) + ref
			d[4] = int64(binary.LittleEndian.Uint64(b[(4*w)>>3:])>>((4*w)&7)&mask) + ref
			d[5] = int64(binary.LittleEndian.Uint64(b[(5*w)>>3:])>>((5*w)&7)&mask) + ref
			d[6] = int64(binary.LittleEndian.Uint64(b[(6*w)>>3:])>>((6*w)&7)&mask) + ref
			d[7] = int64(binary.LittleEndian.Uint64(b[(7*w)>>3:])>>((7*w)&7)&mask) + ref
		}
		i = groups * 8
		for ; i < fast; i++ {
			bit := uint(i) * w
			dst[i] = int64(binary.LittleEndian.Uint64(src[bit>>3:])>>(bit&7)&mask) + ref
		}
	}
	for ; i < n; i++ {
		dst[i] = int64(readBits(src, uint(i)*w, w)) + ref
	}
}

// unpackUint32 decodes len(dst) values of width w <= 32 from src.
// len(src) must be >= packedLen(len(dst), w).
func unpackUint32(dst []uint32, src []byte, w uint) {
	if w == 0 {
		clear(dst)
		return
	}
	mask := uint64(1)<<w - 1
	n := len(dst)
	fast := 0
	if len(src) >= 8 {
		fast = ((len(src)-8)*8)/int(w) + 1
		if fast > n {
			fast = n
		}
	}
	i := 0
	for ; i < fast; i++ {
		bit := uint(i) * w
		dst[i] = uint32(binary.LittleEndian.Uint64(src[bit>>3:]) >> (bit & 7) & mask)
	}
	for ; i < n; i++ {
		dst[i] = uint32(readBits(src, uint(i)*w, w))
	}
}

// readBits reads w (1..64) bits at bit offset bit, byte by byte; used for
// the tail where an 8-byte load would run past src.
func readBits(src []byte, bit, w uint) uint64 {
	var v uint64
	var got uint
	for got < w {
		b := uint64(src[bit>>3]) >> (bit & 7)
		take := 8 - bit&7
		v |= b << got
		got += take
		bit += take
	}
	if w < 64 {
		v &= 1<<w - 1
	}
	return v
}

// widthOf returns the bits needed to represent x.
func widthOf(x uint64) uint { return uint(bits.Len64(x)) }
