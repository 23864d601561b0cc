package main

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/reefdb/reef/internal/vecmath"
)

// vectorEngine is one side of the vector suite: an index built once from a
// data set in a child process (vector_child.go), then searched one query at
// a time for every value of its search knob.
//
// The child calls, in order: Build once; then, per sweep, SetKnob for each
// value of Knobs and, between two SetKnob calls, Search from
// runtime.GOMAXPROCS goroutines at once; finally Close. Search must be safe
// for concurrent use; SetKnob is never called while a Search runs.
type vectorEngine interface {
	// Name is the side's name in results: "reef", "faiss-ivfflat-1.7.3", …
	Name() string
	// Build indexes the base vectors of ds. dir is a fresh directory for an
	// engine that keeps its index on disk; it lives until Close. Progress
	// lines go to progress (the harness's log).
	Build(ctx context.Context, dir string, ds *vectorDataset, progress io.Writer) error
	// Knobs returns the sweep, in the order to run it (ascending cost);
	// called after Build.
	Knobs() []int
	// KnobName names the knob: "nprobe", "efSearch", "probes".
	KnobName() string
	SetKnob(v int) error
	// Search returns the ids (positions in the base set, 0-based) of the k
	// nearest base vectors of q, nearest first, reusing out's storage.
	Search(q []float32, k int, out []int64) ([]int64, error)
	Close() error
}

// vectorDescriber is implemented by engines that can say how they were
// configured (printed in the header); Describe is called after Build.
type vectorDescriber interface {
	Describe() string
}

// vectorEngines maps a side's key ("reef", "exact", "faiss-ivfflat", …) to
// its constructor. vector_reef.go registers "reef".
var vectorEngines = map[string]func() vectorEngine{}

func registerVectorEngine(key string, f func() vectorEngine) {
	if _, dup := vectorEngines[key]; dup {
		panic("bench: vector engine registered twice: " + key)
	}
	vectorEngines[key] = f
}

func init() {
	registerVectorEngine("exact", func() vectorEngine { return &exactEngine{} })
}

// exactEngine is brute-force search with Reef's distance kernels
// (internal/vecmath, AVX2/AVX-512 where the CPU has them): every query
// computes its distance to every base vector, in float32, and keeps the k
// smallest (ties to the lower id).
type exactEngine struct {
	dim  int
	base []float32
	// scratch holds per-goroutine distance buffers.
	scratch sync.Pool
}

func (e *exactEngine) Name() string     { return "exact" }
func (e *exactEngine) KnobName() string { return "-" }
func (e *exactEngine) Knobs() []int     { return []int{0} }
func (e *exactEngine) SetKnob(int) error {
	return nil
}

func (e *exactEngine) Describe() string {
	return "brute force, float32, internal/vecmath " + vecmath.Impl() + " kernels"
}

func (e *exactEngine) Build(ctx context.Context, dir string, ds *vectorDataset, progress io.Writer) error {
	base, err := ds.ReadBase(0, ds.N)
	if err != nil {
		return err
	}
	e.dim, e.base = ds.Dim, base
	return nil
}

// exactChunk is how many base vectors one L2SquaredBatch call covers: the
// distances stay in L1/L2 while the top-k is updated.
const exactChunk = 1024

func (e *exactEngine) Search(q []float32, k int, out []int64) ([]int64, error) {
	if len(q) != e.dim {
		return nil, fmt.Errorf("exact: query of %d values, dim %d", len(q), e.dim)
	}
	buf, _ := e.scratch.Get().(*[]float32)
	if buf == nil {
		s := make([]float32, exactChunk)
		buf = &s
	}
	defer e.scratch.Put(buf)
	top := make(topK, 0, k+1)
	n := len(e.base) / e.dim
	for start := 0; start < n; start += exactChunk {
		end := min(start+exactChunk, n)
		d := (*buf)[:end-start]
		vecmath.L2SquaredBatch(q, e.base[start*e.dim:end*e.dim], d)
		for i, v := range d {
			top.offer(v, int64(start+i), k)
		}
	}
	return top.sorted(out), nil
}

func (e *exactEngine) Close() error {
	e.base = nil
	return nil
}

// topK is a max-heap of the k best (smallest distance) candidates seen.
type topK []neighbour

type neighbour struct {
	dist float32
	id   int64
}

// worse reports whether a ranks after b: farther, or as far with a higher id.
func (a neighbour) worse(b neighbour) bool {
	return a.dist > b.dist || (a.dist == b.dist && a.id > b.id)
}

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].worse(h[j]) }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(neighbour)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h *topK) offer(dist float32, id int64, k int) {
	c := neighbour{dist, id}
	if len(*h) < k {
		heap.Push(h, c)
		return
	}
	if (*h)[0].worse(c) {
		(*h)[0] = c
		heap.Fix(h, 0)
	}
}

// sorted returns the ids nearest first, in out's storage.
func (h topK) sorted(out []int64) []int64 {
	s := slices.Clone([]neighbour(h))
	slices.SortFunc(s, func(a, b neighbour) int {
		if a.worse(b) {
			return 1
		}
		if b.worse(a) {
			return -1
		}
		return 0
	})
	out = out[:0]
	for _, c := range s {
		out = append(out, c.id)
	}
	return out
}
