package vector

import (
	"fmt"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

func benchInts() *Vector {
	v := New(types.BigInt)
	v.Reset(types.BigInt, Size)
	for i := range v.Ints {
		v.Ints[i] = int64(i*7919) % 1000
	}
	return v
}

func BenchmarkFilterInt64Const(b *testing.B) {
	v := benchInts()
	out := make([]uint16, 0, Size)
	b.ReportAllocs()
	b.SetBytes(Size * 8)
	for b.Loop() {
		out = FilterInt64Const(Lt, v, 500, nil, out)
	}
}

func BenchmarkArithInt64(b *testing.B) {
	for _, op := range []ArithOp{Add, Mul} {
		b.Run(op.String(), func(b *testing.B) {
			x, y := benchInts(), benchInts()
			res := New(types.BigInt)
			b.ReportAllocs()
			b.SetBytes(Size * 8)
			for b.Loop() {
				if err := ArithInt64(op, x, y, nil, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLikePrefix(b *testing.B) {
	v := New(types.Text)
	v.Reset(types.Text, Size)
	for i := 0; i < Size; i++ {
		v.AppendStr(i, fmt.Appendf(nil, "user-%d@example.com", i*31%5000))
	}
	p := CompileLike("user-1%", false)
	out := make([]uint16, 0, Size)
	b.ReportAllocs()
	for b.Loop() {
		out = FilterLike(v, p, false, nil, out)
	}
}

// filterLtInt64Plain is a hand-specialised copy of the generic loop, kept
// to show the generic kernel costs nothing (compare the benchmarks).
func filterLtInt64Plain(xs []int64, c int64, out []uint16) []uint16 {
	k := 0
	out = out[:len(xs)]
	for i, x := range xs {
		out[k] = uint16(i)
		k += b2i(x < c)
	}
	return out[:k]
}

func BenchmarkFilterInt64ConstPlain(b *testing.B) {
	v := benchInts()
	out := make([]uint16, 0, Size)
	b.ReportAllocs()
	b.SetBytes(Size * 8)
	for b.Loop() {
		out = filterLtInt64Plain(v.Ints, 500, out)
	}
}

// BenchmarkFilterInt64ConstGeneric measures the generic kernel
// instantiated for int64, the reason filterConstInt64 exists.
func BenchmarkFilterInt64ConstGeneric(b *testing.B) {
	v := benchInts()
	out := make([]uint16, 0, Size)
	b.ReportAllocs()
	b.SetBytes(Size * 8)
	for b.Loop() {
		out = filterConst(Lt, v.Ints, v.Len, 500, nil, out)
	}
}
