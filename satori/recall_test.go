package satori

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/reefdb/reef/satori/synth"
)

var (
	recallN   = flag.Int("satori.recall-n", 100_000, "vectors in TestRecall")
	recallMax = flag.Int("satori.recall-maxbucket", 0, "MaxBucket in TestRecall (0: default)")
)

// TestRecall is acceptance point 3: on clustered synthetic data (100k
// vectors of dimension 128, skewed mixture of Gaussians) recall@10 against
// exact ground truth is at least 0.95 at default settings, inserted
// through the public API with background maintenance running.
func TestRecall(t *testing.T) {
	spec := synth.Spec{N: *recallN, Dim: 128, Clusters: 100, Skew: 1, Spread: 0.3, Seed: 7}
	nq := 300
	if raceEnabled {
		nq = 100
	}
	data, _, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	queries, err := synth.Queries(spec, nq, 8)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	truth, err := synth.GroundTruth(data, queries, spec.Dim, 10, synth.L2, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ground truth: %v", time.Since(start))

	db := openTest(t, t.TempDir(), Options{Dim: spec.Dim, Durability: SyncNone, MaxBucket: *recallMax})
	defer db.Close()
	start = time.Now()
	const batch = 1000
	items := make([]Item, 0, batch)
	for i := 0; i < spec.N; i++ {
		items = append(items, Item{ID: uint64(i), Vector: data[i*spec.Dim : (i+1)*spec.Dim]})
		if len(items) == batch || i == spec.N-1 {
			if err := db.InsertBatch(items); err != nil {
				t.Fatal(err)
			}
			items = items[:0]
		}
	}
	t.Logf("inserted %d in %v: %+v", spec.N, time.Since(start), db.Stats())
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	t.Logf("flushed at %v: %+v", time.Since(start), st)

	got := make([][]int32, nq)
	start = time.Now()
	for i := range nq {
		res, err := db.Search(context.Background(), queries[i*spec.Dim:(i+1)*spec.Dim], 10, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			got[i] = append(got[i], int32(r.ID))
		}
	}
	elapsed := time.Since(start)
	recall := synth.Recall(got, truth, 10)
	t.Logf("recall@10 %.4f, %.0f queries/s on one goroutine", recall, float64(nq)/elapsed.Seconds())
	if testing.Verbose() {
		for _, p := range []int{8, 16, 32, 48, 64, 96} {
			start := time.Now()
			for i := range nq {
				res, _ := db.Search(context.Background(), queries[i*spec.Dim:(i+1)*spec.Dim], 10, SearchOptions{Probes: p})
				got[i] = got[i][:0]
				for _, r := range res {
					got[i] = append(got[i], int32(r.ID))
				}
			}
			t.Logf("probes %d: recall@10 %.4f, %.0f queries/s", p, synth.Recall(got, truth, 10), float64(nq)/time.Since(start).Seconds())
		}
	}
	if recall < 0.95 {
		t.Fatalf("recall@10 %.4f < 0.95 at default settings", recall)
	}
	if st.MaxBucketSize > DefaultMaxBucket {
		t.Fatalf("a bucket of %d vectors after Flush (max %d)", st.MaxBucketSize, DefaultMaxBucket)
	}
}
