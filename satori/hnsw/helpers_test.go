package hnsw

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// mixture returns n vectors of dim dimensions drawn from a mixture of
// clusters Gaussians with random centres in [-1, 1]^dim and spread sigma.
func mixture(rng *rand.Rand, n, dim, clusters int, sigma float64) [][]float32 {
	centres := make([][]float32, clusters)
	for c := range centres {
		centres[c] = make([]float32, dim)
		for d := range centres[c] {
			centres[c][d] = float32(rng.Float64()*2 - 1)
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[rng.IntN(clusters)]
		v := make([]float32, dim)
		for d := range v {
			v[d] = c[d] + float32(rng.NormFloat64()*sigma)
		}
		out[i] = v
	}
	return out
}

// bruteForce returns the k nearest live nodes of g to q by the same
// asymmetric distance the graph uses, nearest first.
func bruteForce(g *Graph, q []float32, k int) []Result {
	s := g.NewSearcher()
	g.mu.RLock()
	defer g.mu.RUnlock()
	s.prepare(q)
	all := make([]Result, 0, len(g.ids))
	for n := range g.ids {
		if !g.deleted[n] {
			all = append(all, Result{ID: g.ids[n], Distance: s.dist(uint32(n))})
		}
	}
	slices.SortFunc(all, func(a, b Result) int {
		if a.Distance != b.Distance {
			if a.Distance < b.Distance {
				return -1
			}
			return 1
		}
		return int(a.ID) - int(b.ID)
	})
	return all[:min(k, len(all))]
}

// recall returns |got ∩ want| / |want|, counting ties at want's last
// distance as hits.
func recall(got, want []Result) float64 {
	if len(want) == 0 {
		return 1
	}
	ids := make(map[uint32]bool, len(want))
	for _, r := range want {
		ids[r.ID] = true
	}
	last := want[len(want)-1].Distance
	hit := 0
	for _, r := range got {
		if ids[r.ID] || r.Distance <= last {
			hit++
		}
	}
	return float64(min(hit, len(want))) / float64(len(want))
}

func mustGraph(t testing.TB, opts Options, train [][]float32) *Graph {
	t.Helper()
	var q Quantizer
	if err := q.Train(train); err != nil {
		t.Fatal(err)
	}
	g, err := New(opts, &q)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

type corpus struct {
	vecs    [][]float32
	queries [][]float32
	g       *Graph
}

var (
	bigOnce   sync.Once
	bigCorpus corpus
)

const bigSeed = 42

// big returns the shared recall corpus: 20,000 vectors of dimension 64 in
// 100 clusters (2,000 under -race), built once per test binary.
func big(t testing.TB) corpus {
	bigOnce.Do(func() {
		n := 20000
		if raceEnabled {
			n = 2000
		}
		rng := rand.New(rand.NewPCG(bigSeed, 1))
		all := mixture(rng, n+200, 64, 100, 0.15)
		c := corpus{vecs: all[:n], queries: all[n:]}
		c.g = mustGraph(t, Options{Dim: 64, Seed: bigSeed}, c.vecs)
		for i, v := range c.vecs {
			if err := c.g.Add(uint32(i), v); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.g.Check(); err != nil {
			t.Fatal(err)
		}
		bigCorpus = c
	})
	if bigCorpus.g == nil {
		t.Fatal("shared corpus failed to build")
	}
	return bigCorpus
}
