package satori

import (
	"context"
	"flag"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reefdb/reef/satori/synth"
)

var onlineN = flag.Int("satori.online-n", 60_000, "vectors TestOnlineMaintenance inserts (acceptance: 1000000)")

// TestOnlineMaintenance is acceptance point 5: vectors are inserted in
// batches while another goroutine searches continuously; background
// maintenance splits, reassigns and merges as they arrive. It reports the
// search latency percentiles overall and for the searches that overlapped
// a split, checks that every search succeeded and found k results, and
// that once maintenance has caught up every bucket is within
// [MinBucket, MaxBucket]. Run with -satori.online-n 1000000 for the
// acceptance figure (docs/benchmarks.md).
func TestOnlineMaintenance(t *testing.T) {
	n := *onlineN
	if raceEnabled {
		n = min(n, 15_000)
	}
	const dim = 128
	spec := synth.Spec{N: n, Dim: dim, Clusters: max(10, n/1000), Skew: 1, Spread: 0.3, Seed: 11}
	data, _, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Dim: dim, Durability: SyncNone}
	db := openTest(t, t.TempDir(), opts)
	defer db.Close()

	var (
		inserted atomic.Int64
		done     = make(chan struct{})
		wg       sync.WaitGroup
		all      []time.Duration
		inSplit  []time.Duration
		failures []error
		maxSeen  int
	)
	wg.Add(1)
	go func() { // the searcher
		defer wg.Done()
		r := rand.New(rand.NewPCG(1, 2))
		ctx := context.Background()
		dst := make([]Result, 0, 10)
		for {
			select {
			case <-done:
				return
			default:
			}
			have := int(inserted.Load())
			if have < 100 {
				time.Sleep(time.Millisecond)
				continue
			}
			q := data[r.IntN(have)*dim:][:dim]
			before := db.stats.splits.Load()
			start := time.Now()
			res, err := db.SearchInto(ctx, q, 10, SearchOptions{}, dst)
			el := time.Since(start)
			if err != nil || len(res) != 10 {
				failures = append(failures, err)
				continue
			}
			all = append(all, el)
			if db.stats.splits.Load() != before {
				inSplit = append(inSplit, el)
			}
		}
	}()
	start := time.Now()
	const batch = 1000
	items := make([]Item, 0, batch)
	for i := range n {
		items = append(items, Item{ID: uint64(i), Vector: data[i*dim : (i+1)*dim]})
		if len(items) == batch || i == n-1 {
			if err := db.InsertBatch(items); err != nil {
				t.Fatal(err)
			}
			inserted.Store(int64(i + 1))
			items = items[:0]
			if (i+1)%(20*batch) == 0 {
				maxSeen = max(maxSeen, db.Stats().MaxBucketSize)
			}
		}
	}
	insertTime := time.Since(start)
	// Let maintenance catch up (Flush: every split, merge and delta
	// written out) while the searches go on.
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	catchUp := time.Since(start) - insertTime
	close(done)
	wg.Wait()
	st := db.Stats()
	if len(failures) > 0 {
		t.Fatalf("%d searches failed or found fewer than 10, first: %v", len(failures), failures[0])
	}
	p := func(ds []time.Duration, q float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[min(len(s)-1, int(q*float64(len(s))))]
	}
	t.Logf("inserted %d × %d in %v (%.0f vectors/s) with searches running, caught up in %v more; largest bucket seen during the load %d",
		n, dim, insertTime.Round(time.Millisecond), float64(n)/insertTime.Seconds(), catchUp.Round(time.Millisecond), maxSeen)
	t.Logf("searches: %d, p50 %v p99 %v max %v; during splits: %d, p50 %v p99 %v max %v",
		len(all), p(all, 0.5), p(all, 0.99), p(all, 1), len(inSplit), p(inSplit, 0.5), p(inSplit, 0.99), p(inSplit, 1))
	t.Logf("after catching up: %+v", st)
	if st.Vectors != n {
		t.Fatalf("%d vectors, inserted %d", st.Vectors, n)
	}
	if st.MaxBucketSize > DefaultMaxBucket || st.MinBucketSize < DefaultMaxBucket/8 {
		t.Fatalf("buckets of %d..%d vectors after maintenance caught up, bounds %d..%d", st.MinBucketSize, st.MaxBucketSize, DefaultMaxBucket/8, DefaultMaxBucket)
	}
	if st.Splits == 0 || len(inSplit) == 0 {
		t.Fatalf("no split overlapped a search: %d splits, %d searches", st.Splits, len(all))
	}
}
