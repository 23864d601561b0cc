//go:build !reefonly

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary double as a server process: run as
// `bench.test fake-kv-server ADDR` it serves fakeKV on ADDR, so the process
// handling of the kv suite is tested without Redis.
func init() { testChildHooks = append(testChildHooks, fakeKVServerMain) }

// fakeKVServerMain serves fakeKV when the test binary is re-executed as
// "fake-kv-server ADDR", and exits.
func fakeKVServerMain() {
	if len(os.Args) == 3 && os.Args[1] == "fake-kv-server" {
		ln, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		(&fakeKV{}).serve(ln)
		os.Exit(0)
	}
}

// fakeKV is a tiny in-memory server speaking enough RESP for the preloader
// and the checks: PING, SET, GET, DBSIZE. SET of failKey replies an error.
type fakeKV struct {
	mu      sync.Mutex
	m       map[string][]byte
	failKey string
}

func (f *fakeKV) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go f.conn(c)
	}
}

func (f *fakeKV) conn(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	for {
		args, err := readFakeCommand(r)
		if err != nil {
			return
		}
		f.exec(w, args)
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

func readFakeCommand(r *bufio.Reader) ([][]byte, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if line[0] != '*' {
		return nil, errors.New("not an array")
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	args := make([][]byte, n)
	for i := range args {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = buf[:size]
	}
	return args, nil
}

func (f *fakeKV) exec(w *bufio.Writer, args [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string][]byte{}
	}
	switch strings.ToUpper(string(args[0])) {
	case "PING":
		w.WriteString("+PONG\r\n")
	case "SET":
		if string(args[1]) == f.failKey {
			w.WriteString("-ERR injected failure\r\n")
			return
		}
		f.m[string(args[1])] = bytes.Clone(args[2])
		w.WriteString("+OK\r\n")
	case "GET":
		v, ok := f.m[string(args[1])]
		if !ok {
			w.WriteString("$-1\r\n")
			return
		}
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(v), v)
	case "DBSIZE":
		fmt.Fprintf(w, ":%d\r\n", len(f.m))
	default:
		fmt.Fprintf(w, "-ERR unknown command '%s'\r\n", args[0])
	}
}

// startFakeKV serves a fakeKV in this process.
func startFakeKV(t *testing.T, failKey string) (*fakeKV, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakeKV{failKey: failKey}
	go f.serve(ln)
	return f, ln.Addr().String()
}

func TestKVKeyMatchesRedisBenchmark(t *testing.T) {
	for _, i := range []int{0, 42, 999_999, 123_456_789_012} {
		if got, want := string(kvKey([]byte("x"), i)), "x"+fmt.Sprintf("key:%012d", i); got != want {
			t.Errorf("kvKey(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestKVLoad(t *testing.T) {
	f, addr := startFakeKV(t, "")
	values := NewPayloads(1, kvValueBytes, 100)
	// More keys than one batch and window, over uneven ranges.
	const keys = 3*kvLoadBatch*kvLoadWindow + 7
	if err := kvLoad(context.Background(), addr, keys, 3, values); err != nil {
		t.Fatal(err)
	}
	if len(f.m) != keys {
		t.Fatalf("%d keys stored, want %d", len(f.m), keys)
	}
	for _, i := range []int{0, 1, keys / 2, keys - 1} {
		if got := f.m[string(kvKey(nil, i))]; !bytes.Equal(got, values.At(i)) {
			t.Errorf("key %d holds %x, want %x", i, got, values.At(i))
		}
	}
}

func TestKVLoadReportsErrorReply(t *testing.T) {
	_, addr := startFakeKV(t, string(kvKey(nil, 5000)))
	err := kvLoad(context.Background(), addr, 20000, 2, NewPayloads(1, kvValueBytes, 10))
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("kvLoad = %v, want the server's error", err)
	}
}

func TestKVLoadCancelled(t *testing.T) {
	_, addr := startFakeKV(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := kvLoad(ctx, addr, 100000, 2, NewPayloads(1, kvValueBytes, 10)); !errors.Is(err, context.Canceled) {
		t.Fatalf("kvLoad on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestParseBenchReport(t *testing.T) {
	// Verbatim from redis-benchmark 7.0.15 -c 50 -n 20000 -r 1000000 -d 32
	// -t set, progress line (ending in a carriage return) included.
	out, err := os.ReadFile("testdata/redis-benchmark-7.0.15-set.txt")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parseBenchReport(string(out))
	if err != nil {
		t.Fatal(err)
	}
	want := benchResult{test: "SET", rps: 51546.39, p50ms: 0.495, p99ms: 1.183, p999ms: 3.551}
	if res != want {
		t.Errorf("parsed %+v, want %+v", res, want)
	}

	const head = "====== GET ======\nLatency by percentile distribution:\n"
	const pcts = "50.000% <= 0.5 milliseconds (cumulative count 5)\n99.902% <= 2 milliseconds (cumulative count 9)\n"
	const sum = "Summary:\n  throughput summary: 1000 requests per second\n  latency summary (msec):\n"
	// Summary columns are found by name.
	res, err = parseBenchReport(head + pcts + sum + "  p99 avg p50\n 3 9 1\n")
	if err != nil || res != (benchResult{test: "GET", rps: 1000, p50ms: 1, p99ms: 3, p999ms: 2}) {
		t.Errorf("reordered summary: %+v, %v", res, err)
	}
	for name, bad := range map[string]string{
		"empty":           "",
		"no header":       pcts + sum + " p50 p99\n 1 2\n",
		"two tests":       head + "====== SET ======\n" + pcts + sum + " p50 p99\n 1 2\n",
		"no p99.9":        head + "50.000% <= 0.5 milliseconds (cumulative count 5)\n" + sum + " p50 p99\n 1 2\n",
		"bad percentile":  head + "99.902% <= x milliseconds (cumulative count 9)\n" + sum + " p50 p99\n 1 2\n",
		"no p99":          head + pcts + sum + " p50 p95\n 1 2\n",
		"short summary":   head + pcts + sum + " p50 p99\n",
		"missing value":   head + pcts + sum + " p50 p99\n 1\n",
		"not a number":    head + pcts + sum + " p50 p99\n 1 NaN\n",
		"no throughput":   head + pcts + "  latency summary (msec):\n p50 p99\n 1 2\n",
		"zero throughput": head + pcts + "  throughput summary: 0 requests per second\n  latency summary (msec):\n p50 p99\n 1 2\n",
	} {
		if _, err := parseBenchReport(bad); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := parseVmRSS("Name:\treef\nVmHWM:\t  20000 kB\nVmRSS:\t   16228 kB\nRssAnon:\t 1 kB\n")
	if err != nil || got != 16228<<10 {
		t.Errorf("parseVmRSS = %d, %v; want %d", got, err, 16228<<10)
	}
	if _, err := parseVmRSS("Name:\treef\n"); err == nil {
		t.Error("no VmRSS line: parsed without error")
	}
}

func TestKVExpectedDistinct(t *testing.T) {
	// 1M random draws over 1M keys leave 1−1/e of them.
	if got, want := kvExpectedDistinct(1_000_000, 1_000_000), 1e6*(1-1/math.E); math.Abs(got-want) > 1 {
		t.Errorf("kvExpectedDistinct(1M, 1M) = %f, want %f", got, want)
	}
	if got := kvExpectedDistinct(1000, 1); math.Abs(got-1) > 1e-9 {
		t.Errorf("kvExpectedDistinct(1000, 1) = %f, want 1", got)
	}
}

func TestKVBenchArgs(t *testing.T) {
	w := kvWorkload{op: "GET", pipeline: 16, clients: 50, keyspace: 1_000_000, valueBytes: 32}
	if got, want := strings.Join(w.benchArgs(200000), " "), "-c 50 -n 200000 -r 1000000 -d 32 -P 16 -t get"; got != want {
		t.Errorf("redis-benchmark arguments %q, want %q", got, want)
	}
}

func TestKVRequests(t *testing.T) {
	for _, tc := range []struct {
		cfg         Config
		run, warmup int
	}{
		{Config{}, 1_000_000, 200_000},
		{Config{Quick: true}, 200_000, 40_000},
		{Config{Quick: true, Requests: 5000}, 5000, 1000},
	} {
		if run, warmup := kvRequests(tc.cfg); run != tc.run || warmup != tc.warmup {
			t.Errorf("kvRequests(%+v) = %d, %d; want %d, %d", tc.cfg, run, warmup, tc.run, tc.warmup)
		}
	}
}

// TestKVCasesWithoutRedis: without redis-server the suite fails at once and
// says how to install it.
func TestKVCasesWithoutRedis(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := kvCases(Config{Quick: true, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "./setup.sh kv") {
		t.Fatalf("kvCases without redis = %v, want a pointer to ./setup.sh kv", err)
	}
}

// fakeKVSpec serves fakeKV from a child process: this test binary.
func fakeKVSpec(t *testing.T) kvServerSpec {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return kvServerSpec{name: "fake", command: func(port int) []string {
		return []string{exe, "fake-kv-server", "127.0.0.1:" + strconv.Itoa(port)}
	}}
}

// TestKVServerProcess starts a server child, preloads it, reads its RSS and
// stops it, as a GET or memory run does.
func TestKVServerProcess(t *testing.T) {
	ctx := context.Background()
	w := kvWorkload{op: "GET", keyspace: 5000, rssKeys: 3000, values: NewPayloads(1, kvValueBytes, 64)}
	srv, err := startKVServer(ctx, fakeKVSpec(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	if err := w.preload(ctx, srv, w.keyspace); err != nil {
		t.Fatal(err)
	}
	if err := w.check(ctx, srv, 1000); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" {
		rss, err := readRSS(srv.pid())
		if err != nil || rss < 1<<20 {
			t.Fatalf("RSS %d, %v: want a few MiB", rss, err)
		}
	}
	srv.stop()
	if srv.alive() == nil {
		t.Fatal("server alive after stop")
	}
	if err := srv.ping(ctx); err == nil {
		t.Fatal("server answers PING after stop")
	}
}

// TestKVServerStartFailure: a server that exits at once is reported with its
// output, not waited for.
func TestKVServerStartFailure(t *testing.T) {
	spec := kvServerSpec{name: "broken", command: func(port int) []string {
		return []string{"/bin/sh", "-c", "echo cannot bind >&2; exit 3"}
	}}
	start := time.Now()
	_, err := startKVServer(context.Background(), spec, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "cannot bind") {
		t.Fatalf("startKVServer = %v, want the server's output", err)
	}
	if d := time.Since(start); d > kvStartTimeout/2 {
		t.Errorf("took %v to notice the exit", d)
	}
}

// TestKVSidesRun runs a tiny version of every kv case on Nubmq and Redis:
// it needs redis-server and redis-benchmark, and builds ../cmd/reef.
func TestKVSidesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds reef and starts Nubmq and Redis servers")
	}
	ctx := context.Background()
	tools, err := findKVTools(ctx)
	if err != nil {
		t.Skip(err)
	}
	bin, _, err := buildReef(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	base := kvWorkload{
		bench:          tools.redisBenchmark,
		clients:        kvClients,
		requests:       4000,
		warmupRequests: 1000,
		keyspace:       2000,
		valueBytes:     kvValueBytes,
		rssKeys:        5000,
		values:         NewPayloads(1, kvValueBytes, 64),
	}
	for _, spec := range []kvServerSpec{reefKVSpec(bin), redisKVSpec(tools.redisServer, tools.redisVersion)} {
		for _, op := range []string{"SET", "GET", ""} {
			for _, p := range []int{1, 16} {
				if op == "" && p == 16 {
					continue
				}
				w := base
				w.op, w.pipeline = op, p
				name := fmt.Sprintf("%s/%s_p%d", spec.name, op, p)
				if op == "" {
					name = spec.name + "/RSS"
				}
				t.Run(name, func(t *testing.T) {
					s, err := w.side(spec).Run(ctx, Run{Dir: t.TempDir()})
					if err != nil {
						t.Fatal(err)
					}
					if op == "" {
						if s["rss_bytes"] < 1<<20 {
							t.Fatalf("implausible sample %v", s)
						}
						return
					}
					if s["ops_per_s"] <= 0 || s["p50_ms"] > s["p99_ms"] {
						t.Fatalf("implausible sample %v", s)
					}
				})
			}
		}
	}
}

// TestKVInterruptKillsServer: cancelling the run's context (what an
// interrupt does) stops the server child.
func TestKVInterruptKillsServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := startKVServer(ctx, fakeKVSpec(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	cancel()
	select {
	case <-srv.done:
	case <-time.After(5 * time.Second):
		t.Fatal("server still running 5s after its context was cancelled")
	}
	if ps := srv.cmd.ProcessState; ps == nil || ps.Exited() {
		t.Fatalf("server ended with %v, want killed by a signal", srv.waitErr)
	}
}
