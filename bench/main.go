package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	if vectorChildRequested() {
		// The vector suite re-executes the harness to build and search one
		// index in a process of its own (vector_child.go).
		os.Exit(vectorChildMain())
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1 // a side failed a run, or output could not be written
	exitUsage     = 2
	exitInterrupt = 130
)

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: go run . <suite> [--quick] [--json FILE] [--dir DIR] [--case SUBSTR] [--pairs N] [--seed N] [--requests N] [--reef-bin FILE] [--sf SF] [--fb-load copy|insert] [--queries N] [--plot PREFIX]\n\nsuites:\n")
	names := make([]string, 0, len(suites))
	for n := range suites {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, suites[n].Summary)
	}
	fmt.Fprintf(w, "\nflags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parseArgs accepts the suite name before, after or between flags.
func parseArgs(fs *flag.FlagSet, args []string) (positional []string, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	quick := fs.Bool("quick", false, "short runs, 3 pairs: the whole suite in under 2 minutes (kv: about 3)")
	jsonPath := fs.String("json", "", "also write the RESULT objects, one per line, to `FILE`")
	dir := fs.String("dir", "", "make the fresh run directories under `DIR` (default: the system temp dir)")
	filter := fs.String("case", "", "run only the cases whose name contains `SUBSTR`")
	pairs := fs.Int("pairs", 0, fmt.Sprintf("Reef/peer pairs per case, at least %d (default: 3 quick, 5 full)", minPairs))
	seed := fs.Uint64("seed", 1, "seed of the synthetic data")
	requests := fs.Int("requests", 0, "kv: requests per redis-benchmark run (default: 200000 quick, 1000000 full)")
	reefBin := fs.String("reef-bin", "", "kv: serve Nubmq with this reef `binary` instead of building ../cmd/reef")
	scale := fs.Float64("sf", 0, "sql: TPC-H scale factor `SF` (default: 1 full, 0.05 quick)")
	fbLoad := fs.String("fb-load", "copy", "sql: load Frigatebird with `copy` (COPY FROM the file) or insert (INSERT … VALUES batches)")
	queries := fs.Int("queries", 0, "vector: queries per data set (default: 1000 full; quick 200 Fashion-MNIST, 300 synthetic)")
	plotPrefix := fs.String("plot", "", "vector: write the recall–QPS plots to `PREFIX`-<case>.png (default: <dir>/vector)")
	memCapMB := fs.Int64("mem-cap-mb", vector20MMemCap>>20, "vector: memory cap of the 20M case's child in `MB` (cgroup + GOMEMLIMIT)")
	positional, err := parseArgs(fs, args)
	if err == flag.ErrHelp {
		usage(stdout, fs)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n\n", err)
		usage(stderr, fs)
		return exitUsage
	}
	if len(positional) != 1 {
		usage(stderr, fs)
		return exitUsage
	}
	suite, ok := suites[positional[0]]
	if !ok {
		fmt.Fprintf(stderr, "bench: unknown suite %q\n\n", positional[0])
		usage(stderr, fs)
		return exitUsage
	}
	cfg := Config{Quick: *quick, Pairs: *pairs, Filter: *filter, Seed: *seed,
		Requests: *requests, ReefBin: *reefBin, Header: stdout,
		CacheDir: *dir, ScaleFactor: *scale, FBLoad: *fbLoad,
		Queries: *queries, Plot: *plotPrefix, MemCap: *memCapMB << 20}
	if cfg.CacheDir == "" {
		cfg.CacheDir = os.TempDir()
	}
	if cfg.Requests < 0 {
		fmt.Fprintf(stderr, "bench: --requests %d: not a count\n", cfg.Requests)
		return exitUsage
	}
	if cfg.MemCap <= 0 {
		fmt.Fprintf(stderr, "bench: --mem-cap-mb %d: not a size\n", *memCapMB)
		return exitUsage
	}
	if cfg.Queries < 0 {
		fmt.Fprintf(stderr, "bench: --queries %d: not a count\n", cfg.Queries)
		return exitUsage
	}
	if cfg.ScaleFactor < 0 {
		fmt.Fprintf(stderr, "bench: --sf %v: not a scale factor\n", cfg.ScaleFactor)
		return exitUsage
	}
	if cfg.FBLoad != "copy" && cfg.FBLoad != "insert" {
		fmt.Fprintf(stderr, "bench: --fb-load %q: want copy or insert\n", cfg.FBLoad)
		return exitUsage
	}
	if cfg.Pairs == 0 {
		cfg.Pairs = 5
		if cfg.Quick {
			cfg.Pairs = minPairs
		}
	}
	if cfg.Pairs < minPairs {
		fmt.Fprintf(stderr, "bench: --pairs %d: at least %d pairs\n", cfg.Pairs, minPairs)
		return exitUsage
	}

	// Every run directory lives under base, which is removed on the way out;
	// a --dir given by the user is never removed itself.
	base, err := os.MkdirTemp(*dir, "reef-bench-")
	if err != nil {
		fmt.Fprintf(stderr, "bench: make data directory: %v\n", err)
		return exitFailed
	}
	defer os.RemoveAll(base)
	cfg.Dir = base

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A closed stdout (| head) must fail a write, not kill the process before
	// it removed its data directory.
	signal.Ignore(syscall.SIGPIPE)

	var jsonOut *os.File
	if *jsonPath != "" {
		if jsonOut, err = os.Create(*jsonPath); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return exitFailed
		}
	}

	mode := "full"
	if cfg.Quick {
		mode = "quick"
	}
	fmt.Fprintf(stdout, "# reef bench: suite %s, %s, %d pairs after a warm-up, seed %d, %s\n",
		suite.Name, mode, cfg.Pairs, cfg.Seed, time.Now().UTC().Format(time.RFC3339))
	readMachine(base).Write(stdout)

	cases, err := suite.Cases(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %s: %v\n", suite.Name, err)
		return exitFailed
	}
	kept := filterCases(cases, cfg.Filter)
	if len(kept) == 0 {
		fmt.Fprintf(stderr, "bench: %s: no case matches %q\n", suite.Name, cfg.Filter)
		return exitUsage
	}

	start := time.Now()
	rn := &Runner{Suite: suite.Name, Cfg: cfg, Log: stderr}
	var results []Result
	for _, c := range kept {
		if ctx.Err() != nil {
			break
		}
		results = append(results, rn.RunCase(ctx, c)...)
	}
	fmt.Fprintf(stdout, "# %d cases in %.0fs\n\n", len(kept), time.Since(start).Seconds())

	// The JSON file first: it is what scripts read, and it should not depend
	// on stdout staying open.
	if jsonOut != nil {
		err := WriteResults(io.Discard, jsonOut, results)
		if cerr := jsonOut.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "bench: write %s: %v\n", *jsonPath, err)
			return exitFailed
		}
	}
	WriteTable(stdout, results)
	fmt.Fprintln(stdout)
	if suite.Done != nil {
		suite.Done(stdout, results)
	}
	if err := WriteResults(stdout, nil, results); err != nil {
		fmt.Fprintf(stderr, "bench: write results: %v\n", err)
		return exitFailed
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "bench: interrupted")
		return exitInterrupt
	case rn.Failed:
		fmt.Fprintln(stderr, "bench: some runs failed; see n/a results")
		return exitFailed
	}
	return exitOK
}

// filterCases keeps the case named exactly filter if there is one, else every
// case whose name contains filter ("sync 128B p1" is one case, "p16" is six).
func filterCases(cases []Case, filter string) []Case {
	var kept []Case
	for _, c := range cases {
		if c.Name == filter {
			return []Case{c}
		}
		if strings.Contains(c.Name, filter) {
			kept = append(kept, c)
		}
	}
	return kept
}
