package hnsw

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantizerErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vecs := make([][]float32, 500)
	for i := range vecs {
		vecs[i] = []float32{float32(rng.NormFloat64() * 100), float32(rng.Float64()), 3, float32(rng.Float64()*1e-3 - 5)}
	}
	var q Quantizer
	if err := q.Train(vecs); err != nil {
		t.Fatal(err)
	}
	code := make([]uint8, 4)
	dec := make([]float32, 4)
	for _, v := range vecs {
		q.Encode(v, code)
		q.Decode(code, dec)
		for d := range v {
			bound := q.MaxError(d)*(1+1e-5) + 1e-6*float32(math.Abs(float64(v[d])))
			if e := float32(math.Abs(float64(dec[d] - v[d]))); e > bound {
				t.Fatalf("dimension %d: |%v - %v| = %v > %v", d, dec[d], v[d], e, bound)
			}
		}
	}
	// The constant dimension decodes exactly; out-of-range values clamp.
	q.Encode([]float32{1e9, -1e9, 3, float32(math.NaN())}, code)
	if code[0] != 255 || code[1] != 0 || code[2] != 0 || code[3] != 0 {
		t.Fatalf("clamped codes %v", code)
	}
	q.Decode(code, dec)
	if dec[2] != 3 {
		t.Fatalf("constant dimension decodes to %v", dec[2])
	}
}

func TestQuantizerErrors(t *testing.T) {
	var q Quantizer
	if err := q.Train(nil); !errors.Is(err, ErrDimension) {
		t.Errorf("Train(nil) = %v", err)
	}
	if err := q.Train([][]float32{{1, 2}, {1}}); !errors.Is(err, ErrDimension) {
		t.Errorf("ragged Train = %v", err)
	}
	if err := q.Train([][]float32{{1, float32(math.Inf(-1))}}); !errors.Is(err, ErrInvalidVector) {
		t.Errorf("Train with -Inf = %v", err)
	}
	if q.Dim() != 0 {
		t.Errorf("failed Train changed the quantizer")
	}
	if _, err := NewQuantizer([]float32{1}, []float32{0}); !errors.Is(err, ErrInvalidVector) {
		t.Errorf("NewQuantizer max < min = %v", err)
	}
	if _, err := NewQuantizer([]float32{-3e38}, []float32{3e38}); !errors.Is(err, ErrInvalidVector) {
		t.Errorf("NewQuantizer overflowing range = %v", err)
	}
}

func TestDistanceKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const dim = 37
	vecs := mixture(rng, 50, dim, 3, 1)
	var q Quantizer
	if err := q.Train(vecs); err != nil {
		t.Fatal(err)
	}
	a := make([]float32, dim)
	x := make([]float32, dim)
	y := make([]float32, dim)
	cx := make([]uint8, dim)
	cy := make([]uint8, dim)
	for i := 0; i+1 < len(vecs); i++ {
		v := vecs[i]
		q.Encode(vecs[i+1], cx)
		q.Decode(cx, x)
		q.Encode(v, cy)
		q.Decode(cy, y)
		var l2, ip, l2c, ipc float64
		for d := range v {
			l2 += float64(v[d]-x[d]) * float64(v[d]-x[d])
			ip += float64(v[d]) * float64(x[d])
			l2c += float64(y[d]-x[d]) * float64(y[d]-x[d])
			ipc += float64(y[d]) * float64(x[d])
		}
		base := prepareQuery(L2, &q, v, a)
		check(t, "l2Asym", float64(l2Asym(a, q.w, base, cx)), l2)
		base = prepareQuery(InnerProduct, &q, v, a)
		check(t, "dotAsym", float64(base+dotAsym(a, cx)), ip)
		check(t, "l2Codes", float64(l2Codes(q.w, make([]float32, len(cx)), cx, cy)), l2c)
		check(t, "dotCodes", float64(dotCodes(q.min, q.scale, cx, cy)), ipc)
	}
}

func check(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
		t.Fatalf("%s = %v, want %v", name, got, want)
	}
}
