package sorter

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/vector"
)

// Merge sorts each local's rows and merges them into one result, using up
// to workers goroutines (below 1 counts as 1): locals are sorted
// concurrently, and a large merge is split into workers partitions merged
// concurrently. The locals are consumed: Add and Merge refuse them
// afterwards (ErrMerged). Locals must come from NewLocal calls with the
// same types, keys and limit (ErrMismatch). With a limit the result holds
// at most limit rows. No locals give an empty result.
func Merge(locals []*Local, workers int) (*Result, error) {
	workers = max(workers, 1)
	for i, l := range locals {
		if l == nil || l.merged || slices.Index(locals, l) != i {
			return nil, fmt.Errorf("sorter: merge: local %d: %w", i, ErrMerged)
		}
		if i > 0 && !sameShape(locals[0], l) {
			return nil, fmt.Errorf("sorter: merge: local %d differs from local 0: %w", i, ErrMismatch)
		}
	}
	for _, l := range locals {
		l.merged = true
	}
	if len(locals) == 0 {
		return &Result{}, nil
	}
	first := locals[0]

	// Heap locals drop their dead rows and take their statistics now;
	// the others took them in Add.
	parallel(len(locals), workers, func(i int) {
		if l := locals[i]; l.top != nil {
			l.compactTop()
			l.top = nil
			var w window
			for start := 0; start < l.coll.Len(); start += vector.Size {
				m := min(vector.Size, l.coll.Len()-start)
				cols := w.read(l.coll, start, m)
				for k, key := range l.keys {
					l.stats[k].add(cols[key.Col], identity[:m])
				}
			}
		}
	})
	st := make([]keyStats, len(first.keys))
	for _, l := range locals {
		for k := range st {
			st[k].merge(l.stats[k])
		}
	}
	lay := newLayout(first.types, first.keys, st, tune.prefixBytes)

	// Largest locals first, so that a big one does not start last.
	order := make([]int, len(locals))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return locals[b].coll.Len() - locals[a].coll.Len() })
	runs := make([]*run, len(locals))
	parallel(len(locals), workers, func(k int) {
		i := order[k]
		runs[i] = newRun(i, locals[i].coll, lay)
		runs[i].sort(first.limit)
	})

	var full []*run
	total := 0
	for _, r := range runs {
		if len(r.ents) > 0 {
			full = append(full, r)
			total += len(r.ents)
		}
	}
	outN := total
	if first.limit >= 0 {
		outN = int(min(int64(total), first.limit))
	}
	var refs []uint64
	switch len(full) {
	case 0:
	case 1:
		refs = make([]uint64, outN)
		r := full[0]
		for i, e := range r.ents[:outN] {
			refs[i] = uint64(r.idx)<<32 | uint64(e.row)
		}
	default:
		refs = mergeRuns(full, total, outN, workers)
	}
	colls := make([]*vector.Collection, len(locals))
	for i, l := range locals {
		colls[i], l.coll = l.coll, nil
	}
	return newResult(first.types, colls, refs), nil
}

// sameShape reports whether two locals sort the same columns the same way.
func sameShape(a, b *Local) bool {
	if a.limit != b.limit || !slices.Equal(a.keys, b.keys) || len(a.types) != len(b.types) {
		return false
	}
	for j := range a.types {
		if a.types[j].Phys() != b.types[j].Phys() {
			return false
		}
	}
	return true
}

// mergeRuns merges sorted runs (total entries in all) into the first outN
// refs of their order. With several workers and enough rows the output is
// cut into partitions by splitter entries, sampled evenly from the runs
// and sorted; each run's share of a partition is found by binary search,
// and the partitions are merged concurrently, each into its own range of
// the output. Splitters compare in cmpEntries' total order, so every
// entry lands in exactly one partition even among equal keys.
func mergeRuns(runs []*run, total, outN, workers int) []uint64 {
	out := make([]uint64, outN)
	parts := 1
	if workers > 1 && outN >= tune.parallelMergeMinRows {
		parts = workers
	}
	k := len(runs)
	bounds := make([][]int, parts+1) // bounds[p][j]: run j's first entry of partition p
	for p := range bounds {
		bounds[p] = make([]int, k)
	}
	for j, r := range runs {
		bounds[parts][j] = len(r.ents)
	}
	if parts > 1 {
		type sample struct {
			r *run
			e entry
		}
		var samples []sample
		step := max(1, total/(parts*tune.samplesPerPart))
		for _, r := range runs {
			for i := min(step/2, len(r.ents)-1); i < len(r.ents); i += step {
				samples = append(samples, sample{r, r.ents[i]})
			}
		}
		slices.SortFunc(samples, func(a, b sample) int { return cmpEntries(a.r, a.e, b.r, b.e, 0) })
		for p := 1; p < parts; p++ {
			// The splitter sits at the sample quantile of output row
			// p*outN/parts (outN may be below total with a limit).
			q := int(float64(p) * float64(outN) / float64(parts) / float64(total) * float64(len(samples)))
			sp := samples[min(q, len(samples)-1)]
			for j, r := range runs {
				bounds[p][j] = sort.Search(len(r.ents), func(i int) bool {
					return cmpEntries(r, r.ents[i], sp.r, sp.e, 0) >= 0
				})
			}
		}
	}
	parallel(parts, workers, func(p int) {
		start, size := 0, 0
		heads := make([][]entry, k)
		for j, r := range runs {
			start += bounds[p][j]
			size += bounds[p+1][j] - bounds[p][j]
			heads[j] = r.ents[bounds[p][j]:bounds[p+1][j]]
		}
		if start < outN {
			mergeHeads(runs, heads, out[start:min(start+size, outN)])
		}
	})
	return out
}

// mergeHeads fills out with the first len(out) entries of the sorted
// slices heads (heads[j] from runs[j]) in order, as refs.
func mergeHeads(runs []*run, heads [][]entry, out []uint64) {
	h := make([]int, 0, len(heads)) // a min-heap of runs by their head entry
	for j := range heads {
		if len(heads[j]) > 0 {
			h = append(h, j)
		}
	}
	less := func(x, y int) bool {
		a, b := heads[x][0], heads[y][0]
		if a.pre != b.pre {
			return a.pre < b.pre
		}
		return cmpEntries(runs[x], a, runs[y], b, 0) < 0
	}
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && less(h[c+1], h[c]) {
				c++
			}
			if !less(h[c], h[i]) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	o := 0
	for o < len(out) && len(h) > 1 {
		j := h[0]
		r, e := runs[j], heads[j][0]
		out[o] = uint64(r.idx)<<32 | uint64(e.row)
		o++
		heads[j] = heads[j][1:]
		if len(heads[j]) == 0 {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	if len(h) == 1 && o < len(out) {
		j := h[0]
		idx := uint64(runs[j].idx) << 32
		for _, e := range heads[j][:len(out)-o] {
			out[o] = idx | uint64(e.row)
			o++
		}
	}
	if o != len(out) {
		panic(fmt.Sprintf("sorter: merged %d of %d rows", o, len(out)))
	}
}

// parallel calls f(0..n-1) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) {
	if workers <= 1 || n <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}

// window reads rows of a collection as vectors: aliasing the collection
// when the rows lie in one segment at a multiple of 64 (always, for
// windows of vector.Size rows from 0, as segments are whole vectors),
// copying them otherwise.
type window struct {
	b    vector.Batch
	rows []uint32
}

// read returns rows [start, start+n) of c (n <= vector.Size), valid until
// the next read.
func (w *window) read(c *vector.Collection, start, n int) []*vector.Vector {
	if c.Window(start, n, &w.b) {
		return w.b.Cols
	}
	w.b = vector.Batch{} // never Reset vectors that alias the collection
	w.rows = w.rows[:0]
	for r := start; r < start+n; r++ {
		w.rows = append(w.rows, uint32(r))
	}
	c.Gather(w.rows, &w.b)
	return w.b.Cols
}
