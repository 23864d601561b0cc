package hnsw

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func TestRecallL2(t *testing.T) {
	start := time.Now()
	c := big(t)
	t.Logf("corpus ready in %v (%d nodes)", time.Since(start), c.g.Len())
	truth := make([][]Result, len(c.queries))
	truthFloat := make([][]Result, len(c.queries))
	for i, q := range c.queries {
		truth[i] = bruteForce(c.g, q, 10)
		truthFloat[i] = exactFloat(c.vecs, q, 10)
	}
	for _, ef := range []int{10, 50, 100} {
		var sum, sumFloat float64
		var out []Result
		start := time.Now()
		for i, q := range c.queries {
			out = c.g.Search(q, 10, ef, out)
			sum += recall(out, truth[i])
			sumFloat += recall(idsOnly(out), truthFloat[i])
		}
		t.Logf("ef=%d: %v per search", ef, time.Since(start)/time.Duration(len(c.queries)))
		r := sum / float64(len(c.queries))
		t.Logf("ef=%d recall@10=%.4f (vs exact float32 neighbours %.4f)", ef, r, sumFloat/float64(len(c.queries)))
		if ef == 100 && r < 0.98 {
			t.Fatalf("recall@10 at ef=100 is %.4f, want >= 0.98 (seed %d)", r, bigSeed)
		}
	}
}

// idsOnly clears distances so recall counts only id matches.
func idsOnly(r []Result) []Result {
	o := make([]Result, len(r))
	for i := range r {
		o[i] = Result{ID: r[i].ID, Distance: float32(math.Inf(1))}
	}
	return o
}

func exactFloat(vecs [][]float32, q []float32, k int) []Result {
	best := make([]Result, 0, k+1)
	for i, v := range vecs {
		var s float32
		for d := range v {
			t := v[d] - q[d]
			s += t * t
		}
		if len(best) == k && s >= best[k-1].Distance {
			continue
		}
		j := len(best)
		best = append(best, Result{})
		for j > 0 && best[j-1].Distance > s {
			best[j] = best[j-1]
			j--
		}
		best[j] = Result{ID: uint32(i), Distance: s}
		best = best[:min(len(best), k)]
	}
	// Stored as -inf so recall's tie rule never fires for float neighbours.
	for i := range best {
		best[i].Distance = float32(math.Inf(-1))
	}
	return best
}

func TestRecallInnerProduct(t *testing.T) {
	n := 5000
	if raceEnabled {
		n = 1000
	}
	rng := rand.New(rand.NewPCG(7, 7))
	all := mixture(rng, n+100, 32, 40, 0.2)
	for _, v := range all { // cosine: normalize
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		for d := range v {
			v[d] /= float32(math.Sqrt(s))
		}
	}
	g := mustGraph(t, Options{Dim: 32, Metric: InnerProduct, Seed: 7}, all[:n])
	for i, v := range all[:n] {
		if err := g.Add(uint32(i), v); err != nil {
			t.Fatal(err)
		}
	}
	var sum float64
	for _, q := range all[n:] {
		sum += recall(g.Search(q, 10, 100, nil), bruteForce(g, q, 10))
	}
	r := sum / 100
	t.Logf("inner product recall@10 at ef=100: %.4f", r)
	if r < 0.98 {
		t.Fatalf("recall %.4f < 0.98", r)
	}
}

func TestAddErrors(t *testing.T) {
	g := mustGraph(t, Options{Dim: 3}, [][]float32{{0, 0, 0}, {1, 1, 1}})
	if err := g.Add(1, []float32{0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   uint32
		v    []float32
		want error
	}{
		{1, []float32{1, 1, 1}, ErrDuplicateID},
		{2, []float32{1, 1}, ErrDimension},
		{2, []float32{1, float32(math.NaN()), 1}, ErrInvalidVector},
		{2, []float32{1, float32(math.Inf(1)), 1}, ErrInvalidVector},
	} {
		if err := g.Add(tc.id, tc.v); !errors.Is(err, tc.want) {
			t.Errorf("Add(%d, %v) = %v, want %v", tc.id, tc.v, err, tc.want)
		}
	}
	if err := g.Remove(9); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove(9) = %v, want ErrNotFound", err)
	}
	if g.Len() != 1 {
		t.Errorf("Len = %d, want 1", g.Len())
	}
	if r := g.Search([]float32{1, 1}, 1, 10, nil); len(r) != 0 {
		t.Errorf("search with wrong dimension returned %v", r)
	}
	if _, err := New(Options{Dim: 4}, &Quantizer{}); !errors.Is(err, ErrDimension) {
		t.Errorf("New with untrained quantizer: %v", err)
	}
	for _, o := range []Options{{}, {Dim: 3, M: 1}, {Dim: 3, M: 1000}, {Dim: 3, Metric: 9}, {Dim: 3, EfConstruction: -1}} {
		if err := o.Validate(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v.Validate() = %v", o, err)
		}
	}
}

func TestEmptyAndSingle(t *testing.T) {
	g := mustGraph(t, Options{Dim: 2}, [][]float32{{0, 0}, {1, 1}})
	if r := g.Search([]float32{0, 0}, 5, 10, nil); len(r) != 0 {
		t.Fatalf("empty graph returned %v", r)
	}
	g.Add(7, []float32{0.5, 0.5})
	r := g.Search([]float32{0, 0}, 5, 10, nil)
	if len(r) != 1 || r[0].ID != 7 {
		t.Fatalf("got %v", r)
	}
	g.Remove(7)
	if r := g.Search([]float32{0, 0}, 5, 10, nil); len(r) != 0 {
		t.Fatalf("removed-only graph returned %v", r)
	}
	if err := g.Add(7, []float32{1, 1}); err != nil {
		t.Fatalf("re-adding a removed id: %v", err)
	}
	if r := g.Search([]float32{0, 0}, 5, 10, nil); len(r) != 1 || r[0].ID != 7 {
		t.Fatalf("got %v", r)
	}
}

// TestRemoveModel applies random adds and removes to the graph and to a
// map; searches must never return a removed id and must keep recall.
func TestRemoveModel(t *testing.T) {
	const seed = 11
	n := 4000
	if raceEnabled {
		n = 800
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	vecs := mixture(rng, n, 16, 20, 0.2)
	g := mustGraph(t, Options{Dim: 16, M: 8, EfConstruction: 100, Seed: seed}, vecs)
	live := map[uint32]bool{}
	nextAdd := 0
	var out []Result
	var recallSum float64
	var searches int
	for step := 0; step < 3*n; step++ {
		switch {
		case nextAdd < n && (rng.IntN(3) > 0 || len(live) == 0):
			if err := g.Add(uint32(nextAdd), vecs[nextAdd]); err != nil {
				t.Fatal(err)
			}
			live[uint32(nextAdd)] = true
			nextAdd++
		case len(live) > 0 && rng.IntN(2) == 0:
			id := uint32(rng.IntN(nextAdd))
			err := g.Remove(id)
			if live[id] != (err == nil) {
				t.Fatalf("seed %d: Remove(%d) = %v, live %v", seed, id, err, live[id])
			}
			delete(live, id)
		default:
			q := vecs[rng.IntN(n)]
			out = g.Search(q, 10, 100, out)
			for _, r := range out {
				if !live[r.ID] {
					t.Fatalf("seed %d step %d: search returned removed id %d", seed, step, r.ID)
				}
			}
			if want := min(10, len(live)); len(out) != want {
				t.Fatalf("seed %d step %d: %d results, want %d", seed, step, len(out), want)
			}
			recallSum += recall(out, bruteForce(g, q, 10))
			searches++
		}
		if g.Len() != len(live) {
			t.Fatalf("seed %d: Len %d, want %d", seed, g.Len(), len(live))
		}
	}
	if err := g.Check(); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	r := recallSum / float64(searches)
	t.Logf("seed %d: %d searches under removal, mean recall@10 %.4f, %d live of %d nodes", seed, searches, r, g.Len(), g.Nodes())
	if r < 0.95 {
		t.Fatalf("seed %d: recall under removal %.4f < 0.95", seed, r)
	}
}

func TestConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 3000
	if raceEnabled {
		n = 600
	}
	vecs := mixture(rng, n, 16, 10, 0.2)
	g := mustGraph(t, Options{Dim: 16, M: 8, EfConstruction: 64, Seed: 5}, vecs)
	for i := 0; i < n/2; i++ {
		g.Add(uint32(i), vecs[i])
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := n / 2; i < n; i++ {
			if err := g.Add(uint32(i), vecs[i]); err != nil {
				t.Error(err)
				return
			}
			if i%3 == 0 {
				if err := g.Remove(uint32(i - n/2)); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := g.NewSearcher()
			var out []Result
			for i := 0; i < n/2; i++ {
				q := vecs[(i*7+w)%n]
				if w == 0 {
					out = s.Search(q, 5, 40, out)
				} else {
					out = g.Search(q, 5, 40, out)
				}
				if len(out) != 5 {
					t.Errorf("got %d results", len(out))
					return
				}
			}
		}(w)
	}
	wg.Wait()
	removed := 0
	for i := n / 2; i < n; i++ {
		if i%3 == 0 {
			removed++
		}
	}
	if g.Len() != n-removed {
		t.Errorf("Len %d, want %d", g.Len(), n-removed)
	}
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestSearchAllocs(t *testing.T) {
	c := big(t)
	s := c.g.NewSearcher()
	out := make([]Result, 0, 10)
	q := c.queries[0]
	out = s.Search(q, 10, 100, out) // warm up the scratch
	if a := testing.AllocsPerRun(100, func() { out = s.Search(q, 10, 100, out) }); a != 0 {
		t.Errorf("Searcher.Search: %v allocs per run, want 0", a)
	}
	if raceEnabled {
		t.Log("Graph.Search allocation check skipped: under -race sync.Pool drops items at random")
		return
	}
	out = c.g.Search(q, 10, 100, out)
	if a := testing.AllocsPerRun(100, func() { out = c.g.Search(q, 10, 100, out) }); a != 0 {
		t.Errorf("Graph.Search: %v allocs per run, want 0", a)
	}
}

func TestMemoryPerNode(t *testing.T) {
	c := big(t)
	n := c.g.Nodes()
	per := float64(c.g.MemoryBytes()) / float64(n)
	t.Logf("dim 64 M 16: %.0f bytes per node (%d nodes, codes 64 bytes)", per, n)
	// Codes + level-0 links alone are dim + 4*(2M+1) = 196 bytes; ids,
	// levels, upper links, the id map and append slack add the rest.
	if per < 196 || per > 500 {
		t.Errorf("%.0f bytes per node, want within [196, 500]", per)
	}
}
