// Package cli is the `reef kernel` command: the Octopii simulator
// (`reef kernel sim`), development certificates (`reef kernel certs`) and a
// three-node replicated key-value demo (`reef kernel demo`).
package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/reefdb/reef/octopii/sim"
)

// Command returns the `kernel` command tree.
func Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kernel",
		Short: "Octopii: the replication kernel (Raft, snapshots, simulation)",
	}
	cmd.AddCommand(simCmd(), certsCmd(), demoCmd())
	return cmd
}

func simCmd() *cobra.Command {
	var (
		seeds, ops, nodes, clients int
		seed                       uint64
		faults                     string
		plant                      bool
		trace                      string
		quiet                      bool
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run seeded cluster simulations under faults and check the oracles",
		Long: `sim runs whole Octopii clusters in one goroutine on a virtual clock, with a
simulated network and disks, injecting the chosen faults from each seed. It
checks Raft safety, durability of acknowledged proposals and linearizability
of the client history (Porcupine), and prints each seed's trace hash: two
runs of one seed print the same hash.

Seeds 1..N run unless --seed picks one. With --nodes 0 the cluster size
cycles through 3, 5 and 7 with the seed. It exits 1 when any seed violated
an oracle.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := sim.ParseFaults(faults)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			first, last := uint64(1), uint64(seeds)
			if seed != 0 {
				first, last = seed, seed
			}
			var tw io.Writer
			if trace != "" {
				file, err := os.Create(trace)
				if err != nil {
					return err
				}
				defer file.Close()
				tw = file
			}
			start := time.Now()
			sum := summary{faults: map[string]int{}}
			for s := first; s <= last; s++ {
				n := nodes
				if n == 0 {
					n = []int{3, 5, 7}[s%3]
				}
				cfg := sim.Config{Seed: s, Nodes: n, Ops: ops, Clients: clients, Faults: f, PlantNoSync: plant, Trace: tw}
				r := sim.Run(cfg)
				sum.add(r)
				status := "ok"
				if !r.OK() {
					status = "VIOLATION"
				}
				if !quiet || !r.OK() {
					fmt.Fprintf(out, "seed %d nodes %d ops %d acked %d dropped %d faults %d snapshots %d steps %d virtual %v hash %016x %s\n",
						s, n, r.Ops, r.Acked, r.Dropped, total(r.Faults), r.Snapshots, r.Steps, r.Virtual.Round(time.Millisecond), r.TraceHash, status)
				}
				for _, v := range r.Violations {
					fmt.Fprintf(out, "  %s\n", v)
				}
				if !r.OK() {
					fmt.Fprintf(out, "  replay: reef kernel sim --seed %d --nodes %d --ops %d --clients %d --faults %s\n", s, n, ops, clients, f)
				}
			}
			fmt.Fprintf(out, "\nseeds %d, ops %d (acknowledged %d; %d more refused at once, no leader), faults injected %d, violations %d (in %d seeds), %v\n",
				sum.seeds, sum.ops, sum.acked, sum.dropped, total(sum.faults), sum.violations, sum.badSeeds, time.Since(start).Round(time.Millisecond))
			keys := make([]string, 0, len(sum.faults))
			for k := range sum.faults {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(out, "  %-20s %d\n", k, sum.faults[k])
			}
			if sum.badSeeds > 0 {
				cmd.SilenceUsage = true
				return fmt.Errorf("%d of %d seeds violated an oracle", sum.badSeeds, sum.seeds)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&seeds, "seeds", 100, "number of seeds to run (1..N)")
	fl.Uint64Var(&seed, "seed", 0, "run only this seed (replay)")
	fl.IntVar(&ops, "ops", 1000, "client operations per seed")
	fl.IntVar(&nodes, "nodes", 0, "cluster size (0: 3, 5 or 7 by seed)")
	fl.IntVar(&clients, "clients", 3, "concurrent clients")
	fl.StringVar(&faults, "faults", "all", "fault classes: network, disk, crash, membership, all, none (comma-separated)")
	fl.BoolVar(&plant, "plant-nosync", false, "plant a bug (the Raft log is never fsynced) to see the oracles catch it")
	fl.StringVar(&trace, "trace", "", "write every event of the run(s) to this file")
	fl.BoolVar(&quiet, "quiet", false, "print only seeds that violated, and the summary")
	return cmd
}

type summary struct {
	seeds, ops, acked, dropped, violations, badSeeds int
	faults                                           map[string]int
}

func (s *summary) add(r sim.Report) {
	s.seeds++
	s.ops += r.Ops
	s.acked += r.Acked
	s.dropped += r.Dropped
	s.violations += len(r.Violations)
	if !r.OK() {
		s.badSeeds++
	}
	for k, v := range r.Faults {
		s.faults[k] += v
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
