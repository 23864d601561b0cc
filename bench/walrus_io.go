//go:build !reefonly

package main

import "fmt"

// The walrus-io suite decides Walrus's I/O defaults (DESIGN.md: O_DIRECT and
// io_uring are kept only where a benchmark shows they win). The "reef" side
// is Walrus with one alternative I/O path, the "peer" side the same Walrus
// with the default path (pwrite + fdatasync, page cache), same workload, same
// run: a ratio above 1 (appends/s) means the alternative wins.
func init() {
	registerSuite(&Suite{
		Name:    "walrus-io",
		Summary: "Walrus I/O paths: O_DIRECT and io_uring against the default pwrite path",
		Cases:   walrusIOCases,
	})
}

func walrusIOCases(cfg Config) ([]Case, error) {
	runTime, warmupTime := walrusTimes(cfg.Quick)
	type shape struct {
		d         durability
		sizeName  string
		sizeBytes int
		producers int
	}
	shapes := []shape{
		{durSync, "128B", 128, 1}, {durSync, "128B", 128, 16}, {durSync, "1KiB", 1024, 16},
		{durInterval, "128B", 128, 4}, {durNone, "1KiB", 1024, 4},
	}
	pools := map[int]*Payloads{}
	var cases []Case
	for _, io := range []string{"direct", "uring"} {
		for _, s := range shapes {
			if pools[s.sizeBytes] == nil {
				pools[s.sizeBytes] = NewPayloads(cfg.Seed, s.sizeBytes, walrusPoolEntries)
			}
			w := walrusWorkload{durability: s.d, payloads: pools[s.sizeBytes], producers: s.producers, runTime: runTime, warmupTime: warmupTime}
			cases = append(cases, Case{
				Name:    fmt.Sprintf("%s %s %s p%d", io, s.d, s.sizeName, s.producers),
				Metrics: walrusMetrics,
				Reef:    w.side(walrusEngine{name: "reef-" + io, open: reefIOOpener(io)}),
				Peers:   []Side{w.side(walrusEngine{name: "reef-pwrite", open: reefIOOpener("pwrite")})},
			})
		}
	}
	return cases, nil
}
