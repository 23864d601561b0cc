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
	return checkSum(ref, absSum, floatTol(len(a), absSum), len(a), got)
}

// checkSum compares got with the float64 reference ref within tol; absSum
// is the sum of absolute terms, used to skip results near the float32 range.
func checkSum(ref, absSum, tol float64, n int, got float32) (ok bool, msg string) {
	if math.IsNaN(ref) {
		return math.IsNaN(float64(got)), fmt.Sprintf("got %v, want NaN", got)
	}
	if math.IsInf(ref, 0) || absSum > math.MaxFloat32/2 {
		return true, ""
	}
	if diff := math.Abs(float64(got) - ref); !(diff <= tol) {
		return false, fmt.Sprintf("got %v, want %v (|diff| %g > tol %g, n=%d)", got, ref, diff, tol, n)
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
	a = make([]float32, n+o)[o:]
	b = make([]float32, n+o)[o:]
	for i := range n {
		a[i] = decodeFloat(data[4*i:], tame)
		b[i] = decodeFloat(data[4*(n+i):], tame)
	}
	return a, b
}

// decodeFloat reads float32 bits from p; tame folds the exponent into
// 2^-40..2^40 (see decodeFloats).
func decodeFloat(p []byte, tame bool) float32 {
	bits := binary.LittleEndian.Uint32(p)
	if tame {
		exp := (bits>>23&0xff)%81 + 127 - 40
		bits = bits&^(0xff<<23) | exp<<23
	}
	return math.Float32frombits(bits)
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

// refF32U8 returns the float64 reference of the asymmetric kernels
// (L2SquaredWeightedU8 when w != nil, DotF32U8 otherwise), the sum of
// absolute terms and the documented error bound (see doc.go): the relative
// part of floatTol plus, per element, (4+|q-c|)*2^-149 for L2 (w*(q-c)
// may underflow before it is multiplied by q-c again) or 4*2^-149 for the
// dot. Its own rounding (a few 2^-53 per term, when q-c is not exact in
// float64) is far inside the bound.
func refF32U8(q, w []float32, c []uint8) (ref, absSum, tol float64) {
	var sub float64
	for i := range q {
		var t float64
		if w != nil {
			d := float64(q[i]) - float64(c[i])
			t = float64(w[i]) * d * d
			sub += (4 + math.Abs(d)) * 0x1p-149
		} else {
			t = float64(q[i]) * float64(c[i])
			sub += 4 * 0x1p-149
		}
		ref += t
		absSum += math.Abs(t)
	}
	return ref, absSum, float64(len(q)+8)*0x1p-24*absSum + sub
}

func checkWeightedU8(q, w []float32, c []uint8, got float32) (ok bool, msg string) {
	ref, absSum, tol := refF32U8(q, w, c)
	return checkSum(ref, absSum, tol, len(q), got)
}

func checkF32U8(a []float32, c []uint8, got float32) (ok bool, msg string) {
	ref, absSum, tol := refF32U8(a, nil, c)
	return checkSum(ref, absSum, tol, len(a), got)
}

// genCodes fills c according to one of several code shapes.
func genCodes(rng *rand.Rand, shape int, c []uint8) {
	for i := range c {
		switch shape {
		case 0: // uniform
			c[i] = uint8(rng.Uint32())
		case 1: // all 0
			c[i] = 0
		case 2: // all 255
			c[i] = 255
		case 3: // alternating extremes, catches a wrong byte offset
			c[i] = uint8(255 * (i % 2))
		case 4: // ramp, every element distinct from its neighbours
			c[i] = uint8(i)
		}
	}
}

const codeShapes = 5

// genWeights fills w for one float shape: positive like scale^2 for the
// first shapes, signed (allowed, not used by SatoriDB) for the rest.
func genWeights(rng *rand.Rand, shape int, w []float32) {
	genFloats(rng, shape, w)
	if shape%2 == 0 {
		for i := range w {
			w[i] = float32(math.Abs(float64(w[i])))
		}
	}
}

// f32U8Lens are the vector lengths of TestF32U8Kernels: every length up to
// 300 (all tails of every block size) and the large dimensions in use.
func f32U8Lens() []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	return append(ns, 784, 1024, 1031, 4096)
}

func TestF32U8Kernels(t *testing.T) {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for _, k := range eachImpl(t) {
		for _, n := range f32U8Lens() {
			for shape := range floatShapes {
				for cshape := range codeShapes {
					// Offsets make the vectors start at unaligned addresses.
					offQ, offW, offC := rng.IntN(4), rng.IntN(4), rng.IntN(32)
					q := make([]float32, n+offQ)[offQ:]
					w := make([]float32, n+offW)[offW:]
					c := make([]uint8, n+offC)[offC:]
					genFloats(rng, shape, q)
					genWeights(rng, shape, w)
					genCodes(rng, cshape, c)
					if ok, msg := checkWeightedU8(q, w, c, k.l2WU8(q, w, c)); !ok {
						t.Fatalf("%s l2WU8 shape %d/%d offsets %d/%d/%d: %s", k.name, shape, cshape, offQ, offW, offC, msg)
					}
					if ok, msg := checkF32U8(q, c, k.dotF32U8(q, c)); !ok {
						t.Fatalf("%s dotF32U8 shape %d/%d offsets %d/%d: %s", k.name, shape, cshape, offQ, offC, msg)
					}
				}
			}
		}
	}
}

// TestF32U8KernelsExactInts uses small integers whose sums are exact in
// float32 (at most 250*258^2 < 2^24), so every implementation must give the
// exact result: a dropped, doubled or misaligned element cannot hide inside
// the tolerance.
func TestF32U8KernelsExactInts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range eachImpl(t) {
		for n := 0; n <= 250; n++ {
			q, w := make([]float32, n), make([]float32, n)
			c := make([]uint8, n)
			for i := range q {
				q[i], w[i], c[i] = float32(rng.IntN(7)-3), float32(rng.IntN(2)), uint8(rng.Uint32())
			}
			l2, _, _ := refF32U8(q, w, c)
			dot, _, _ := refF32U8(q, nil, c)
			if got := k.l2WU8(q, w, c); float64(got) != l2 {
				t.Fatalf("%s l2WU8 n=%d: got %v want %v", k.name, n, got, l2)
			}
			if got := k.dotF32U8(q, c); float64(got) != dot {
				t.Fatalf("%s dotF32U8 n=%d: got %v want %v", k.name, n, got, dot)
			}
		}
	}
}

func TestF32U8KernelsSpecial(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, k := range eachImpl(t) {
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100} {
			for _, pos := range []int{0, n / 2, n - 1} {
				q, w, c := make([]float32, n), make([]float32, n), make([]uint8, n)
				for i := range w {
					w[i], c[i] = 1, uint8(i)
				}
				q[pos] = nan
				if got := k.l2WU8(q, w, c); !math.IsNaN(float64(got)) {
					t.Fatalf("%s l2WU8 n=%d NaN q at %d: got %v", k.name, n, pos, got)
				}
				if got := k.dotF32U8(q, c); !math.IsNaN(float64(got)) {
					t.Fatalf("%s dotF32U8 n=%d NaN at %d: got %v", k.name, n, pos, got)
				}
				q[pos] = inf
				if got := k.l2WU8(q, w, c); !math.IsInf(float64(got), 1) {
					t.Fatalf("%s l2WU8 n=%d Inf q at %d: got %v", k.name, n, pos, got)
				}
				q[pos], w[pos] = 0, nan
				if got := k.l2WU8(q, w, c); !math.IsNaN(float64(got)) {
					t.Fatalf("%s l2WU8 n=%d NaN w at %d: got %v", k.name, n, pos, got)
				}
			}
			// Every term finite, the sum overflows.
			q, w, c := make([]float32, n), make([]float32, n), make([]uint8, n)
			for i := range q {
				q[i], w[i], c[i] = 3e19, 1, 255
			}
			if got := k.l2WU8(q, w, c); !math.IsInf(float64(got), 1) {
				t.Fatalf("%s l2WU8 n=%d overflow: got %v", k.name, n, got)
			}
			// A huge q with a tiny weight: (w*d)*d stays finite where
			// w*(d*d) would overflow in d*d.
			for i := range q {
				q[i], w[i], c[i] = 1e30, 1e-30, 0
			}
			if ok, msg := checkWeightedU8(q, w, c, k.l2WU8(q, w, c)); !ok {
				t.Fatalf("%s l2WU8 n=%d huge q tiny w: %s", k.name, n, msg)
			}
		}
		// Subnormal weights: w*(q-c) underflows before the second product
		// by q-c, the case the (4+|q-c|)*2^-149 allowance covers.
		rng := rand.New(rand.NewPCG(5, 6))
		for n := 1; n <= 100; n++ {
			q, w, c := make([]float32, n), make([]float32, n), make([]uint8, n)
			for i := range q {
				q[i] = rng.Float32() * 300
				w[i] = math.Float32frombits(1 + rng.Uint32()%64) // a few ulps of 2^-149
				c[i] = uint8(rng.Uint32())
			}
			if ok, msg := checkWeightedU8(q, w, c, k.l2WU8(q, w, c)); !ok {
				t.Fatalf("%s l2WU8 n=%d subnormal w: %s", k.name, n, msg)
			}
		}
		if got := k.l2WU8(nil, nil, nil); got != 0 {
			t.Fatalf("%s l2WU8 empty: got %v", k.name, got)
		}
		if got := k.dotF32U8(nil, nil); got != 0 {
			t.Fatalf("%s dotF32U8 empty: got %v", k.name, got)
		}
	}
}

// TestF32U8KernelsBatch checks that the batch kernels of every
// implementation (multi-row passes, leftover rows, per-row tails) give the
// single-vector results bit for bit.
func TestF32U8KernelsBatch(t *testing.T) {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	dims := []int{}
	for d := 1; d <= 70; d++ {
		dims = append(dims, d)
	}
	dims = append(dims, 127, 128, 129, 784, 1031)
	for _, k := range eachImpl(t) {
		for _, dim := range dims {
			for n := 0; n <= 9; n++ {
				shape := rng.IntN(floatShapes)
				q := make([]float32, dim+1)[1:]
				w := make([]float32, dim+2)[2:]
				codes := make([]uint8, n*dim+3)[3:]
				genFloats(rng, shape, q)
				genWeights(rng, shape, w)
				genCodes(rng, rng.IntN(codeShapes), codes)
				out := make([]float32, n)
				k.l2WU8Batch(q, w, codes, out)
				for i := range n {
					want := k.l2WU8(q, w, codes[i*dim:(i+1)*dim])
					if math.Float32bits(out[i]) != math.Float32bits(want) && !(isNaN32(out[i]) && isNaN32(want)) {
						t.Fatalf("%s l2WU8Batch dim=%d n=%d shape %d: out[%d] = %v, single %v", k.name, dim, n, shape, i, out[i], want)
					}
				}
				k.dotF32U8Batch(q, codes, out)
				for i := range n {
					want := k.dotF32U8(q, codes[i*dim:(i+1)*dim])
					if math.Float32bits(out[i]) != math.Float32bits(want) && !(isNaN32(out[i]) && isNaN32(want)) {
						t.Fatalf("%s dotF32U8Batch dim=%d n=%d shape %d: out[%d] = %v, single %v", k.name, dim, n, shape, i, out[i], want)
					}
				}
			}
		}
	}
}

func isNaN32(f float32) bool { return f != f }

// decodeF32U8 turns fuzz bytes into per (float32 vectors, codes) element
// groups: nf float32 values (raw or tamed as in decodeFloats) then one code
// byte, for n = len(data)/(4*nf+1) elements, starting off%8 elements
// (off%32 bytes for the codes) into their backing arrays.
func decodeF32U8(data []byte, off uint8, nf int) (fs [][]float32, c []uint8) {
	n := len(data) / (4*nf + 1)
	of, oc := int(off%8), int(off%32)
	tame := off&0x80 != 0
	fs = make([][]float32, nf)
	for j := range fs {
		fs[j] = make([]float32, n+of)[of:]
		for i := range n {
			fs[j][i] = decodeFloat(data[4*(j*n+i):], tame)
		}
	}
	c = append(make([]uint8, oc), data[4*nf*n:4*nf*n+n]...)[oc:]
	return fs, c
}

// FuzzL2SquaredWeightedU8 checks every implementation against the float64
// reference within the documented bound.
func FuzzL2SquaredWeightedU8(f *testing.F) {
	fuzzSeeds(f)
	ks := eachImpl(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		fs, c := decodeF32U8(data, off, 2)
		q, w := fs[0], fs[1]
		for _, k := range ks {
			if ok, msg := checkWeightedU8(q, w, c, k.l2WU8(q, w, c)); !ok {
				t.Fatalf("%s: %s", k.name, msg)
			}
		}
	})
}

// FuzzDotF32U8 is FuzzL2SquaredWeightedU8 for DotF32U8.
func FuzzDotF32U8(f *testing.F) {
	fuzzSeeds(f)
	ks := eachImpl(f)
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		fs, c := decodeF32U8(data, off, 1)
		for _, k := range ks {
			if ok, msg := checkF32U8(fs[0], c, k.dotF32U8(fs[0], c)); !ok {
				t.Fatalf("%s: %s", k.name, msg)
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

// benchF32U8Rows is the bucket size of the asymmetric kernel benchmarks.
const benchF32U8Rows = 512

// benchF32U8 scans a bucket of benchF32U8Rows code vectors with the batch
// kernel ("u8", MB/s counts code bytes), with the single-vector kernel once
// per vector ("u8single"), and, for comparison, the same bucket stored as
// float32 with the float kernel ("f32", MB/s counts float bytes); ns/vec is
// the time per bucket vector. The query stays in cache.
func benchF32U8(b *testing.B, run, runSingle func(k kernels, q, w []float32, codes []uint8, out []float32), float func(k kernels) func(a, b []float32) float32) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, k := range eachImpl(b) {
		for _, dim := range []int{128, 784} {
			q, w := make([]float32, dim), make([]float32, dim)
			genFloats(rng, 0, q)
			genWeights(rng, 0, w)
			codes := make([]uint8, benchF32U8Rows*dim)
			genCodes(rng, 0, codes)
			data := make([]float32, benchF32U8Rows*dim)
			genFloats(rng, 0, data)
			out := make([]float32, benchF32U8Rows)
			perVec := func(b *testing.B) {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchF32U8Rows), "ns/vec")
			}
			b.Run(fmt.Sprintf("u8/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(benchF32U8Rows * dim))
				b.ReportAllocs()
				for b.Loop() {
					run(k, q, w, codes, out)
				}
				perVec(b)
			})
			b.Run(fmt.Sprintf("u8single/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(benchF32U8Rows * dim))
				b.ReportAllocs()
				for b.Loop() {
					runSingle(k, q, w, codes, out)
				}
				perVec(b)
			})
			b.Run(fmt.Sprintf("f32/%s/dim=%d", k.name, dim), func(b *testing.B) {
				b.SetBytes(int64(4 * benchF32U8Rows * dim))
				b.ReportAllocs()
				for b.Loop() {
					batch("bench", float(k), q, data, out)
				}
				perVec(b)
			})
		}
	}
}

func BenchmarkL2SquaredWeightedU8(b *testing.B) {
	benchF32U8(b, func(k kernels, q, w []float32, codes []uint8, out []float32) {
		k.l2WU8Batch(q, w, codes, out)
	}, func(k kernels, q, w []float32, codes []uint8, out []float32) {
		batchRowsWeightedU8(q, w, codes, out, k.l2WU8)
	}, func(k kernels) func(a, b []float32) float32 { return k.l2 })
}

func BenchmarkDotF32U8(b *testing.B) {
	benchF32U8(b, func(k kernels, q, _ []float32, codes []uint8, out []float32) {
		k.dotF32U8Batch(q, codes, out)
	}, func(k kernels, q, _ []float32, codes []uint8, out []float32) {
		batchRowsF32U8(q, codes, out, k.dotF32U8)
	}, func(k kernels) func(a, b []float32) float32 { return k.dot })
}
