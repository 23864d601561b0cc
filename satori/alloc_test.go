package satori

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/reefdb/reef/satori/attr"
)

// TestSearchAllocatesNothing: a steady-state search (buckets on disk and
// in deltas, with and without a filter) allocates nothing when the caller
// passes a result slice of capacity k.
func TestSearchAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	db := openTest(t, t.TempDir(), Options{Dim: 16, MaxBucket: 64, DisableMaintenance: true, Durability: SyncNone})
	defer db.Close()
	r := rand.New(rand.NewPCG(3, 3))
	items := make([]Item, 2000)
	for i := range items {
		items[i] = Item{ID: uint64(i), Vector: randVec(r, 16), Attrs: attr.Set{"n": attr.Int(int64(i % 10))}}
	}
	if err := db.InsertBatch(items); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 { // some vectors stay in deltas
		if err := db.Upsert(uint64(i), randVec(r, 16), nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	q := randVec(r, 16)
	dst := make([]Result, 0, 10)
	filter := attr.Lt("n", attr.Int(5))
	for _, opts := range []SearchOptions{{}, {Probes: 8, Filter: filter}} {
		var err error
		allocs := testing.AllocsPerRun(200, func() {
			dst, err = db.SearchInto(ctx, q, 10, opts, dst)
		})
		if err != nil || len(dst) != 10 {
			t.Fatalf("search: %d results, %v", len(dst), err)
		}
		if allocs != 0 {
			t.Fatalf("SearchInto with %+v: %.1f allocations per search", opts, allocs)
		}
	}
}
