package sorter

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// benchBatches builds batches of n rows: column 0 from key, then an
// int64 and a float64 payload.
func benchBatches(n int, keyType types.Type, key func(r *rand.Rand, v *vector.Vector, i int)) []*vector.Batch {
	r := rand.New(rand.NewPCG(1, 1))
	ts := []types.Type{keyType, types.BigInt, types.Double}
	var out []*vector.Batch
	for done := 0; done < n; done += vector.Size {
		m := min(vector.Size, n-done)
		b := &vector.Batch{Len: m}
		for _, t := range ts {
			v := vector.New(t)
			v.Reset(t, m)
			b.Cols = append(b.Cols, v)
		}
		for i := range m {
			key(r, b.Cols[0], i)
			b.Cols[1].Ints[i] = int64(done + i)
			b.Cols[2].Floats[i] = float64(i)
		}
		out = append(out, b)
	}
	return out
}

// runSort times pushing batches (repeated times) into locals (one per
// worker, as the executor does), merging, and reading the result; it
// reports ns/row for the whole and for each phase.
func runSort(b *testing.B, batches []*vector.Batch, repeat int, keys []Key, limit int64, workers int) {
	ts := make([]types.Type, len(batches[0].Cols))
	rows := 0
	for j, v := range batches[0].Cols {
		ts[j] = v.Type
	}
	for _, bt := range batches {
		rows += bt.Len
	}
	rows *= repeat
	b.ReportAllocs()
	b.ResetTimer()
	var add, merge, read time.Duration
	for b.Loop() {
		t0 := time.Now()
		locals := make([]*Local, workers)
		for i := range locals {
			locals[i], _ = NewLocal(ts, keys, limit)
		}
		// Each worker pushes its share of the batches, as the executor's
		// pipelines do.
		parallel(workers, workers, func(w int) {
			for k := range repeat {
				for i := w; i < len(batches); i += workers {
					_ = k
					if err := locals[w].Add(batches[i]); err != nil {
						panic(err)
					}
				}
			}
		})
		t1 := time.Now()
		res, err := Merge(locals, workers)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		var out vector.Batch
		for res.Next(&out) {
		}
		t3 := time.Now()
		add, merge, read = add+t1.Sub(t0), merge+t2.Sub(t1), read+t3.Sub(t2)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / float64(rows) }
	b.ReportMetric(per(add+merge+read), "ns/row")
	b.ReportMetric(per(add), "add-ns/row")
	b.ReportMetric(per(merge), "merge-ns/row")
	b.ReportMetric(per(read), "read-ns/row")
}

func benchWorkers() []int {
	if p := runtime.GOMAXPROCS(0); p > 1 {
		return []int{1, p}
	}
	return []int{1}
}

// BenchmarkSortInt64: 1M rows by a random int64 key with a payload.
func BenchmarkSortInt64(b *testing.B) {
	batches := benchBatches(1<<20, types.BigInt, func(r *rand.Rand, v *vector.Vector, i int) { v.Ints[i] = int64(r.Uint64()) })
	for _, w := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			runSort(b, batches, 1, []Key{{Col: 0}}, -1, w)
		})
	}
}

// BenchmarkSortString: 1M rows by a random string key (8 to 24 letters)
// with a payload.
func BenchmarkSortString(b *testing.B) {
	buf := make([]byte, 24)
	batches := benchBatches(1<<20, types.Text, func(r *rand.Rand, v *vector.Vector, i int) {
		n := 8 + r.IntN(17)
		for k := range n {
			buf[k] = byte('a' + r.IntN(26))
		}
		v.AppendStr(i, buf[:n])
	})
	for _, w := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			runSort(b, batches, 1, []Key{{Col: 0}}, -1, w)
		})
	}
}

// BenchmarkTopNFloat: the top 10 of 6M rows (1.2M distinct rows pushed
// five times) by a float key.
func BenchmarkTopNFloat(b *testing.B) {
	batches := benchBatches(1_200_000, types.Double, func(r *rand.Rand, v *vector.Vector, i int) { v.Floats[i] = r.NormFloat64() })
	for _, w := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			runSort(b, batches, 5, []Key{{Col: 0, Desc: true}}, 10, w)
		})
	}
}

// BenchmarkRadix: radixSort alone on 1M random 64-bit keys (the worst
// case: every byte differs).
func BenchmarkRadix(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	src := make([]entry, 1<<20)
	for i := range src {
		src[i] = entry{pre: r.Uint64(), row: uint32(i)}
	}
	a := make([]entry, len(src))
	tmp := make([]entry, len(src))
	for b.Loop() {
		copy(a, src)
		radixSort(a, tmp)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(src)), "ns/row")
}
