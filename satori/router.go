package satori

import (
	"fmt"
	"slices"
	"sync"

	"github.com/reefdb/reef/internal/vecmath"
	"github.com/reefdb/reef/satori/hnsw"
)

// router picks the buckets a query probes and the bucket a new vector
// joins: the buckets whose centroids are nearest. It compares with every
// centroid, or, where that costs more, asks an HNSW graph over the
// u8-quantized centroids (satori/hnsw) for candidates and ranks them by
// exact distance to the float centroids.
//
// Buckets are formed by squared L2 whatever the metric: a vector joins,
// and maintenance moves it to, the bucket with the L2-nearest centroid
// (for Cosine, on unit vectors, that is the cosine order). Probing uses
// the metric: for InnerProduct a query probes the buckets whose centroids
// have the largest inner product with it, as IVF indexes do, by comparing
// with every centroid (the graph is ordered by L2). Assigning by inner
// product instead is unstable: centroids of large norm attract every
// vector, so splits and merges never settle.
type router struct {
	dim  int
	ip   bool
	seed uint64

	mu      sync.RWMutex
	ids     []uint32       // live buckets, in no order
	cents   []float32      // their centroids, flat, parallel to ids
	pos     map[uint32]int // bucket id → index in ids
	graph   *hnsw.Graph    // nil while len(ids) < hnswMin
	builtAt int            // len(ids) when graph was built
	version uint64         // bumped by every add and remove
}

// The router builds its HNSW graph once it routes hnswMin buckets, and
// asks it when that is cheaper than comparing with every centroid. A graph
// search with candidate list ef costs about as much as comparing with
// graphCostPerEf·ef centroids (measured over 10,000 centroids of clustered
// vectors, dimension 128: ef 96 took 0.14 ms, ef 288 0.34 ms, ef 1,056
// 0.94 ms, and every centroid 0.21 ms), so an insert (routed to 1 bucket,
// ef 40) uses the graph from 4k buckets on, 8 probes from 6k, 32 from
// 18k, 128 from 68k. There the graph finds 99.4% of the 32 nearest
// buckets.
var (
	hnswMin        = 4096 // variables so tests can route through the graph at small sizes
	graphCostPerEf = 64
)

// graphEf is the candidate list of a graph search for n buckets.
func graphEf(n int, skip bool) (want, ef int) {
	want = 2*n + 8
	if skip {
		want += 8
	}
	return want, max(4*want, 40)
}

// exactLocked reports whether routing to n buckets compares with every
// centroid. r.mu held.
func (r *router) exactLocked(n int, skip bool) bool {
	_, ef := graphEf(n, skip)
	return r.graph == nil || len(r.ids) <= graphCostPerEf*ef
}

// probe is one routed bucket.
type probe struct {
	id   uint32
	dist float32
}

func newRouter(dim int, metric Metric, seed uint64) *router {
	return &router{dim: dim, ip: metric == InnerProduct, seed: seed, pos: make(map[uint32]int)}
}

// distance is the assignment distance, squared L2.
func (r *router) distance(q, c []float32) float32 { return vecmath.L2Squared(q, c) }

// probe appends to out[:0] the n buckets a query q probes, nearest first.
func (r *router) probe(q []float32, n int, out []probe, s *routeScratch) []probe {
	if !r.ip {
		return r.nearest(q, n, out, s, nil)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	s.top.reset(n)
	bound := s.top.bound()
	for i, id := range r.ids {
		if d := -vecmath.Dot(q, r.cents[i*r.dim:(i+1)*r.dim]); d <= bound && s.top.accepts(d) {
			s.top.push(probe{id, d})
			bound = s.top.bound()
		}
	}
	return s.top.appendSorted(out[:0])
}

// len returns the number of routed buckets.
func (r *router) len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.ids)
}

// add routes to bucket id with centroid c.
func (r *router) add(id uint32, c []float32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.pos[id]; ok {
		return fmt.Errorf("satori: router: bucket %d added twice", id)
	}
	r.pos[id] = len(r.ids)
	r.ids = append(r.ids, id)
	r.cents = append(r.cents, c...)
	r.version++
	if r.graph != nil {
		return r.graph.Add(id, c)
	}
	return nil
}

// remove stops routing to bucket id.
func (r *router) remove(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.pos[id]
	if !ok {
		return fmt.Errorf("satori: router: bucket %d not routed", id)
	}
	last := len(r.ids) - 1
	if i != last {
		r.ids[i] = r.ids[last]
		copy(r.cents[i*r.dim:(i+1)*r.dim], r.cents[last*r.dim:])
		r.pos[r.ids[i]] = i
	}
	r.ids = r.ids[:last]
	r.cents = r.cents[:last*r.dim]
	delete(r.pos, id)
	r.version++
	if r.graph != nil {
		return r.graph.Remove(id)
	}
	return nil
}

// centroid returns a copy of bucket id's centroid.
func (r *router) centroid(id uint32) ([]float32, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	i, ok := r.pos[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(r.cents[i*r.dim : (i+1)*r.dim]), true
}

// routeScratch is a caller's reusable memory for nearest.
type routeScratch struct {
	hits []hnsw.Result
	top  topN[probe]
}

// nearest appends to out[:0] the n buckets L2-nearest to q, nearest first,
// with their exact distances. skip, when not nil, excludes
// buckets. It does not allocate once the scratch has grown.
func (r *router) nearest(q []float32, n int, out []probe, s *routeScratch, skip func(uint32) bool) []probe {
	out = out[:0]
	if n <= 0 {
		return out
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.exactLocked(n, skip != nil) {
		s.top.reset(n)
		bound := s.top.bound()
		for i, id := range r.ids {
			d := r.distance(q, r.cents[i*r.dim:(i+1)*r.dim])
			if d <= bound && s.top.accepts(d) && (skip == nil || !skip(id)) {
				s.top.push(probe{id, d})
				bound = s.top.bound()
			}
		}
		return s.top.appendSorted(out)
	}
	return r.viaGraphLocked(q, n, out, s, skip)
}

// viaGraphLocked is nearest through the graph. r.mu held.
func (r *router) viaGraphLocked(q []float32, n int, out []probe, s *routeScratch, skip func(uint32) bool) []probe {
	// The graph ranks by quantized distances: ask it for twice as many
	// candidates as wanted (searching 4× as many) and rank them exactly.
	want, ef := graphEf(n, skip != nil)
	s.hits = r.graph.Search(q, want, ef, s.hits[:0])
	s.top.reset(n)
	for _, h := range s.hits {
		i, ok := r.pos[h.ID]
		if !ok || (skip != nil && skip(h.ID)) {
			continue
		}
		if d := r.distance(q, r.cents[i*r.dim:(i+1)*r.dim]); s.top.accepts(d) {
			s.top.push(probe{h.ID, d})
		}
	}
	return s.top.appendSorted(out)
}

// needsRebuild reports whether the HNSW graph should be (re)built: the
// router has grown past hnswMin without one, has doubled since it was
// built (the quantizer's ranges may no longer cover the centroids), or
// holds more removed nodes than live ones.
func (r *router) needsRebuild() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := len(r.ids)
	if r.graph == nil {
		return n >= hnswMin
	}
	return n < hnswMin/2 || n >= 2*r.builtAt || r.graph.Nodes() > 2*n
}

// rebuild builds a new graph from the current centroids without holding
// the lock during the build, then installs it, adding and removing what
// changed meanwhile. Below hnswMin/2 buckets it drops the graph.
func (r *router) rebuild() error {
	r.mu.RLock()
	ids := slices.Clone(r.ids)
	cents := slices.Clone(r.cents)
	version := r.version
	r.mu.RUnlock()
	if len(ids) < hnswMin/2 {
		r.mu.Lock()
		r.graph = nil
		r.mu.Unlock()
		return nil
	}
	g, err := buildGraph(ids, cents, r.dim, r.seed)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.version != version {
		built := make(map[uint32]bool, len(ids))
		for _, id := range ids {
			built[id] = true
		}
		for i, id := range r.ids {
			if !built[id] {
				if err := g.Add(id, r.cents[i*r.dim:(i+1)*r.dim]); err != nil {
					return err
				}
			}
			delete(built, id)
		}
		for id := range built {
			if err := g.Remove(id); err != nil {
				return err
			}
		}
	}
	r.graph = g
	r.builtAt = len(r.ids)
	return nil
}

// buildGraph quantizes the centroids with a quarter of each dimension's
// range as margin on both sides (centroids move as buckets split) and
// inserts them all.
func buildGraph(ids []uint32, cents []float32, dim int, seed uint64) (*hnsw.Graph, error) {
	lo := slices.Clone(cents[:dim])
	hi := slices.Clone(cents[:dim])
	for i := dim; i < len(cents); i += dim {
		for d := range dim {
			lo[d] = min(lo[d], cents[i+d])
			hi[d] = max(hi[d], cents[i+d])
		}
	}
	for d := range dim {
		m := (hi[d] - lo[d]) / 4
		if m == 0 {
			m = 1e-3
		}
		lo[d] -= m
		hi[d] += m
	}
	q, err := hnsw.NewQuantizer(lo, hi)
	if err != nil {
		return nil, fmt.Errorf("satori: router quantizer: %w", err)
	}
	g, err := hnsw.New(hnsw.Options{Dim: dim, Metric: hnsw.L2, M: 16, EfConstruction: 100, Seed: seed}, q)
	if err != nil {
		return nil, fmt.Errorf("satori: router graph: %w", err)
	}
	for i, id := range ids {
		if err := g.Add(id, cents[i*dim:(i+1)*dim]); err != nil {
			return nil, fmt.Errorf("satori: router graph: %w", err)
		}
	}
	return g, nil
}

// memoryBytes estimates the router's heap.
func (r *router) memoryBytes() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := cap(r.ids)*4 + cap(r.cents)*4 + len(r.pos)*16
	if r.graph != nil {
		n += r.graph.MemoryBytes()
	}
	return n
}
