package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// The vector suite: SatoriDB (Reef's vector database; its side is
// registered as "reef" by vector_reef.go) against exact search and FAISS
// 1.7.3 (Debian libfaiss-dev) IndexIVFFlat and IndexHNSWFlat, k = 10, L2.
//
// Data sets (one case each):
//
//   - fashion-mnist: Debian's dataset-fashion-mnist, 60,000 training
//     images as base vectors and the first --queries (default 1000) test
//     images as queries, 784 dimensions, pixel values 0…255 as float32
//     (ann-benchmarks' fashion-mnist-784-euclidean). Quick: the first
//     20,000 base images and 200 queries.
//   - synth: 1,000,000 × 128 from satori/synth (--seed; one Gaussian
//     cluster per 1,000 vectors, Zipf skew 1, spread 0.3), queries from
//     the same mixture with seed+1. Quick: 100,000 × 128, 300 queries.
//   - synth 20M (only with --case 20M, not quick): 20,000,000 × 128 from
//     satori/synth (the same mixture family, one cluster per 1,000
//     vectors), generated and its ground truth computed in chunks
//     (synth.Stream, synth.Truth) so the harness never holds it. Only
//     Reef runs, under a memory cap (--mem-cap-mb, default 2048: a fifth
//     of the 10.24 GB of raw vectors; a memory cgroup that also counts
//     the page cache, and GOMEMLIMIT, see vector_memcap.go), probes up
//     to 2048. The peers hold every vector in RAM and report n/a.
//
// The exact k = 10 ground truth (satori/synth.GroundTruth, float64) and
// the data are cached in --dir (or the system temp dir) across
// invocations, keyed by size, queries, seed and a fingerprint of the
// generator: the ground truth of 1M takes minutes.
//
// A side builds its index once per case, in a child process (this binary
// re-executed, see vector_child.go), so that its resident memory is its
// own: after the build and a GC the child reads VmRSS (rss_mb; rss_per_raw
// = RSS / (N·dim·4 bytes)) and VmHWM. index_mb is RSS minus the child's
// RSS before the build (the binary's own pages, and the query set: about
// 50 MB for the FAISS sides, 12 MB for the lean children of Reef and
// exact, see vectorLeanEngines), i.e. what the index holds;
// index_per_raw = index_mb / raw bytes. The harness's warm-up run of a side
// starts its child, builds (build_s, wall time of Build) and sweeps once
// (discarded); every pair run asks the same child for another sweep, so
// Reef and its peers alternate on query throughput (A B A B) without
// rebuilding 1M-vector indexes 4–6 times. build_s and rss_mb are therefore
// one measurement per side, repeated in every sample.
//
// Query execution, the same for every side: one query per call, issued
// by GOMAXPROCS goroutines at once (a serving workload: 2 on the 2-core
// reference machine), each taking the next query of the set; FAISS's
// OpenMP threads are 1 per call while searching (so the goroutines give
// the cores) and GOMAXPROCS while building. A sweep runs, for every knob
// value, the query set once for recall@10 (synth.Recall against the
// ground truth; answers are checked: k ids, each in range, no duplicates)
// and again until at least 0.5 s (quick 0.1 s) passed, for QPS (queries /
// wall time) and p50/p99 per-query latency (histogram). A side's first
// sweep (the warm-up) stops at the first knob value reaching recall 1;
// its later sweeps repeat the same values.
//
// Knobs: FAISS IVFFlat nlist = round(4·√N), trained on the first
// min(N, max(50·nlist, 100,000)) base vectors, nprobe 1, 2, 4, … up to
// min(nlist, 1024); HNSWFlat M 32, efConstruction 40 (FAISS's default),
// efSearch 16 … 2048; Reef probes 2, 4, 8, 12, 16, 24, … 2048 buckets,
// stopping at the first count that reads every bucket; exact has no knob.
//
// Metrics per case: qps_at_recall_0.9/0.95/0.99, QPS interpolated on the
// side's curve (vectorQPSAtRecall; n/a when the side never reaches the
// recall), p99_ms_at_recall_0.95 (p99 latency of the fastest point with
// recall ≥ 0.95), build_s, rss_mb, rss_per_raw. Done prints the sweep
// table of every side (per knob: recall, the median QPS and latencies of
// the pair runs) and writes a recall–QPS plot per data set (--plot).

func init() {
	registerSuite(&Suite{
		Name:    "vector",
		Summary: "SatoriDB vs exact search and FAISS IVFFlat/HNSWFlat on Fashion-MNIST and 1M×128 synthetic: recall@10–QPS curves, build time, RSS",
		Cases:   vectorCases,
		Done:    vectorDone,
	})
}

const (
	vectorK                = 10
	vectorQueriesFull      = 1000
	fashionQuickN          = 20_000
	fashionQueriesQuick    = 200
	fashionFullN           = 60_000
	synthFullN             = 1_000_000
	synthQuickN            = 100_000
	synthDim               = 128
	synthQueriesQuick      = 300
	vectorMinSweepFull     = 500 * time.Millisecond
	vectorMinSweepQuick    = 100 * time.Millisecond
	vector20MCaseSubstring = "20M"
	synth20MN              = 20_000_000
	// vector20MMemCap is the 20M case's default memory cap: 2 GiB, a
	// fifth of the 10.24 GB of raw vectors.
	vector20MMemCap  = 2 << 30
	vector20MMaxKnob = 2048
)

// vectorSideKeys are the sides in order: Reef, then the peers.
var vectorSideKeys = []string{"reef", "faiss-ivfflat", "faiss-hnswflat", "exact"}

// vectorRecallTargets are the recalls at which QPS is reported.
var vectorRecallTargets = []float64{0.9, 0.95, 0.99}

func vectorMetrics() []Metric {
	var ms []Metric
	for _, r := range vectorRecallTargets {
		ms = append(ms, Metric{vectorQPSMetric(r), Higher})
	}
	return append(ms,
		Metric{"p99_ms_at_recall_0.95", Lower},
		Metric{"build_s", Lower},
		Metric{"rss_mb", Lower},
		Metric{"rss_per_raw", Lower},
		Metric{"index_mb", Lower},
		Metric{"index_per_raw", Lower})
}

func vectorQPSMetric(r float64) string { return fmt.Sprintf("qps_at_recall_%g", r) }

// vectorSide is one side of one case across its runs.
type vectorSide struct {
	key, name string
	ds        *vectorDataset
	child     *vectorChildProc
	built     vectorMsg // the child's "built" message, kept after it exits
	dir       string
	// sweeps holds the points of every measured (non-warm-up) sweep.
	sweeps [][]vectorPoint
}

// vectorBench is the state the cases of one invocation share.
type vectorBench struct {
	cfg      Config
	log      io.Writer
	minSweep time.Duration
	plot     string
	cases    []*vectorCase
}

type vectorCase struct {
	name  string
	ds    *vectorDataset
	sides []*vectorSide
	// memCap (bytes) and maxKnob, when not 0, are passed to the children
	// (vectorChildSpec).
	memCap  int64
	maxKnob int
}

var vectorActive *vectorBench

func vectorCases(cfg Config) ([]Case, error) {
	b := &vectorBench{cfg: cfg, log: os.Stderr, minSweep: vectorMinSweepFull, plot: cfg.Plot}
	if cfg.Quick {
		b.minSweep = vectorMinSweepQuick
	}
	if b.plot == "" {
		b.plot = filepath.Join(cfg.CacheDir, "vector")
	}
	vectorActive = b
	nq := func(quick int) int {
		switch {
		case cfg.Queries > 0:
			return cfg.Queries
		case cfg.Quick:
			return quick
		}
		return vectorQueriesFull
	}
	want := func(name string) bool { return cfg.Filter == "" || strings.Contains(name, cfg.Filter) }
	var out []Case

	// Data sets are prepared only for the cases the filter keeps.
	fn, fq := fashionFullN, nq(fashionQueriesQuick)
	if cfg.Quick {
		fn = fashionQuickN
	}
	if name := vectorCaseName("fashion-mnist", fn, 784, fq); want(name) {
		ds, err := fashionDataset(cfg.CacheDir, fn, fq, vectorK, b.log)
		if err != nil {
			return nil, err
		}
		out = append(out, b.addCase(name, ds))
	}
	sn, sq := synthFullN, nq(synthQueriesQuick)
	if cfg.Quick {
		sn = synthQuickN
	}
	if name := vectorCaseName("synth", sn, synthDim, sq); want(name) {
		ds, err := synthDataset(cfg.CacheDir, sn, synthDim, sq, vectorK, cfg.Seed, b.log)
		if err != nil {
			return nil, err
		}
		out = append(out, b.addCase(name, ds))
	}
	// The 20M case runs only when asked for by name: its data set is
	// 10 GB and takes about an hour to build.
	if strings.Contains(cfg.Filter, vector20MCaseSubstring) && !cfg.Quick {
		name := vectorCaseName("synth", synth20MN, synthDim, nq(synthQueriesQuick))
		ds, err := synthStreamDataset(cfg.CacheDir, synth20MN, synthDim, nq(synthQueriesQuick), vectorK, cfg.Seed, b.log)
		if err != nil {
			return nil, err
		}
		c := b.addCase(name, ds)
		vc := b.cases[len(b.cases)-1]
		vc.memCap, vc.maxKnob = cfg.MemCap, vector20MMaxKnob
		why := fmt.Sprintf("not run at 20M: it holds every vector in RAM (%.1f GB), far above the %d MB cap of this case", float64(ds.RawBytes())/1e9, cfg.MemCap>>20)
		for i := range c.Peers {
			c.Peers[i].Run, c.Peers[i].NA = nil, why
		}
		vc.sides = vc.sides[:1]
		out = append(out, c)
	}
	if cfg.Header != nil {
		for _, c := range b.cases {
			fmt.Fprintf(cfg.Header, "# vector: %s: %d base × %d dims, %d queries, k %d; %s\n",
				c.name, c.ds.N, c.ds.Dim, c.ds.Queries, c.ds.K, c.ds.Origin)
		}
		fmt.Fprintf(cfg.Header, "# vector: one index build per side and case, in a child process (build_s, rss_mb once); queries one per call from %d goroutines (GOMAXPROCS), FAISS OpenMP threads 1 per search, %d while building; ≥ %v per knob value\n",
			runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0), b.minSweep)
		fmt.Fprintf(cfg.Header, "# vector: %s; exact = brute force with internal/vecmath\n", faissSummary())
	}
	return out, nil
}

func vectorCaseName(set string, n, dim, nq int) string {
	return fmt.Sprintf("%s %s×%d q%d k%d", set, vectorCount(n), dim, nq, vectorK)
}

// vectorCount prints 60000 as 60k and 1000000 as 1M.
func vectorCount(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func (b *vectorBench) addCase(name string, ds *vectorDataset) Case {
	vc := &vectorCase{name: name, ds: ds}
	b.cases = append(b.cases, vc)
	c := Case{Name: name, Metrics: vectorMetrics()}
	for i, key := range vectorSideKeys {
		newEngine, ok := vectorEngines[key]
		var side Side
		if !ok {
			side = Side{Name: key, NA: fmt.Sprintf("no vector engine %q registered (bench/vector_reef.go adds reef)", key)}
		} else {
			s := &vectorSide{key: key, name: newEngine().Name(), ds: ds}
			vc.sides = append(vc.sides, s)
			side = Side{Name: s.name, Run: func(ctx context.Context, r Run) (Sample, error) {
				return b.run(ctx, vc, s, r)
			}}
		}
		if i == 0 {
			side.Name = "reef"
			c.Reef = side
		} else {
			c.Peers = append(c.Peers, side)
		}
	}
	return c
}

// run is one run of a side: the first starts the child (build), every run
// sweeps once.
func (b *vectorBench) run(ctx context.Context, vc *vectorCase, s *vectorSide, r Run) (Sample, error) {
	// Children of earlier cases are done: free their memory.
	for _, other := range b.cases {
		if other != vc {
			other.closeChildren()
		}
	}
	if s.child == nil {
		dir, err := os.MkdirTemp(b.cfg.Dir, "vector-"+s.key+"-")
		if err != nil {
			return nil, err
		}
		s.dir = dir
		fmt.Fprintf(b.log, "vector: %s: %s: building\n", vc.name, s.name)
		c, err := startVectorChild(ctx, vectorChildSpec{Engine: s.key, Dataset: *s.ds, Dir: dir,
			MinSweep: b.minSweep, Workers: runtime.GOMAXPROCS(0), MemCap: vc.memCap, MaxKnob: vc.maxKnob}, b.log)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		s.child, s.built = c, c.built
		fmt.Fprintf(b.log, "vector: %s: %s: built in %.1fs, RSS %.0f MB (before the build %.0f MB, peak %.0f MB); %s\n", vc.name, s.name,
			c.built.BuildS, float64(c.built.RSSBytes)/1e6, float64(c.built.IdleRSSBytes)/1e6, float64(c.built.HWMBytes)/1e6, c.built.Info)
		if c.cg != nil {
			fmt.Fprintf(b.log, "vector: %s: %s: memory cgroup %s capped at %d MB, charged at most %.0f MB so far (RSS and page cache)\n",
				vc.name, s.name, c.cg.dir, vc.memCap>>20, float64(c.cg.peak())/1e6)
		}
	}
	pts, err := s.child.sweep()
	if err == nil && len(s.sweeps) > 0 {
		err = sameKnobs(s.sweeps[0], pts)
	}
	if err != nil {
		s.closeChild()
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	if !r.Warmup {
		s.sweeps = append(s.sweeps, pts)
	}
	built := s.built
	sample := Sample{
		"build_s":     built.BuildS,
		"rss_mb":      float64(built.RSSBytes) / 1e6,
		"rss_per_raw": float64(built.RSSBytes) / float64(s.ds.RawBytes()),
	}
	index := max(0, float64(built.RSSBytes)-float64(built.IdleRSSBytes))
	sample["index_mb"] = index / 1e6
	sample["index_per_raw"] = index / float64(s.ds.RawBytes())
	for _, target := range vectorRecallTargets {
		sample[vectorQPSMetric(target)] = vectorQPSAtRecall(pts, target)
	}
	sample["p99_ms_at_recall_0.95"] = vectorP99AtRecall(pts, 0.95)
	return sample, nil
}

func sameKnobs(a, b []vectorPoint) error {
	if len(a) != len(b) {
		return fmt.Errorf("%w: sweep of %d points, the first had %d", errVectorProtocol, len(b), len(a))
	}
	for i := range a {
		if a[i].Knob != b[i].Knob {
			return fmt.Errorf("%w: sweep point %d is knob %d, was %d", errVectorProtocol, i, b[i].Knob, a[i].Knob)
		}
	}
	return nil
}

func (s *vectorSide) closeChild() {
	if s.child != nil {
		s.child.close()
		s.child = nil
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir = ""
	}
}

func (vc *vectorCase) closeChildren() {
	for _, s := range vc.sides {
		s.closeChild()
	}
}

// vectorQPSAtRecall returns the QPS the side reaches at recall target, on
// the upper envelope of its points: the fastest point with recall ≥
// target, linearly interpolated (in recall and log QPS) towards the
// highest-recall point that is faster but below target, if any. NaN when
// no point reaches target.
func vectorQPSAtRecall(pts []vectorPoint, target float64) float64 {
	hi := -1
	for i, p := range pts {
		if p.Recall >= target && (hi < 0 || p.QPS > pts[hi].QPS) {
			hi = i
		}
	}
	if hi < 0 {
		return math.NaN()
	}
	lo := -1
	for i, p := range pts {
		if p.Recall < target && p.QPS > pts[hi].QPS && (lo < 0 || p.Recall > pts[lo].Recall ||
			(p.Recall == pts[lo].Recall && p.QPS > pts[lo].QPS)) {
			lo = i
		}
	}
	if lo < 0 || pts[hi].Recall == target {
		return pts[hi].QPS
	}
	h, l := pts[hi], pts[lo]
	f := (target - l.Recall) / (h.Recall - l.Recall)
	return math.Exp(math.Log(l.QPS) + f*(math.Log(h.QPS)-math.Log(l.QPS)))
}

// vectorP99AtRecall returns the p99 latency of the fastest point with
// recall ≥ target, NaN when none.
func vectorP99AtRecall(pts []vectorPoint, target float64) float64 {
	best := -1
	for i, p := range pts {
		if p.Recall >= target && (best < 0 || p.QPS > pts[best].QPS) {
			best = i
		}
	}
	if best < 0 {
		return math.NaN()
	}
	return pts[best].P99Ms
}

// medianSweep folds the measured sweeps of a side into one curve: per knob,
// the lowest recall seen and the median QPS, p50 and p99.
func medianSweep(sweeps [][]vectorPoint) []vectorPoint {
	if len(sweeps) == 0 {
		return nil
	}
	out := make([]vectorPoint, len(sweeps[0]))
	for i := range out {
		var qps, p50, p99 []float64
		p := sweeps[0][i]
		for _, s := range sweeps {
			qps = append(qps, s[i].QPS)
			p50 = append(p50, s[i].P50Ms)
			p99 = append(p99, s[i].P99Ms)
			p.Recall = min(p.Recall, s[i].Recall)
		}
		p.QPS, p.P50Ms, p.P99Ms = median(qps), median(p50), median(p99)
		out[i] = p
	}
	return out
}

func vectorDone(w io.Writer, results []Result) {
	b := vectorActive
	if b == nil {
		return
	}
	defer func() {
		for _, vc := range b.cases {
			vc.closeChildren()
		}
		vectorActive = nil
	}()
	for _, vc := range b.cases {
		fmt.Fprintf(w, "# vector sweep: %s (per knob: the lowest recall and the median QPS and latencies of the pair runs)\n", vc.name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "side\tknob\trecall@10\tqps\tp50_ms\tp99_ms\tbuild_s\trss_mb\trss/raw\tidle_rss_mb\tpeak_rss_mb")
		var curves []vectorCurve
		for _, s := range vc.sides {
			pts := medianSweep(s.sweeps)
			if len(pts) == 0 {
				fmt.Fprintf(tw, "%s\tn/a\t\t\t\t\t\t\t\n", s.name)
				continue
			}
			curves = append(curves, vectorCurve{Key: s.key, Name: s.name, Points: pts})
			knobName, build := s.built.KnobName, s.builtFacts()
			for _, p := range pts {
				knob := "-"
				if knobName != "-" {
					knob = fmt.Sprintf("%s=%d", knobName, p.Knob)
				}
				fmt.Fprintf(tw, "%s\t%s\t%.4f\t%s\t%.3f\t%.3f\t%s\n", s.name, knob, p.Recall,
					formatValue(p.QPS), p.P50Ms, p.P99Ms, build)
			}
		}
		tw.Flush()
		if len(curves) > 0 {
			path := fmt.Sprintf("%s-%s.png", b.plot, vectorFileName(vc.name))
			if err := writeVectorPlot(path, vc.name, curves); err != nil {
				fmt.Fprintf(w, "# vector plot: %v\n", err)
			} else {
				fmt.Fprintf(w, "# vector plot: %s\n", path)
			}
		}
		fmt.Fprintln(w)
	}
}

func (s *vectorSide) builtFacts() string {
	m := s.built
	return fmt.Sprintf("%.1f\t%.0f\t%.2f\t%.0f\t%.0f", m.BuildS, float64(m.RSSBytes)/1e6,
		float64(m.RSSBytes)/float64(s.ds.RawBytes()), float64(m.IdleRSSBytes)/1e6, float64(m.HWMBytes)/1e6)
}

// vectorFileName turns a case name into a file name: "synth 1M×128 q1000
// k10" → "synth_1Mx128_q1000_k10".
func vectorFileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '×':
			return 'x'
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, name)
}

// vectorCurve is one side's recall–QPS curve, for the plot.
type vectorCurve struct {
	Key    string // the side's key in vectorEngines: picks its colour
	Name   string
	Points []vectorPoint
}
