package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// engineNames are the keys of engines, in a fixed order.
func engineNames() []string {
	names := make([]string, 0, len(engines))
	for n := range engines {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func testCommands(n int) [][]byte {
	cmds := make([][]byte, n)
	for i := range cmds {
		cmds[i] = fmt.Appendf(nil, "command %03d %0116d", i, i) // 128 bytes
	}
	return cmds
}

// TestClusters starts each side's cluster, commits 52 proposals from 4
// goroutines, checks the leader applied exactly those, stops the cluster
// and checks none of its goroutines is left.
func TestClusters(t *testing.T) {
	const (
		proposers = 4
		each      = 13
	)
	cmds := testCommands(proposers * each)
	for _, name := range engineNames() {
		t.Run(name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			c, err := engines[name](context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, proposers)
			for p := 0; p < proposers; p++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						if err := c.Propose(cmds[p*each+i]); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := c.Applied(); got != proposers*each {
				t.Errorf("leader applied %d commands, want %d", got, proposers*each)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			checkGoroutines(t, before)
		})
	}
}

// TestWorkloadRun runs a short measured run on each side and checks the
// report, the latencies, and that nothing is left running.
func TestWorkloadRun(t *testing.T) {
	w := workload{commands: testCommands(64), concurrency: 8, warmup: 50 * time.Millisecond, window: 150 * time.Millisecond}
	for _, name := range engineNames() {
		t.Run(name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			rep, lats, err := w.run(context.Background(), engines[name], t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Ops == 0 || rep.Ops != uint64(len(lats)) || rep.Acked < rep.Ops || rep.Applied < rep.Acked {
				t.Fatalf("report %+v with %d latencies", rep, len(lats))
			}
			if el := time.Duration(rep.ElapsedNs); el < w.window || el > w.window+time.Second {
				t.Fatalf("measured window %v, want about %v", el, w.window)
			}
			for _, l := range lats {
				if l <= 0 {
					t.Fatalf("latency %v", l)
				}
			}
			checkGoroutines(t, before)
		})
	}
}

// TestWorkloadRunCancelled checks an interrupted run stops its cluster and
// reports the interruption.
func TestWorkloadRunCancelled(t *testing.T) {
	w := workload{commands: testCommands(8), concurrency: 2, warmup: time.Hour, window: time.Hour}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, _, err := w.run(ctx, openOctopii, t.TempDir())
	if err != context.DeadlineExceeded {
		t.Fatalf("run: %v, want %v", err, context.DeadlineExceeded)
	}
	checkGoroutines(t, before)
}

// checkGoroutines fails unless, within two seconds, the number of
// goroutines comes back to before: a cluster must stop all it started.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left running, %d before:\n%s", runtime.NumGoroutine(), before, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
