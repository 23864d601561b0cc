package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/reefdb/reef/satori/synth"
)

// idxBytes builds an IDX file of n items of rows×cols bytes, item i's
// byte j being i+j.
func idxBytes(magic uint32, n, rows, cols uint32, items int) []byte {
	var b bytes.Buffer
	for _, v := range []uint32{magic, n, rows, cols} {
		binary.Write(&b, binary.BigEndian, v)
	}
	for i := range items {
		for j := range int(rows * cols) {
			b.WriteByte(byte(i + j))
		}
	}
	return b.Bytes()
}

func TestReadIDXImages(t *testing.T) {
	dir := t.TempDir()
	raw := idxBytes(0x803, 3, 2, 2, 3)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	for name, body := range map[string][]byte{"plain.idx": raw, "packed.idx.gz": gz.Bytes()} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		data, n, dim, err := readIDXImages(path, 0)
		if err != nil || n != 3 || dim != 4 || len(data) != 12 {
			t.Fatalf("%s: n %d dim %d len %d err %v; want 3, 4, 12", name, n, dim, len(data), err)
		}
		if data[0] != 0 || data[5] != 2 || data[11] != 5 {
			t.Errorf("%s: data %v", name, data)
		}
		data, n, _, err = readIDXImages(path, 2)
		if err != nil || n != 2 || len(data) != 8 {
			t.Errorf("%s: first 2: n %d len %d err %v", name, n, len(data), err)
		}
	}
}

func TestDecodeIDXRejects(t *testing.T) {
	cases := map[string][]byte{
		"short header":        idxBytes(0x803, 1, 1, 1, 0)[:10],
		"wrong magic":         idxBytes(0x801, 1, 2, 2, 1),
		"wrong dims":          idxBytes(0x804, 1, 2, 2, 1),
		"zero rows":           idxBytes(0x803, 1, 0, 2, 0),
		"huge item":           idxBytes(0x803, 1, 1<<16, 1<<16, 0),
		"truncated":           idxBytes(0x803, 3, 2, 2, 2),
		"huge count, no body": idxBytes(0x803, 1<<31, 28, 28, 0),
	}
	for name, b := range cases {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, _, err := decodeIDXImages(bytes.NewReader(b), 0)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, errIDXCorrupt) {
			t.Errorf("%s: err %v, want errIDXCorrupt", name, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("%s: allocated %d bytes for a malformed header", name, grew)
		}
	}
	if _, _, _, err := decodeIDXImages(bytes.NewReader(idxBytes(0x803, 2, 2, 2, 2)), 3); !errors.Is(err, errIDXCorrupt) {
		t.Errorf("asking for more items than the header holds: err %v", err)
	}
}

func TestVectorQPSAtRecall(t *testing.T) {
	curve := []vectorPoint{
		{Knob: 1, Recall: 0.80, QPS: 10000},
		{Knob: 2, Recall: 0.90, QPS: 5000},
		{Knob: 4, Recall: 1.00, QPS: 1000},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, c := range []struct {
		target, want float64
	}{
		{0.5, 10000},                   // reached by the fastest point
		{0.8, 10000},                   // exactly on a point
		{0.9, 5000},                    // exactly on a point
		{0.95, math.Sqrt(5000 * 1000)}, // halfway: geometric mean
		{1.0, 1000},
		{0.85, math.Sqrt(10000 * 5000)},
	} {
		if got := vectorQPSAtRecall(curve, c.target); !near(got, c.want) {
			t.Errorf("recall %g: qps %g, want %g", c.target, got, c.want)
		}
	}
	if got := vectorQPSAtRecall(curve[:2], 0.95); !math.IsNaN(got) {
		t.Errorf("never reaches 0.95: got %g, want NaN", got)
	}
	// A dominated point (slower and less accurate) changes nothing; order
	// does not matter.
	messy := []vectorPoint{curve[2], {Knob: 9, Recall: 0.85, QPS: 900}, curve[0], curve[1]}
	if got := vectorQPSAtRecall(messy, 0.95); !near(got, math.Sqrt(5000*1000)) {
		t.Errorf("unsorted curve with a dominated point: %g", got)
	}
	if got := vectorP99AtRecall([]vectorPoint{{Recall: 0.96, QPS: 10, P99Ms: 3}, {Recall: 0.99, QPS: 20, P99Ms: 2}}, 0.95); got != 2 {
		t.Errorf("p99 at recall: %g, want 2 (the fastest point reaching it)", got)
	}
}

func TestVectorMsgRoundTrip(t *testing.T) {
	msgs := []vectorMsg{
		{Type: "built", Engine: "faiss-ivfflat-1.7.3", KnobName: "nprobe", Info: "nlist 4", BuildS: 1.5, RSSBytes: 100, HWMBytes: 200},
		{Type: "point", Point: &vectorPoint{Knob: 8, Recall: 0.97, QPS: 1234.5, P50Ms: 0.5, P99Ms: 2, Queries: 1000}},
		{Type: "done"},
		{Type: "error", Error: "boom\nwith a second line"},
	}
	for _, m := range msgs {
		line := encodeVectorMsg(m)
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("%s: not one line: %q", m.Type, line)
		}
		got, ok, err := decodeVectorMsg(strings.TrimSuffix(string(line), "\n"))
		if !ok || err != nil {
			t.Fatalf("%s: decode: ok %v err %v", m.Type, ok, err)
		}
		if string(encodeVectorMsg(got)) != string(line) {
			t.Errorf("%s: round trip: %s != %s", m.Type, encodeVectorMsg(got), line)
		}
	}
	if _, ok, err := decodeVectorMsg("WARNING clustering 10 points"); ok || err != nil {
		t.Errorf("untagged line: ok %v err %v, want passed through", ok, err)
	}
	for _, bad := range []string{
		`VECTOR {"type":"point"}`,
		`VECTOR {"type":"point","point":{"knob":1,"recall":1.5,"qps":10,"p50_ms":1,"p99_ms":2,"queries":1}}`,
		`VECTOR {"type":"point","point":{"knob":1,"recall":0.5,"qps":0,"p50_ms":1,"p99_ms":2,"queries":1}}`,
		`VECTOR {"type":"point","point":{"knob":1,"recall":0.5,"qps":10,"p50_ms":3,"p99_ms":2,"queries":1}}`,
		`VECTOR {"type":"built","engine":"x","build_s":1,"rss_bytes":0,"hwm_bytes":0}`,
		`VECTOR {"type":"built","engine":"x","build_s":1,"rss_bytes":10,"hwm_bytes":5}`,
		`VECTOR {"type":"error"}`,
		`VECTOR {"type":"nonsense"}`,
		`VECTOR {"type":"done","extra":1}`,
		`VECTOR {"type":"done"`,
	} {
		if _, ok, err := decodeVectorMsg(bad); !ok || !errors.Is(err, errVectorProtocol) {
			t.Errorf("%s: ok %v err %v, want errVectorProtocol", bad, ok, err)
		}
	}
}

func TestCheckVectorAnswer(t *testing.T) {
	if got, err := checkVectorAnswer([]int64{3, 1, -1, -1}, 4, 10); err != nil || len(got) != 2 {
		t.Errorf("padded answer: %v, %v", got, err)
	}
	for _, bad := range [][]int64{{1, 2, 3}, {1, 2, 3, 10}, {1, -2, 3, 4}, {1, -1, 3, 4}, {1, 1, 2, 3}} {
		if _, err := checkVectorAnswer(bad, 4, 10); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

// tinyDataset writes a small synthetic data set with its ground truth.
func tinyDataset(t *testing.T, n, dim, nq int) *vectorDataset {
	t.Helper()
	ds, err := synthDataset(t.TempDir(), n, dim, nq, vectorK, 7, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestVectorDatasetFiles(t *testing.T) {
	ds := tinyDataset(t, 500, 8, 20)
	if !ds.complete() {
		t.Fatal("data set not complete after writing")
	}
	spec := synthSpec(500, 8, 7)
	want, _, _ := synth.Generate(spec)
	var got []float32
	if err := ds.EachBaseChunk(64, func(start int, v []float32) error {
		if start*8 != len(got) {
			t.Errorf("chunk at %d after %d values", start, len(got))
		}
		got = append(got, v...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slicesEqualF32(got, want) {
		t.Error("base vectors read back differ from the generated ones")
	}
	truth, err := ds.ReadTruth()
	if err != nil || len(truth) != 20 || len(truth[0]) != vectorK {
		t.Fatalf("truth: %d queries, err %v", len(truth), err)
	}
	// A truncated file is not complete, and is not read.
	b, _ := os.ReadFile(ds.BasePath)
	os.WriteFile(ds.BasePath, b[:len(b)-4], 0o644)
	if ds.complete() {
		t.Error("truncated base file counted as complete")
	}
	if _, err := ds.ReadBase(0, 1); !errors.Is(err, errVectorFile) {
		t.Errorf("truncated base file: err %v", err)
	}
}

func slicesEqualF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// sweepRecall builds e on ds and returns the recall at knob.
func sweepRecall(t *testing.T, e vectorEngine, ds *vectorDataset, knob int) float64 {
	t.Helper()
	if err := e.Build(context.Background(), t.TempDir(), ds, io.Discard); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	q, _ := ds.ReadQueries()
	truth, _ := ds.ReadTruth()
	p, err := vectorSweepPoint(e, knob, ds, q, truth, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p.Recall
}

func TestExactEngine(t *testing.T) {
	ds := tinyDataset(t, 3000, 16, 50)
	if r := sweepRecall(t, &exactEngine{}, ds, 0); r < 0.999 {
		t.Errorf("exact search: recall %g, want 1", r)
	}
}

// TestVectorChild runs the exact engine's child (this test binary,
// re-executed through TestMain) for two sweeps.
func TestVectorChild(t *testing.T) {
	ds := tinyDataset(t, 2000, 8, 30)
	var progress bytes.Buffer
	c, err := startVectorChild(context.Background(), vectorChildSpec{Engine: "exact", Dataset: *ds,
		Dir: t.TempDir(), MinSweep: time.Millisecond, Workers: 2}, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if c.built.Engine != "exact" || c.built.RSSBytes == 0 {
		t.Errorf("built: %+v", c.built)
	}
	for range 2 {
		pts, err := c.sweep()
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 1 || pts[0].Recall < 0.999 || pts[0].Queries < 30 {
			t.Errorf("sweep: %+v", pts)
		}
	}
	if err := c.close(); err != nil {
		t.Errorf("close: %v", err)
	}
	// After close (the child has exited and its stderr is copied):
	if !regexp.MustCompile(`Go memory after the build: objects [0-9.]+ MB, .*profiler [0-9.]+ MB`).Match(progress.Bytes()) {
		t.Errorf("no Go memory breakdown in the child's progress:\n%s", progress.Bytes())
	}
	// An unknown engine fails with its reason.
	if _, err := startVectorChild(context.Background(), vectorChildSpec{Engine: "nope", Dataset: *ds}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "no engine") {
		t.Errorf("unknown engine: err %v", err)
	}
}

// TestExactTopK checks the heap against sorting on random distances with ties.
func TestExactTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		n, k := 1+rng.IntN(50), 1+rng.IntN(12)
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(rng.IntN(8))
		}
		var h topK
		for i, v := range d {
			h.offer(v, int64(i), k)
		}
		got := h.sorted(nil)
		// Reference: selection by (dist, id).
		var want []int64
		used := make([]bool, n)
		for range min(k, n) {
			best := -1
			for i := range d {
				if !used[i] && (best < 0 || d[i] < d[best]) {
					best = i
				}
			}
			used[best] = true
			want = append(want, int64(best))
		}
		if !slicesEqualI64(got, want) {
			t.Fatalf("top %d of %v: %v, want %v", k, d, got, want)
		}
	}
}

func slicesEqualI64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWriteVectorPlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.png")
	curves := []vectorCurve{
		{Key: "faiss-hnswflat", Name: "faiss-hnswflat-1.7.3", Points: []vectorPoint{{Knob: 16, Recall: 0.9, QPS: 9000}, {Knob: 32, Recall: 0.99, QPS: 4000}}},
		{Key: "exact", Name: "exact", Points: []vectorPoint{{Recall: 1, QPS: 300}}},
	}
	if err := writeVectorPlot(path, "test", curves); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 100 || cfg.Height < 100 {
		t.Errorf("plot: %+v, %v", cfg, err)
	}
	if got := vectorFileName("synth 1M×128 q1000 k10"); got != "synth_1Mx128_q1000_k10" {
		t.Errorf("file name %q", got)
	}
}

// TestVectorCaseRuns runs one case through the harness on a tiny data set:
// every side (reef included) builds once in its child and sweeps per run,
// and Done prints the sweeps and writes the plot.
func TestVectorCaseRuns(t *testing.T) {
	if vectorEngines["faiss-ivfflat"] == nil {
		t.Skip("FAISS is not linked in the lean build (-tags reefonly); this case checks every side")
	}
	ds := tinyDataset(t, 1500, 8, 40)
	dir := t.TempDir()
	cfg := Config{Pairs: minPairs, Dir: dir, CacheDir: dir}
	b := &vectorBench{cfg: cfg, log: io.Discard, minSweep: time.Millisecond, plot: filepath.Join(dir, "plot")}
	vectorActive = b
	c := b.addCase("tiny", ds)
	rn := &Runner{Suite: "vector", Cfg: cfg}
	results := rn.RunCase(context.Background(), c)
	if rn.Failed {
		t.Fatal("a side failed")
	}
	if len(results) != len(vectorMetrics())*(len(vectorSideKeys)-1) {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if r.NA != "" && !strings.Contains(r.Metric.Name, "recall") {
			t.Errorf("%s %s: n/a: %s", r.Metric.Name, r.Peer, r.NA)
		}
	}
	for _, s := range b.cases[0].sides {
		if len(s.sweeps) != minPairs || s.built.BuildS <= 0 && s.key != "exact" {
			t.Errorf("%s: %d sweeps, built %+v", s.name, len(s.sweeps), s.built)
		}
	}
	// A sweep stops at the first knob reaching recall 1, and every sweep
	// of a side has the warm-up's knobs (sameKnobs checked the pairs').
	for _, s := range b.cases[0].sides {
		pts := s.sweeps[0]
		for i, p := range pts {
			if p.Recall >= 1 && i != len(pts)-1 {
				t.Errorf("%s: the sweep went on past knob %d at recall 1: %+v", s.name, p.Knob, pts)
			}
		}
	}
	var out bytes.Buffer
	vectorDone(&out, results)
	for _, want := range []string{"reef ", "probes=2 ", "faiss-ivfflat-1.7.3", "nprobe=1 ", "faiss-hnswflat-1.7.3", "efSearch=16 ", "exact ", "# vector plot: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Done's output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "plot-tiny.png")); err != nil {
		t.Error(err)
	}
	for _, s := range b.cases[0].sides {
		if s.child != nil {
			t.Errorf("%s: child left running after Done", s.name)
		}
	}
}

// FuzzDecodeIDXImages: any input either decodes into whole items or
// fails with errIDXCorrupt, never allocating ahead of its bytes.
func FuzzDecodeIDXImages(f *testing.F) {
	f.Add(idxBytes(0x803, 3, 2, 2, 3))
	f.Add(idxBytes(0x803, 1<<31, 28, 28, 1))
	f.Add([]byte{0, 0, 8, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		data, n, dim, err := decodeIDXImages(bytes.NewReader(b), 0)
		if err != nil {
			if !errors.Is(err, errIDXCorrupt) {
				t.Fatalf("error %v is not errIDXCorrupt", err)
			}
			return
		}
		if len(data) != n*dim || 16+n*dim > len(b) {
			t.Fatalf("%d items of %d from %d bytes: %d values", n, dim, len(b), len(data))
		}
	})
}

// FuzzDecodeVectorMsg: a line is passed through, rejected with
// errVectorProtocol, or a valid message that encodes back to itself.
func FuzzDecodeVectorMsg(f *testing.F) {
	f.Add(string(encodeVectorMsg(vectorMsg{Type: "point", Point: &vectorPoint{Knob: 1, Recall: 0.5, QPS: 10, P50Ms: 1, P99Ms: 2, Queries: 3}})))
	f.Add(`VECTOR {"type":"done"}`)
	f.Add("plain text")
	f.Fuzz(func(t *testing.T, line string) {
		m, ok, err := decodeVectorMsg(line)
		if !ok || err != nil {
			if err != nil && !errors.Is(err, errVectorProtocol) {
				t.Fatalf("error %v is not errVectorProtocol", err)
			}
			return
		}
		again, ok, err := decodeVectorMsg(strings.TrimSuffix(string(encodeVectorMsg(m)), "\n"))
		if !ok || err != nil || again.Type != m.Type {
			t.Fatalf("re-encoded %+v: %+v, %v, %v", m, again, ok, err)
		}
	})
}

// TestSynthStreamDataset: the data set generated in chunks has the same
// files as the one generated whole.
func TestSynthStreamDataset(t *testing.T) {
	whole := tinyDataset(t, 1500, 8, 25)
	streamed, err := synthStreamDataset(t.TempDir(), 1500, 8, 25, vectorK, 7, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]string{{whole.BasePath, streamed.BasePath}, {whole.QueryPath, streamed.QueryPath}, {whole.TruthPath, streamed.TruthPath}} {
		a, err1 := os.ReadFile(p[0])
		b, err2 := os.ReadFile(p[1])
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s and %s differ (errors %v, %v)", p[0], p[1], err1, err2)
		}
	}
}

// TestVectorChildMemCap runs the exact engine's child under a memory cap:
// it must run inside its own cgroup with GOMEMLIMIT set, and a cap below
// what the child needs must kill it rather than be ignored.
func TestVectorChildMemCap(t *testing.T) {
	cg, err := newMemCgroup(64 << 20)
	if err != nil {
		t.Skipf("no memory cgroup can be made here (needs root or a delegated cgroup): %v", err)
	}
	cg.remove()
	ds := tinyDataset(t, 2000, 8, 30)
	c, err := startVectorChild(context.Background(), vectorChildSpec{Engine: "exact", Dataset: *ds,
		Dir: t.TempDir(), MinSweep: time.Millisecond, Workers: 2, MemCap: 256 << 20}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	pid := c.cmd.Process.Pid
	cgroups, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if !strings.Contains(string(cgroups), filepath.Base(c.cg.dir)) {
		t.Errorf("child %d is not in %s: %s", pid, c.cg.dir, cgroups)
	}
	if !bytes.Contains(environ, []byte("GOMEMLIMIT=")) {
		t.Error("child has no GOMEMLIMIT")
	}
	if c.cg.peak() <= 0 {
		t.Error("cgroup reports no memory charged")
	}
	if _, err := c.sweep(); err != nil {
		t.Fatal(err)
	}
	dir := c.cg.dir
	if err := c.close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cgroup %s left behind: %v", dir, err)
	}
	// A cap far below the data the child loads (2 MB of queries and
	// vectors plus the runtime) ends it.
	big := tinyDataset(t, 40000, 64, 10)
	if c, err := startVectorChild(context.Background(), vectorChildSpec{Engine: "exact", Dataset: *big,
		Dir: t.TempDir(), MinSweep: time.Millisecond, Workers: 2, MemCap: 4 << 20}, io.Discard); err == nil {
		c.kill()
		t.Error("child ran under a 4 MB cap")
	}
}
