package shell

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/exec"
)

func TestComplete(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT 1;":                  true,
		"SELECT 1":                   false,
		"SELECT ';'":                 false,
		"SELECT ';';":                true,
		"SELECT 'it''s';":            true,
		"SELECT 'open;":              false,
		"SELECT 1; -- done":          true,
		"SELECT 1 -- ;":              false,
		"SELECT /* ; */ 1":           false,
		"SELECT /* ; */ 1;":          true,
		"SELECT \"a;b\" FROM t;\n  ": true,
		"SELECT /* open ;":           false,
	} {
		if got := complete(sql); got != want {
			t.Errorf("complete(%q) = %v, want %v", sql, got, want)
		}
	}
}

func newShell(t *testing.T, f Format) (*Shell, *bytes.Buffer) {
	t.Helper()
	db, err := frigatebird.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var out bytes.Buffer
	return &Shell{DB: db, Out: &out, Err: &out, Format: f}, &out
}

func TestFormats(t *testing.T) {
	ctx := context.Background()
	s, out := newShell(t, FormatTable)
	if err := s.Do(ctx, "SELECT 1 + 1"); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "?column?\n--------\n       2\n(1 row)\n" {
		t.Fatalf("table:\n%q", got)
	}
	out.Reset()
	s.Format = FormatCSV
	if err := s.Do(ctx, "SELECT 'a,b' AS x, NULL AS y, 2.50 AS z"); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "x,y,z\n\"a,b\",,2.50\n" {
		t.Fatalf("csv:\n%q", got)
	}
	out.Reset()
	s.Format = FormatJSON
	if err := s.Do(ctx, "SELECT 'q\"' AS s, NULL AS n, 1.5 AS d, true AS b, 7 AS i"); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != `{"s":"q\"","n":null,"d":1.5,"b":true,"i":7}`+"\n" {
		t.Fatalf("json:\n%q", got)
	}
}

func TestMetaAndScript(t *testing.T) {
	ctx := context.Background()
	s, out := newShell(t, FormatTable)
	script := `CREATE TABLE t (a INTEGER NOT NULL, b VARCHAR) ORDER BY (a);
INSERT INTO t VALUES (2, 'x'),
  (1, 'y');
\dt
\d t
\timing on
SELECT count(*) FROM t;
\q
SELECT 'not reached';
`
	if err := s.Script(ctx, strings.NewReader(script)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"CREATE TABLE", "INSERT 0 2", "t                               2            2          1",
		`Table "t" (2 rows in 1 row groups)`, "a                        INTEGER          not null", "Sort key: a", "Timing is on.", "Time: "} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not reached") {
		t.Error(`\q did not stop the script`)
	}
	if err := s.Do(ctx, `\nope`); err == nil {
		t.Error("unknown meta command accepted")
	}
	if err := s.Do(ctx, "SELEC 1"); err == nil {
		t.Error("syntax error not reported")
	}
}

func TestCommand(t *testing.T) {
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{t.TempDir(), "-c", "CREATE TABLE t (x INTEGER)", "-c", "INSERT INTO t VALUES (41)", "-c", "SELECT x + 1 AS y FROM t", "--format", "csv"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasSuffix(got, "y\n42\n") {
		t.Fatalf("output:\n%s", got)
	}
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	b := newProgressBar(&out)
	b.update(exec.Progress{Stage: "pipeline 1/1", Done: 1, Total: 10})
	if out.Len() != 0 {
		t.Fatal("drew before half a second")
	}
	b.start = b.start.Add(-time.Second)
	b.update(exec.Progress{Stage: "pipeline 1/2", Done: 5, Total: 10})
	if !strings.Contains(out.String(), "pipeline 1/2 [===============               ]  50%") {
		t.Fatalf("bar: %q", out.String())
	}
	b.last = b.last.Add(-time.Second)
	b.update(exec.Progress{Stage: "load", Done: 123})
	if !strings.Contains(out.String(), "load: 123 rows") {
		t.Fatalf("count: %q", out.String())
	}
	b.finish()
	if !strings.HasSuffix(out.String(), "\r\033[K") {
		t.Fatalf("not cleared: %q", out.String())
	}
}

func TestSessionAcrossInputs(t *testing.T) {
	ctx := context.Background()
	s, out := newShell(t, FormatCSV)
	for _, in := range []string{"CREATE TABLE t (x INTEGER)", "BEGIN", "INSERT INTO t VALUES (1)", "ROLLBACK", "SELECT count(*) FROM t"} {
		if err := s.Do(ctx, in); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
	}
	if !strings.HasSuffix(out.String(), "count\n0\n") {
		t.Fatalf("output:\n%s", out.String())
	}
	s.Close()
}
