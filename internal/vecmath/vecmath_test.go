package vecmath

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

func TestChoose(t *testing.T) {
	avail := supported()
	best := avail[len(avail)-1].name
	for _, tc := range []struct{ env, want string }{
		{"", best},
		{"generic", "generic"},
		{"no-such-impl", best},
	} {
		if got := choose(tc.env, avail).name; got != tc.want {
			t.Errorf("choose(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
	for _, k := range avail {
		if got := choose(k.name, avail).name; got != k.name {
			t.Errorf("choose(%q) = %q", k.name, got)
		}
	}
	// An implementation the CPU lacks is never chosen.
	if got := choose("avx512", avail[:1]).name; got != "generic" {
		t.Errorf("choose(avx512) without support = %q, want generic", got)
	}
	if got, want := Impl(), choose(os.Getenv(EnvImpl), avail).name; got != want {
		t.Errorf("Impl() = %q, want %q", got, want)
	}
	t.Logf("Impl() = %s", Impl())
}

// TestEnvGeneric re-runs this test binary with REEF_VECMATH=generic and checks
// that the child chose the scalar kernels at init.
func TestEnvGeneric(t *testing.T) {
	if os.Getenv("VECMATH_TEST_CHILD") == "1" {
		if Impl() != "generic" {
			t.Fatalf("with %s=generic Impl() = %q", EnvImpl, Impl())
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEnvGeneric$", "-test.count=1")
	cmd.Env = append(os.Environ(), EnvImpl+"=generic", "VECMATH_TEST_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestPublicAPI(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	b := make([]float32, len(a))
	if got := L2Squared(a, b); got != 1785 { // sum of i^2 for i=1..17
		t.Errorf("L2Squared = %v, want 1785", got)
	}
	if got := Dot(a, a); got != 1785 {
		t.Errorf("Dot = %v, want 1785", got)
	}
	au := []uint8{255, 0, 3, 250, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29}
	bu := make([]uint8, len(au))
	bu[1] = 255
	if got, want := L2SquaredU8(au, bu), uint32(refU8(au, bu, true)); got != want {
		t.Errorf("L2SquaredU8 = %d, want %d", got, want)
	}
	if got, want := DotU8(au, au), uint32(refU8(au, au, false)); got != want {
		t.Errorf("DotU8 = %d, want %d", got, want)
	}
	if L2Squared(nil, nil) != 0 || Dot(nil, nil) != 0 || L2SquaredU8(nil, nil) != 0 || DotU8(nil, nil) != 0 {
		t.Errorf("empty vectors must give 0")
	}
}

func mustPanic(t *testing.T, name string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	fn()
}

func TestLengthMismatchPanics(t *testing.T) {
	f3, f4 := make([]float32, 3), make([]float32, 4)
	u3, u4 := make([]uint8, 3), make([]uint8, 4)
	mustPanic(t, "L2Squared", func() { L2Squared(f3, f4) })
	mustPanic(t, "Dot", func() { Dot(f4, f3) })
	mustPanic(t, "L2SquaredU8", func() { L2SquaredU8(u3, u4) })
	mustPanic(t, "DotU8", func() { DotU8(u4, u3) })
	mustPanic(t, "batch ragged data", func() { L2SquaredBatch(f3, f4, f4) })
	mustPanic(t, "batch short out", func() { DotBatch(f3, make([]float32, 9), make([]float32, 2)) })
	mustPanic(t, "batch empty q", func() { DotBatch(nil, f3, f3) })
	mustPanic(t, "L2SquaredWeightedU8 w", func() { L2SquaredWeightedU8(f3, f4, u3) })
	mustPanic(t, "L2SquaredWeightedU8 c", func() { L2SquaredWeightedU8(f3, f3, u4) })
	mustPanic(t, "L2SquaredWeightedU8 q", func() { L2SquaredWeightedU8(f4, f3, u3) })
	mustPanic(t, "DotF32U8", func() { DotF32U8(f3, u4) })
	mustPanic(t, "DotF32U8 short c", func() { DotF32U8(f4, u3) })
	u9 := make([]uint8, 9)
	mustPanic(t, "L2SquaredWeightedU8Batch w", func() { L2SquaredWeightedU8Batch(f3, f4, u9, f4) })
	mustPanic(t, "L2SquaredWeightedU8Batch ragged", func() { L2SquaredWeightedU8Batch(f3, f3, u4, f4) })
	mustPanic(t, "L2SquaredWeightedU8Batch short out", func() { L2SquaredWeightedU8Batch(f3, f3, u9, make([]float32, 2)) })
	mustPanic(t, "DotF32U8Batch ragged", func() { DotF32U8Batch(f4, u9, f4) })
	mustPanic(t, "DotF32U8Batch short out", func() { DotF32U8Batch(f3, u9, make([]float32, 2)) })
	mustPanic(t, "DotF32U8Batch empty q", func() { DotF32U8Batch(nil, u3, f3) })
}

func TestBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, dim := range []int{1, 3, 8, 17, 128, 130} {
		for _, n := range []int{0, 1, 2, 5, 33} {
			q := make([]float32, dim+1)[1:] // odd offset
			data := make([]float32, n*dim)
			genFloats(rng, 0, q)
			genFloats(rng, 0, data)
			out := make([]float32, n+1)
			out[n] = 42 // out[n:] stays untouched
			L2SquaredBatch(q, data, out)
			for i := range n {
				if want := L2Squared(q, data[i*dim:(i+1)*dim]); out[i] != want {
					t.Fatalf("L2SquaredBatch dim=%d n=%d out[%d] = %v, want %v", dim, n, i, out[i], want)
				}
			}
			DotBatch(q, data, out)
			for i := range n {
				if want := Dot(q, data[i*dim:(i+1)*dim]); out[i] != want {
					t.Fatalf("DotBatch dim=%d n=%d out[%d] = %v, want %v", dim, n, i, out[i], want)
				}
			}
			if out[n] != 42 {
				t.Fatalf("batch wrote past n")
			}
		}
	}
	out := []float32{1, 2}
	L2SquaredBatch(nil, nil, out)
	if out[0] != 0 || out[1] != 0 {
		t.Errorf("empty query: out = %v, want zeros", out)
	}
}

func TestBatchF32U8(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, dim := range []int{1, 3, 8, 17, 64, 128, 130, 784} {
		for _, n := range []int{0, 1, 2, 5, 33} {
			q := make([]float32, dim+1)[1:] // odd offsets
			w := make([]float32, dim+3)[3:]
			codes := make([]uint8, n*dim+1)[1:]
			genFloats(rng, 0, q)
			genWeights(rng, 0, w)
			genCodes(rng, 0, codes)
			out := make([]float32, n+1)
			out[n] = 42 // out[n:] stays untouched
			L2SquaredWeightedU8Batch(q, w, codes, out)
			for i := range n {
				if want := L2SquaredWeightedU8(q, w, codes[i*dim:(i+1)*dim]); out[i] != want {
					t.Fatalf("L2SquaredWeightedU8Batch dim=%d n=%d out[%d] = %v, want %v", dim, n, i, out[i], want)
				}
			}
			DotF32U8Batch(q, codes, out)
			for i := range n {
				if want := DotF32U8(q, codes[i*dim:(i+1)*dim]); out[i] != want {
					t.Fatalf("DotF32U8Batch dim=%d n=%d out[%d] = %v, want %v", dim, n, i, out[i], want)
				}
			}
			if out[n] != 42 {
				t.Fatalf("batch wrote past n")
			}
		}
	}
	out := []float32{1, 2}
	L2SquaredWeightedU8Batch(nil, nil, nil, out)
	if out[0] != 0 || out[1] != 0 {
		t.Errorf("L2SquaredWeightedU8Batch empty query: out = %v, want zeros", out)
	}
	out = []float32{1, 2}
	DotF32U8Batch(nil, nil, out)
	if out[0] != 0 || out[1] != 0 {
		t.Errorf("DotF32U8Batch empty query: out = %v, want zeros", out)
	}
}

func TestZeroAllocs(t *testing.T) {
	q, data, out := make([]float32, 128), make([]float32, 10*128), make([]float32, 10)
	u, codes := make([]uint8, 128), make([]uint8, 10*128)
	allocs := testing.AllocsPerRun(100, func() {
		sinkF32 = L2Squared(q, q) + Dot(q, q)
		sinkU32 = L2SquaredU8(u, u) + DotU8(u, u)
		L2SquaredBatch(q, data, out)
		DotBatch(q, data, out)
		sinkF32 = L2SquaredWeightedU8(q, q, u) + DotF32U8(q, u)
		L2SquaredWeightedU8Batch(q, q, codes, out)
		DotF32U8Batch(q, codes, out)
	})
	if allocs != 0 {
		t.Errorf("kernels allocate: %v allocs per run", allocs)
	}
}

func TestPublicAPIF32U8(t *testing.T) {
	// 17 elements: a whole AVX2 block plus a tail on every implementation.
	q, w, a := make([]float32, 17), make([]float32, 17), make([]float32, 17)
	c := make([]uint8, 17)
	var wantL2, wantDot float32
	for i := range q {
		q[i], w[i], a[i], c[i] = float32(i), 2, float32(i%3)-1, uint8(i*15)
		d := float32(i) - float32(i*15)
		wantL2 += 2 * d * d
		wantDot += a[i] * float32(i*15)
	}
	if got := L2SquaredWeightedU8(q, w, c); got != wantL2 {
		t.Errorf("L2SquaredWeightedU8 = %v, want %v", got, wantL2)
	}
	if got := DotF32U8(a, c); got != wantDot {
		t.Errorf("DotF32U8 = %v, want %v", got, wantDot)
	}
	if L2SquaredWeightedU8(nil, nil, nil) != 0 || DotF32U8(nil, nil) != 0 {
		t.Errorf("empty vectors must give 0")
	}
}
