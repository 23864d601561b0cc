package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Better says which direction of a metric wins.
type Better string

const (
	Higher Better = "higher"
	Lower  Better = "lower"
)

// Metric names one measured quantity. Names come from the list in
// BENCHMARKS.md (appends_per_s, mb_per_s, p50_ms, p99_ms, …) so results can be
// compared across runs and suites.
type Metric struct {
	Name   string
	Better Better
}

// Sample is what one run of one side measured: metric name → value.
type Sample map[string]float64

// Run is what the harness hands a side for one run.
type Run struct {
	// Dir is a fresh, empty directory that the harness removes after the run.
	Dir string
	// Warmup is true for the run whose sample is discarded.
	Warmup bool
}

// Side is one engine under test in one case: Reef or a peer.
type Side struct {
	// Name is "reef" for Reef, or the peer's name with its version
	// ("pebble-v1.1.2"); it is the "peer" field of RESULT lines.
	Name string
	// NA, when not empty, says why this side cannot run this case. The case is
	// then reported as n/a for this side, with NA as the reason.
	NA string
	// Run performs one run and returns its sample, which must hold every metric
	// of the case. It must have stopped every goroutine it started when it
	// returns.
	Run func(ctx context.Context, r Run) (Sample, error)
}

// Case is one configuration measured on Reef and on every peer.
type Case struct {
	// Name carries the case's parameters: "interval 128B p16".
	Name    string
	Metrics []Metric
	Reef    Side
	Peers   []Side
}

// Suite is a named set of cases, selected on the command line.
type Suite struct {
	Name string
	// Summary is one line for the usage text.
	Summary string
	// Cases builds the suite's cases for a configuration (quick or full).
	Cases func(cfg Config) ([]Case, error)
	// Done, when not nil, is called once after the last case ran, with
	// every result: it may print the suite's own summary to w (after the
	// table), and releases what the cases shared.
	Done func(w io.Writer, results []Result)
}

// Config is what the command line chose.
type Config struct {
	Quick bool
	// Pairs is how many Reef/peer pairs each case runs after its warm-up.
	Pairs int
	// Dir is the directory under which every run gets its fresh directory.
	Dir string
	// Filter, when not empty, keeps only the cases whose name contains it.
	Filter string
	// Seed seeds every synthetic data generator.
	Seed uint64
	// Requests, when not zero, is how many requests each kv run sends
	// (default: 200,000 quick, 1,000,000 full).
	Requests int
	// ReefBin, when not empty, is the reef binary the kv suite serves Nubmq
	// with, instead of one it builds from ../cmd/reef.
	ReefBin string
	// Header, when not nil, receives the "# " lines a suite adds to the
	// output's header (where Reef was built from, its peers' versions).
	Header io.Writer
	// CacheDir is where generated data sets are kept across invocations
	// (--dir, else the system temp dir); the harness never removes it.
	CacheDir string
	// ScaleFactor, when not zero, is the sql suite's TPC-H scale factor
	// (default: 1 full, 0.05 quick).
	ScaleFactor float64
	// FBLoad is how the sql suite loads Frigatebird: "copy" (COPY FROM the
	// generated file, the default) or "insert" (INSERT … VALUES batches in
	// one transaction).
	FBLoad string
	// Queries, when not zero, is how many queries the vector suite runs per
	// data set (default: 1000 full; quick 200 Fashion-MNIST, 300 synthetic).
	Queries int
	// Plot, when not empty, is the path prefix of the vector suite's
	// recall–QPS plots (PREFIX-<case>.png; default CacheDir/vector).
	Plot string
	// MemCap is the memory cap, in bytes, of the vector suite's 20M case
	// (default vector20MMemCap).
	MemCap int64
}

// minPairs is the least number of pairs a measurement may rest on.
const minPairs = 3

var suites = map[string]*Suite{}

// registerSuite makes a suite available on the command line; suites call it
// from init.
func registerSuite(s *Suite) {
	if _, dup := suites[s.Name]; dup {
		panic("bench: suite registered twice: " + s.Name)
	}
	suites[s.Name] = s
}

// Result is one measurement: one metric of one case, Reef against one peer.
type Result struct {
	Suite  string
	Case   string
	Metric Metric
	Peer   string
	// Reef and PeerValue are the medians of each side's runs.
	Reef, PeerValue float64
	// Ratio is Reef/PeerValue; Pairs holds the ratio of each pair, in order.
	Ratio float64
	Pairs []float64
	// NA, when not empty, says why there is no figure; the values are then
	// meaningless and RESULT carries nulls.
	NA string
}

// sideRuns accumulates the samples of one side within one case.
type sideRuns struct {
	side    Side
	samples []Sample
	failed  error
}

func (s *sideRuns) na() string {
	switch {
	case s.side.NA != "":
		return s.side.NA
	case s.failed != nil:
		return "failed: " + s.failed.Error()
	}
	return ""
}

// Runner runs cases and keeps their results.
type Runner struct {
	Suite string
	Cfg   Config
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Failed is set once a side failed a run.
	Failed bool
}

func (rn *Runner) logf(format string, args ...any) {
	if rn.Log != nil {
		fmt.Fprintf(rn.Log, format, args...)
	}
}

// RunCase warms up every side, runs the pairs and returns one Result per
// metric and peer.
func (rn *Runner) RunCase(ctx context.Context, c Case) []Result {
	if rn.Cfg.Pairs < minPairs {
		panic(fmt.Sprintf("bench: %d pairs, want at least %d", rn.Cfg.Pairs, minPairs))
	}
	sides := make([]*sideRuns, 0, 1+len(c.Peers))
	sides = append(sides, &sideRuns{side: c.Reef})
	for _, p := range c.Peers {
		sides = append(sides, &sideRuns{side: p})
	}
	start := time.Now()
	for _, s := range sides {
		rn.runOnce(ctx, c, s, Run{Warmup: true}, "warm-up")
	}
	for i := 0; i < rn.Cfg.Pairs; i++ {
		for _, s := range sides {
			rn.runOnce(ctx, c, s, Run{}, fmt.Sprintf("pair %d/%d", i+1, rn.Cfg.Pairs))
		}
	}
	rn.logf("%s: %s: done in %.1fs\n", rn.Suite, c.Name, time.Since(start).Seconds())
	return compare(rn.Suite, c, sides[0], sides[1:])
}

// runOnce runs one side once in a fresh directory, unless the side is n/a or
// has already failed in this case.
func (rn *Runner) runOnce(ctx context.Context, c Case, s *sideRuns, r Run, phase string) {
	if s.na() != "" {
		return
	}
	if err := ctx.Err(); err != nil {
		s.failed = err
		return
	}
	dir, err := os.MkdirTemp(rn.Cfg.Dir, "run-")
	if err != nil {
		s.failed = fmt.Errorf("bench: make run directory: %w", err)
		rn.Failed = true
		return
	}
	r.Dir = dir
	// Neither side pays for the other's garbage.
	runtime.GC()
	sample, err := s.side.Run(ctx, r)
	if rmErr := os.RemoveAll(dir); rmErr != nil && err == nil {
		err = fmt.Errorf("bench: remove run directory: %w", rmErr)
	}
	// Nor for the other's dirty pages.
	settleFS(rn.Cfg.Dir)
	if err == nil {
		for _, m := range c.Metrics {
			if _, ok := sample[m.Name]; !ok {
				err = fmt.Errorf("bench: sample lacks metric %s", m.Name)
				break
			}
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			s.failed = err
			return
		}
		s.failed = err
		rn.Failed = true
		rn.logf("%s: %s: %s %s: FAILED: %v\n", rn.Suite, c.Name, phase, s.side.Name, err)
		return
	}
	rn.logf("%s: %s: %-9s %-18s %s\n", rn.Suite, c.Name, phase, s.side.Name, formatSample(c.Metrics, sample))
	if !r.Warmup {
		s.samples = append(s.samples, sample)
	}
}

func formatSample(ms []Metric, s Sample) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", m.Name, formatValue(s[m.Name]))
	}
	return b.String()
}

// compare turns the runs of one case into results: per metric and peer, the
// medians, their ratio and the per-pair ratios. Pair i is Reef's i-th run and
// the peer's i-th run, which ran right after it.
func compare(suite string, c Case, reef *sideRuns, peers []*sideRuns) []Result {
	var out []Result
	for _, m := range c.Metrics {
		for _, p := range peers {
			r := Result{Suite: suite, Case: c.Name, Metric: m, Peer: p.side.Name}
			switch {
			case reef.na() != "":
				r.NA = "reef: " + reef.na()
			case p.na() != "":
				r.NA = p.na()
			default:
				rv := values(reef.samples, m.Name)
				pv := values(p.samples, m.Name)
				r.Reef, r.PeerValue = median(rv), median(pv)
				r.Ratio = ratio(r.Reef, r.PeerValue)
				for i := 0; i < len(rv) && i < len(pv); i++ {
					r.Pairs = append(r.Pairs, ratio(rv[i], pv[i]))
				}
			}
			out = append(out, r)
		}
	}
	return out
}

func values(samples []Sample, metric string) []float64 {
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = s[metric]
	}
	return v
}

// median returns the middle value, or the mean of the two middle values; NaN
// for no values.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ratio is a/b, NaN when b is zero (no figure rather than infinity).
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// formatValue prints a measured value: whole numbers from 100 up, four
// significant digits below.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "n/a"
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(roundSig(v, 4), 'f', -1, 64)
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

func roundValue(v float64) float64 {
	if math.Abs(v) >= 100 {
		return math.Round(v)
	}
	return roundSig(v, 4)
}

func formatRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(roundSig(v, 3), 'f', -1, 64)
}

// resultJSON is the RESULT line; field order is the contract's.
type resultJSON struct {
	Suite     string   `json:"suite"`
	Case      string   `json:"case"`
	Metric    string   `json:"metric"`
	Reef      *float64 `json:"reef"`
	Peer      string   `json:"peer"`
	PeerValue *float64 `json:"peer_value"`
	Ratio     *float64 `json:"ratio"`
	Better    string   `json:"better"`
	NA        string   `json:"na,omitempty"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// JSON returns the result as the object a RESULT line carries.
func (r Result) JSON() []byte {
	j := resultJSON{
		Suite:  r.Suite,
		Case:   r.Case,
		Metric: r.Metric.Name,
		Peer:   r.Peer,
		Better: string(r.Metric.Better),
		NA:     r.NA,
	}
	if r.NA == "" {
		j.Reef = finite(roundValue(r.Reef))
		j.PeerValue = finite(roundValue(r.PeerValue))
		j.Ratio = finite(roundSig(r.Ratio, 3))
	}
	b, err := json.Marshal(j)
	if err != nil {
		panic("bench: marshal result: " + err.Error()) // only finite floats and strings
	}
	return b
}

// WriteTable prints the human table: one row per case, metric and peer.
func WriteTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tmetric\treef\tpeer\tpeer value\tratio\tbetter\tpair ratios")
	for _, r := range results {
		if r.NA != "" {
			// The first line only: a failure may explain itself at length
			// (the log and the RESULT line carry all of it).
			na, _, _ := strings.Cut(r.NA, "\n")
			fmt.Fprintf(tw, "%s\t%s\tn/a\t%s\tn/a\tn/a\t%s\t%s\n", r.Case, r.Metric.Name, r.Peer, r.Metric.Better, na)
			continue
		}
		pairs := make([]string, len(r.Pairs))
		for i, p := range r.Pairs {
			pairs[i] = formatRatio(p)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Case, r.Metric.Name, formatValue(r.Reef), r.Peer, formatValue(r.PeerValue),
			formatRatio(r.Ratio), r.Metric.Better, strings.Join(pairs, " "))
	}
	tw.Flush()
}

// WriteResults prints one "RESULT {json}" line per result to w and, when
// jsonOut is not nil, the bare JSON objects one per line to jsonOut.
func WriteResults(w, jsonOut io.Writer, results []Result) error {
	for _, r := range results {
		b := r.JSON()
		if _, err := fmt.Fprintf(w, "RESULT %s\n", b); err != nil {
			return err
		}
		if jsonOut != nil {
			if _, err := fmt.Fprintf(jsonOut, "%s\n", b); err != nil {
				return err
			}
		}
	}
	return nil
}
