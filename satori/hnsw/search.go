package hnsw

// item is a node with its distance to the current query.
type item struct {
	dist float32
	node uint32
}

func cmpItem(a, b item) int {
	switch {
	case a.dist < b.dist:
		return -1
	case a.dist > b.dist:
		return 1
	}
	return int(a.node) - int(b.node)
}

// Searcher holds the scratch memory of one search so that steady-state
// searches do not allocate. A Searcher belongs to one graph and must not be
// used by two goroutines at once; distinct Searchers of one graph may
// search concurrently.
type Searcher struct {
	g       *Graph
	a       []float32 // prepared query
	xf      []float32 // a node's codes as floats (Graph.nodeDist)
	base    float32
	visited []uint32 // visited[n] == epoch when n was visited in this search
	epoch   uint32
	cand    []item // min-heap of candidates to expand
	res     []item // max-heap of the best nodes found
	sel     []item
	prune   []item
	prune2  []item
}

// NewSearcher returns a Searcher for g.
func (g *Graph) NewSearcher() *Searcher {
	return &Searcher{g: g, a: make([]float32, g.opts.Dim), xf: make([]float32, g.opts.Dim)}
}

// Search returns the k nearest live vectors to q, nearest first, appended
// to out[:0]. ef (clamped to [k, MaxEf]) is the size of the candidate list:
// larger is slower and more accurate. A query of the wrong dimension or
// k <= 0 gives no results. Search takes the read lock and uses a pooled
// Searcher; it does not allocate in steady state.
func (g *Graph) Search(q []float32, k, ef int, out []Result) []Result {
	s := g.pool.Get().(*Searcher)
	out = s.Search(q, k, ef, out)
	g.pool.Put(s)
	return out
}

// Search is Graph.Search with this Searcher's scratch memory.
func (s *Searcher) Search(q []float32, k, ef int, out []Result) []Result {
	out = out[:0]
	g := s.g
	if len(q) != g.opts.Dim || k <= 0 {
		return out
	}
	k = min(k, MaxEf)
	ef = min(max(ef, k), MaxEf)
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.entry == noNode || g.live == 0 {
		return out
	}
	s.prepare(q)
	ep := g.entry
	epDist := s.dist(ep)
	for l := g.maxLevel; l > 0; l-- {
		ep, epDist = s.greedy(ep, epDist, l)
	}
	s.searchLayer(ep, epDist, 0, ef, true)
	r := s.sortedResults()
	for _, it := range r[:min(k, len(r))] {
		out = append(out, Result{ID: g.ids[it.node], Distance: it.dist})
	}
	return out
}

// prepare readies s for query v; the caller holds g.mu (read or write).
func (s *Searcher) prepare(v []float32) {
	s.base = prepareQuery(s.g.opts.Metric, s.g.q, v, s.a)
	if n := len(s.g.ids); len(s.visited) < n {
		s.visited = append(s.visited, make([]uint32, n-len(s.visited)+n/4)...)
	}
}

func (s *Searcher) dist(n uint32) float32 {
	g := s.g
	if g.opts.Metric == InnerProduct {
		return -(s.base + dotAsym(s.a, g.code(n)))
	}
	return l2Asym(s.a, g.q.w, s.base, g.code(n))
}

// greedy walks level l from ep to a local minimum (ef = 1).
func (s *Searcher) greedy(ep uint32, epDist float32, l int) (uint32, float32) {
	g := s.g
	for steps := 0; steps <= len(g.ids); steps++ { // each step strictly improves
		improved := false
		for _, nb := range g.links(ep, l) {
			if d := s.dist(nb); d < epDist {
				ep, epDist, improved = nb, d, true
			}
		}
		if !improved {
			break
		}
	}
	return ep, epDist
}

func (s *Searcher) nextEpoch() {
	s.epoch++
	if s.epoch == 0 {
		clear(s.visited)
		s.epoch = 1
	}
}

// searchLayer is Algorithm 2: a best-first search of level l from ep that
// leaves the ef nearest nodes found in s.res. With live set, removed nodes
// are traversed but not kept as results.
func (s *Searcher) searchLayer(ep uint32, epDist float32, l, ef int, live bool) {
	g := s.g
	s.nextEpoch()
	s.cand = s.cand[:0]
	s.res = s.res[:0]
	s.visited[ep] = s.epoch
	s.cand = pushMin(s.cand, item{epDist, ep})
	if !live || !g.deleted[ep] {
		s.res = pushMax(s.res, item{epDist, ep})
	}
	for len(s.cand) > 0 { // bounded: each node enters cand at most once
		var c item
		c, s.cand = popMin(s.cand)
		if len(s.res) >= ef && c.dist > s.res[0].dist {
			break
		}
		for _, nb := range g.links(c.node, l) {
			if s.visited[nb] == s.epoch {
				continue
			}
			s.visited[nb] = s.epoch
			d := s.dist(nb)
			if len(s.res) < ef || d < s.res[0].dist {
				s.cand = pushMin(s.cand, item{d, nb})
				if !live || !g.deleted[nb] {
					s.res = pushMax(s.res, item{d, nb})
					if len(s.res) > ef {
						_, s.res = popMax(s.res)
					}
				}
			}
		}
	}
}

// sortedResults sorts s.res nearest first, in place, and returns it.
func (s *Searcher) sortedResults() []item {
	r := s.res
	for n := len(r); n > 1; n-- { // heap sort: pop the max to the end
		r[0], r[n-1] = r[n-1], r[0]
		siftDownMax(r[:n-1], 0)
	}
	return r
}

func pushMin(h []item, it item) []item {
	h = append(h, it)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].dist <= h[i].dist {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func popMin(h []item) (item, []item) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].dist < h[c].dist {
			c++
		}
		if h[i].dist <= h[c].dist {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return top, h
}

func pushMax(h []item, it item) []item {
	h = append(h, it)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].dist >= h[i].dist {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func popMax(h []item) (item, []item) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	siftDownMax(h, 0)
	return top, h
}

func siftDownMax(h []item, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h[c+1].dist > h[c].dist {
			c++
		}
		if h[i].dist >= h[c].dist {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
