package synth

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
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
		v := data[i*dim : (i+1)*dim]
		var d float64
		if metric == L2 {
			for j, x := range v {
				t := float64(x) - float64(q[j])
				d += t * t
			}
		} else {
			for j, x := range v {
				d -= float64(x) * float64(q[j])
			}
		}
		c := cand{d: d, id: int32(i)}
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
