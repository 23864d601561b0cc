package satori

import (
	"slices"
	"testing"

	"github.com/reefdb/reef/satori/kmeans"
	"github.com/reefdb/reef/satori/synth"
)

// TestRouterGraphRecall checks the HNSW router against exact routing on
// the centroids of clustered data, where centroids come in tight groups
// and a graph without enough links between groups misses buckets.
func TestRouterGraphRecall(t *testing.T) {
	const k, dim = 2000, 128
	spec := synth.Spec{N: 20 * k, Dim: dim, Clusters: k / 3, Skew: 1, Spread: 0.3, Seed: 3}
	data, _, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	cents, _, err := kmeans.Train(data, dim, kmeans.Options{K: k, Iters: 2, Seed: 1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(dim, L2, 1)
	ids := make([]uint32, k)
	for i := range k {
		ids[i] = uint32(i)
		if err := r.add(uint32(i), cents[i*dim:(i+1)*dim]); err != nil {
			t.Fatal(err)
		}
	}
	if r.graph, err = buildGraph(ids, cents, dim, 1); err != nil {
		t.Fatal(err)
	}
	const nq = 200
	qs, err := synth.Queries(spec, nq, 9)
	if err != nil {
		t.Fatal(err)
	}
	var s routeScratch
	for _, n := range []int{1, 8, 32, 128} {
		hit, total := 0, 0
		for i := range nq {
			q := qs[i*dim : (i+1)*dim]
			r.mu.RLock()
			got := r.viaGraphLocked(q, n, nil, &s, nil)
			r.mu.RUnlock()
			g := r.graph
			r.graph = nil // exact
			want := r.nearest(q, n, nil, &s, nil)
			r.graph = g
			in := make(map[uint32]bool, n)
			for _, p := range want {
				in[p.id] = true
			}
			for _, p := range got {
				if in[p.id] {
					hit++
				}
			}
			total += len(want)
		}
		recall := float64(hit) / float64(total)
		t.Logf("%d centroids, %d probes: graph routing recall %.4f", k, n, recall)
		if recall < 0.98 {
			t.Errorf("%d probes: graph routing recall %.4f < 0.98", n, recall)
		}
	}
}

// TestPruneProbes: past the first MinProbes, probes stop at the first
// bucket farther than 1+slack times the nearest; a negative slack and the
// inner-product metric keep them all.
func TestPruneProbes(t *testing.T) {
	ps := make([]probe, 20)
	for i := range ps {
		ps[i] = probe{id: uint32(i + 1), dist: 1 + 0.05*float32(i)} // 1, 1.05, … 1.95
	}
	for _, c := range []struct {
		metric Metric
		slack  float64
		want   int
	}{
		{L2, 0.3, 7}, // 1.30 is kept only within MinProbes: the first 8 stay
		{L2, 0.5, 11},
		{L2, 0.52, 11},
		{L2, 2, 20},
		{L2, -1, 20},
		{Cosine, 0.5, 11},
		{InnerProduct, 0.3, 20},
	} {
		db := &DB{metric: c.metric}
		got := db.pruneProbes(slices.Clone(ps), c.slack)
		want := max(c.want, MinProbes)
		if len(got) != want || !slices.Equal(got, ps[:want]) {
			t.Errorf("%v slack %v: kept %d probes, want %d", c.metric, c.slack, len(got), want)
		}
	}
	if got := (&DB{metric: L2}).pruneProbes(slices.Clone(ps[:5]), 0.01); len(got) != 5 {
		t.Errorf("fewer probes than MinProbes: kept %d of 5", len(got))
	}
	// Past 8·MinProbes probes an eighth of them are kept whatever the slack.
	many := make([]probe, 200)
	for i := range many {
		many[i] = probe{id: uint32(i + 1), dist: 1 + float32(i)}
	}
	for _, c := range []struct{ n, want int }{{8, 8}, {20, 8}, {64, 8}, {80, 10}, {200, 25}} {
		if got := (&DB{metric: L2}).pruneProbes(slices.Clone(many[:c.n]), 0.3); len(got) != c.want {
			t.Errorf("%d probes, slack 0.3: kept %d, want %d", c.n, len(got), c.want)
		}
	}
}
