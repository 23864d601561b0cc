package hnsw

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func BenchmarkSearch(b *testing.B) {
	c := big(b)
	for _, ef := range []int{10, 100} {
		b.Run("ef="+strconv.Itoa(ef), func(b *testing.B) {
			s := c.g.NewSearcher()
			out := make([]Result, 0, 10)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				out = s.Search(c.queries[i%len(c.queries)], 10, ef, out)
				i++
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	vecs := mixture(rng, 4096, 64, 50, 0.15)
	g := mustGraph(b, Options{Dim: 64, Seed: 1}, vecs)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(vecs) {
			b.StopTimer()
			g = mustGraph(b, Options{Dim: 64, Seed: 1}, vecs)
			i = 0
			b.StartTimer()
		}
		g.Add(uint32(i), vecs[i])
		i++
	}
}
