package main

import (
	"bytes"
	"context"
	"encoding/csv"
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
//	redis-benchmark -h 127.0.0.1 -p PORT -c 50 -n N -r 1000000 -d 32 -P {1|16} -t {set|get} --csv
//
// against a fresh server: 50 clients, N requests (1,000,000 full, 200,000
// quick, --requests), random keys key:000000000000 … key:000000999999,
// 32-byte values. A GET run first preloads all 1,000,000 keys of the keyspace
// (so every GET hits), a SET run starts empty. Metrics, as redis-benchmark
// reports them: ops_per_s (its rps), p50_ms and p99_ms of per-request latency.
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
	return Sample{"ops_per_s": res.rps, "p50_ms": res.p50ms, "p99_ms": res.p99ms}, nil
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
		"--csv",
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
	test              string
	rps, p50ms, p99ms float64
}

// kvBenchTimeout stops a redis-benchmark run that hangs (a server that
// stopped answering); a healthy run of 1M requests at pipeline 1 takes well
// under a minute.
const kvBenchTimeout = 10 * time.Minute

// runRedisBenchmark runs redis-benchmark against 127.0.0.1:port and parses
// its CSV output.
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
	res, err := parseBenchCSV(stdout.String())
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

// parseBenchCSV reads redis-benchmark 7's --csv output for one test:
//
//	"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
//	"SET","48543.69","0.545","0.224","0.511","0.663","1.519","3.311"
//
// Columns are found by name, so a reordering does not go unnoticed.
func parseBenchCSV(out string) (benchResult, error) {
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return benchResult{}, fmt.Errorf("parse CSV: %w", err)
	}
	col := map[string]int{}
	var rows [][]string
	for _, rec := range recs {
		if slices.Contains(rec, "test") && slices.Contains(rec, "rps") {
			for i, name := range rec {
				col[name] = i
			}
			continue
		}
		if len(col) > 0 && len(rec) == len(col) {
			rows = append(rows, rec)
		}
	}
	if len(col) == 0 {
		return benchResult{}, fmt.Errorf("no CSV header in output %q", out)
	}
	if len(rows) != 1 {
		return benchResult{}, fmt.Errorf("%d CSV result rows, want 1, in output %q", len(rows), out)
	}
	res := benchResult{test: rows[0][col["test"]]}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"rps", &res.rps}, {"p50_latency_ms", &res.p50ms}, {"p99_latency_ms", &res.p99ms}} {
		i, ok := col[f.name]
		if !ok {
			return benchResult{}, fmt.Errorf("no %q column in CSV header", f.name)
		}
		v, err := strconv.ParseFloat(rows[0][i], 64)
		if err != nil || math.IsNaN(v) || v < 0 {
			return benchResult{}, fmt.Errorf("column %q: bad value %q", f.name, rows[0][i])
		}
		*f.dst = v
	}
	if res.rps == 0 {
		return benchResult{}, errors.New("0 requests per second")
	}
	return res, nil
}

// parseVmRSS finds "VmRSS:	  16228 kB" in the text of a /proc/<pid>/status
// file and returns it in bytes.
func parseVmRSS(status string) (uint64, error) {
	for _, line := range strings.Split(status, "\n") {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("malformed status line %q", line)
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed status line %q", line)
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmRSS line in /proc status")
}
