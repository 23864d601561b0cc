//go:build !reefonly

package main

import (
	"strings"
	"testing"
)

// TestFaissSmoke: IVFFlat probing every list and HNSW with a large ef
// agree with exact search on 1k × 16 vectors.
func TestFaissSmoke(t *testing.T) {
	ds := tinyDataset(t, 1000, 16, 100)
	ivf := &faissEngine{kind: "ivfflat"}
	if r := sweepRecall(t, ivf, ds, faissIVFNlist(ds.N)); r < 0.99 {
		t.Errorf("IVFFlat, nprobe = nlist: recall %g, want ≥ 0.99", r)
	}
	if r := sweepRecall(t, &faissEngine{kind: "hnswflat"}, ds, 512); r < 0.99 {
		t.Errorf("HNSWFlat, efSearch 512: recall %g, want ≥ 0.99", r)
	}
	// nprobe 1 must cost recall on a clustered set: the knob reaches FAISS.
	if r := sweepRecall(t, &faissEngine{kind: "ivfflat"}, ds, 1); r > 0.98 {
		t.Errorf("IVFFlat, nprobe 1: recall %g; the knob seems ignored", r)
	}
	// Errors come back as errors, not as exceptions through cgo.
	ix, err := newFaissIVFFlat(16, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Free()
	if err := ix.Add(make([]float32, 16)); err == nil || !strings.Contains(err.Error(), "faiss") {
		t.Errorf("add to an untrained IVF index: err %v, want a FAISS error", err)
	}
	if err := ix.SetKnob(0); err == nil {
		t.Error("nprobe 0 accepted")
	}
}
