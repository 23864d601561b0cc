package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reefdb/reef/satori"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := Command()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// fvecs encodes vectors in the TEXMEX format.
func fvecs(vs [][]float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	return b
}

func testVectors(n, dim int) [][]float32 {
	vs := make([][]float32, n)
	for i := range vs {
		vs[i] = make([]float32, dim)
		for j := range vs[i] {
			vs[i][j] = float32(i*dim+j) / 7
		}
	}
	return vs
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, dir, coll string, id uint64) []float32 {
	t.Helper()
	db, err := satori.Open(filepath.Join(dir, coll), satori.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := db.Get(id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return it.Vector
}

func TestImportFvecs(t *testing.T) {
	dir := t.TempDir()
	vs := testVectors(2500, 8)
	f := write(t, "base.fvecs", fvecs(vs))
	out, err := run(t, "import", "--dir", dir, "--collection", "c", "--file", f, "--start-id", "100", "--batch", "1000")
	if err != nil || !strings.Contains(out, "imported 2500 vectors (dim 8)") || !strings.Contains(out, "collection has 2500 vectors") {
		t.Fatalf("import: %q %v", out, err)
	}
	if got := get(t, dir, "c", 100+1234); fmt.Sprint(got) != fmt.Sprint(vs[1234]) {
		t.Fatalf("vector 1234: %v, want %v", got, vs[1234])
	}
	// A second import into the existing collection upserts.
	if out, err = run(t, "import", "--dir", dir, "--collection", "c", "--file", f); err != nil || !strings.Contains(out, "collection has 2600 vectors") {
		t.Fatalf("reimport: %q %v", out, err)
	}
	// Another dimension is refused.
	f4 := write(t, "four.fvecs", fvecs(testVectors(3, 4)))
	if _, err = run(t, "import", "--dir", dir, "--collection", "c", "--file", f4); err == nil {
		t.Fatal("import of dim 4 into a dim 8 collection succeeded")
	}
}

func TestImportCSV(t *testing.T) {
	dir := t.TempDir()
	f := write(t, "v.csv", []byte("a,b,c\n0.5,1,2\n# a comment\n3, 4.25 ,-5e-1\n"))
	if out, err := run(t, "import", "--dir", dir, "--collection", "plain", "--file", f); err != nil || !strings.Contains(out, "imported 2 vectors (dim 3)") {
		t.Fatalf("import: %q %v", out, err)
	}
	if got := get(t, dir, "plain", 1); fmt.Sprint(got) != "[3 4.25 -0.5]" {
		t.Fatalf("vector 1: %v", got)
	}
	f = write(t, "ids.csv", []byte("42,1,2\n18446744073709551615,3,4\n"))
	if out, err := run(t, "import", "--dir", dir, "--collection", "ids", "--file", f, "--id-column"); err != nil || !strings.Contains(out, "imported 2 vectors (dim 2)") {
		t.Fatalf("import --id-column: %q %v", out, err)
	}
	if got := get(t, dir, "ids", math.MaxUint64); fmt.Sprint(got) != "[3 4]" {
		t.Fatalf("vector max: %v", got)
	}
}

func TestImportMalformed(t *testing.T) {
	dir := t.TempDir()
	good := fvecs(testVectors(5, 4))
	wrongDim := append(append([]byte{}, good...), fvecs(testVectors(1, 3))...)
	nan := fvecs([][]float32{{1, 2}, {1, float32(math.NaN())}})
	for _, tc := range []struct {
		name, content, want string
		args                []string
	}{
		{"trunc.fvecs", string(good[:len(good)-3]), "record 4: truncated", nil},
		{"dims.fvecs", string(wrongDim), "record 5: dimension 3, but record 0 has 4", nil},
		{"nan.fvecs", string(nan), "record 1: component 1 is NaN", nil},
		{"head.fvecs", "\x01\x00", "record 0: truncated dimension", nil},
		{"huge.fvecs", "\xff\xff\xff\x7f", "record 0: dimension 2147483647 is outside", nil},
		{"empty.fvecs", "", "the file is empty", nil},
		{"trunc.bvecs", "\x03\x00\x00\x00\x01\x02", "record 0: truncated", nil},
		{"text.csv", "1,2\n3,x\n", `line 2, field 2: "x" is not a finite float32`, nil},
		{"short.csv", "1,2\n3,4\n5\n", "record on line 3: wrong number of fields", nil},
		{"header.csv", "a,b\n", "no data after the header line", nil},
		{"id.csv", "1,2,3\n-4,5,6\n", `line 2: id "-4" is not an integer`, []string{"--id-column"}},
		{"vectors.dat", "x", "cannot tell the format", nil},
	} {
		f := write(t, tc.name, []byte(tc.content))
		coll := strings.NewReplacer(".", "_").Replace(tc.name)
		args := append([]string{"import", "--dir", dir, "--collection", coll, "--file", f}, tc.args...)
		_, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
		if err != nil && strings.HasSuffix(tc.name, "vecs") && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v does not wrap ErrMalformed", tc.name, err)
		}
	}
	if _, err := run(t, "import", "--dir", dir, "--collection", "bad/name", "--file", write(t, "ok.csv", []byte("1\n"))); err == nil {
		t.Error("import into an invalid collection name succeeded")
	}
}

func TestProgressPlainLines(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, 1000)
	p.interval = 0
	p.update(10, 250)
	p.finish()
	if !regexp.MustCompile(`^import: \[=======  +\]  25%  10 vectors  \d+ vectors/s  ETA \S+\n$`).MatchString(out.String()) {
		t.Fatalf("progress line %q", out.String())
	}
}

func TestBenchSynthetic(t *testing.T) {
	out, err := run(t, "bench", "--synthetic", "2000", "--dim", "16", "--clusters", "20", "--nq", "200", "--max-bucket", "64")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	t.Log("\n" + out)
	// The last row is the largest probes (64).
	rows := regexp.MustCompile(`(?m)^\s*(\d+)\s+([0-9.]+)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s*$`).FindAllStringSubmatch(out, -1)
	if len(rows) != 5 || rows[4][1] != "64" {
		t.Fatalf("table rows %q in\n%s", rows, out)
	}
	if r, _ := strconv.ParseFloat(rows[4][2], 64); r < 0.9 {
		t.Fatalf("recall@10 %.4f at 64 probes", r)
	}
	for _, want := range []string{"build: 2000 vectors", "collection: 2000 vectors, dim 16", "probes  recall@10"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchFiles(t *testing.T) {
	dir := t.TempDir()
	vs := testVectors(300, 4)
	base := write(t, "base.fvecs", fvecs(vs))
	if _, err := run(t, "import", "--dir", dir, "--collection", "c", "--file", base); err != nil {
		t.Fatal(err)
	}
	queries := write(t, "q.fvecs", fvecs(vs[10:20]))
	out, err := run(t, "bench", "--dir", dir, "--collection", "c", "--queries", queries, "--base", base, "--probes", "64", "--k", "5")
	if err != nil || !regexp.MustCompile(`(?m)^\s*64\s+1\.0000\s`).MatchString(out) {
		t.Fatalf("bench --base: %v\n%s", err, out)
	}
	// The same truth as an ivecs file: query i's nearest is base row 10+i.
	var iv []byte
	for i := range 10 {
		iv = binary.LittleEndian.AppendUint32(iv, 1)
		iv = binary.LittleEndian.AppendUint32(iv, uint32(10+i))
	}
	truth := write(t, "gt.ivecs", iv)
	out, err = run(t, "bench", "--dir", dir, "--collection", "c", "--queries", queries, "--truth", truth, "--probes", "64", "--k", "1")
	if err != nil || !regexp.MustCompile(`(?m)^\s*64\s+1\.0000\s`).MatchString(out) {
		t.Fatalf("bench --truth: %v\n%s", err, out)
	}
	if _, err := run(t, "bench", "--dir", dir, "--collection", "c", "--queries", queries); err == nil {
		t.Fatal("bench without truth succeeded")
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- Serve(ctx, &out, ServeOptions{Dir: t.TempDir(), Addr: "127.0.0.1:0",
			Logger: slog.New(slog.DiscardHandler), Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not become ready")
	}
	req, _ := http.NewRequest("PUT", "http://"+addr+"/vector/collections/demo", strings.NewReader(`{"dim":3}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"on http://127.0.0.1:", "curl -X PUT", "stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}
