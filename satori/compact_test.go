package satori

import (
	"slices"
	"testing"

	"github.com/reefdb/reef/satori/synth"
)

// The compaction tests' data (compactN vectors of dimension compactDim in 10 clusters)
// and a database of small buckets and segments driven by hand.
const compactDim, compactN = 16, 6000

func compactFixture(t *testing.T, seed uint64, segBytes int64) (synth.Spec, []float32, []int32, *DB) {
	t.Helper()
	spec := synth.Spec{N: compactN, Dim: compactDim, Clusters: 10, Skew: 1, Spread: 0.3, Seed: seed}
	data, labels, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	db := openTest(t, t.TempDir(), Options{Dim: compactDim, Durability: SyncNone, MaxBucket: 64, SegmentBytes: segBytes, DisableMaintenance: true})
	return spec, data, labels, db
}

// TestCompaction overwrites the vectors of one cluster at a time, again
// and again: every flush writes the touched buckets anew, and a segment
// file goes only when none of its buckets is live, so without compaction
// the files fill with dead copies next to the buckets left alone. They must stay within twice the live buckets' bytes plus
// two segments (the trigger) plus what one round writes, and every vector
// must still be found.
func TestCompaction(t *testing.T) {
	const dim, n, rounds = compactDim, compactN, 60
	const segBytes = 256 << 10
	spec, data, labels, db := compactFixture(t, 5, segBytes)
	defer db.Close()
	var worst float64
	for r := range rounds {
		var items []Item
		for i := range n {
			if r == 0 || int(labels[i]) == r%spec.Clusters {
				items = append(items, Item{ID: uint64(i), Vector: data[i*dim : (i+1)*dim]})
			}
		}
		if err := db.UpsertBatch(items); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			if err := db.Maintain(); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
		st := db.Stats()
		amp := float64(st.FileBytes) / float64(st.DiskBytes)
		worst = max(worst, amp)
		if limit := 2*st.DiskBytes + 2*segBytes + st.DiskBytes; st.FileBytes > limit {
			t.Fatalf("round %d: segment files %d bytes for %d live (limit %d)", r, st.FileBytes, st.DiskBytes, limit)
		}
	}
	st := db.Stats()
	t.Logf("after %d rounds: files %d bytes, live %d, worst amplification %.2f", rounds, st.FileBytes, st.DiskBytes, worst)
	for i := range n {
		if _, err := db.Get(uint64(i)); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
}

// TestFlushCommitsAsItGoes: a flush of everything after every bucket
// changed must not hold a second copy of all of them on disk. It commits
// every roundBytes and rewrites the buckets in file order, so the files
// it empties are deleted as it goes. (Committing once at the end first
// filled a 90 GB disk with a 20M-vector index.)
func TestFlushCommitsAsItGoes(t *testing.T) {
	const dim, n = compactDim, compactN
	const segBytes = 64 << 10
	defer func(rb int64) { roundBytes, afterJob = rb, nil }(roundBytes)
	roundBytes = 16 << 10
	_, data, _, db := compactFixture(t, 7, segBytes)
	defer db.Close()
	upsertAll := func(shift float32) {
		items := make([]Item, n)
		for i := range items {
			v := slices.Clone(data[i*dim : (i+1)*dim])
			v[0] += shift
			items[i] = Item{ID: uint64(i), Vector: v}
		}
		if err := db.UpsertBatch(items); err != nil {
			t.Fatal(err)
		}
	}
	upsertAll(0)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	before := db.Stats()
	upsertAll(1e-3) // every bucket dirty, same sizes
	var peak int64
	afterJob = func(db *DB) { peak = max(peak, db.Stats().FileBytes) }
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	after := db.Stats()
	t.Logf("live %d bytes; files %d before the flush, %d after, %d at the peak", before.DiskBytes, before.FileBytes, after.FileBytes, peak)
	if limit := before.FileBytes + 2*segBytes + 2*roundBytes; peak > limit {
		t.Fatalf("segment files peaked at %d bytes during the flush: more than the %d before it plus 2 segments and 2 rounds (%d)", peak, before.FileBytes, limit)
	}
	if after.DiskBytes < before.DiskBytes/2 {
		t.Fatalf("live bytes fell from %d to %d", before.DiskBytes, after.DiskBytes)
	}
	for i := range n {
		if _, err := db.Get(uint64(i)); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
}
