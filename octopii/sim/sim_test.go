package sim

import (
	"flag"
	"fmt"
	"testing"
)

var (
	seedsFlag = flag.Int("octopii.seeds", 50, "seeds per scenario")
	opsFlag   = flag.Int("octopii.ops", 200, "client operations per seed")
	seedFlag  = flag.Uint64("octopii.seed", 0, "run only this seed (replay)")
)

// scenarios are the fault mixes every seed runs under. The cluster size
// cycles through 3, 5 and 7 nodes with the seed.
var scenarios = []struct {
	name   string
	faults Faults
}{
	{"basic", Faults{}},
	{"io", Faults{Disk: true}},
	{"network", Faults{Network: true}},
	{"crash", Faults{Crash: true}},
	{"membership", Faults{Membership: true}},
	{"chaos", AllFaults},
}

func nodesFor(seed uint64) int { return []int{3, 5, 7}[seed%3] }

// TestScenarios runs every scenario over -octopii.seeds seeds and fails on
// any oracle violation, printing the command that replays the seed.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			first, last := uint64(1), uint64(*seedsFlag)
			if *seedFlag != 0 {
				first, last = *seedFlag, *seedFlag
			}
			faults := map[string]int{}
			ops, acked := 0, 0
			for seed := first; seed <= last; seed++ {
				cfg := Config{Seed: seed, Nodes: nodesFor(seed), Ops: *opsFlag, Faults: sc.faults}
				r := Run(cfg)
				if !r.OK() {
					t.Errorf("seed %d (%d nodes) violated:\n  %v\nreplay: go run ./cmd/reef kernel sim --seed %d --nodes %d --ops %d --faults %s",
						seed, cfg.Nodes, r.Violations, seed, cfg.Nodes, cfg.Ops, sc.faults)
				}
				ops += r.Ops
				acked += r.Acked
				for k, v := range r.Faults {
					faults[k] += v
				}
			}
			t.Logf("%d seeds, %d ops (%d acknowledged), faults %v", last-first+1, ops, acked, faults)
			if sc.faults != (Faults{}) && len(faults) == 0 {
				t.Errorf("no fault was injected")
			}
		})
	}
}

// TestDeterminism runs seeds twice and compares the trace hashes: the same
// seed must give the same run.
func TestDeterminism(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := Config{Seed: seed, Nodes: nodesFor(seed), Ops: 150, Faults: AllFaults}
		a, b := Run(cfg), Run(cfg)
		if a.TraceHash != b.TraceHash || a.Steps != b.Steps {
			t.Errorf("seed %d: two runs differ: hash %x vs %x, steps %d vs %d", seed, a.TraceHash, b.TraceHash, a.Steps, b.Steps)
		}
		if c := Run(Config{Seed: seed + 1000, Nodes: cfg.Nodes, Ops: 150, Faults: AllFaults}); c.TraceHash == a.TraceHash {
			t.Errorf("seeds %d and %d gave the same trace hash %x", seed, seed+1000, a.TraceHash)
		}
	}
}

// TestPlantedBugIsCaught proves the oracles can fail: with the Raft log
// never fdatasync'ed, power losses lose acknowledged entries, and the
// simulator must notice within the default seed count.
func TestPlantedBugIsCaught(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= uint64(*seedsFlag); seed++ {
		r := Run(Config{Seed: seed, Nodes: nodesFor(seed), Ops: *opsFlag, Faults: Faults{Crash: true}, PlantNoSync: true})
		if !r.OK() {
			caught++
			if caught == 1 {
				t.Logf("seed %d caught it: %s", seed, fmt.Sprint(r.Violations[0]))
			}
		}
	}
	t.Logf("planted no-fsync bug caught in %d of %d seeds", caught, *seedsFlag)
	if caught == 0 {
		t.Fatalf("planted no-fsync bug not caught in %d seeds", *seedsFlag)
	}
}
