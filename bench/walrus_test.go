//go:build !reefonly

package main

import (
	"context"
	"testing"
	"time"
)

// TestWalrusSidesRun runs every engine in every durability briefly, as the
// suite would, and checks each produced a complete, plausible sample.
func TestWalrusSidesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: opens every engine in every durability (~2s of disk I/O)")
	}
	engines := append([]walrusEngine{{name: "reef", open: openReefWalrus}}, walrusPeers...)
	for _, d := range []durability{durSync, durInterval, durNone} {
		for _, e := range engines {
			t.Run(d.String()+"/"+e.name, func(t *testing.T) {
				w := walrusWorkload{
					durability: d,
					payloads:   NewPayloads(1, 128, 64),
					producers:  3,
					// Longer than walrusSyncInterval, so the interval syncers run.
					runTime: 150 * time.Millisecond,
				}
				s, err := w.run(context.Background(), e, t.TempDir(), w.runTime)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range walrusMetrics {
					if _, ok := s[m.Name]; !ok {
						t.Fatalf("sample %v lacks %s", s, m.Name)
					}
				}
				if s["appends_per_s"] <= 0 || s["p50_ms"] > s["p99_ms"] || s["p99_ms"] > s["p999_ms"] {
					t.Fatalf("implausible sample %v", s)
				}
				if got, want := s["mb_per_s"], s["appends_per_s"]*128/1e6; got < want*0.999 || got > want*1.001 {
					t.Fatalf("mb_per_s %v, want appends_per_s × 128 B = %v", got, want)
				}
			})
		}
	}
}
