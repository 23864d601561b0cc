package satori

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/reefdb/reef/internal/vecmath"
	"github.com/reefdb/reef/satori/attr"
	"github.com/reefdb/reef/satori/bucket"
)

// SearchOptions tune one search.
type SearchOptions struct {
	// Probes is how many buckets to read: the recall/speed knob. 0 means
	// Options.Probes.
	Probes int
	// ProbeSlack overrides Options.ProbeSlack for this search when not 0
	// (negative: no pruning, read Probes buckets).
	ProbeSlack float64
	// Rerank is how many candidates, ranked by their u8 codes, are reread
	// as float32 vectors to rank them exactly; 0 means 4k+16. At least k.
	Rerank int
	// Filter, when not nil, keeps only vectors whose attributes match.
	// A filtered search still reads Probes buckets, so a selective filter
	// may return fewer than k results; raise Probes for it.
	Filter *attr.Filter
}

// Result is one neighbour: its id and its distance to the query (squared
// L2, 1 - cosine or -inner product: smaller is nearer).
type Result struct {
	ID       uint64
	Distance float32
}

// worker is one search slot with its own buffers: a search borrows one
// from DB.workers, so at most Options.Workers searches run at once and a
// steady-state search allocates nothing.
type worker struct {
	query   []float32 // the normalized query (Cosine)
	route   routeScratch
	probes  []probe
	scanned []uint32 // buckets this search has scanned
	buf     bucket.Bucket
	dists   []float32
	qb, wb  []float32 // the query prepared for one bucket's codes
	vec     []float32 // a vector being reranked
	cands   topN[candidate]
	heap    topN[Result]
}

func (db *DB) newWorker() *worker {
	return &worker{query: make([]float32, db.dim), qb: make([]float32, db.dim), wb: make([]float32, db.dim), vec: make([]float32, db.dim)}
}

// Search returns the k nearest live vectors to q, nearest first.
func (db *DB) Search(ctx context.Context, q []float32, k int, opts SearchOptions) ([]Result, error) {
	return db.SearchInto(ctx, q, k, opts, nil)
}

// SearchInto is Search appending to dst[:0]; with a dst of capacity k it
// allocates nothing in steady state.
func (db *DB) SearchInto(ctx context.Context, q []float32, k int, opts SearchOptions, dst []Result) ([]Result, error) {
	if err := db.checkQuery(q, k, opts); err != nil {
		return dst[:0], err
	}
	var w *worker
	select {
	case w = <-db.workers:
	case <-ctx.Done():
		return dst[:0], ctx.Err()
	}
	defer func() { db.workers <- w }()
	return db.search(ctx, w, q, k, opts, dst)
}

// SearchBatch runs the queries on all workers in parallel and returns the
// results of each, in order.
func (db *DB) SearchBatch(ctx context.Context, qs [][]float32, k int, opts SearchOptions) ([][]Result, error) {
	for i, q := range qs {
		if err := db.checkQuery(q, k, opts); err != nil {
			return nil, fmt.Errorf("query %d: %w", i, err)
		}
	}
	out := make([][]Result, len(qs))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range min(db.opts.Workers, len(qs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w *worker
			select {
			case w = <-db.workers:
			case <-ctx.Done():
				return
			}
			defer func() { db.workers <- w }()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= len(qs) || stop {
					return
				}
				res, err := db.search(ctx, w, qs[i], k, opts, make([]Result, 0, k))
				if err != nil {
					mu.Lock()
					first = cmpErr(first, fmt.Errorf("query %d: %w", i, err))
					mu.Unlock()
					return
				}
				out[i] = res
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (db *DB) checkQuery(q []float32, k int, opts SearchOptions) error {
	if len(q) != db.dim {
		return fmt.Errorf("search: %w: query of %d components, the collection has %d", ErrDimension, len(q), db.dim)
	}
	for i, x := range q {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("search: %w: component %d is %v", ErrInvalidVector, i, x)
		}
	}
	if k < 1 || k > maxK {
		return fmt.Errorf("search: %w: k %d outside 1..%d", ErrInvalidArgument, k, maxK)
	}
	if opts.Probes < 0 || opts.Rerank < 0 {
		return fmt.Errorf("search: %w: negative probes or rerank", ErrInvalidArgument)
	}
	if math.IsNaN(opts.ProbeSlack) || math.IsInf(opts.ProbeSlack, 0) {
		return fmt.Errorf("search: %w: probe slack %v", ErrInvalidArgument, opts.ProbeSlack)
	}
	if opts.Filter != nil {
		if err := opts.Filter.Validate(); err != nil {
			return fmt.Errorf("search: %w: %w", ErrInvalidArgument, err)
		}
	}
	return nil
}

// maxK bounds k.
const maxK = 1 << 14

// search runs one query on worker w.
func (db *DB) search(ctx context.Context, w *worker, q []float32, k int, opts SearchOptions, dst []Result) ([]Result, error) {
	dst = dst[:0]
	copy(w.query, q)
	if db.metric == Cosine {
		var n float64
		for _, x := range q {
			n += float64(x) * float64(x)
		}
		if n == 0 {
			return dst, fmt.Errorf("search: %w: a zero query has no direction (cosine)", ErrInvalidVector)
		}
		inv := 1 / math.Sqrt(n)
		for i, x := range q {
			w.query[i] = float32(float64(x) * inv)
		}
	}
	probes := opts.Probes
	if probes == 0 {
		probes = db.opts.Probes
	}
	db.mu.RLock()
	err := db.checkOpenLocked()
	db.mu.RUnlock()
	if err != nil {
		return dst, err
	}
	slack := opts.ProbeSlack
	if slack == 0 {
		slack = db.opts.ProbeSlack
	}
	w.probes = db.pruneProbes(db.router.probe(w.query, probes, w.probes, &w.route), slack)
	rerank := opts.Rerank
	if rerank == 0 {
		rerank = 4*k + 16
	}
	w.cands.reset(max(rerank, k))
	w.scanned = w.scanned[:0]
	for round := 0; ; round++ {
		vanished := false
		// Probes are distinct: only a later round can meet one scanned.
		slices.Sort(w.scanned)
		done := w.scanned
		for _, p := range w.probes {
			if _, seen := slices.BinarySearch(done, p.id); seen {
				continue
			}
			if err := ctx.Err(); err != nil {
				return dst, err
			}
			found, err := db.scanBucket(w, p.id, opts.Filter)
			if err != nil {
				return dst, err
			}
			w.scanned = append(w.scanned, p.id)
			vanished = vanished || !found
		}
		if !vanished || round == 3 {
			break
		}
		// A probed bucket was split or merged away since routing: its
		// vectors are in buckets the first routing did not know. Route
		// again and scan what is new (bucket ids are never reused).
		w.probes = db.pruneProbes(db.router.probe(w.query, probes, w.probes, &w.route), slack)
	}
	// Rerank: the candidates found by their codes get their exact distance
	// from their float32 vector; delta entries have theirs already.
	w.heap.reset(k)
	for _, c := range w.cands.items {
		if !c.exact {
			err := db.store.ReadVector(c.loc, int(c.idx), c.sum, w.vec)
			if errors.Is(err, bucket.ErrNotFound) {
				// Its bucket was rewritten and the segment deleted since the
				// scan: find the vector where it is now.
				var ok bool
				if ok, err = db.refetch(w, c.id, c.ver); !ok && err == nil {
					continue // deleted or replaced meanwhile
				}
			}
			if err != nil {
				return dst, fmt.Errorf("satori: search: rerank %d: %w", c.id, err)
			}
			c.dist = db.distance(w.query, w.vec)
		}
		if w.heap.accepts(c.dist) {
			w.heap.push(Result{ID: c.id, Distance: c.dist})
		}
	}
	return w.heap.appendSorted(dst), nil
}

// pruneProbes cuts ps (nearest first) at the first bucket farther than
// (1+slack) times the nearest one's distance, keeping at least the
// nearest minKept(len(ps)): buckets that much farther than the nearest
// rarely hold a neighbour when the nearest ones are close, and a query
// among many buckets at nearly the same distance (inside a large
// cluster) keeps them all. The floor grows with the probe count so that
// raising Probes keeps raising recall.
func (db *DB) pruneProbes(ps []probe, slack float64) []probe {
	keep := minKept(len(ps))
	if slack < 0 || db.metric == InnerProduct || len(ps) <= keep {
		return ps
	}
	limit := float32((1 + slack) * float64(ps[0].dist))
	for i := keep; i < len(ps); i++ {
		if ps[i].dist > limit {
			return ps[:i]
		}
	}
	return ps
}

// minKept is how many of n probes pruning always keeps: MinProbes, or an
// eighth of them when that is more. An eighth lets Fashion-MNIST's recall
// rise past 0.993 (where slack alone stops every query within about 8 of
// 161 buckets) to 0.999 at 128 probes, and costs the bench's 1M set 7%
// more buckets read at recall 0.95 (a quarter: 26%).
func minKept(n int) int {
	return min(n, max(MinProbes, n/8))
}

// refetch reads the vector (id, ver) into w.vec from wherever it is now;
// false when it is no longer live at that version.
func (db *DB) refetch(w *worker, id, ver uint64) (bool, error) {
	for attempt := 0; attempt < 8; attempt++ {
		db.mu.RLock()
		s, ok := db.index.get(id)
		var b *bstate
		if ok && s.version == ver {
			b = db.buckets[s.bucket]
		}
		if b == nil {
			db.mu.RUnlock()
			return false, nil
		}
		d := b.delta.prefix(b.delta.len(), db.dim)
		loc, onDisk := b.loc, b.onDisk
		db.mu.RUnlock()
		for i := len(d.ids) - 1; i >= 0; i-- {
			if d.ids[i] == id && d.vers[i] == ver {
				copy(w.vec, d.vec(i, db.dim))
				return true, nil
			}
		}
		if !onDisk {
			return false, nil
		}
		err := db.store.ReadHead(loc, &w.buf)
		if errors.Is(err, bucket.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		for i, vid := range w.buf.IDs {
			if vid == id && w.buf.Versions[i] == ver {
				err = db.store.ReadVector(loc, i, w.buf.VectorCRCs[i], w.vec)
				if errors.Is(err, bucket.ErrNotFound) {
					break
				}
				return err == nil, err
			}
		}
	}
	return false, nil
}

// distance is the metric's exact distance between the (normalized) query
// and a stored vector.
func (db *DB) distance(q, v []float32) float32 {
	switch db.metric {
	case Cosine:
		return 1 - vecmath.Dot(q, v)
	case InnerProduct:
		return -vecmath.Dot(q, v)
	}
	return vecmath.L2Squared(q, v)
}

// scanBucket offers the valid entries of bucket id that pass filter to
// w.cands: those on disk by the distance their u8 codes give (the head
// alone is read), those in the delta by their exact distance.
func (db *DB) scanBucket(w *worker, id uint32, filter *attr.Filter) (bool, error) {
	for attempt := 0; ; attempt++ {
		db.mu.RLock()
		b := db.buckets[id]
		if b == nil { // removed since routing
			db.mu.RUnlock()
			return false, nil
		}
		d := b.delta.prefix(b.delta.len(), db.dim)
		loc, onDisk := b.loc, b.onDisk
		db.mu.RUnlock()
		if onDisk {
			err := db.store.ReadHead(loc, &w.buf)
			if errors.Is(err, bucket.ErrNotFound) && attempt < 8 {
				continue // rewritten and its segment deleted: look again
			}
			if err != nil {
				return true, fmt.Errorf("satori: search: bucket %d: %w", id, err)
			}
			if !db.scanCodes(w, id, loc, filter) {
				return false, nil
			}
		}
		if len(d.ids) > 0 && !db.scanDelta(w, id, d, filter) {
			return false, nil
		}
		return true, nil
	}
}

// scanCodes computes approximate distances from the u8 codes of the head
// in w.buf and offers the valid, matching entries as candidates. It
// returns false if the bucket was split or merged away meanwhile (its
// entries then count as moved, not offered).
func (db *DB) scanCodes(w *worker, bid uint32, loc bucket.Loc, filter *attr.Filter) bool {
	bk := &w.buf
	n := bk.Len()
	if cap(w.dists) < n {
		w.dists = make([]float32, n)
	}
	dists := w.dists[:n]
	// x ≈ min + scale·c per dimension. L2: Σ (q-x)² = Σ scale²·((q-min)/scale - c)²
	// plus Σ (q-min)² over the dimensions of zero range. Dot: Σ q·x =
	// Σ (q·scale)·c + Σ q·min.
	var cst float32
	if db.metric == L2 {
		for j, q := range w.query {
			if s := bk.Scale[j]; s > 0 {
				w.qb[j], w.wb[j] = (q-bk.Min[j])/s, s*s
			} else {
				diff := q - bk.Min[j]
				w.qb[j], w.wb[j] = 0, 0
				cst += diff * diff
			}
		}
		vecmath.L2SquaredWeightedU8Batch(w.qb, w.wb, bk.Codes, dists)
		for i := range dists {
			dists[i] += cst
		}
	} else {
		for j, q := range w.query {
			w.qb[j] = q * bk.Scale[j]
			cst += q * bk.Min[j]
		}
		vecmath.DotF32U8Batch(w.qb, bk.Codes, dists)
		base := float32(0)
		if db.metric == Cosine {
			base = 1
		}
		for i := range dists {
			dists[i] = base - (dists[i] + cst)
		}
	}
	h := &w.cands
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.buckets[bid] == nil {
		return false
	}
	for i, dist := range dists {
		if !h.accepts(dist) {
			continue
		}
		if !db.liveLocked(bk.IDs[i], bk.Versions[i], bid) {
			continue
		}
		if filter != nil && !filter.Match(bk.Attrs(i)) {
			continue
		}
		h.push(candidate{dist: dist, id: bk.IDs[i], ver: bk.Versions[i], loc: loc, idx: int32(i), sum: bk.VectorCRCs[i]})
	}
	return true
}

// scanDelta offers the valid, matching delta entries with their exact
// distances; false as for scanCodes.
func (db *DB) scanDelta(w *worker, bid uint32, d delta, filter *attr.Filter) bool {
	n := len(d.ids)
	if cap(w.dists) < n {
		w.dists = make([]float32, n)
	}
	dists := w.dists[:n]
	for k := range numBlocks(n, db.dim) {
		first, vecs := d.block(k, n, db.dim)
		out := dists[first : first+len(vecs)/db.dim]
		if db.metric == L2 {
			vecmath.L2SquaredBatch(w.query, vecs, out)
		} else {
			vecmath.DotBatch(w.query, vecs, out)
		}
	}
	switch db.metric {
	case Cosine:
		for i := range dists {
			dists[i] = 1 - dists[i]
		}
	case InnerProduct:
		for i := range dists {
			dists[i] = -dists[i]
		}
	}
	h := &w.cands
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.buckets[bid] == nil {
		return false
	}
	for i, dist := range dists {
		if !h.accepts(dist) {
			continue
		}
		if !db.liveLocked(d.ids[i], d.vers[i], bid) {
			continue
		}
		if filter != nil && !filter.Match(d.attrs[i]) {
			continue
		}
		h.push(candidate{dist: dist, id: d.ids[i], exact: true})
	}
	return true
}

// candidate is an entry found by a scan: its distance (approximate unless
// exact) and where to reread its vector.
type candidate struct {
	dist  float32
	id    uint64
	ver   uint64
	loc   bucket.Loc
	idx   int32
	sum   uint32
	exact bool
}

// ranked is what a topN orders: a distance, ties broken by id.
type ranked interface {
	candidate | Result | probe
	rank() (float32, uint64)
}

func (c candidate) rank() (float32, uint64) { return c.dist, c.id }
func (r Result) rank() (float32, uint64)    { return r.Distance, r.ID }
func (p probe) rank() (float32, uint64)     { return p.dist, uint64(p.id) }

// topN keeps the n nearest items offered: a max-heap on (distance, id), so
// the farthest kept item is at the root.
type topN[T ranked] struct {
	n     int
	items []T
}

func (h *topN[T]) reset(n int) {
	h.n = n
	h.items = h.items[:0]
}

// accepts reports whether an item at dist would enter the heap.
func (h *topN[T]) accepts(dist float32) bool {
	if len(h.items) < h.n {
		return true
	}
	d, _ := h.items[0].rank()
	return dist < d
}

// after reports whether item i ranks after item j (farther, or as far
// with a larger id).
func (h *topN[T]) after(i, j int) bool {
	di, ii := h.items[i].rank()
	dj, ij := h.items[j].rank()
	return di > dj || di == dj && ii > ij
}

// bound returns the distance an item must beat to enter the heap: +Inf
// until it is full, then the farthest kept item's (a tie enters only if
// accepts says so).
func (h *topN[T]) bound() float32 {
	if len(h.items) < h.n {
		return float32(math.Inf(1))
	}
	d, _ := h.items[0].rank()
	return d
}

func (h *topN[T]) push(x T) {
	if len(h.items) < h.n {
		h.items = append(h.items, x)
		h.up(len(h.items) - 1)
		return
	}
	h.items[0] = x
	h.down(0)
}

func (h *topN[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.after(i, p) {
			return
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *topN[T]) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.after(r, l) {
			c = r
		}
		if !h.after(c, i) {
			return
		}
		h.items[i], h.items[c] = h.items[c], h.items[i]
		i = c
	}
}

// appendSorted empties the heap into dst, nearest first.
func (h *topN[T]) appendSorted(dst []T) []T {
	start := len(dst)
	for len(h.items) > 0 {
		last := len(h.items) - 1
		h.items[0], h.items[last] = h.items[last], h.items[0]
		dst = append(dst, h.items[last])
		h.items = h.items[:last]
		h.down(0)
	}
	// dst[start:] is farthest first; reverse it.
	for i, j := start, len(dst)-1; i < j; i, j = i+1, j-1 {
		dst[i], dst[j] = dst[j], dst[i]
	}
	return dst
}
