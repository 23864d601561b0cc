package vecmath

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every test in this file runs against every implementation the CPU
// supports, calling the arch-specific kernels directly rather than only the
// one chosen at init.

func eachImpl(t testing.TB) []kernels {
	ks := supported()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.name
	}
	if !hasAVX512() {
		t.Logf("no AVX-512F/BW (or not amd64): avx512 kernels not tested")
	}
	if !hasAVX2() {
		t.Logf("no AVX2+FMA (or not amd64): avx2 kernels not tested")
	}
	t.Logf("testing implementations %v", names)
	return ks
}

// refFloat returns the float64 reference of the L2 (l2=true) or dot kernel
// and the sum of absolute values of its terms, which scales the tolerance.
// Products of float32 values are exact in float64.
func refFloat(a, b []float32, l2 bool) (ref, absSum float64) {
	for i := range a {
		var t float64
		if l2 {
			d := float64(a[i]) - float64(b[i])
			t = d * d
		} else {
			t = float64(a[i]) * float64(b[i])
		}
		ref += t
		absSum += math.Abs(t)
	}
	return ref, absSum
}

// floatTol is the documented error bound (see doc.go): relative
// (n+8)*2^-24 of the sum of absolute terms, plus a few ulps of the smallest
// subnormal per element for terms that underflow.
func floatTol(n int, absSum float64) float64 {
	return float64(n+8)*0x1p-24*absSum + float64(4*n)*0x1p-149
}

// checkFloat reports whether got agrees with the float64 reference. Inputs
// whose terms approach the float32 range are skipped (ok=true): overflow to
// Inf then depends on the summation order.
func checkFloat(a, b []float32, l2 bool, got float32) (ok bool, msg string) {
	ref, absSum := refFloat(a, b, l2)
	if math.IsNaN(ref) {
		return math.IsNaN(float64(got)), fmt.Sprintf("got %v, want NaN", got)
	}
	if math.IsInf(ref, 0) || absSum > math.MaxFloat32/2 {
		return true, ""
	}
	tol := floatTol(len(a), absSum)
	if diff := math.Abs(float64(got) - ref); !(diff <= tol) {
		return false, fmt.Sprintf("got %v, want %v (|diff| %g > tol %g, n=%d)", got, ref, diff, tol, len(a))
	}
	return true, ""
}

func refU8(a, b []uint8, l2 bool) uint64 {
	var s uint64
	for i := range a {
		if l2 {
			d := int64(a[i]) - int64(b[i])
			s += uint64(d * d)
		} else {
			s += uint64(a[i]) * uint64(b[i])
		}
	}
	return s
}

// genFloats fills v according to one of several input shapes.
func genFloats(rng *rand.Rand, shape int, v []float32) {
	for i := range v {
		switch shape {
		case 0: // uniform [-1, 1)
			v[i] = rng.Float32()*2 - 1
		case 1: // large magnitudes, terms near 1e30
			v[i] = float32(rng.NormFloat64() * 1e15)
		case 2: // tiny magnitudes, products subnormal
			v[i] = float32(rng.NormFloat64() * 1e-21)
		case 3: // magnitudes spread over 2^-60..2^60
			v[i] = float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(121)-60))
		case 4: // integers: exact sums, catches dropped or doubled elements
			v[i] = float32(rng.IntN(7) - 3)
		case 5: // alternating huge values, heavy cancellation in Dot
			v[i] = float32(1e12)
			if i%2 == 1 {
				v[i] = -1e12
			}
		}
	}
}

const floatShapes = 6

func TestFloatKernels(t *testing.T) {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, k := range eachImpl(t) {
		for n := 0; n <= 1030; n++ {
			for shape := range floatShapes {
				// Offsets 0..3 make the vectors start at odd elements of
				// their backing arrays, so loads are not 32-byte aligned.
				offA, offB := rng.IntN(4), rng.IntN(4)
				a := make([]float32, n+offA)[offA:]
				b := make([]float32, n+offB)[offB:]
				genFloats(rng, shape, a)
				genFloats(rng, shape, b)
				if ok, msg := checkFloat(a, b, true, k.l2(a, b)); !ok {
					t.Fatalf("%s l2 shape %d offsets %d/%d: %s", k.name, shape, offA, offB, msg)
				}
				if ok, msg := checkFloat(a, b, false, k.dot(a, b)); !ok {
					t.Fatalf("%s dot shape %d offsets %d/%d: %s", k.name, shape, offA, offB, msg)
				}
			}
		}
	}
}

// TestFloatKernelsExactInts checks that small integer inputs, whose sums are
// exact in float32, give identical results everywhere: a dropped or doubled
// tail element cannot hide inside the tolerance.
func TestFloatKernelsExactInts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range eachImpl(t) {
		for n := 0; n <= 300; n++ {
			a, b := make([]float32, n), make([]float32, n)
			genFloats(rng, 4, a)
			genFloats(rng, 4, b)
			l2, _ := refFloat(a, b, true)
			dot, _ := refFloat(a, b, false)
			if got := k.l2(a, b); float64(got) != l2 {
				t.Fatalf("%s l2 n=%d: got %v want %v", k.name, n, got, l2)
			}
			if got := k.dot(a, b); float64(got) != dot {
				t.Fatalf("%s dot n=%d: got %v want %v", k.name, n, got, dot)
			}
		}
	}
}

func TestFloatKernelsSpecial(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, k := range eachImpl(t) {
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100} {
			for _, pos := range []int{0, n / 2, n - 1} {
				a, b := make([]float32, n), make([]float32, n)
				a[pos] = nan
				if got := k.l2(a, b); !math.IsNaN(float64(got)) {
					t.Fatalf("%s l2 n=%d NaN at %d: got %v", k.name, n, pos, got)
				}
				if got := k.dot(a, b); !math.IsNaN(float64(got)) {
					t.Fatalf("%s dot n=%d NaN at %d: got %v", k.name, n, pos, got)
				}
				a[pos] = inf
				if got := k.l2(a, b); !math.IsInf(float64(got), 1) {
					t.Fatalf("%s l2 n=%d Inf at %d: got %v", k.name, n, pos, got)
				}
			}
			// Every term finite, the sum overflows.
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = 3e19, -3e19
			}
			if got := k.l2(a, b); !math.IsInf(float64(got), 1) {
				t.Fatalf("%s l2 n=%d overflow: got %v", k.name, n, got)
			}
		}
		if got := k.l2(nil, nil); got != 0 {
			t.Fatalf("%s l2 empty: got %v", k.name, got)
		}
		if got := k.dot(nil, nil); got != 0 {
			t.Fatalf("%s dot empty: got %v", k.name, got)
		}
	}
}

func TestU8Kernels(t *testing.T) {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	check := func(k kernels, a, b []uint8, what string) {
		t.Helper()
		if got, want := k.l2U8(a, b), uint32(refU8(a, b, true)); got != want {
			t.Fatalf("%s l2U8 %s n=%d: got %d want %d", k.name, what, len(a), got, want)
		}
		if got, want := k.dotU8(a, b), uint32(refU8(a, b, false)); got != want {
			t.Fatalf("%s dotU8 %s n=%d: got %d want %d", k.name, what, len(a), got, want)
		}
	}
	for _, k := range eachImpl(t) {
		for n := 0; n <= 1030; n++ {
			offA, offB := rng.IntN(32), rng.IntN(32)
			a := make([]uint8, n+offA)[offA:]
			b := make([]uint8, n+offB)[offB:]
			for i := range a {
				a[i], b[i] = uint8(rng.Uint32()), uint8(rng.Uint32())
			}
			check(k, a, b, "random")
			for i := range a { // extremes: the largest |a-b| and a*b, both signs
				a[i], b[i] = 255, uint8(255*(i%2))
			}
			check(k, a, b, "extreme")
		}
		// The longest exact vectors, one past, and lengths where uint32
		// wraps: every implementation must wrap like the reference.
		for _, n := range []int{4096, 4097, MaxExactU8Len - 1, MaxExactU8Len, MaxExactU8Len + 1, 70000, 200001} {
			a, b := make([]uint8, n), make([]uint8, n)
			for i := range a {
				a[i] = 255
			}
			if n <= MaxExactU8Len {
				if ref := refU8(a, b, true); ref > math.MaxUint32 {
					t.Fatalf("MaxExactU8Len %d is wrong: n=%d sums to %d", MaxExactU8Len, n, ref)
				}
			}
			check(k, a, b, "max-diff")
			copy(b, a)
			check(k, a, b, "max-product")
		}
	}
}

// decodeFloats turns fuzz bytes into two equal-length float32 vectors
// starting off%8 elements into their backing arrays. With the high bit of
// off clear the bytes are raw float32 bits (NaN, Inf, overflow, subnormals);
// with it set the exponent is folded into 2^-40..2^40 so that sums stay in
// range and the tolerance check, not the overflow skip, decides.
func decodeFloats(data []byte, off uint8) (a, b []float32) {
	n := len(data) / 8
	o := int(off % 8)
	tame := off&0x80 != 0
	dec := func(p []byte) float32 {
		bits := binary.LittleEndian.Uint32(p)
		if tame {
			exp := (bits>>23&0xff)%81 + 127 - 40
			bits = bits&^(0xff<<23) | exp<<23
		}
		return math.Float32frombits(bits)
	}
	a = make([]float32, n+o)[o:]
	b = make([]float32, n+o)[o:]
	for i := range n {
		a[i] = dec(data[4*i:])
		b[i] = dec(data[4*(n+i):])
	}
	return a, b
}

func fuzzSeeds(f *testing.F) {
	for _, n := range []int{0, 1, 7, 8, 9, 17, 33, 65, 130} {
		data := make([]byte, 8*n)
		for i := range data {
			data[i] = byte(i*7 + 0x3f)
		}
		f.Add(data, uint8(n))
		f.Add(data, uint8(n)|0x80)
	}
}

func fuzzFloat(f *testing.F, l2 bool) {
	fuzzSeeds(f)
	ks := eachImpl(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		a, b := decodeFloats(data, off)
		for _, k := range ks {
			var got float32
			if l2 {
				got = k.l2(a, b)
			} else {
				got = k.dot(a, b)
			}
			if ok, msg := checkFloat(a, b, l2, got); !ok {
				t.Fatalf("%s: %s", k.name, msg)
			}
		}
	})
}

func FuzzL2(f *testing.F)  { fuzzFloat(f, true) }
func FuzzDot(f *testing.F) { fuzzFloat(f, false) }

func FuzzU8(f *testing.F) {
	fuzzSeeds(f)
	ks := eachImpl(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		n := len(data) / 2
		o := int(off % 32)
		a := append(make([]uint8, o), data[:n]...)[o:]
		b := append(make([]uint8, o), data[n:2*n]...)[o:]
		for _, k := range ks {
			if got, want := k.l2U8(a, b), uint32(refU8(a, b, true)); got != want {
				t.Fatalf("%s l2U8 n=%d: got %d want %d", k.name, n, got, want)
			}
			if got, want := k.dotU8(a, b), uint32(refU8(a, b, false)); got != want {
				t.Fatalf("%s dotU8 n=%d: got %d want %d", k.name, n, got, want)
			}
		}
	})
}

var benchDims = []int{128, 784, 960}

var sinkF32 float32
var sinkU32 uint32

func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range eachImpl(b) {
		for _, dim := range benchDims {
			x, y := make([]float32, dim), make([]float32, dim)
			genFloats(rng, 0, x)
			genFloats(rng, 0, y)
			xb, yb := make([]uint8, dim), make([]uint8, dim)
			for i := range xb {
				xb[i], yb[i] = uint8(rng.Uint32()), uint8(rng.Uint32())
			}
			// SetBytes counts both input vectors, so MB/s is the read bandwidth.
			b.Run(fmt.Sprintf("L2Squared/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(8 * dim))
				b.ReportAllocs()
				for b.Loop() {
					sinkF32 = k.l2(x, y)
				}
			})
			b.Run(fmt.Sprintf("Dot/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(8 * dim))
				b.ReportAllocs()
				for b.Loop() {
					sinkF32 = k.dot(x, y)
				}
			})
			b.Run(fmt.Sprintf("L2SquaredU8/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(2 * dim))
				b.ReportAllocs()
				for b.Loop() {
					sinkU32 = k.l2U8(xb, yb)
				}
			})
			b.Run(fmt.Sprintf("DotU8/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(2 * dim))
				b.ReportAllocs()
				for b.Loop() {
					sinkU32 = k.dotU8(xb, yb)
				}
			})
		}
	}
}

// BenchmarkBatch scans a bucket of 1000 vectors; MB/s counts the bucket
// bytes, the query stays in cache.
func BenchmarkBatch(b *testing.B) {
	const rows = 1000
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range eachImpl(b) {
		for _, dim := range benchDims {
			q, data := make([]float32, dim), make([]float32, rows*dim)
			genFloats(rng, 0, q)
			genFloats(rng, 0, data)
			out := make([]float32, rows)
			b.Run(fmt.Sprintf("L2SquaredBatch/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(4 * rows * dim))
				b.ReportAllocs()
				for b.Loop() {
					batch("bench", k.l2, q, data, out)
				}
			})
			b.Run(fmt.Sprintf("DotBatch/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(4 * rows * dim))
				b.ReportAllocs()
				for b.Loop() {
					batch("bench", k.dot, q, data, out)
				}
			})
		}
	}
}
