package satori

import (
	"bytes"
	"flag"
	"log/slog"
	"sync"
	"testing"

	"github.com/reefdb/reef/satori/synth"
)

var graphLoadN = flag.Int("satori.graph-load-n", 0, "vectors for TestGraphRoutedLoad (0 skips)")

// TestGraphRoutedLoad bulk-loads with every routing through the HNSW graph
// (small buckets, the graph from 256 buckets on) and checks that
// maintenance never fails.
func TestGraphRoutedLoad(t *testing.T) {
	if *graphLoadN == 0 {
		t.Skip("set -satori.graph-load-n")
	}
	oldMin, oldCost := hnswMin, graphCostPerEf
	hnswMin, graphCostPerEf = 256, 0
	defer func() { hnswMin, graphCostPerEf = oldMin, oldCost }()
	const dim = 32
	spec := synth.Spec{N: *graphLoadN, Dim: dim, Clusters: max(10, *graphLoadN/1000), Skew: 1, Spread: 0.3, Seed: 11}
	data, _, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	db := openTest(t, t.TempDir(), Options{Dim: dim, Durability: SyncNone, MaxBucket: 32, MaxDeltaBytes: 1 << 20, Logger: logger})
	defer db.Close()
	for lo := 0; lo < *graphLoadN; lo += 1000 {
		items := make([]Item, 0, 1000)
		for i := lo; i < min(lo+1000, *graphLoadN); i++ {
			items = append(items, Item{ID: uint64(i), Vector: data[i*dim : (i+1)*dim]})
		}
		if err := db.UpsertBatch(items); err != nil {
			t.Fatal(err)
		}
		if e := db.stats.maintErrors.Load(); e > 0 {
			mu.Lock()
			t.Fatalf("after %d vectors: %d maintenance errors:\n%s", lo, e, logs.String())
			mu.Unlock()
		}
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	t.Logf("%d buckets, graph %v", st.Buckets, db.router.graph != nil)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
