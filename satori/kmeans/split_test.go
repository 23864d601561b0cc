package kmeans

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/satori/synth"
)

func splitSizes(a []int8) (n0, n1 int) {
	for _, s := range a {
		if s == 0 {
			n0++
		} else {
			n1++
		}
	}
	return n0, n1
}

func checkSplit(t *testing.T, name string, data []float32, dim int, seed uint64) ([]float32, []float32, []int8) {
	t.Helper()
	c0, c1, a, err := Split2(data, dim, seed)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	n := len(data) / dim
	if len(c0) != dim || len(c1) != dim || len(a) != n {
		t.Fatalf("%s: shapes %d %d %d", name, len(c0), len(c1), len(a))
	}
	n0, n1 := splitSizes(a)
	big, small := max(n0, n1), min(n0, n1)
	if n >= 2 && small == 0 || big > max((n+1)/2, 5*n/9) || n >= 9 && float64(big) > 1.25*float64(small)+1 {
		t.Fatalf("%s: unbalanced split %d / %d", name, n0, n1)
	}
	return c0, c1, a
}

func TestSplit2Balance(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for trial := range 30 {
		s := synth.Spec{
			N: 1 + rng.IntN(3000), Dim: 1 + rng.IntN(16), Clusters: 1 + rng.IntN(5),
			Skew: rng.Float64() * 3, Spread: rng.Float64() * 0.5, Seed: rng.Uint64(),
		}
		data, _, err := synth.Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, "trial", data, s.Dim, uint64(trial))
	}
	// Very skewed: 90% of points in one tight cluster.
	data, _, _ := synth.Generate(synth.Spec{N: 5000, Dim: 8, Clusters: 2, Skew: 3.2, Spread: 0.05, Seed: 4})
	checkSplit(t, "skewed", data, 8, 1)
	// Duplicates.
	checkSplit(t, "duplicates", slices.Repeat([]float32{1, 2, 3}, 101), 3, 1)
	for n := 1; n <= 10; n++ {
		checkSplit(t, "tiny", slices.Repeat([]float32{1}, n), 1, 1)
	}
}

// TestSplit2Separates: two well-separated equal clusters are split exactly.
func TestSplit2Separates(t *testing.T) {
	data, labels, _ := synth.Generate(synth.Spec{N: 2000, Dim: 4, Clusters: 2, Spread: 0.05, Seed: 9})
	_, _, a := checkSplit(t, "two", data, 4, 3)
	agree := 0
	for i := range a {
		if int32(a[i]) == labels[i] {
			agree++
		}
	}
	if agree != 0 && agree != len(a) {
		t.Fatalf("split disagrees with the clusters on %d of %d points", min(agree, len(a)-agree), len(a))
	}
}

func TestSplit2Deterministic(t *testing.T) {
	data, _, _ := synth.Generate(synth.Spec{N: 1000, Dim: 5, Clusters: 3, Skew: 1, Spread: 0.3, Seed: 1})
	a0, a1, a := checkSplit(t, "a", data, 5, 7)
	b0, b1, b := checkSplit(t, "b", data, 5, 7)
	if !slices.Equal(a0, b0) || !slices.Equal(a1, b1) || !slices.Equal(a, b) {
		t.Fatal("same seed, different split")
	}
	for _, x := range append(a0, a1...) {
		if math.IsNaN(float64(x)) {
			t.Fatal("NaN centroid")
		}
	}
}
