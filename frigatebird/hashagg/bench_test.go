package hashagg

import (
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// benchBatches returns full batches of n rows whose columns are made by
// fill(column, row, vector).
func benchBatches(ts []types.Type, n int, fill func(j, i int, v *vector.Vector, k int)) []*vector.Batch {
	var out []*vector.Batch
	for i := 0; i < n; i += vector.Size {
		m := min(vector.Size, n-i)
		b := &vector.Batch{Len: m}
		for j, t := range ts {
			v := vector.New(t)
			v.Reset(t, m)
			for k := range m {
				fill(j, i+k, v, k)
			}
			b.Cols = append(b.Cols, v)
		}
		out = append(out, b)
	}
	return out
}

// runBench aggregates the batches with workers locals (each fed by its
// own goroutine, batches dealt round-robin), merges and reads the result.
func runBench(b *testing.B, s Spec, batches []*vector.Batch, workers int, rows int) {
	b.ReportAllocs()
	var out vector.Batch
	cpu0 := cpuTime()
	for b.Loop() {
		locals := make([]*Local, workers)
		var wg sync.WaitGroup
		for w := range workers {
			locals[w] = NewLocal(s)
			wg.Go(func() {
				for i := w; i < len(batches); i += workers {
					if err := locals[w].Add(batches[i]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		r, err := Merge(locals, workers)
		if err != nil {
			b.Fatal(err)
		}
		for r.Next(&out) {
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(rows), "cpu-ns/row")
}

// Figures on the 2-core shared development machine (AMD EPYC, 1 MiB L2
// per core, 32 MiB L3), which other jobs loaded heavily, so wall times
// varied by up to 50% between runs; ns/row is the whole Add+Merge+read
// divided by the input rows, best of 5, one worker:
//
//	BenchmarkQ1                  21-31 ns/row (0 allocations per Add)
//	BenchmarkGroups100k          45-65 ns/row (1M rows, 10 per group)
//	BenchmarkCountDistinct       9.4-15 ns/row (6M rows, 200k distinct)
//	BenchmarkCountDistinctGroups 37-41 ns/row (3 groups × 200k)
//	BenchmarkMerge               36-50 ns per input group
//
// Two workers measured no faster: the second core was busy with other
// jobs.

// BenchmarkQ1 is TPC-H Q1's aggregation over 1M rows: two one-character
// keys (4 groups), sums and averages of decimals, count(*).
func BenchmarkQ1(b *testing.B) {
	const rows = 1 << 20
	d2, d4, d6 := types.MustDecimal(15, 2), types.MustDecimal(18, 4), types.MustDecimal(18, 6)
	s := Spec{
		Groups: []types.Type{types.Varchar(1), types.Varchar(1)},
		Aggs: []Agg{
			agg(plan.AggSum, d2, false), agg(plan.AggSum, d2, false), agg(plan.AggSum, d4, false), agg(plan.AggSum, d6, false),
			agg(plan.AggAvg, d2, false), agg(plan.AggAvg, d2, false), agg(plan.AggAvg, d2, false), agg(plan.AggCountStar, types.Type{}, false),
		},
	}
	r := rand.New(rand.NewPCG(1, 2))
	flags := [][2]string{{"A", "F"}, {"N", "F"}, {"N", "O"}, {"R", "F"}}
	keys := make([]int, rows)
	for i := range keys {
		keys[i] = r.IntN(4)
	}
	batches := benchBatches(batchTypes(s), rows, func(j, i int, v *vector.Vector, k int) {
		switch j {
		case 0, 1:
			v.AppendStr(k, []byte(flags[keys[i]][j]))
		case 2, 6:
			v.Ints[k] = (1 + int64(r.IntN(50))) * 100
		case 3, 7:
			v.Ints[k] = int64(r.IntN(10_000_000))
		case 4:
			v.Ints[k] = int64(r.IntN(1_000_000_000))
		case 5:
			v.Ints[k] = int64(r.IntN(1_000_000_000)) * 100
		case 8:
			v.Ints[k] = int64(r.IntN(11))
		}
	})
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[w], func(b *testing.B) { runBench(b, s, batches, w, rows) })
	}
}

// BenchmarkGroups100k groups 1M rows by a BIGINT with 100k distinct
// values: count(*), sum, min.
func BenchmarkGroups100k(b *testing.B) {
	const rows = 1 << 20
	s := Spec{
		Groups: []types.Type{types.BigInt},
		Aggs:   []Agg{agg(plan.AggCountStar, types.Type{}, false), agg(plan.AggSum, types.BigInt, false), agg(plan.AggMin, types.Integer, false)},
	}
	r := rand.New(rand.NewPCG(3, 4))
	batches := benchBatches(batchTypes(s), rows, func(j, i int, v *vector.Vector, k int) {
		switch j {
		case 0:
			v.Ints[k] = int64(r.IntN(100_000)) * 7919
		default:
			v.Ints[k] = int64(r.IntN(1000))
		}
	})
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[w], func(b *testing.B) { runBench(b, s, batches, w, rows) })
	}
}

// BenchmarkCountDistinct is count(DISTINCT l_partkey) without GROUP BY:
// 6M rows, 200k distinct BIGINTs.
func BenchmarkCountDistinct(b *testing.B) {
	benchCountDistinct(b, false)
}

// BenchmarkCountDistinctGroups is the same grouped by l_returnflag (3
// groups): 600k (group, value) pairs.
func BenchmarkCountDistinctGroups(b *testing.B) {
	benchCountDistinct(b, true)
}

func benchCountDistinct(b *testing.B, grouped bool) {
	rows := 6_000_000
	if testing.Short() {
		rows = 600_000
	}
	s := Spec{Aggs: []Agg{agg(plan.AggCount, types.BigInt, true)}}
	if grouped {
		s.Groups = []types.Type{types.Varchar(1)}
	}
	r := rand.New(rand.NewPCG(5, 6))
	batches := benchBatches(batchTypes(s), rows, func(j, i int, v *vector.Vector, k int) {
		if j < len(s.Groups) {
			v.AppendStr(k, []byte{"ANR"[r.IntN(3)]})
			return
		}
		v.Ints[k] = 1 + int64(r.IntN(200_000))
	})
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[w], func(b *testing.B) { runBench(b, s, batches, w, rows) })
	}
}

// cpuTime returns the process's user and system CPU time in ns.
func cpuTime() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}

// BenchmarkMerge merges 4 locals holding the same 100k BIGINT groups
// (count(*), sum) with 1 and 2 workers; ns/group is per input group.
func BenchmarkMerge(b *testing.B) {
	const groups, nLocals = 100_000, 4
	s := Spec{
		Groups: []types.Type{types.BigInt},
		Aggs:   []Agg{agg(plan.AggCountStar, types.Type{}, false), agg(plan.AggSum, types.BigInt, false)},
	}
	batches := benchBatches(batchTypes(s), groups, func(j, i int, v *vector.Vector, k int) {
		v.Ints[k] = int64(i) * 7919
	})
	for _, workers := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[workers], func(b *testing.B) {
			b.ReportAllocs()
			var out vector.Batch
			for b.Loop() {
				b.StopTimer()
				locals := make([]*Local, nLocals)
				for i := range locals {
					locals[i] = NewLocal(s)
					for _, bt := range batches {
						if err := locals[i].Add(bt); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StartTimer()
				r, err := Merge(locals, workers)
				if err != nil {
					b.Fatal(err)
				}
				for r.Next(&out) {
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(groups*nLocals), "ns/group")
		})
	}
}
