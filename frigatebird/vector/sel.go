package vector

import "math/bits"

// A selection lists the active rows of a vector in increasing order as
// []uint16 (Len <= Size <= 65536); nil means every row 0..Len-1. Kernels
// that produce a selection write into a caller's buffer (cap >= Size
// avoids allocation) and may write over the selection they read: out may
// be sel[:0].

// selBuf returns out resliced to n, allocating only when too small.
// The result is never nil: nil would mean "all rows".
func selBuf(out []uint16, n int) []uint16 {
	if out != nil && cap(out) >= n {
		return out[:n]
	}
	return make([]uint16, n, max(n, Size))
}

// filterEach keeps the rows of sel (nil: 0..n-1) for which keep holds,
// in out's storage: the row-at-a-time path of the kernels that are not
// specialised per operator.
func filterEach(n int, sel, out []uint16, keep func(i uint16) bool) []uint16 {
	k := 0
	if sel == nil {
		out = selBuf(out, n)
		for i := 0; i < n; i++ {
			out[k] = uint16(i)
			k += b2i(keep(uint16(i)))
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	for _, i := range sel {
		out[k] = i
		k += b2i(keep(i))
	}
	return out[:k]
}

// SelectAll returns 0..n-1 in out's storage.
func SelectAll(n int, out []uint16) []uint16 {
	out = selBuf(out, n)
	for i := range out {
		out[i] = uint16(i)
	}
	return out
}

// SelToBitmap sets in dst (Words(n) words, cleared first) the bits of the
// rows of sel; sel nil sets rows 0..n-1.
func SelToBitmap(sel []uint16, n int, dst []uint64) []uint64 {
	dst = grow(dst, Words(n))
	clear(dst)
	if sel == nil {
		for i := 0; i < n>>6; i++ {
			dst[i] = ^uint64(0)
		}
		if r := uint(n) & 63; r != 0 {
			dst[n>>6] = 1<<r - 1
		}
		return dst
	}
	for _, i := range sel {
		dst[i>>6] |= 1 << (i & 63)
	}
	return dst
}

// BitmapToSel lists the set bits among the first n of bm.
func BitmapToSel(bm []uint64, n int, out []uint16) []uint16 {
	out = selBuf(out, n)
	k := 0
	for w := 0; w < Words(n); w++ {
		x := bm[w]
		if w == n>>6 {
			x &= 1<<(uint(n)&63) - 1
		}
		for x != 0 {
			out[k] = uint16(w<<6 + bits.TrailingZeros64(x))
			k++
			x &= x - 1
		}
	}
	return out[:k]
}

// dropNulls removes rows that are NULL in valid (nonempty) from sel.
func dropNulls(valid []uint64, sel []uint16) []uint16 {
	k := 0
	for _, i := range sel {
		sel[k] = i
		k += int(valid[i>>6] >> (i & 63) & 1)
	}
	return sel[:k]
}

// andValid writes into dst the AND of two validity bitmaps for n rows;
// empty means all valid, and the result is empty when both are.
func andValid(dst, a, b []uint64, n int) []uint64 {
	switch {
	case len(a) == 0 && len(b) == 0:
		return dst[:0]
	case len(a) == 0:
		dst = grow(dst, Words(n))
		copy(dst, b[:Words(n)])
		return dst
	case len(b) == 0:
		dst = grow(dst, Words(n))
		copy(dst, a[:Words(n)])
		return dst
	}
	dst = grow(dst, Words(n))
	for i := range dst {
		dst[i] = a[i] & b[i]
	}
	return dst
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
