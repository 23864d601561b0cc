package kmeans

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/satori/synth"
)

func gen(t testing.TB, s synth.Spec) []float32 {
	t.Helper()
	data, _, err := synth.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// skewed makes plain k-means with K = 32 exceed twice the mean size.
var skewed = synth.Spec{N: 8000, Dim: 8, Clusters: 64, Skew: 2, Spread: 0.15, Seed: 11}

func TestTrainDeterministic(t *testing.T) {
	data := gen(t, synth.Spec{N: 3000, Dim: 8, Clusters: 10, Skew: 1, Spread: 0.2, Seed: 3})
	for _, balance := range []float64{0, 0.5} {
		var firstC []float32
		var firstA []int32
		for _, workers := range []int{1, 2, 3} {
			c, a, err := Train(data, 8, Options{K: 16, Seed: 9, Balance: balance, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if firstC == nil {
				firstC, firstA = c, a
				continue
			}
			if !slices.Equal(c, firstC) || !slices.Equal(a, firstA) {
				t.Fatalf("balance %v workers %d: result differs from workers 1", balance, workers)
			}
		}
		c, _, _ := Train(data, 8, Options{K: 16, Seed: 10, Balance: balance})
		if slices.Equal(c, firstC) {
			t.Errorf("balance %v: seeds 9 and 10 gave the same centroids", balance)
		}
	}
}

func TestObjectiveDecreases(t *testing.T) {
	data := gen(t, synth.Spec{N: 4000, Dim: 12, Clusters: 30, Skew: 0.5, Spread: 0.4, Seed: 5})
	for _, m := range []Metric{L2, InnerProduct} {
		var objs []float64
		_, _, err := train(data, 12, Options{K: 40, Iters: 15, Seed: 1, Workers: 2, Metric: m},
			func(_ int, obj float64) { objs = append(objs, obj) })
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) < 3 {
			t.Fatalf("only %d rounds: %v", len(objs), objs)
		}
		// Spherical k-means seeds with raw (not unit) points, so its
		// objective is comparable only from round 1 on.
		if m == InnerProduct {
			objs = objs[1:]
		}
		for i := 1; i < len(objs); i++ {
			// Float32 accumulation allows a last-digit wobble.
			if objs[i] > objs[i-1]+1e-6*math.Abs(objs[i-1]) {
				t.Errorf("%v: objective rose at round %d: %v", m, i, objs)
			}
		}
		if objs[len(objs)-1] > objs[0]-0.001*math.Abs(objs[0]) {
			t.Errorf("%v: objective barely fell: %v", m, objs)
		}
		t.Logf("%v: objective %v → %v over %d rounds", m, objs[0], objs[len(objs)-1], len(objs))
	}
}

// nearest returns the centroid nearest x (ties to the lower index).
func nearest(m Metric, x, centroids []float32) int32 {
	dim := len(x)
	best, bestD := int32(0), float32(math.Inf(1))
	for c := 0; c < len(centroids)/dim; c++ {
		if d := distance(m, x, centroids[c*dim:(c+1)*dim]); d < bestD {
			best, bestD = int32(c), d
		}
	}
	return best
}

func TestPlainAssignsNearest(t *testing.T) {
	data := gen(t, synth.Spec{N: 3000, Dim: 6, Clusters: 5, Spread: 0.3, Seed: 8})
	for _, m := range []Metric{L2, InnerProduct} {
		c, a, err := Train(data, 6, Options{K: 12, Seed: 2, Workers: 2, Metric: m})
		if err != nil {
			t.Fatal(err)
		}
		checkShape(t, c, a, 6, 12, 3000)
		for i, ci := range a {
			if want := nearest(m, data[i*6:(i+1)*6], c); ci != want {
				t.Fatalf("%v: point %d assigned %d, nearest %d", m, i, ci, want)
			}
		}
	}
}

func checkShape(t *testing.T, c []float32, a []int32, dim, k, n int) {
	t.Helper()
	if len(c) != k*dim || len(a) != n {
		t.Fatalf("len centroids %d (want %d), assign %d (want %d)", len(c), k*dim, len(a), n)
	}
	for i, ci := range a {
		if ci < 0 || int(ci) >= k {
			t.Fatalf("assign[%d] = %d out of [0, %d)", i, ci, k)
		}
	}
	for _, x := range c {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("non-finite centroid value %v", x)
		}
	}
}

func sizes(a []int32, k int) []int {
	s := make([]int, k)
	for _, c := range a {
		s[c]++
	}
	return s
}

func sse(data []float32, dim int, c []float32, a []int32) float64 {
	var s float64
	for i, ci := range a {
		s += float64(l2sq(data[i*dim:(i+1)*dim], c[int(ci)*dim:]))
	}
	return s
}

func TestBalancedOnSkewedData(t *testing.T) {
	data := gen(t, skewed)
	const k = 32
	n := skewed.N
	_, plainA, err := Train(data, skewed.Dim, Options{K: k, Seed: 4, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	plainMax := slices.Max(sizes(plainA, k))
	for _, balance := range []float64{0.2, 1} {
		for _, m := range []Metric{L2, InnerProduct} {
			if balance == 1 && m == InnerProduct {
				continue // keeps -race fast; the cap does not depend on the metric
			}
			c, a, err := Train(data, skewed.Dim, Options{K: k, Seed: 4, Balance: balance, Workers: 2, Metric: m})
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, c, a, skewed.Dim, k, n)
			s := sizes(a, k)
			limit := int(math.Ceil(2 * float64(n) / k))
			if got := slices.Max(s); got > limit {
				t.Errorf("balance %v %v: largest cluster %d > %d (sizes %v)", balance, m, got, limit, s)
			}
			if slices.Min(s) == 0 {
				t.Errorf("balance %v %v: empty cluster (sizes %v)", balance, m, s)
			}
			// L2 centroids are the means of their clusters.
			for ci := range k {
				if m != L2 {
					break
				}
				var sum float64
				for i, ai := range a {
					if int(ai) == ci {
						sum += float64(data[i*skewed.Dim])
					}
				}
				if d := math.Abs(sum/float64(s[ci]) - float64(c[ci*skewed.Dim])); d > 1e-4 {
					t.Fatalf("centroid %d coordinate 0 off its mean by %v", ci, d)
				}
			}
			t.Logf("balance %v %v: sizes min %d max %d (plain max %d, limit %d)",
				balance, m, slices.Min(s), slices.Max(s), plainMax, limit)
		}
	}
	if plainMax <= int(math.Ceil(2*float64(n)/k)) {
		t.Errorf("plain k-means already within the bound (max %d): the test data is not skewed enough to test balancing", plainMax)
	}
	// Balancing costs some quality, but not much.
	c0, a0, _ := Train(data, skewed.Dim, Options{K: k, Seed: 4})
	c1, a1, _ := Train(data, skewed.Dim, Options{K: k, Seed: 4, Balance: 0.5})
	if q0, q1 := sse(data, skewed.Dim, c0, a0), sse(data, skewed.Dim, c1, a1); q1 > 2*q0 {
		t.Errorf("balanced SSE %v more than twice plain SSE %v", q1, q0)
	}
}

// TestCapForced: a cluster of duplicates far larger than the cap must still
// be split up by the hard cap.
func TestCapForced(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, dim, k = 2000, 4, 8
	data := make([]float32, n*dim)
	for i := range n {
		for j := range dim {
			if i < n*3/4 {
				data[i*dim+j] = 5 // 75% identical points
			} else {
				data[i*dim+j] = float32(rng.NormFloat64())
			}
		}
	}
	_, a, err := Train(data, dim, Options{K: k, Seed: 1, Balance: 0.1, MaxSizeRatio: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	if got, limit := slices.Max(sizes(a, k)), int(math.Ceil(1.5*n/k)); got > limit {
		t.Fatalf("largest cluster %d > %d", got, limit)
	}
}

func TestTrainEdgeCases(t *testing.T) {
	// K > N: N clusters, one point each.
	data := []float32{1, 2, 3, 4, 5, 6}
	c, a, err := Train(data, 2, Options{K: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, c, a, 2, 3, 3)
	if s := sizes(a, 3); !slices.Equal(s, []int{1, 1, 1}) {
		t.Errorf("K > N: sizes %v", s)
	}

	// All duplicates: no panic, every point assigned, centroids equal the point.
	dup := slices.Repeat([]float32{7, -1}, 500)
	for _, b := range []float64{0, 1} {
		c, a, err = Train(dup, 2, Options{K: 5, Seed: 1, Balance: b, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		checkShape(t, c, a, 2, 5, 500)
		if b > 0 {
			if got := slices.Max(sizes(a, 5)); got > 200 {
				t.Errorf("duplicates, balanced: largest %d > 200", got)
			}
		}
		for ci := range 5 {
			if sizes(a, 5)[ci] > 0 && (c[2*ci] != 7 || c[2*ci+1] != -1) {
				t.Errorf("duplicates: centroid %d = %v", ci, c[2*ci:2*ci+2])
			}
		}
	}

	// dim 1.
	one := gen(t, synth.Spec{N: 1000, Dim: 1, Clusters: 4, Spread: 0.05, Seed: 2})
	c, a, err = Train(one, 1, Options{K: 4, Seed: 3, Balance: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, c, a, 1, 4, 1000)

	// K = 1: the mean.
	c, _, err = Train([]float32{0, 2, 4}, 1, Options{K: 1})
	if err != nil || len(c) != 1 || c[0] != 2 {
		t.Errorf("K=1: %v %v", c, err)
	}
}

func TestTrainErrors(t *testing.T) {
	ok := []float32{1, 2, 3, 4}
	for name, c := range map[string]struct {
		data []float32
		dim  int
		o    Options
	}{
		"nan":       {[]float32{1, float32(math.NaN()), 3, 4}, 2, Options{K: 1}},
		"inf":       {[]float32{1, float32(math.Inf(-1))}, 2, Options{K: 1}},
		"empty":     {nil, 2, Options{K: 1}},
		"ragged":    {ok[:3], 2, Options{K: 1}},
		"dim 0":     {ok, 0, Options{K: 1}},
		"k 0":       {ok, 2, Options{}},
		"iters":     {ok, 2, Options{K: 1, Iters: -1}},
		"balance":   {ok, 2, Options{K: 1, Balance: math.NaN()}},
		"ratio":     {ok, 2, Options{K: 1, MaxSizeRatio: 0.5}},
		"metric":    {ok, 2, Options{K: 1, Metric: 9}},
		"neg ratio": {ok, 2, Options{K: 1, MaxSizeRatio: -1}},
	} {
		if _, _, err := Train(c.data, c.dim, c.o); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err %v, want ErrInvalidInput", name, err)
		}
	}
	if _, _, _, err := Split2([]float32{float32(math.NaN())}, 1, 0); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Split2 NaN: %v", err)
	}
}

func BenchmarkTrain(b *testing.B) {
	data := gen(b, synth.Spec{N: 20000, Dim: 64, Clusters: 50, Skew: 1, Spread: 0.2, Seed: 1})
	for _, balance := range []float64{0, 0.2} {
		b.Run(fmt.Sprintf("balance=%v", balance), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Train(data, 64, Options{K: 64, Seed: 1, Balance: balance, Workers: 2}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSplit2(b *testing.B) {
	data := gen(b, synth.Spec{N: 4096, Dim: 128, Clusters: 3, Skew: 1, Spread: 0.3, Seed: 1})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := Split2(data, 128, 1); err != nil {
			b.Fatal(err)
		}
	}
}
