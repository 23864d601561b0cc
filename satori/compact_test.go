package satori

import (
	"testing"

	"github.com/reefdb/reef/satori/synth"
)

// TestCompaction overwrites the vectors of one cluster at a time, again
// and again: every flush writes the touched buckets anew, and a segment
// file goes only when none of its buckets is live, so without compaction
// the files fill with dead copies next to the buckets left alone. They must stay within twice the live buckets' bytes plus
// two segments (the trigger) plus what one round writes, and every vector
// must still be found.
func TestCompaction(t *testing.T) {
	const dim, n, rounds = 16, 6000, 60
	const segBytes = 256 << 10
	spec := synth.Spec{N: n, Dim: dim, Clusters: 10, Skew: 1, Spread: 0.3, Seed: 5}
	data, labels, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	db := openTest(t, t.TempDir(), Options{Dim: dim, Durability: SyncNone, MaxBucket: 64, SegmentBytes: segBytes, DisableMaintenance: true})
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
