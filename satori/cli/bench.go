package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/reefdb/reef/satori"
	"github.com/reefdb/reef/satori/synth"
)

type benchOptions struct {
	// synthetic mode
	synthetic, dim, clusters int
	seed                     uint64
	spread, skew             float64
	maxBucket                int
	// file mode
	dir, collection, queries, truth, base string
	// both
	nq, k   int
	probes  string
	slack   float64
	metric  string
	workers int
}

func benchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench (--synthetic N --dim D | --dir DIR --collection NAME --queries F (--truth F.ivecs | --base F))",
		Short: "Measure recall@k, QPS and latency against exact ground truth over a sweep of probes",
		Long: `Bench measures a collection against exact (brute-force) ground truth.

With --synthetic N it generates N clustered vectors (satori/synth: a skewed
mixture of Gaussians), builds a fresh collection in a temporary directory (or
in --dir/--collection, which must not exist), and draws --nq queries from the
same mixture. Otherwise it searches the existing collection --dir/--collection
with the vectors of --queries, scored against --truth (an .ivecs file of
neighbour ids per query, as shipped with the standard ANN data sets) or
against the truth computed from --base (the file the collection was imported
from with --start-id 0, so ids are row numbers).

For each --probes value the queries run on --workers goroutines; the table
gives recall@k, queries per second and the p50/p99 latency of one search.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SilenceUsage = true
			return runBench(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.synthetic, "synthetic", 0, "generate this many vectors")
	f.IntVar(&o.dim, "dim", 128, "synthetic: dimension")
	f.IntVar(&o.clusters, "clusters", 100, "synthetic: mixture components")
	f.Uint64Var(&o.seed, "seed", 1, "synthetic: seed of data and queries")
	f.Float64Var(&o.spread, "spread", 0.3, "synthetic: within-cluster spread relative to the distance between centres")
	f.Float64Var(&o.skew, "skew", 1, "synthetic: Zipf exponent of cluster sizes")
	f.IntVar(&o.maxBucket, "max-bucket", 0, "synthetic: MaxBucket of the new collection (0: default)")
	f.StringVar(&o.dir, "dir", "", "root directory of the collections (synthetic: optional)")
	f.StringVar(&o.collection, "collection", "bench", "collection name")
	f.StringVar(&o.queries, "queries", "", "file of query vectors (fvecs, bvecs, npy, csv)")
	f.StringVar(&o.truth, "truth", "", "ivecs file of ground-truth neighbour ids per query")
	f.StringVar(&o.base, "base", "", "file the collection was imported from, to compute the truth")
	f.IntVar(&o.nq, "nq", 0, "queries to run (0: 1000 synthetic, all of --queries)")
	f.IntVar(&o.k, "k", 10, "neighbours per query")
	f.StringVar(&o.probes, "probes", "4,8,16,32,64", "comma-separated probes to sweep (buckets read at most)")
	f.Float64Var(&o.slack, "probe-slack", 0, fmt.Sprintf("past the nearest max(%d, probes/8) buckets, skip those more than 1+slack times farther than the nearest (0: the default, %g; -1: read every probe)", satori.MinProbes, satori.DefaultProbeSlack))
	f.StringVar(&o.metric, "metric", "l2", "synthetic: l2, cosine or ip")
	f.IntVar(&o.workers, "workers", 0, "query goroutines (0: GOMAXPROCS)")
	return cmd
}

func parseProbes(s string) ([]int, error) {
	var ps []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 1 {
			return nil, fmt.Errorf("--probes: %q is not a positive integer", f)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func runBench(ctx context.Context, out io.Writer, o benchOptions) error {
	probes, err := parseProbes(o.probes)
	if err != nil {
		return err
	}
	if o.k < 1 {
		return fmt.Errorf("--k must be at least 1")
	}
	if math.IsNaN(o.slack) || math.IsInf(o.slack, 0) {
		return fmt.Errorf("--probe-slack must be a finite number")
	}
	if o.workers <= 0 {
		o.workers = runtime.GOMAXPROCS(0)
	}
	var (
		db      *satori.DB
		queries []float32
		truth   [][]int32
		dim     int
	)
	if o.synthetic > 0 {
		var tmp string
		db, queries, truth, err = benchSynthetic(out, o, &tmp)
		if tmp != "" {
			defer os.RemoveAll(tmp) // runs after the db.Close below
		}
		dim = o.dim
	} else {
		db, queries, truth, dim, err = benchFiles(out, o)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	nq := len(queries) / dim
	if len(truth) < nq {
		return fmt.Errorf("the truth has %d rows for %d queries", len(truth), nq)
	}
	st := db.Stats()
	fmt.Fprintf(out, "collection: %d vectors, dim %d, metric %s, %d buckets (sizes %d..%d, mean %.0f), %d in memory delta, disk %d bytes\n",
		st.Vectors, st.Dim, st.Metric, st.Buckets, st.MinBucketSize, st.MaxBucketSize, st.MeanBucketSize, st.DeltaVectors, st.DiskBytes)
	fmt.Fprintf(out, "queries: %d, k %d, %d workers\n", nq, o.k, o.workers)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "probes\trecall@%d\tQPS\tp50 ms\tp99 ms\t\n", o.k)
	for _, p := range probes {
		r, err := sweep(ctx, db, queries, dim, o.k, satori.SearchOptions{Probes: p, ProbeSlack: o.slack}, o.workers)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%.4f\t%.0f\t%.3f\t%.3f\t\n", p, synth.Recall(r.got, truth[:nq], o.k), r.qps, r.p50ms, r.p99ms)
	}
	tw.Flush()
	return db.Close()
}

// benchSynthetic generates data and queries, builds the collection and
// computes the truth.
// A temporary root it makes is left in *tmpDir for the caller to remove
// after closing the DB.
func benchSynthetic(out io.Writer, o benchOptions, tmpDir *string) (*satori.DB, []float32, [][]int32, error) {
	metric, err := satori.ParseMetric(o.metric)
	if err != nil {
		return nil, nil, nil, err
	}
	spec := synth.Spec{N: o.synthetic, Dim: o.dim, Clusters: o.clusters, Skew: o.skew, Spread: o.spread, Seed: o.seed}
	if o.nq == 0 {
		o.nq = 1000
	}
	start := time.Now()
	data, _, err := synth.Generate(spec)
	if err != nil {
		return nil, nil, nil, err
	}
	queries, err := synth.Queries(spec, o.nq, o.seed+1)
	if err != nil {
		return nil, nil, nil, err
	}
	fmt.Fprintf(out, "generated %d × %d (%d clusters) and %d queries in %v\n", spec.N, spec.Dim, spec.Clusters, o.nq, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	truth, err := groundTruth(data, queries, spec.Dim, o.k, metric, o.workers)
	if err != nil {
		return nil, nil, nil, err
	}
	fmt.Fprintf(out, "exact ground truth in %v\n", time.Since(start).Round(time.Millisecond))

	root := o.dir
	if root == "" {
		if root, err = os.MkdirTemp("", "reef-vector-bench-"); err != nil {
			return nil, nil, nil, err
		}
		*tmpDir = root
	} else if _, err := os.Stat(filepath.Join(root, o.collection)); err == nil {
		return nil, nil, nil, fmt.Errorf("collection %s/%s exists; bench --synthetic builds a fresh one", root, o.collection)
	}
	db, err := openCollection(root, o.collection, spec.Dim, o.metric, "none")
	if err != nil {
		return nil, nil, nil, err
	}
	if o.maxBucket > 0 {
		// MaxBucket is not persisted by satori: reopen with it.
		db.Close()
		if db, err = satori.Open(filepath.Join(root, o.collection), satori.Options{MaxBucket: o.maxBucket, Durability: satori.SyncNone}); err != nil {
			return nil, nil, nil, err
		}
	}
	start = time.Now()
	const batch = 1000
	items := make([]satori.Item, 0, batch)
	for i := 0; i < spec.N; i++ {
		items = append(items, satori.Item{ID: uint64(i), Vector: data[i*spec.Dim : (i+1)*spec.Dim]})
		if len(items) == batch || i == spec.N-1 {
			if err := db.UpsertBatch(items); err != nil {
				db.Close()
				return nil, nil, nil, err
			}
			items = items[:0]
		}
	}
	inserted := time.Since(start)
	if err := db.Flush(); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	total := time.Since(start)
	fmt.Fprintf(out, "build: %d vectors upserted in %v (%.0f vectors/s), flushed at %v\n",
		spec.N, inserted.Round(time.Millisecond), float64(spec.N)/max(inserted.Seconds(), 1e-9), total.Round(time.Millisecond))
	return db, queries, truth, nil
}

// benchFiles opens an existing collection and reads queries and truth.
func benchFiles(out io.Writer, o benchOptions) (*satori.DB, []float32, [][]int32, int, error) {
	if o.dir == "" || o.queries == "" || (o.truth == "") == (o.base == "") {
		return nil, nil, nil, 0, errors.New("bench needs --synthetic N, or --dir, --collection, --queries and one of --truth or --base")
	}
	if _, err := os.Stat(filepath.Join(o.dir, o.collection)); err != nil {
		return nil, nil, nil, 0, fmt.Errorf("collection %s: %w", o.collection, err)
	}
	db, err := openCollection(o.dir, o.collection, 0, "", "none")
	if err != nil {
		return nil, nil, nil, 0, err
	}
	fail := func(err error) (*satori.DB, []float32, [][]int32, int, error) {
		db.Close()
		return nil, nil, nil, 0, err
	}
	dim := db.Dim()
	queries, qdim, err := readFile(o.queries, o.nq)
	if err != nil {
		return fail(err)
	}
	if qdim != dim {
		return fail(fmt.Errorf("%s has dimension %d, the collection %d", o.queries, qdim, dim))
	}
	nq := len(queries) / dim
	var truth [][]int32
	if o.truth != "" {
		f, err := os.Open(o.truth)
		if err != nil {
			return fail(err)
		}
		truth, err = synth.ReadIvecs(f, nq)
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", o.truth, err))
		}
	} else {
		start := time.Now()
		base, bdim, err := readFile(o.base, 0)
		if err != nil {
			return fail(err)
		}
		if bdim != dim {
			return fail(fmt.Errorf("%s has dimension %d, the collection %d", o.base, bdim, dim))
		}
		if truth, err = groundTruth(base, queries, dim, o.k, db.Metric(), o.workers); err != nil {
			return fail(err)
		}
		fmt.Fprintf(out, "exact ground truth over %d base vectors in %v\n", len(base)/dim, time.Since(start).Round(time.Millisecond))
	}
	return db, queries, truth, dim, nil
}

// readFile reads at most maxN vectors of a file in any input format.
func readFile(path string, maxN int) ([]float32, int, error) {
	format, err := formatOf("auto", path)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	rd, err := newReader(format, f, false)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	data, err := readAll(rd, maxN)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return data, rd.Dim(), nil
}

// groundTruth is synth.GroundTruth for a satori metric: cosine ranks as
// inner product over normalized copies.
func groundTruth(data, queries []float32, dim, k int, m satori.Metric, workers int) ([][]int32, error) {
	switch m {
	case satori.L2:
		return synth.GroundTruth(data, queries, dim, k, synth.L2, workers)
	case satori.InnerProduct:
		return synth.GroundTruth(data, queries, dim, k, synth.InnerProduct, workers)
	}
	return synth.GroundTruth(normalized(data, dim), normalized(queries, dim), dim, k, synth.InnerProduct, workers)
}

func normalized(v []float32, dim int) []float32 {
	out := make([]float32, len(v))
	for i := 0; i+dim <= len(v); i += dim {
		var s float64
		for _, x := range v[i : i+dim] {
			s += float64(x) * float64(x)
		}
		n := math.Sqrt(s)
		if n == 0 {
			n = 1
		}
		for j, x := range v[i : i+dim] {
			out[i+j] = float32(float64(x) / n)
		}
	}
	return out
}

type sweepResult struct {
	got          [][]int32
	qps          float64
	p50ms, p99ms float64
}

// sweep runs every query once with opts on workers goroutines.
func sweep(ctx context.Context, db *satori.DB, queries []float32, dim, k int, opts satori.SearchOptions, workers int) (sweepResult, error) {
	nq := len(queries) / dim
	r := sweepResult{got: make([][]int32, nq)}
	lat := make([]time.Duration, nq)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]satori.Result, 0, k)
			for {
				i := int(next.Add(1) - 1)
				if i >= nq {
					return
				}
				t := time.Now()
				res, err := db.SearchInto(ctx, queries[i*dim:(i+1)*dim], k, opts, dst)
				lat[i] = time.Since(t)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				ids := make([]int32, len(res))
				for j, x := range res {
					ids[j] = int32(x.ID) // ids past int32 cannot match the truth anyway
				}
				r.got[i] = ids
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return r, firstErr
	}
	r.qps = float64(nq) / max(time.Since(start).Seconds(), 1e-9)
	slices.Sort(lat)
	pct := func(q float64) float64 {
		if nq == 0 {
			return 0
		}
		return float64(lat[min(nq-1, int(q*float64(nq)))].Microseconds()) / 1000
	}
	r.p50ms, r.p99ms = pct(0.50), pct(0.99)
	return r, nil
}
