package satori

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	query  []float32 // the normalized query (Cosine)
	route  routeScratch
	probes []probe
	buf    bucket.Bucket
	dists  []float32
	heap   resultHeap
}

func (db *DB) newWorker() *worker {
	return &worker{query: make([]float32, db.dim)}
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
	if opts.Probes < 0 {
		return fmt.Errorf("search: %w: negative probes", ErrInvalidArgument)
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
	w.probes = db.router.probe(w.query, probes, w.probes, &w.route)
	w.heap.reset(k)
	for _, p := range w.probes {
		if err := ctx.Err(); err != nil {
			return dst, err
		}
		if err := db.scanBucket(w, p.id, opts.Filter); err != nil {
			return dst, err
		}
	}
	return w.heap.appendSorted(dst), nil
}

// scanBucket adds the valid entries of bucket id (disk and delta) that
// pass filter to w.heap.
func (db *DB) scanBucket(w *worker, id uint32, filter *attr.Filter) error {
	for attempt := 0; ; attempt++ {
		db.mu.RLock()
		b := db.buckets[id]
		if b == nil { // removed since routing
			db.mu.RUnlock()
			return nil
		}
		d := b.delta.prefix(b.delta.len(), db.dim)
		loc, onDisk := b.loc, b.onDisk
		db.mu.RUnlock()
		if onDisk {
			err := db.store.Read(loc, &w.buf)
			if errors.Is(err, bucket.ErrNotFound) && attempt < 8 {
				continue // rewritten and its segment deleted: look again
			}
			if err != nil {
				return fmt.Errorf("satori: search: bucket %d: %w", id, err)
			}
			db.scan(w, id, w.buf.IDs, w.buf.Versions, w.buf.Vectors, &w.buf, nil, filter)
		}
		if len(d.ids) > 0 {
			db.scan(w, id, d.ids, d.vers, d.vecs, nil, d.attrs, filter)
		}
		return nil
	}
}

// scan computes the distances of vecs to the query and offers the valid,
// matching ones to the heap. Attributes come from bk (disk) or attrs
// (delta).
func (db *DB) scan(w *worker, bid uint32, ids, vers []uint64, vecs []float32, bk *bucket.Bucket, attrs [][]byte, filter *attr.Filter) {
	n := len(ids)
	if cap(w.dists) < n {
		w.dists = make([]float32, n)
	}
	dists := w.dists[:n]
	switch db.metric {
	case L2:
		vecmath.L2SquaredBatch(w.query, vecs, dists)
	case Cosine:
		vecmath.DotBatch(w.query, vecs, dists)
		for i := range dists {
			dists[i] = 1 - dists[i]
		}
	case InnerProduct:
		vecmath.DotBatch(w.query, vecs, dists)
		for i := range dists {
			dists[i] = -dists[i]
		}
	}
	h := &w.heap
	db.mu.RLock()
	for i, dist := range dists {
		if !h.accepts(dist) {
			continue
		}
		s, ok := db.index[ids[i]]
		if !ok || s.version != vers[i] || s.bucket != bid {
			continue
		}
		if filter != nil {
			var a []byte
			if bk != nil {
				a = bk.Attrs(i)
			} else {
				a = attrs[i]
			}
			if !filter.Match(a) {
				continue
			}
		}
		h.push(Result{ID: ids[i], Distance: dist})
	}
	db.mu.RUnlock()
}

// resultHeap keeps the k nearest results seen: a max-heap on distance.
type resultHeap struct {
	k     int
	items []Result
}

func (h *resultHeap) reset(k int) {
	h.k = k
	h.items = h.items[:0]
}

// accepts reports whether a result at dist would enter the heap.
func (h *resultHeap) accepts(dist float32) bool {
	return len(h.items) < h.k || dist < h.items[0].Distance
}

func (h *resultHeap) push(r Result) {
	if len(h.items) < h.k {
		h.items = append(h.items, r)
		h.up(len(h.items) - 1)
		return
	}
	h.items[0] = r
	h.down(0)
}

func (h *resultHeap) less(i, j int) bool { // i is "greater": farther, then larger id
	a, b := h.items[i], h.items[j]
	if a.Distance != b.Distance {
		return a.Distance > b.Distance
	}
	return a.ID > b.ID
}

func (h *resultHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *resultHeap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.less(r, l) {
			c = r
		}
		if !h.less(c, i) {
			return
		}
		h.items[i], h.items[c] = h.items[c], h.items[i]
		i = c
	}
}

// appendSorted empties the heap into dst, nearest first.
func (h *resultHeap) appendSorted(dst []Result) []Result {
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
