package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/satori/synth"
)

// The vector suite's child protocol. Each side builds and searches in a
// child process — this binary re-executed with vectorChildEnv set to a JSON
// vectorChildSpec — so that its resident memory is its own, not the
// harness's (which generated the data). The child:
//
//  1. reads the data set's files, builds the index (Build), collects
//     garbage and returns freed memory to the OS, then reads VmRSS and
//     VmHWM from /proc/self/status and prints a "built" message;
//  2. for every line "sweep" on its stdin, runs the sweep (vectorSweep) and
//     prints one "point" message per knob value, then "done";
//  3. on "quit" or the end of stdin, closes the engine and exits 0.
//
// Messages are single lines "VECTOR {json}" on stdout; any other output
// (FAISS warnings, say) is passed to the harness's log. A failure prints an
// "error" message and exits 1. Progress goes to stderr.

const (
	vectorChildEnv = "REEF_BENCH_VECTOR_CHILD"
	vectorMsgTag   = "VECTOR "
)

// vectorChildSpec is what the parent asks a child to do.
type vectorChildSpec struct {
	Engine  string        `json:"engine"` // key in vectorEngines
	Dataset vectorDataset `json:"dataset"`
	Dir     string        `json:"dir"` // fresh directory for Build
	// MinSweep is how long each knob's queries run at least: the query set
	// is repeated until it passed (the first pass gives the recall).
	MinSweep time.Duration `json:"min_sweep_ns"`
	// Workers is how many goroutines issue queries (GOMAXPROCS).
	Workers int `json:"workers"`
	// MemCap, when not 0, caps the child's memory in bytes: a memory
	// cgroup and GOMEMLIMIT (vector_memcap.go).
	MemCap int64 `json:"mem_cap,omitempty"`
	// MaxKnob, when not 0, skips knob values above it (the 20M case: a
	// probe of 1,024 buckets reads 40 MB, mostly from disk).
	MaxKnob int `json:"max_knob,omitempty"`
}

// vectorPoint is one knob value of a sweep.
type vectorPoint struct {
	Knob    int     `json:"knob"`
	Recall  float64 `json:"recall"`
	QPS     float64 `json:"qps"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	Queries int     `json:"queries"` // queries timed (passes × query set)
}

// vectorMsg is one line of the child's output.
type vectorMsg struct {
	Type string `json:"type"` // "built", "point", "done", "error"
	// built
	Engine   string  `json:"engine,omitempty"`
	KnobName string  `json:"knob_name,omitempty"`
	Info     string  `json:"info,omitempty"`
	BuildS   float64 `json:"build_s,omitempty"`
	RSSBytes uint64  `json:"rss_bytes,omitempty"`
	// IdleRSSBytes is VmRSS before Build, with the queries and ground
	// truth loaded: the process's floor, which rss_bytes includes.
	IdleRSSBytes uint64 `json:"idle_rss_bytes,omitempty"`
	HWMBytes     uint64 `json:"hwm_bytes,omitempty"`
	// point
	Point *vectorPoint `json:"point,omitempty"`
	// error
	Error string `json:"error,omitempty"`
}

func encodeVectorMsg(m vectorMsg) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic("bench: marshal vector message: " + err.Error()) // finite floats and strings only
	}
	return append([]byte(vectorMsgTag), append(b, '\n')...)
}

var errVectorProtocol = errors.New("vector: malformed child message")

// decodeVectorMsg parses one line; ok is false for a line that is not a
// message (passed through to the log). A tagged line that does not
// validate is an error.
func decodeVectorMsg(line string) (m vectorMsg, ok bool, err error) {
	body, ok := strings.CutPrefix(line, vectorMsgTag)
	if !ok {
		return m, false, nil
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, true, fmt.Errorf("%w: %v: %q", errVectorProtocol, err, line)
	}
	bad := func(why string) (vectorMsg, bool, error) {
		return m, true, fmt.Errorf("%w: %s: %q", errVectorProtocol, why, line)
	}
	switch m.Type {
	case "built":
		if m.Engine == "" || !(m.BuildS >= 0) || m.RSSBytes == 0 || m.HWMBytes < m.RSSBytes {
			return bad("built needs engine, build_s ≥ 0, 0 < rss_bytes ≤ hwm_bytes")
		}
	case "point":
		p := m.Point
		if p == nil {
			return bad("point without point")
		}
		if !(p.Recall >= 0 && p.Recall <= 1) || !(p.QPS > 0) || math.IsInf(p.QPS, 0) ||
			!(p.P50Ms >= 0 && p.P99Ms >= p.P50Ms) || math.IsInf(p.P99Ms, 0) || p.Queries < 1 {
			return bad("point needs recall in [0,1], qps > 0, 0 ≤ p50 ≤ p99, queries ≥ 1")
		}
	case "done":
	case "error":
		if m.Error == "" {
			return bad("error without text")
		}
	default:
		return bad("unknown type")
	}
	return m, true, nil
}

// vectorChildRequested reports whether this process is a vector child.
func vectorChildRequested() bool { return os.Getenv(vectorChildEnv) != "" }

// vectorChildMain runs a child (see above) and returns its exit status.
func vectorChildMain() int {
	out := bufio.NewWriter(os.Stdout)
	send := func(m vectorMsg) {
		out.Write(encodeVectorMsg(m))
		out.Flush()
	}
	if err := vectorChild(os.Getenv(vectorChildEnv), os.Stdin, send, os.Stderr); err != nil {
		send(vectorMsg{Type: "error", Error: err.Error()})
		return 1
	}
	return 0
}

func vectorChild(specJSON string, cmds io.Reader, send func(vectorMsg), progress io.Writer) error {
	var spec vectorChildSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fmt.Errorf("vector child: spec: %w", err)
	}
	newEngine, ok := vectorEngines[spec.Engine]
	if !ok {
		return fmt.Errorf("vector child: no engine %q", spec.Engine)
	}
	ds := &spec.Dataset
	queries, err := ds.ReadQueries()
	if err != nil {
		return err
	}
	truth, err := ds.ReadTruth()
	if err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	idle, _, err := readSelfMemory()
	if err != nil {
		return err
	}
	e := newEngine()
	defer e.Close()
	start := time.Now()
	if err := e.Build(context.Background(), spec.Dir, ds, progress); err != nil {
		return fmt.Errorf("%s: build: %w", e.Name(), err)
	}
	buildS := time.Since(start).Seconds()
	runtime.GC()
	debug.FreeOSMemory()
	rss, hwm, err := readSelfMemory()
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "%s: Go memory after the build: %s\n", e.Name(), goMemory())
	info := ""
	if d, ok := e.(vectorDescriber); ok {
		info = d.Describe()
	}
	send(vectorMsg{Type: "built", Engine: e.Name(), KnobName: e.KnobName(), Info: info,
		BuildS: buildS, RSSBytes: rss, HWMBytes: hwm, IdleRSSBytes: idle})

	// The first sweep stops at the first knob reaching recall 1 (a larger
	// one only costs more); later sweeps repeat its knobs, so that every
	// sweep of a side has the same points.
	var knobs []int
	swept := false
	sc := bufio.NewScanner(cmds)
	for sc.Scan() {
		switch cmd := strings.TrimSpace(sc.Text()); cmd {
		case "sweep":
			list := knobs
			if !swept {
				list = nil
				for _, knob := range e.Knobs() {
					if spec.MaxKnob <= 0 || knob <= spec.MaxKnob {
						list = append(list, knob)
					}
				}
			}
			for _, knob := range list {
				p, err := vectorSweepPoint(e, knob, ds, queries, truth, spec.Workers, spec.MinSweep)
				if err != nil {
					return fmt.Errorf("%s: %s %d: %w", e.Name(), e.KnobName(), knob, err)
				}
				send(vectorMsg{Type: "point", Point: &p})
				if !swept {
					knobs = append(knobs, knob)
					if p.Recall >= 1 {
						break
					}
				}
			}
			swept = true
			send(vectorMsg{Type: "done"})
		case "quit":
			return e.Close()
		default:
			return fmt.Errorf("vector child: unknown command %q", cmd)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return e.Close()
}

// goMemory describes where the Go runtime's share of the resident memory
// is (runtime/metrics), to tell an index's own memory from the runtime's:
// live objects, free pages the runtime has not returned to the OS,
// metadata (sized by the peak heap), the allocation profiler and stacks.
// The C heap of the FAISS sides is not in it.
func goMemory() string {
	names := []struct{ label, metric string }{
		{"objects", "/memory/classes/heap/objects:bytes"},
		{"unused in spans", "/memory/classes/heap/unused:bytes"},
		{"free not returned", "/memory/classes/heap/free:bytes"},
		{"stacks", "/memory/classes/heap/stacks:bytes"},
		{"span metadata", "/memory/classes/metadata/mspan/inuse:bytes"},
		{"free span metadata", "/memory/classes/metadata/mspan/free:bytes"},
		{"other metadata", "/memory/classes/metadata/other:bytes"},
		{"profiler", "/memory/classes/profiling/buckets:bytes"},
		{"other", "/memory/classes/other:bytes"},
	}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n.metric
	}
	metrics.Read(samples)
	parts := make([]string, 0, len(names))
	for i, n := range names {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			parts = append(parts, fmt.Sprintf("%s %.1f MB", n.label, float64(samples[i].Value.Uint64())/(1<<20)))
		}
	}
	return strings.Join(parts, ", ")
}

// readSelfMemory returns this process's VmRSS and VmHWM in bytes.
func readSelfMemory() (rss, hwm uint64, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, fmt.Errorf("vector child: resident memory: %w", err)
	}
	if rss, err = parseVmRSS(string(b)); err != nil {
		return 0, 0, fmt.Errorf("vector child: %w", err)
	}
	if hwm, err = parseStatusKB(string(b), "VmHWM"); err != nil {
		return 0, 0, fmt.Errorf("vector child: %w", err)
	}
	return rss, hwm, nil
}

// vectorMaxPasses bounds the repetitions of the query set for one knob.
const vectorMaxPasses = 1000

// vectorSweepPoint measures one knob value: the query set is issued one
// query per call from workers goroutines (each takes the next query), as
// many passes as it takes for minTime to pass. Recall@k is computed from
// the first pass, whose answers are checked: exactly k ids, each a base
// position or -1 (FAISS's padding when fewer than k were found, counted as
// a miss) with -1 only after every real id, no id twice.
func vectorSweepPoint(e vectorEngine, knob int, ds *vectorDataset, queries []float32, truth [][]int32,
	workers int, minTime time.Duration) (vectorPoint, error) {
	if err := e.SetKnob(knob); err != nil {
		return vectorPoint{}, err
	}
	nq, k, dim := ds.Queries, ds.K, ds.Dim
	workers = max(1, workers)
	got := make([][]int32, nq)
	hists := make([]Histogram, workers)
	var total time.Duration
	passes := 0
	for passes == 0 || (total < minTime && passes < vectorMaxPasses) {
		first := passes == 0
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, workers)
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out []int64
				for {
					q := int(next.Add(1) - 1)
					if q >= nq {
						return
					}
					t := time.Now()
					ids, err := e.Search(queries[q*dim:(q+1)*dim], k, out)
					hists[w].Record(time.Since(t))
					if err != nil {
						errs[w] = fmt.Errorf("query %d: %w", q, err)
						return
					}
					if first {
						if got[q], err = checkVectorAnswer(ids, k, ds.N); err != nil {
							errs[w] = fmt.Errorf("query %d: %w", q, err)
							return
						}
					}
					out = ids
				}
			}()
		}
		wg.Wait()
		total += time.Since(start)
		if err := errors.Join(errs...); err != nil {
			return vectorPoint{}, err
		}
		passes++
	}
	total = max(total, time.Nanosecond) // a finite QPS, whatever the clock says
	var h Histogram
	for i := range hists {
		h.Merge(&hists[i])
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	return vectorPoint{
		Knob:    knob,
		Recall:  synth.Recall(got, truth, k),
		QPS:     float64(passes*nq) / total.Seconds(),
		P50Ms:   ms(h.Quantile(0.50)),
		P99Ms:   ms(h.Quantile(0.99)),
		Queries: passes * nq,
	}, nil
}

// checkVectorAnswer validates one answer and converts it for synth.Recall.
func checkVectorAnswer(ids []int64, k, n int) ([]int32, error) {
	if len(ids) != k {
		return nil, fmt.Errorf("malformed answer: %d ids, want %d", len(ids), k)
	}
	out := make([]int32, 0, k)
	padding := false
	for i, id := range ids {
		switch {
		case id == -1:
			padding = true
			continue
		case padding:
			return nil, fmt.Errorf("malformed answer: id %d at %d after -1 padding: %v", id, i, ids)
		case id < 0 || id >= int64(n):
			return nil, fmt.Errorf("malformed answer: id %d out of [0, %d): %v", id, n, ids)
		case containsID(out, int32(id)):
			return nil, fmt.Errorf("malformed answer: id %d twice: %v", id, ids)
		}
		out = append(out, int32(id))
	}
	return out, nil
}

func containsID(ids []int32, id int32) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// vectorChildProc is the parent's handle on one child.
type vectorChildProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	log    io.Writer
	prefix string
	built  vectorMsg
	cg     *memCgroup // nil without a memory cap
}

// vectorLeanEngines are the pure-Go sides: their children run the lean
// build of this harness (-tags reefonly: no DuckDB, FAISS or OpenBLAS
// linked in, nor the kv, walrus and kernel suites), so that their RSS is
// the engine's and the Go runtime's, not the peers' library pages (about
// 50 MB of them, mostly OpenBLAS's buffers) or other suites' code (the
// lean binary is 14 MB against 29 MB with those suites; 12 MB of RSS
// before a build against 26).
var vectorLeanEngines = map[string]bool{"reef": true, "exact": true}

var leanChild struct {
	mu  sync.Mutex
	bin string
}

// leanChildBinary builds the lean harness into dir, once per invocation
// (again if the directory it was built in has been removed since, as a
// test's temporary directory is).
func leanChildBinary(ctx context.Context, dir string) (string, error) {
	leanChild.mu.Lock()
	defer leanChild.mu.Unlock()
	if leanChild.bin != "" {
		if _, err := os.Stat(leanChild.bin); err == nil {
			return leanChild.bin, nil
		}
	}
	goBin, err := goCommand()
	if err != nil {
		return "", err
	}
	modDir, err := reefModuleDir(ctx, goBin)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vector-child-lean")
	cmd := exec.CommandContext(ctx, goBin, "build", "-tags", "reefonly", "-o", bin, ".")
	cmd.Dir = filepath.Join(modDir, "bench")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("vector: build the lean child (go build -tags reefonly in %s): %v\n%s", cmd.Dir, err, out)
	}
	leanChild.bin = bin
	return bin, nil
}

// startVectorChild starts a child for spec and waits for its index.
func startVectorChild(ctx context.Context, spec vectorChildSpec, log io.Writer) (*vectorChildProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("vector: re-execute the harness: %w", err)
	}
	if vectorLeanEngines[spec.Engine] {
		if exe, err = leanChildBinary(ctx, filepath.Dir(spec.Dir)); err != nil {
			return nil, err
		}
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), vectorChildEnv+"="+string(specJSON))
	cmd.SysProcAttr = childSysProcAttr()
	prefix := "vector: " + spec.Dataset.Name + ": " + spec.Engine + ": "
	cmd.Stderr = &prefixWriter{w: log, prefix: prefix}
	c := &vectorChildProc{cmd: cmd, log: log, prefix: prefix}
	if spec.MemCap > 0 {
		if c.cg, err = newMemCgroup(spec.MemCap); err != nil {
			return nil, err
		}
		c.cg.wrap(cmd, spec.MemCap)
	}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.lines = bufio.NewScanner(stdout)
	c.lines.Buffer(make([]byte, 64<<10), 1<<20)
	if err := cmd.Start(); err != nil {
		if c.cg != nil {
			c.cg.remove()
		}
		return nil, fmt.Errorf("vector: start child: %w", err)
	}
	m, err := c.next()
	if err == nil && m.Type != "built" {
		err = fmt.Errorf("%w: want built, got %s", errVectorProtocol, m.Type)
	}
	if err != nil {
		c.kill()
		return nil, err
	}
	c.built = m
	return c, nil
}

// next returns the child's next message; an "error" message, a malformed
// one or the end of its output is an error.
func (c *vectorChildProc) next() (vectorMsg, error) {
	for c.lines.Scan() {
		m, ok, err := decodeVectorMsg(c.lines.Text())
		if !ok {
			fmt.Fprintf(c.log, "%s%s\n", c.prefix, c.lines.Text())
			continue
		}
		if err != nil {
			return m, err
		}
		if m.Type == "error" {
			return m, errors.New(m.Error)
		}
		return m, nil
	}
	err := c.lines.Err()
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return vectorMsg{}, fmt.Errorf("vector: child output ended: %w", err)
}

// sweep runs one sweep and returns its points; knob values must be the
// same, in the same order, in every sweep.
func (c *vectorChildProc) sweep() ([]vectorPoint, error) {
	if _, err := io.WriteString(c.stdin, "sweep\n"); err != nil {
		return nil, fmt.Errorf("vector: ask child to sweep: %w", err)
	}
	var pts []vectorPoint
	for {
		m, err := c.next()
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case "point":
			pts = append(pts, *m.Point)
		case "done":
			if len(pts) == 0 {
				return nil, fmt.Errorf("%w: sweep without points", errVectorProtocol)
			}
			return pts, nil
		default:
			return nil, fmt.Errorf("%w: %s during a sweep", errVectorProtocol, m.Type)
		}
	}
}

// close asks the child to quit and waits for it (killing it after a
// grace period).
func (c *vectorChildProc) close() error {
	io.WriteString(c.stdin, "quit\n")
	c.stdin.Close()
	done := make(chan error, 1)
	go func() {
		for c.lines.Scan() { // drain, so the child never blocks on stdout
		}
		done <- c.cmd.Wait()
	}()
	if c.cg != nil {
		defer c.cg.remove()
	}
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		return <-done
	}
}

func (c *vectorChildProc) kill() {
	c.cmd.Process.Kill()
	c.stdin.Close()
	for c.lines.Scan() {
	}
	c.cmd.Wait()
	if c.cg != nil {
		c.cg.remove()
	}
}

// prefixWriter writes every line it is given to w behind prefix.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
