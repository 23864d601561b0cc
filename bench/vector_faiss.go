//go:build !reefonly

package main

// #cgo CXXFLAGS: -std=c++17 -O2 -fopenmp
// #cgo LDFLAGS: -lfaiss -lopenblas -lgomp -lstdc++ -lm
// #include <stdlib.h>
// #include "vector_faiss_shim.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// FAISS through the bench's own C++ shim (vector_faiss_shim.cpp): Debian's
// libfaiss-dev ships the headers of FAISS's C API but its libfaiss.a holds
// none of its symbols, so the shim wraps the C++ classes the suite needs and
// turns every exception into an error string at the boundary. FAISS runs on
// OpenBLAS (libopenblas-dev), which only training and exact batches use.

// faissVersion is the FAISS version the shim was compiled against.
func faissVersion() string { return C.GoString(C.rb_faiss_version()) }

// faissSummary describes the FAISS sides for the header.
func faissSummary() string {
	return fmt.Sprintf("FAISS %s (IVFFlat nlist round(4·√N), nprobe 1…min(nlist,1024); HNSWFlat M %d, efConstruction %d, efSearch 16…2048)",
		faissVersion(), faissHNSWM, faissHNSWEfConstruction)
}

// faissSetThreads sets the OpenMP threads of every later FAISS call.
func faissSetThreads(n int) { C.rb_faiss_set_threads(C.int(n)) }

// faissError turns a shim error (malloc'ed, nil for success) into a Go
// error and frees it.
func faissError(action string, msg *C.char) error {
	if msg == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(msg))
	return fmt.Errorf("faiss: %s: %s", action, C.GoString(msg))
}

// faissIndex owns one FAISS index. Search is safe for concurrent use;
// Train, Add, SetKnob and Free are not, and not with Search.
type faissIndex struct {
	p   *C.rb_faiss_index
	dim int
}

func newFaissFlat(dim int) (*faissIndex, error) {
	var p *C.rb_faiss_index
	if err := faissError("new IndexFlatL2", C.rb_faiss_new_flat(C.int(dim), &p)); err != nil {
		return nil, err
	}
	return &faissIndex{p: p, dim: dim}, nil
}

func newFaissIVFFlat(dim, nlist int) (*faissIndex, error) {
	var p *C.rb_faiss_index
	if err := faissError("new IndexIVFFlat", C.rb_faiss_new_ivfflat(C.int(dim), C.int64_t(nlist), &p)); err != nil {
		return nil, err
	}
	return &faissIndex{p: p, dim: dim}, nil
}

func newFaissHNSWFlat(dim, m, efConstruction int) (*faissIndex, error) {
	var p *C.rb_faiss_index
	if err := faissError("new IndexHNSWFlat", C.rb_faiss_new_hnswflat(C.int(dim), C.int(m), C.int(efConstruction), &p)); err != nil {
		return nil, err
	}
	return &faissIndex{p: p, dim: dim}, nil
}

func (ix *faissIndex) rows(x []float32, action string) (int, error) {
	if len(x) == 0 || len(x)%ix.dim != 0 {
		return 0, fmt.Errorf("faiss: %s: %d values is not a positive multiple of dim %d", action, len(x), ix.dim)
	}
	return len(x) / ix.dim, nil
}

func (ix *faissIndex) Train(x []float32) error {
	n, err := ix.rows(x, "train")
	if err != nil {
		return err
	}
	return faissError("train", C.rb_faiss_train(ix.p, C.int64_t(n), (*C.float)(unsafe.Pointer(&x[0]))))
}

func (ix *faissIndex) Add(x []float32) error {
	n, err := ix.rows(x, "add")
	if err != nil {
		return err
	}
	return faissError("add", C.rb_faiss_add(ix.p, C.int64_t(n), (*C.float)(unsafe.Pointer(&x[0]))))
}

func (ix *faissIndex) Len() int { return int(C.rb_faiss_ntotal(ix.p)) }

func (ix *faissIndex) SetKnob(v int) error {
	return faissError("set knob", C.rb_faiss_set_knob(ix.p, C.int64_t(v)))
}

// Search runs the queries in x (a batch of len(x)/dim) and writes k labels
// per query to labels; dist, when not nil, receives the distances.
func (ix *faissIndex) Search(x []float32, k int, labels []int64, dist []float32) error {
	n, err := ix.rows(x, "search")
	if err != nil {
		return err
	}
	if k < 1 || len(labels) < n*k {
		return fmt.Errorf("faiss: search: k %d, %d labels for %d queries", k, len(labels), n)
	}
	if dist == nil {
		dist = make([]float32, n*k)
	} else if len(dist) < n*k {
		return fmt.Errorf("faiss: search: %d distances for %d queries, k %d", len(dist), n, k)
	}
	return faissError("search", C.rb_faiss_search(ix.p, C.int64_t(n), (*C.float)(unsafe.Pointer(&x[0])),
		C.int64_t(k), (*C.float)(unsafe.Pointer(&dist[0])), (*C.int64_t)(unsafe.Pointer(&labels[0]))))
}

func (ix *faissIndex) Free() {
	if ix.p != nil {
		C.rb_faiss_free(ix.p)
		ix.p = nil
	}
}

// IVFFlat and HNSWFlat parameters, documented in vector.go's suite comment.
const (
	faissHNSWM              = 32
	faissHNSWEfConstruction = 40 // FAISS's default
	faissIVFMinTrain        = 100_000
	faissIVFTrainPerList    = 50
	faissAddChunk           = 65_536 // vectors per add call: the base never sits in Go memory whole
)

// faissIVFNlist is 4·√N rounded, at least 1.
func faissIVFNlist(n int) int {
	return max(1, int(math.Round(4*math.Sqrt(float64(n)))))
}

// faissEngine is one FAISS index as a vectorEngine.
type faissEngine struct {
	kind string // "ivfflat" or "hnswflat"
	ix   *faissIndex
	n    int // base vectors, set by Build
	// bufs reuses distance scratch across Search calls.
	bufs sync.Pool
}

func (e *faissEngine) Name() string { return "faiss-" + e.kind + "-" + faissVersion() }

func (e *faissEngine) KnobName() string {
	if e.kind == "ivfflat" {
		return "nprobe"
	}
	return "efSearch"
}

func (e *faissEngine) Describe() string {
	if e.kind == "ivfflat" {
		nlist := faissIVFNlist(e.n)
		return fmt.Sprintf("IndexIVFFlat(IndexFlatL2, nlist %d = 4·√N), trained on the first %d base vectors (max(%d·nlist, %d), at most N), FAISS k-means defaults, OpenBLAS",
			nlist, faissIVFTrainN(e.n), faissIVFTrainPerList, faissIVFMinTrain)
	}
	return fmt.Sprintf("IndexHNSWFlat(M %d, efConstruction %d)", faissHNSWM, faissHNSWEfConstruction)
}

func faissIVFTrainN(n int) int {
	return min(n, max(faissIVFTrainPerList*faissIVFNlist(n), faissIVFMinTrain))
}

func (e *faissEngine) Knobs() []int {
	if e.kind == "ivfflat" {
		nlist := faissIVFNlist(e.n)
		var ks []int
		for p := 1; p < nlist && p <= 1024; p *= 2 {
			ks = append(ks, p)
		}
		return append(ks, min(nlist, 1024)) // the last point is exhaustive when nlist ≤ 1024
	}
	return []int{16, 32, 64, 128, 256, 512, 1024, 2048}
}

func (e *faissEngine) Build(ctx context.Context, dir string, ds *vectorDataset, progress io.Writer) error {
	// The build uses every core; queries run one per goroutine (vector.go).
	faissSetThreads(runtime.GOMAXPROCS(0))
	defer faissSetThreads(1)
	e.n = ds.N
	var err error
	switch e.kind {
	case "ivfflat":
		e.ix, err = newFaissIVFFlat(ds.Dim, faissIVFNlist(ds.N))
		if err != nil {
			return err
		}
		train, err := ds.ReadBase(0, faissIVFTrainN(ds.N))
		if err != nil {
			return err
		}
		fmt.Fprintf(progress, "train IVF on %d vectors\n", len(train)/ds.Dim)
		if err := e.ix.Train(train); err != nil {
			return err
		}
	case "hnswflat":
		e.ix, err = newFaissHNSWFlat(ds.Dim, faissHNSWM, faissHNSWEfConstruction)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("faiss: unknown index kind %q", e.kind)
	}
	err = ds.EachBaseChunk(faissAddChunk, func(start int, vecs []float32) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return e.ix.Add(vecs)
	})
	if err != nil {
		return err
	}
	if got := e.ix.Len(); got != ds.N {
		return fmt.Errorf("faiss: index holds %d vectors after adding %d", got, ds.N)
	}
	return nil
}

func (e *faissEngine) SetKnob(v int) error {
	if e.ix == nil {
		return errors.New("faiss: set knob before build")
	}
	return e.ix.SetKnob(v)
}

func (e *faissEngine) Search(q []float32, k int, out []int64) ([]int64, error) {
	if cap(out) < k {
		out = make([]int64, k)
	}
	out = out[:k]
	d, _ := e.bufs.Get().(*[]float32)
	if d == nil || len(*d) < k {
		s := make([]float32, k)
		d = &s
	}
	err := e.ix.Search(q, k, out, *d)
	e.bufs.Put(d)
	return out, err
}

func (e *faissEngine) Close() error {
	if e.ix != nil {
		e.ix.Free()
		e.ix = nil
	}
	return nil
}

func init() {
	registerVectorEngine("faiss-ivfflat", func() vectorEngine { return &faissEngine{kind: "ivfflat"} })
	registerVectorEngine("faiss-hnswflat", func() vectorEngine { return &faissEngine{kind: "hnswflat"} })
}
