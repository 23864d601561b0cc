//go:build !reefonly

package main

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestKernelSides builds the kernel child and runs each side once, briefly,
// as the suite does: a fresh 3-node cluster elects a leader, commits under
// 4 proposers and stops; the sample must be complete and plausible.
func TestKernelSides(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds internal/kernelrun (~2s, ~50s with a cold build cache); internal/kernelrun's own tests start both clusters")
	}
	dir := t.TempDir()
	rn, versions, _, err := buildKernelRunner(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if rn.peer != "hashicorp-raft-v1.7.2" || versions["github.com/hashicorp/raft-boltdb/v2"] != "v2.3.1" {
		t.Fatalf("peer %s, versions %v; want hashicorp-raft-v1.7.2 with raft-boltdb/v2 v2.3.1 (go.mod)", rn.peer, versions)
	}
	rn.commands = filepath.Join(dir, "commands")
	if err := writeKernelCommands(rn.commands, NewPayloads(1, kernelCommandBytes, kernelPoolEntries)); err != nil {
		t.Fatal(err)
	}
	w := kernelWorkload{runner: rn, concurrency: 4, warmupTime: 50 * time.Millisecond}
	for _, engine := range []string{"octopii", "hashicorp"} {
		t.Run(engine, func(t *testing.T) {
			s, err := w.run(context.Background(), engine, t.TempDir(), 200*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range kernelMetrics {
				if _, ok := s[m.Name]; !ok {
					t.Fatalf("sample %v lacks %s", s, m.Name)
				}
			}
			if s["ops_per_s"] <= 0 || s["p50_ms"] <= 0 || s["p50_ms"] > s["p99_ms"] || s["p99_ms"] > s["p999_ms"] {
				t.Fatalf("implausible sample %v", s)
			}
		})
	}
}

// TestKernelSample checks the sample computed from a report and its
// latencies, and that a report the latencies contradict is refused.
func TestKernelSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latencies")
	var b []byte
	for i := 1; i <= 1000; i++ { // 1 µs … 1 ms
		b = binary.LittleEndian.AppendUint64(b, uint64(i)*uint64(time.Microsecond))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := readKernelLatencies(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := kernelSample(kernelReport{Ops: 1000, ElapsedNs: int64(2 * time.Second), Acked: 1500, Applied: 1500}, h)
	if err != nil {
		t.Fatal(err)
	}
	if s["ops_per_s"] != 500 {
		t.Errorf("ops_per_s %v, want 500", s["ops_per_s"])
	}
	near := func(got, want float64) bool { return got >= want && got <= want*1.008 }
	if !near(s["p50_ms"], 0.5) || !near(s["p99_ms"], 0.99) || !near(s["p999_ms"], 0.999) {
		t.Errorf("percentiles %v, want 0.5, 0.99, 0.999 ms (+0.8%%)", s)
	}
	for _, rep := range []kernelReport{
		{Ops: 999, ElapsedNs: 1, Acked: 999, Applied: 999},    // disagrees with the file
		{Ops: 1000, ElapsedNs: 0, Acked: 1000, Applied: 1000}, // no window
		{Ops: 1000, ElapsedNs: 1, Acked: 1001, Applied: 1000}, // lost an acknowledged command
	} {
		if _, err := kernelSample(rep, h); err == nil {
			t.Errorf("report %+v accepted", rep)
		}
	}
	if err := os.WriteFile(path, b[:12], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readKernelLatencies(path); err == nil {
		t.Error("a 12-byte latency file was accepted")
	}
}
