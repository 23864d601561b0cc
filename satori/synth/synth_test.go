package synth

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"testing"
)

func digest(v []float32) string {
	h := sha256.New()
	var b [4]byte
	for _, x := range v {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

var goldenSpec = Spec{N: 1000, Dim: 16, Clusters: 8, Skew: 1.2, Spread: 0.1, Seed: 42}

// TestGenerateGolden pins the bytes so that a change of algorithm, Go version
// or platform that alters the data set is noticed.
func TestGenerateGolden(t *testing.T) {
	data, _, err := Generate(goldenSpec)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Queries(goldenSpec, 50, 7)
	if err != nil {
		t.Fatal(err)
	}
	const wantData, wantQueries = "399642c52f3b80f8", "f86bedf99f4e301c"
	if got := digest(data); got != wantData {
		t.Errorf("data digest %s, want %s", got, wantData)
	}
	if got := digest(q); got != wantQueries {
		t.Errorf("queries digest %s, want %s", got, wantQueries)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, la, _ := Generate(goldenSpec)
	b, lb, _ := Generate(goldenSpec)
	if digest(a) != digest(b) {
		t.Fatal("same spec gave different data")
	}
	for i := range la {
		if la[i] != lb[i] {
			t.Fatal("same spec gave different labels")
		}
	}
	s := goldenSpec
	s.Seed++
	c, _, _ := Generate(s)
	if digest(a) == digest(c) {
		t.Fatal("different seeds gave the same data")
	}
}

func TestGenerateShape(t *testing.T) {
	s := Spec{N: 10000, Dim: 8, Clusters: 10, Skew: 1.5, Spread: 0.05, Seed: 1}
	data, labels, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != s.N*s.Dim || len(labels) != s.N {
		t.Fatalf("len data %d labels %d", len(data), len(labels))
	}
	sizes := make([]int, s.Clusters)
	for _, l := range labels {
		sizes[l]++
	}
	// Zipf 1.5: cluster 0 should hold 2^1.5 ≈ 2.83 times cluster 1.
	r := float64(sizes[0]) / float64(sizes[1])
	if math.Abs(r-math.Pow(2, 1.5)) > 0.01 {
		t.Errorf("size ratio %v, want ≈ 2.83 (sizes %v)", r, sizes)
	}
	// Points sit near their centre: within-cluster distance is much smaller
	// than the distance to another cluster's mean.
	means := make([][]float64, s.Clusters)
	for c := range means {
		means[c] = make([]float64, s.Dim)
	}
	for i, l := range labels {
		for j := range s.Dim {
			means[l][j] += float64(data[i*s.Dim+j]) / float64(sizes[l])
		}
	}
	var within, between float64
	for i, l := range labels[:500] {
		within += dist(data[i*s.Dim:(i+1)*s.Dim], means[l])
		between += dist(data[i*s.Dim:(i+1)*s.Dim], means[(int(l)+1)%s.Clusters])
	}
	if within*3 > between {
		t.Errorf("within %v not ≪ between %v", within, between)
	}
	// Points are shuffled, not grouped by cluster.
	runs := 1
	for i := 1; i < len(labels); i++ {
		if labels[i] != labels[i-1] {
			runs++
		}
	}
	if runs < s.N/4 {
		t.Errorf("only %d label runs: points look grouped", runs)
	}
}

func dist(v []float32, m []float64) float64 {
	var d float64
	for j := range v {
		t := float64(v[j]) - m[j]
		d += t * t
	}
	return math.Sqrt(d)
}

func TestQueriesNotCopies(t *testing.T) {
	data, _, _ := Generate(goldenSpec)
	q, _ := Queries(goldenSpec, 100, 3)
	seen := map[string]bool{}
	for i := range goldenSpec.N {
		seen[digest(data[i*16:(i+1)*16])] = true
	}
	for i := range 100 {
		if seen[digest(q[i*16:(i+1)*16])] {
			t.Fatalf("query %d is a data point", i)
		}
	}
	// Queries come from the same mixture: their nearest data point is close
	// compared to the spread of the data set.
	gt, err := GroundTruth(data, q, 16, 1, L2, 2)
	if err != nil {
		t.Fatal(err)
	}
	var near float64
	for i, row := range gt {
		near += sq(q[i*16:(i+1)*16], data[int(row[0])*16:(int(row[0])+1)*16])
	}
	near /= 100
	// Two points of the same cluster: 2·16·(0.1·√2)² = 0.64 apart on
	// average; of different clusters ≈ 32.
	if near > 2 {
		t.Errorf("mean nearest squared distance %v, want < 2", near)
	}
}

func sq(a, b []float32) float64 {
	var d float64
	for i := range a {
		t := float64(a[i]) - float64(b[i])
		d += t * t
	}
	return d
}

func TestSpecValidate(t *testing.T) {
	for _, s := range []Spec{
		{N: -1, Dim: 1, Clusters: 1},
		{N: 1, Dim: 0, Clusters: 1},
		{N: 1, Dim: 1, Clusters: 0},
		{N: 1, Dim: 1, Clusters: 1, Skew: -1},
		{N: 1, Dim: 1, Clusters: 1, Skew: math.NaN()},
		{N: 1, Dim: 1, Clusters: 1, Spread: math.Inf(1)},
		{N: 1 << 30, Dim: 1 << 10, Clusters: 1},
	} {
		if _, _, err := Generate(s); !errors.Is(err, ErrInvalidSpec) {
			t.Errorf("Generate(%+v) = %v, want ErrInvalidSpec", s, err)
		}
	}
	if _, err := Queries(goldenSpec, -1, 0); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("Queries(n=-1) = %v", err)
	}
	d, l, err := Generate(Spec{N: 0, Dim: 3, Clusters: 5})
	if err != nil || len(d) != 0 || len(l) != 0 {
		t.Errorf("N=0: %v %v %v", d, l, err)
	}
}

// TestStreamMatchesGenerate: Stream yields Generate's points, in order,
// whatever the chunk size, and rejects bad arguments.
func TestStreamMatchesGenerate(t *testing.T) {
	spec := Spec{N: 1001, Dim: 9, Clusters: 13, Skew: 1, Spread: 0.3, Seed: 8}
	want, _, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1, 10, 1000, 1001, 5000} {
		var got []float32
		next := 0
		err := Stream(spec, chunk, func(first int, d []float32) error {
			if first != next || len(d) > chunk*spec.Dim {
				t.Fatalf("chunk of %d: got first %d with %d values, want first %d", chunk, first, len(d), next)
			}
			next += len(d) / spec.Dim
			got = append(got, d...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("chunk of %d: streamed points differ from Generate", chunk)
		}
	}
	stop := errors.New("stop")
	if err := Stream(spec, 10, func(int, []float32) error { return stop }); err != stop {
		t.Errorf("Stream returned %v, want fn's error", err)
	}
	for _, bad := range []struct {
		s     Spec
		chunk int
	}{{spec, 0}, {Spec{N: -1, Dim: 9, Clusters: 1}, 1}, {Spec{N: 10, Dim: 0, Clusters: 1}, 1}, {Spec{N: MaxStreamN + 1, Dim: 1, Clusters: 1}, 1}} {
		if err := Stream(bad.s, bad.chunk, func(int, []float32) error { return nil }); !errors.Is(err, ErrInvalidSpec) {
			t.Errorf("Stream(%+v, %d) = %v, want ErrInvalidSpec", bad.s, bad.chunk, err)
		}
	}
}
