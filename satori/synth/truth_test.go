package synth

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// naiveKNN sorts every point: the dumb reference for GroundTruth.
func naiveKNN(data, q []float32, dim, k int, metric Metric) []int32 {
	n := len(data) / dim
	ids := make([]int32, n)
	d := make([]float64, n)
	for i := range n {
		ids[i] = int32(i)
		for j := range dim {
			a, b := float64(data[i*dim+j]), float64(q[j])
			if metric == L2 {
				d[i] += (a - b) * (a - b)
			} else {
				d[i] -= a * b
			}
		}
	}
	sort.SliceStable(ids, func(a, b int) bool { return d[ids[a]] < d[ids[b]] })
	return ids[:min(k, n)]
}

func TestGroundTruthMatchesSort(t *testing.T) {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for trial := range 20 {
		dim := 1 + rng.IntN(9)
		n := rng.IntN(300)
		nq := 1 + rng.IntN(20)
		k := 1 + rng.IntN(30)
		metric := Metric(rng.IntN(2))
		data := make([]float32, n*dim)
		for i := range data {
			data[i] = float32(rng.IntN(5)) // small integers: many ties
		}
		q := make([]float32, nq*dim)
		for i := range q {
			q[i] = float32(rng.IntN(5))
		}
		got, err := GroundTruth(data, q, dim, k, metric, 1+rng.IntN(4))
		if err != nil {
			t.Fatal(err)
		}
		for i := range nq {
			want := naiveKNN(data, q[i*dim:(i+1)*dim], dim, k, metric)
			if len(got[i]) != len(want) {
				t.Fatalf("trial %d query %d: len %d want %d", trial, i, len(got[i]), len(want))
			}
			for j := range want {
				if got[i][j] != want[j] {
					t.Fatalf("trial %d query %d (%v, k=%d): got %v want %v", trial, i, metric, k, got[i], want)
				}
			}
		}
	}
}

func TestGroundTruthErrors(t *testing.T) {
	d := []float32{1, 2, 3, 4}
	for _, c := range []struct {
		dim, k int
		m      Metric
	}{{0, 1, L2}, {3, 1, L2}, {2, 0, L2}, {2, 1, Metric(7)}} {
		if _, err := GroundTruth(d, d, c.dim, c.k, c.m, 1); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: err %v", c, err)
		}
	}
}

func TestRecall(t *testing.T) {
	want := [][]int32{{1, 2, 3, 4}, {5, 6, 7, 8}}
	for _, c := range []struct {
		got  [][]int32
		k    int
		want float64
	}{
		{want, 4, 1},
		{[][]int32{{4, 3, 2, 1}, {8, 7, 6, 5}}, 4, 1},
		{[][]int32{{1, 2, 9, 9}, {5, 9, 9, 9}}, 4, (0.5 + 0.25) / 2},
		{[][]int32{{1, 1, 1, 1}, {}}, 4, 0.25 / 2},
		{[][]int32{{2, 1}, {6, 5}}, 1, 0},
		{[][]int32{{1}}, 2, 0.25}, // the missing second row scores 0
	} {
		if got := Recall(c.got, want, c.k); got != c.want {
			t.Errorf("Recall(%v, k=%d) = %v, want %v", c.got, c.k, got, c.want)
		}
	}
}

func BenchmarkGroundTruth(b *testing.B) {
	s := Spec{N: 20000, Dim: 64, Clusters: 20, Skew: 1, Spread: 0.2, Seed: 1}
	data, _, err := Generate(s)
	if err != nil {
		b.Fatal(err)
	}
	q, _ := Queries(s, 100, 2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GroundTruth(data, q, 64, 10, L2, 2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	s := Spec{N: 10000, Dim: 128, Clusters: 100, Skew: 1, Spread: 0.2, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Generate(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTruthMatchesGroundTruth: the streamed ground truth, over chunks of
// any size, is GroundTruth's answer, for both metrics.
func TestTruthMatchesGroundTruth(t *testing.T) {
	spec := Spec{N: 3000, Dim: 24, Clusters: 20, Skew: 1, Spread: 0.3, Seed: 5}
	data, _, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Queries(spec, 40, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, metric := range []Metric{L2, InnerProduct} {
		want, err := GroundTruth(data, qs, spec.Dim, 10, metric, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunk := range []int{1, 7, 1000, 3000} {
			tr, err := NewTruth(qs, spec.Dim, 10, metric)
			if err != nil {
				t.Fatal(err)
			}
			err = Stream(spec, chunk, func(first int, d []float32) error { return tr.Add(d, 3) })
			if err != nil {
				t.Fatal(err)
			}
			got := tr.Result()
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v, chunks of %d: streamed truth differs from GroundTruth", metric, chunk)
			}
		}
	}
	if _, err := NewTruth(qs[:5], spec.Dim, 10, L2); err == nil {
		t.Error("NewTruth accepted a partial query")
	}
	tr, _ := NewTruth(qs, spec.Dim, 10, L2)
	if err := tr.Add(data[:5], 1); err == nil {
		t.Error("Add accepted a partial point")
	}
}
