package synth

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/reefdb/reef/internal/vecmath"
)

// Metric is the distance a search ranks by.
type Metric int

const (
	// L2 ranks by squared Euclidean distance, smallest first.
	L2 Metric = iota
	// InnerProduct ranks by dot product, largest first.
	InnerProduct
)

// String returns "l2" or "ip".
func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case InnerProduct:
		return "ip"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// ErrInvalidArgument is returned by GroundTruth for inconsistent shapes, an
// unknown metric or k < 1.
var ErrInvalidArgument = errors.New("synth: invalid argument")

// GroundTruth returns, for each of the len(queries)/dim queries, the ids
// (row numbers in data) of its k nearest data points, nearest first. A query
// gets min(k, N) ids. Equal distances are broken by the lower id, so the
// answer is unique. Distances are computed in float64. workers < 1 means 1.
func GroundTruth(data, queries []float32, dim, k int, metric Metric, workers int) ([][]int32, error) {
	switch {
	case dim < 1:
		return nil, fmt.Errorf("synth: ground truth: %w: dim %d", ErrInvalidArgument, dim)
	case len(data)%dim != 0 || len(queries)%dim != 0:
		return nil, fmt.Errorf("synth: ground truth: %w: lengths %d, %d not multiples of dim %d",
			ErrInvalidArgument, len(data), len(queries), dim)
	case k < 1:
		return nil, fmt.Errorf("synth: ground truth: %w: k %d", ErrInvalidArgument, k)
	case metric != L2 && metric != InnerProduct:
		return nil, fmt.Errorf("synth: ground truth: %w: metric %v", ErrInvalidArgument, metric)
	case len(data)/dim > 1<<31-1:
		return nil, fmt.Errorf("synth: ground truth: %w: more than 2^31-1 points", ErrInvalidArgument)
	}
	nq := len(queries) / dim
	out := make([][]int32, nq)
	if workers < 1 {
		workers = 1
	}
	workers = min(workers, max(nq, 1))
	var wg sync.WaitGroup
	next := make(chan int, nq)
	for q := range nq {
		next <- q
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := make(candHeap, 0, k+1)
			for q := range next {
				out[q] = exactKNN(data, queries[q*dim:(q+1)*dim], dim, k, metric, h[:0])
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// cand is a data point and its distance (smaller is nearer).
type cand struct {
	d  float64
	id int32
}

// worse reports whether a ranks after b.
func worse(a, b cand) bool { return a.d > b.d || (a.d == b.d && a.id > b.id) }

// candHeap is a max-heap: the worst kept candidate at the root.
type candHeap []cand

func (h candHeap) Len() int           { return len(h) }
func (h candHeap) Less(i, j int) bool { return worse(h[i], h[j]) }
func (h candHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)        { *h = append(*h, x.(cand)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func exactKNN(data, q []float32, dim, k int, metric Metric, h candHeap) []int32 {
	n := len(data) / dim
	for i := range n {
		c := cand{d: exactDistance(data[i*dim:(i+1)*dim], q, metric), id: int32(i)}
		if len(h) < k {
			heap.Push(&h, c)
		} else if worse(h[0], c) {
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	ids := make([]int32, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		ids[i] = heap.Pop(&h).(cand).id
	}
	return ids
}

// Recall returns recall@k averaged over queries: for each query, the share of
// want[q][:k] found in got[q][:k]. A query whose want row is shorter than k
// (a data set smaller than k) is scored against that shorter row. Queries with
// an empty want row are skipped; with none left, Recall returns 1.
func Recall(got, want [][]int32, k int) float64 {
	if k < 1 {
		return 1
	}
	var sum float64
	var counted int
	seen := make(map[int32]struct{}, k)
	for q := range want {
		w := want[q][:min(k, len(want[q]))]
		if len(w) == 0 {
			continue
		}
		counted++
		if q >= len(got) {
			continue
		}
		clear(seen)
		for _, id := range w {
			seen[id] = struct{}{}
		}
		hits := 0
		for _, id := range got[q][:min(k, len(got[q]))] {
			if _, ok := seen[id]; ok {
				hits++
				delete(seen, id) // a duplicate in got counts once
			}
		}
		sum += float64(hits) / float64(len(w))
	}
	if counted == 0 {
		return 1
	}
	return sum / float64(counted)
}

// Truth computes the same answer as GroundTruth over data that arrives in
// consecutive chunks, for data sets too large to hold. Each point is
// first compared in float32 with the internal/vecmath kernels; only a
// point whose float32 distance comes within a margin of the query's
// current k-th nearest is compared again in float64 and ranked, so the
// answer is GroundTruth's (the float32 error is far below the margin).
type Truth struct {
	queries []float32
	dim, k  int
	metric  Metric
	next    int        // id of the next point
	heaps   []candHeap // per query, float64 distances
}

// truthMargin is the relative margin of the float32 screen: a point is
// ranked in float64 unless its float32 distance exceeds the k-th
// distance by more than this share of the k-th distance plus a tenth of
// it of the query's squared norm. The float32 kernels' error is about
// dim·2⁻²⁴ of those magnitudes: 1e-5 at dimension 128.
const truthMargin = 1e-3

// NewTruth starts a streamed ground truth for queries (flat, row-major).
func NewTruth(queries []float32, dim, k int, metric Metric) (*Truth, error) {
	switch {
	case dim < 1 || len(queries)%dim != 0:
		return nil, fmt.Errorf("synth: truth: %w: %d query values, dim %d", ErrInvalidArgument, len(queries), dim)
	case k < 1:
		return nil, fmt.Errorf("synth: truth: %w: k %d", ErrInvalidArgument, k)
	case metric != L2 && metric != InnerProduct:
		return nil, fmt.Errorf("synth: truth: %w: metric %v", ErrInvalidArgument, metric)
	}
	t := &Truth{queries: queries, dim: dim, k: k, metric: metric, heaps: make([]candHeap, len(queries)/dim)}
	for i := range t.heaps {
		t.heaps[i] = make(candHeap, 0, k+1)
	}
	return t, nil
}

// Add takes the next chunk of data points (flat, row-major); their ids
// continue from the previous chunk's. workers < 1 means 1.
func (t *Truth) Add(data []float32, workers int) error {
	if len(data)%t.dim != 0 {
		return fmt.Errorf("synth: truth: %w: %d values, dim %d", ErrInvalidArgument, len(data), t.dim)
	}
	n := len(data) / t.dim
	if int64(t.next)+int64(n) > 1<<31-1 {
		return fmt.Errorf("synth: truth: %w: more than 2^31-1 points", ErrInvalidArgument)
	}
	workers = min(max(workers, 1), max(len(t.heaps), 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := w; q < len(t.heaps); q += workers {
				t.heaps[q] = t.scan(data, t.queries[q*t.dim:(q+1)*t.dim], t.heaps[q])
			}
		}()
	}
	wg.Wait()
	t.next += n
	return nil
}

// scan offers the points of data to h, the heap of query q.
func (t *Truth) scan(data, q []float32, h candHeap) candHeap {
	dim := t.dim
	var qn float64
	for _, x := range q {
		qn += float64(x) * float64(x)
	}
	for i := range len(data) / dim {
		v := data[i*dim : (i+1)*dim]
		if len(h) == t.k {
			var f float32
			if t.metric == L2 {
				f = vecmath.L2Squared(v, q)
			} else {
				f = -vecmath.Dot(v, q)
			}
			if float64(f)-h[0].d > truthMargin*(math.Abs(h[0].d)+qn/10) {
				continue
			}
		}
		c := cand{d: exactDistance(v, q, t.metric), id: int32(t.next + i)}
		if len(h) < t.k {
			heap.Push(&h, c)
		} else if worse(h[0], c) {
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	return h
}

// Result returns each query's k nearest ids so far, nearest first (fewer
// when fewer points were added). It leaves t unchanged.
func (t *Truth) Result() [][]int32 {
	out := make([][]int32, len(t.heaps))
	for q, h := range t.heaps {
		h = slices.Clone(h)
		ids := make([]int32, len(h))
		for i := len(h) - 1; i >= 0; i-- {
			ids[i] = heap.Pop(&h).(cand).id
		}
		out[q] = ids
	}
	return out
}

// exactDistance is GroundTruth's float64 distance.
func exactDistance(v, q []float32, metric Metric) float64 {
	var d float64
	if metric == L2 {
		for j, x := range v {
			t := float64(x) - float64(q[j])
			d += t * t
		}
		return d
	}
	for j, x := range v {
		d -= float64(x) * float64(q[j])
	}
	return d
}
