//go:build !reefonly

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The kernel suite: a 3-node cluster of Octopii (Reef's Raft kernel) against
// a 3-node cluster of hashicorp/raft, each in one process, on the same disk,
// both fsyncing every batch of log writes before acknowledging it.
//
// Parameters: command size (128 B) × concurrency (1, 64, 256). Each of the
// concurrency goroutines proposes seeded random commands on the leader in a
// loop, waiting for each to be committed (a majority has it on disk) and
// applied on the leader before proposing the next.
//
// A run starts a fresh cluster in the run's directory, waits for a leader,
// lets the proposers warm up (kernelTimes), measures for a fixed window
// while they keep going, stops them and stops the cluster.
//
// Metrics: ops_per_s, the proposals that returned inside the measured window
// divided by its length; p50_ms, p99_ms and p999_ms of their latency, from
// the call to its return. Starting, electing, warming up and stopping are
// not timed.
//
// The clusters run in a child process, internal/kernelrun, built once per
// invocation and started for every run: Octopii links go.etcd.io/raft/v3
// v3.6 and the walrus suite links etcd's WAL with go.etcd.io/etcd/raft/v3
// v3.5; both register protobuf types named raftpb.*, and a binary holding
// both panics at start-up. The child writes the measured latencies to a
// file in the run's directory and a JSON report on stdout; this side builds
// the histogram and the sample.

func init() {
	registerSuite(&Suite{
		Name:    "kernel",
		Summary: "Octopii vs hashicorp/raft, 3 nodes in one process, fsync per batch: proposals/s, p50/p99/p99.9 commit latency at concurrency 1/64/256",
		Cases:   kernelCases,
	})
}

const (
	// kernelCommandBytes is the size of every proposed command.
	kernelCommandBytes = 128
	// kernelPoolEntries is how many distinct commands the pool holds.
	kernelPoolEntries = 4096
	// kernelRunnerPkg is the child that runs one cluster.
	kernelRunnerPkg = "github.com/reefdb/reef/bench/internal/kernelrun"
	// kernelRunSlack is how much longer than its warm-up and window a child
	// may take (start, election, drain, stop) before it is killed.
	kernelRunSlack = 2 * time.Minute
	// kernelStopDelay is how long a child has to stop its cluster after
	// SIGTERM before it is killed.
	kernelStopDelay = 5 * time.Second
)

var kernelMetrics = []Metric{
	{"ops_per_s", Higher},
	{"p50_ms", Lower},
	{"p99_ms", Lower},
	{"p999_ms", Lower},
}

// kernelTimes returns the measured window of a run and the warm-up before
// it; a harness warm-up run measures for warmup instead of run.
func kernelTimes(quick bool) (run, warmup time.Duration) {
	if quick {
		return 1500 * time.Millisecond, 500 * time.Millisecond
	}
	return 5 * time.Second, time.Second
}

// kernelRunner is the built child and what it was built from.
type kernelRunner struct {
	bin string
	// commands is the file of commands every run proposes.
	commands string
	// peer is the peer's name in results: "hashicorp-raft-v1.7.2".
	peer string
}

func kernelCases(cfg Config) ([]Case, error) {
	ctx := context.Background()
	rn, versions, from, err := buildKernelRunner(ctx, cfg.Dir)
	if err != nil {
		return nil, err
	}
	pool := NewPayloads(cfg.Seed, kernelCommandBytes, kernelPoolEntries)
	rn.commands = filepath.Join(cfg.Dir, "kernel-commands")
	if err := writeKernelCommands(rn.commands, pool); err != nil {
		return nil, err
	}
	runTime, warmupTime := kernelTimes(cfg.Quick)
	if cfg.Header != nil {
		fmt.Fprintf(cfg.Header, "# kernel: reef = Octopii %s: 3 nodes, MemNetwork, Raft log on walrus (fdatasync per Ready)\n", from)
		fmt.Fprintf(cfg.Header, "# kernel: peer %s: 3 nodes, InmemTransport, raft-boltdb/v2 %s (bbolt %s, fdatasync per commit) behind a LogCache, file snapshots\n",
			rn.peer, versions["github.com/hashicorp/raft-boltdb/v2"], versions["go.etcd.io/bbolt"])
		fmt.Fprintf(cfg.Header, "# kernel: heartbeats 10ms, election timeout 100ms, up to 1024 proposals per log write, snapshot every 10000 entries keeping 5000; %d B commands; warm-up %v then %v measured; fresh cluster and process per run\n",
			kernelCommandBytes, warmupTime, runTime)
	}
	var cases []Case
	for _, conc := range []int{1, 64, 256} {
		w := kernelWorkload{runner: rn, concurrency: conc, runTime: runTime, warmupTime: warmupTime}
		cases = append(cases, Case{
			Name:    fmt.Sprintf("propose %dB c%d", kernelCommandBytes, conc),
			Metrics: kernelMetrics,
			Reef:    w.side("reef", "octopii"),
			Peers:   []Side{w.side(rn.peer, "hashicorp")},
		})
	}
	return cases, nil
}

// buildKernelRunner builds the child into dir and asks it for the peer's
// versions; from describes the Reef tree it was built from.
func buildKernelRunner(ctx context.Context, dir string) (rn *kernelRunner, versions map[string]string, from string, err error) {
	goBin, err := goCommand()
	if err != nil {
		return nil, nil, "", err
	}
	bin := filepath.Join(dir, "kernelrun")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, kernelRunnerPkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, nil, "", fmt.Errorf("go build %s (run from bench/): %v\n%s", kernelRunnerPkg, err, out)
	}
	out, err := exec.CommandContext(ctx, bin, "--versions").Output()
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s --versions: %w", bin, err)
	}
	if err := json.Unmarshal(out, &versions); err != nil {
		return nil, nil, "", fmt.Errorf("%s --versions: %w", bin, err)
	}
	raftVersion := versions["github.com/hashicorp/raft"]
	if raftVersion == "" {
		return nil, nil, "", fmt.Errorf("%s --versions: no hashicorp/raft in %s", bin, out)
	}
	from = "(built from the Reef module)"
	if modDir, err := reefModuleDir(ctx, goBin); err == nil {
		from = "built from " + describeSource(ctx, modDir)
	}
	return &kernelRunner{bin: bin, peer: "hashicorp-raft-" + raftVersion}, versions, from, nil
}

// writeKernelCommands writes every command of pool, back to back, to path.
func writeKernelCommands(path string, pool *Payloads) error {
	buf := make([]byte, 0, kernelPoolEntries*pool.SizeBytes())
	for i := 0; i < kernelPoolEntries; i++ {
		buf = append(buf, pool.At(i)...)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("kernel: write commands: %w", err)
	}
	return nil
}

// kernelWorkload is what one case asks of every side.
type kernelWorkload struct {
	runner      *kernelRunner
	concurrency int
	runTime     time.Duration
	warmupTime  time.Duration
}

// kernelReport is the child's report (kernelrun's Report).
type kernelReport struct {
	Ops       uint64 `json:"ops"`
	ElapsedNs int64  `json:"elapsed_ns"`
	Acked     uint64 `json:"acked"`
	Applied   uint64 `json:"applied"`
}

func (w kernelWorkload) side(name, engine string) Side {
	return Side{
		Name: name,
		Run: func(ctx context.Context, r Run) (Sample, error) {
			window := w.runTime
			if r.Warmup {
				window = w.warmupTime
			}
			return w.run(ctx, engine, r.Dir, window)
		},
	}
}

// run starts the child for one run of engine with its data in dir and turns
// what it measured into a sample.
func (w kernelWorkload) run(ctx context.Context, engine, dir string, window time.Duration) (Sample, error) {
	dataDir := filepath.Join(dir, "data")
	latPath := filepath.Join(dir, "latencies")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		return nil, err
	}
	args := []string{
		"--engine", engine,
		"--dir", dataDir,
		"--commands", w.runner.commands,
		"--command-bytes", strconv.Itoa(kernelCommandBytes),
		"--concurrency", strconv.Itoa(w.concurrency),
		"--warmup", w.warmupTime.String(),
		"--run", window.String(),
		"--latencies", latPath,
	}
	tctx, cancel := context.WithTimeout(ctx, w.warmupTime+window+kernelRunSlack)
	defer cancel()
	cmd := exec.CommandContext(tctx, w.runner.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = childSysProcAttr()
	// Ask the child to stop its cluster first; kill it if it does not.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = kernelStopDelay
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if tctx.Err() != nil {
			err = fmt.Errorf("no result after %v: %w", w.warmupTime+window+kernelRunSlack, err)
		}
		return nil, fmt.Errorf("%s: %v: %s", engine, err, strings.TrimSpace(stderr.String()))
	}
	var rep kernelReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("%s: report %q: %w", engine, stdout.String(), err)
	}
	hist, err := readKernelLatencies(latPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", engine, err)
	}
	return kernelSample(rep, hist)
}

// readKernelLatencies reads the child's latency file (little-endian uint64
// nanoseconds) into a histogram.
func readKernelLatencies(path string) (*Histogram, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read latencies: %w", err)
	}
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("read latencies: %d bytes, not a multiple of 8", len(b))
	}
	h := &Histogram{}
	for i := 0; i < len(b); i += 8 {
		h.Record(time.Duration(binary.LittleEndian.Uint64(b[i:])))
	}
	return h, nil
}

// kernelSample checks the child's report against its latencies and computes
// the metrics.
func kernelSample(rep kernelReport, hist *Histogram) (Sample, error) {
	switch {
	case rep.Ops == 0 || rep.ElapsedNs <= 0:
		return nil, fmt.Errorf("report %+v: nothing measured", rep)
	case hist.Count() != rep.Ops:
		return nil, fmt.Errorf("report counts %d proposals, latency file %d", rep.Ops, hist.Count())
	case rep.Applied < rep.Acked:
		return nil, fmt.Errorf("leader applied %d commands, %d proposals acknowledged", rep.Applied, rep.Acked)
	}
	ms := func(q float64) float64 { return float64(hist.Quantile(q)) / float64(time.Millisecond) }
	return Sample{
		"ops_per_s": float64(rep.Ops) / time.Duration(rep.ElapsedNs).Seconds(),
		"p50_ms":    ms(0.50),
		"p99_ms":    ms(0.99),
		"p999_ms":   ms(0.999),
	}, nil
}
