//go:build !reefonly

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The kv suite: Nubmq (`reef kv serve`) against Redis 7, both driven by the
// same client, redis-benchmark, as BENCHMARKS.md demands.
//
// Throughput cases: SET and GET × pipeline 1 and 16 ("SET p1" … "GET p16"),
// each run
//
//	redis-benchmark -h 127.0.0.1 -p PORT -c 50 -n N -r 1000000 -d 32 -P {1|16} -t {set|get}
//
// against a fresh server: 50 clients, N requests (1,000,000 full, 200,000
// quick, --requests), random keys key:000000000000 … key:000000999999,
// 32-byte values. A GET run first preloads all 1,000,000 keys of the keyspace
// (so every GET hits), a SET run starts empty. Metrics, as redis-benchmark
// reports them: ops_per_s (its rps), p50_ms, p99_ms and p999_ms of
// per-request latency (see parseBenchReport).
//
// Memory case "RSS 1M keys": a fresh server, 1,000,000 distinct keys loaded
// with 32-byte values, DBSIZE checked, then VmRSS of the server process:
// rss_bytes, lower is better.

func init() {
	registerSuite(&Suite{
		Name:    "kv",
		Summary: "Nubmq vs Redis 7, both driven by redis-benchmark: ops/s, p50/p99 for SET/GET at pipeline 1 and 16 (50 clients); RSS with 1M keys",
		Cases:   kvCases,
	})
}

const (
	// kvClients is redis-benchmark's -c.
	kvClients = 50
	// kvKeyspace is redis-benchmark's -r: keys key:0…0 to key:<kvKeyspace-1>.
	kvKeyspace = 1_000_000
	// kvValueBytes is redis-benchmark's -d, and the size of preloaded values.
	kvValueBytes = 32
	// kvRSSKeys is how many distinct keys the memory case loads.
	kvRSSKeys = 1_000_000
	// kvLoadConns is how many connections the preloader uses.
	kvLoadConns = 4
	// kvValuePool is how many distinct values the preloader cycles through.
	kvValuePool = 4096
)

// kvRequests returns the requests of a measured run and of a warm-up run.
func kvRequests(cfg Config) (run, warmup int) {
	run = 1_000_000
	if cfg.Quick {
		run = 200_000
	}
	if cfg.Requests > 0 {
		run = cfg.Requests
	}
	return run, max(run/5, 1)
}

var (
	kvThroughputMetrics = []Metric{
		{"ops_per_s", Higher},
		{"p50_ms", Lower},
		{"p99_ms", Lower},
		{"p999_ms", Lower},
	}
	kvMemoryMetrics = []Metric{
		{"rss_bytes", Lower},
	}
)

// kvWorkload is what one case asks of every side.
type kvWorkload struct {
	// bench is the redis-benchmark binary.
	bench string
	// op is "SET" or "GET" for a throughput case, "" for the memory case.
	op       string
	pipeline int
	clients  int
	// requests and warmupRequests are redis-benchmark's -n.
	requests, warmupRequests int
	// keyspace is redis-benchmark's -r; a GET case preloads all of it.
	keyspace int
	// valueBytes is redis-benchmark's -d.
	valueBytes int
	// rssKeys is how many keys the memory case loads.
	rssKeys int
	// values are the preloaded values (valueBytes each).
	values *Payloads
}

func kvCases(cfg Config) ([]Case, error) {
	ctx := context.Background()
	tools, err := findKVTools(ctx)
	if err != nil {
		return nil, err
	}
	bin, from := cfg.ReefBin, ""
	if bin != "" {
		// Absolute: servers run with their run directory as working directory.
		if bin, err = filepath.Abs(bin); err != nil {
			return nil, fmt.Errorf("--reef-bin: %w", err)
		}
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("--reef-bin: %w", err)
		}
		from = bin + " (--reef-bin)"
	} else {
		if bin, from, err = buildReef(ctx, cfg.Dir); err != nil {
			return nil, err
		}
		from = "built from " + from
	}
	requests, warmup := kvRequests(cfg)
	if cfg.Header != nil {
		fmt.Fprintf(cfg.Header, "# kv: reef (Nubmq) %s; peer redis-server %s (%s), persistence off\n",
			from, tools.redisVersion, tools.redisServer)
		fmt.Fprintf(cfg.Header, "# kv: client redis-benchmark %s (%s): %d clients, %d requests per run (warm-up %d), -r %d, -d %d; fresh server per run\n",
			tools.benchVersion, tools.redisBenchmark, kvClients, requests, warmup, kvKeyspace, kvValueBytes)
	}
	base := kvWorkload{
		bench:          tools.redisBenchmark,
		clients:        kvClients,
		requests:       requests,
		warmupRequests: warmup,
		keyspace:       kvKeyspace,
		valueBytes:     kvValueBytes,
		rssKeys:        kvRSSKeys,
		values:         NewPayloads(cfg.Seed, kvValueBytes, kvValuePool),
	}
	reef := reefKVSpec(bin)
	redis := redisKVSpec(tools.redisServer, tools.redisVersion)
	var cases []Case
	for _, p := range []int{1, 16} {
		for _, op := range []string{"SET", "GET"} {
			w := base
			w.op, w.pipeline = op, p
			cases = append(cases, Case{
				Name:    fmt.Sprintf("%s p%d", op, p),
				Metrics: kvThroughputMetrics,
				Reef:    w.side(reef),
				Peers:   []Side{w.side(redis)},
			})
		}
	}
	cases = append(cases, Case{
		Name:    "RSS 1M keys",
		Metrics: kvMemoryMetrics,
		Reef:    base.side(reef),
		Peers:   []Side{base.side(redis)},
	})
	return cases, nil
}

func (w kvWorkload) side(spec kvServerSpec) Side {
	return Side{
		Name: spec.name,
		Run: func(ctx context.Context, r Run) (Sample, error) {
			s, err := w.run(ctx, spec, r)
			if err != nil && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return s, err
		},
	}
}

// run starts a fresh server in r.Dir, prepares it, measures and kills it.
func (w kvWorkload) run(ctx context.Context, spec kvServerSpec, r Run) (Sample, error) {
	srv, err := startKVServer(ctx, spec, r.Dir)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if w.op == "" {
		return w.measureRSS(ctx, srv)
	}
	if w.op == "GET" {
		if err := w.preload(ctx, srv, w.keyspace); err != nil {
			return nil, err
		}
	}
	n := w.requests
	if r.Warmup {
		n = w.warmupRequests
	}
	res, err := runRedisBenchmark(ctx, w.bench, srv.port, w.benchArgs(n))
	if err != nil {
		if aerr := srv.alive(); aerr != nil {
			err = fmt.Errorf("%w; %v", err, aerr)
		}
		return nil, fmt.Errorf("%s: %w", spec.name, err)
	}
	if res.test != w.op {
		return nil, fmt.Errorf("%s: redis-benchmark reported test %q, want %q", spec.name, res.test, w.op)
	}
	if err := w.check(ctx, srv, n); err != nil {
		return nil, fmt.Errorf("%s: after redis-benchmark: %w", spec.name, err)
	}
	return Sample{"ops_per_s": res.rps, "p50_ms": res.p50ms, "p99_ms": res.p99ms, "p999_ms": res.p999ms}, nil
}

// benchArgs is redis-benchmark's command line for n requests (without host
// and port).
func (w kvWorkload) benchArgs(n int) []string {
	return []string{
		"-c", strconv.Itoa(w.clients),
		"-n", strconv.Itoa(n),
		"-r", strconv.Itoa(w.keyspace),
		"-d", strconv.Itoa(w.valueBytes),
		"-P", strconv.Itoa(w.pipeline),
		"-t", strings.ToLower(w.op),
	}
}

// preload stores keys key:0…0 … key:<keys-1> and checks the server holds
// exactly that many keys and returns the value of one of them.
func (w kvWorkload) preload(ctx context.Context, srv *kvServer, keys int) error {
	if err := kvLoad(ctx, srv.addr, keys, kvLoadConns, w.values); err != nil {
		return fmt.Errorf("preload %d keys: %w", keys, err)
	}
	c, err := dialRESP(ctx, srv.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if n, err := dbsize(c); err != nil {
		return err
	} else if n != int64(keys) {
		return fmt.Errorf("DBSIZE %d after loading %d distinct keys", n, keys)
	}
	i := keys - 1
	rep, err := c.Do(time.Now().Add(5*time.Second), []byte("GET"), kvKey(nil, i))
	if err != nil {
		return fmt.Errorf("GET %s: %w", kvKey(nil, i), err)
	}
	if rep.kind != '$' || rep.null || !bytes.Equal(rep.str, w.values.At(i)) {
		return fmt.Errorf("GET %s returned %c%q, not the value loaded", kvKey(nil, i), rep.kind, rep.str)
	}
	return nil
}

// check verifies, after a throughput run, that the server is up and holds
// what the run should have left: the preloaded keyspace after GETs, about
// keyspace·(1−(1−1/keyspace)^n) distinct keys after n random SETs.
// redis-benchmark counts error replies as answered requests, so this is what
// catches a server that rejected them.
func (w kvWorkload) check(ctx context.Context, srv *kvServer, n int) error {
	c, err := dialRESP(ctx, srv.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	got, err := dbsize(c)
	if err != nil {
		return err
	}
	if w.op == "GET" {
		if got != int64(w.keyspace) {
			return fmt.Errorf("DBSIZE %d, want the %d preloaded keys", got, w.keyspace)
		}
		return nil
	}
	want := kvExpectedDistinct(w.keyspace, n)
	if float64(got) < 0.9*want || got > int64(w.keyspace) {
		return fmt.Errorf("DBSIZE %d after %d random SETs over %d keys, want about %.0f", got, n, w.keyspace, want)
	}
	return nil
}

// kvExpectedDistinct is the expected number of distinct keys n uniformly
// random draws from keyspace keys give.
func kvExpectedDistinct(keyspace, n int) float64 {
	k := float64(keyspace)
	return k * -math.Expm1(float64(n)*math.Log1p(-1/k))
}

// measureRSS loads rssKeys distinct keys, checks DBSIZE, and reads the
// server's VmRSS.
func (w kvWorkload) measureRSS(ctx context.Context, srv *kvServer) (Sample, error) {
	if err := w.preload(ctx, srv, w.rssKeys); err != nil {
		return nil, err
	}
	rss, err := readRSS(srv.pid())
	if err != nil {
		return nil, fmt.Errorf("read RSS: %w", err)
	}
	return Sample{"rss_bytes": float64(rss)}, nil
}

func dbsize(c *respConn) (int64, error) {
	rep, err := c.Do(time.Now().Add(5*time.Second), []byte("DBSIZE"))
	if err != nil {
		return 0, fmt.Errorf("DBSIZE: %w", err)
	}
	if rep.kind != ':' {
		return 0, fmt.Errorf("DBSIZE replied %c%q, want an integer", rep.kind, rep.str)
	}
	return rep.num, nil
}

// benchResult is one line of redis-benchmark's CSV output.
type benchResult struct {
	test                      string
	rps, p50ms, p99ms, p999ms float64
}

// kvBenchTimeout stops a redis-benchmark run that hangs (a server that
// stopped answering); a healthy run of 1M requests at pipeline 1 takes well
// under a minute.
const kvBenchTimeout = 10 * time.Minute

// runRedisBenchmark runs redis-benchmark against 127.0.0.1:port and parses
// its report.
func runRedisBenchmark(ctx context.Context, bin string, port int, args []string) (benchResult, error) {
	argv := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)
	tctx, cancel := context.WithTimeout(ctx, kvBenchTimeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, bin, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = childSysProcAttr()
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return benchResult{}, ctx.Err()
		}
		if tctx.Err() != nil {
			err = fmt.Errorf("no result after %v: %w", kvBenchTimeout, err)
		}
		return benchResult{}, fmt.Errorf("redis-benchmark %s: %v: %s", strings.Join(argv, " "), err, benchStderr(stderr.String()))
	}
	res, err := parseBenchReport(stdout.String())
	if err != nil {
		return benchResult{}, fmt.Errorf("redis-benchmark %s: %w (stderr: %s)", strings.Join(argv, " "), err, benchStderr(stderr.String()))
	}
	return res, nil
}

// benchStderr drops the warning redis-benchmark prints for a server without
// CONFIG GET save/appendonly (Nubmq), which says nothing about the run.
func benchStderr(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "WARNING: Could not fetch server CONFIG" {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return "(nothing on stderr)"
	}
	return strings.Join(keep, "; ")
}

// parseBenchReport reads redis-benchmark 7's report for one test (its
// default output, without --csv or -q):
//
//	====== SET ======
//	  ...
//	Latency by percentile distribution:
//	0.000% <= 0.199 milliseconds (cumulative count 3)
//	50.000% <= 0.511 milliseconds (cumulative count 55779)
//	...
//	99.902% <= 2.071 milliseconds (cumulative count 99904)
//	...
//	Summary:
//	  throughput summary: 48123.20 requests per second
//	  latency summary (msec):
//	          avg       min       p50       p95       p99       max
//	        0.530     0.168     0.527     0.607     0.751     3.607
//
// rps, p50 and p99 come from the summary (the figures --csv prints). The
// percentile distribution steps halfway to 100% at each line (…, 99.805%,
// 99.902%, …), so p99.9 is the value of its first line at or past 99.9%
// (99.902%): the same reading on both sides. Progress lines, which end in
// a carriage return, are skipped.
func parseBenchReport(out string) (benchResult, error) {
	var res benchResult
	var haveRPS, haveP999 bool
	var cols []string
	inPercentiles := false
	lines := strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(l, "======") && strings.HasSuffix(l, "======"):
			if res.test != "" {
				return benchResult{}, fmt.Errorf("two tests in the report (%s, %s)", res.test, strings.Trim(l, "= "))
			}
			res.test = strings.Trim(l, "= ")
		case l == "Latency by percentile distribution:":
			inPercentiles = true
		case inPercentiles && strings.Contains(l, "% <= "):
			pct, ms, err := parsePercentileLine(l)
			if err != nil {
				return benchResult{}, err
			}
			if !haveP999 && pct >= 99.9 {
				res.p999ms, haveP999 = ms, true
			}
		case strings.HasPrefix(l, "throughput summary:"):
			f := strings.Fields(strings.TrimPrefix(l, "throughput summary:"))
			if len(f) < 1 {
				return benchResult{}, fmt.Errorf("bad throughput line %q", l)
			}
			v, err := parseNonNegative(f[0])
			if err != nil {
				return benchResult{}, fmt.Errorf("throughput: %w", err)
			}
			res.rps, haveRPS = v, true
		case strings.HasPrefix(l, "latency summary"):
			if i+2 >= len(lines) {
				return benchResult{}, errors.New("latency summary cut short")
			}
			cols = strings.Fields(lines[i+1])
			vals := strings.Fields(lines[i+2])
			if len(vals) != len(cols) {
				return benchResult{}, fmt.Errorf("latency summary: %d names, %d values", len(cols), len(vals))
			}
			for _, f := range []struct {
				name string
				dst  *float64
			}{{"p50", &res.p50ms}, {"p99", &res.p99ms}} {
				j := slices.Index(cols, f.name)
				if j < 0 {
					return benchResult{}, fmt.Errorf("latency summary without %s (columns %v)", f.name, cols)
				}
				v, err := parseNonNegative(vals[j])
				if err != nil {
					return benchResult{}, fmt.Errorf("latency summary %s: %w", f.name, err)
				}
				*f.dst = v
			}
			i += 2
		}
	}
	switch {
	case res.test == "":
		return benchResult{}, fmt.Errorf("no test header in output %q", out)
	case !haveRPS:
		return benchResult{}, errors.New("no throughput summary")
	case cols == nil:
		return benchResult{}, errors.New("no latency summary")
	case !haveP999:
		return benchResult{}, errors.New("no latency percentile at or past 99.9%")
	case res.rps == 0:
		return benchResult{}, errors.New("0 requests per second")
	}
	return res, nil
}

// parsePercentileLine reads "99.902% <= 2.071 milliseconds (cumulative count 99904)".
func parsePercentileLine(l string) (pct, ms float64, err error) {
	f := strings.Fields(l)
	if len(f) < 4 || f[1] != "<=" || f[3] != "milliseconds" || !strings.HasSuffix(f[0], "%") {
		return 0, 0, fmt.Errorf("bad percentile line %q", l)
	}
	if pct, err = parseNonNegative(strings.TrimSuffix(f[0], "%")); err != nil {
		return 0, 0, fmt.Errorf("percentile line %q: %w", l, err)
	}
	if ms, err = parseNonNegative(f[2]); err != nil {
		return 0, 0, fmt.Errorf("percentile line %q: %w", l, err)
	}
	return pct, ms, nil
}

func parseNonNegative(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}
