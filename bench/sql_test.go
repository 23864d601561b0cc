//go:build !reefonly

package main

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sqlTestScale keeps the suite's test at about 6,000 rows.
const sqlTestScale = 0.001

func newTestSQLBench(t *testing.T, fbLoad string) (*sqlBench, Config) {
	t.Helper()
	cfg := Config{Quick: true, Pairs: minPairs, Dir: t.TempDir(), CacheDir: t.TempDir(),
		Seed: 1, ScaleFactor: sqlTestScale, FBLoad: fbLoad}
	b, err := newSQLBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// One execution per run: the test checks answers, not times.
	b.minRun = 0
	t.Cleanup(b.close)
	return b, cfg
}

// TestSQLSuite runs every case of the suite on the three engines at a tiny
// scale factor, both ways of loading Frigatebird: every run's answer must
// equal DuckDB's, and every figure must be there.
func TestSQLSuite(t *testing.T) {
	for _, load := range []string{"copy", "insert"} {
		t.Run(load, func(t *testing.T) {
			b, cfg := newTestSQLBench(t, load)
			rn := &Runner{Suite: "sql", Cfg: cfg}
			var results []Result
			for _, c := range b.cases() {
				results = append(results, rn.RunCase(context.Background(), c)...)
			}
			if want := 2 * (1 + len(sqlQueries)); len(results) != want {
				t.Fatalf("%d results, want %d", len(results), want)
			}
			for _, r := range results {
				if r.NA != "" {
					t.Errorf("%s vs %s: %s", r.Case, r.Peer, r.NA)
					continue
				}
				if !(r.Reef > 0 && r.PeerValue > 0) {
					t.Errorf("%s vs %s: %s reef %v, peer %v", r.Case, r.Peer, r.Metric.Name, r.Reef, r.PeerValue)
				}
			}
			if rn.Failed {
				t.Error("the runner saw a failed run")
			}
			// Every query was answered, and the answers are not empty.
			for _, q := range sqlQueries {
				if a := b.want[q.Name]; a == nil || len(a.Rows) == 0 {
					t.Errorf("%s: no reference answer", q.Name)
				}
			}
			if q1 := b.want["Q1"]; q1 != nil && len(q1.Rows) != 4 {
				t.Errorf("Q1: %d groups, want 4 (A F, N F, N O, R F):\n%s", len(q1.Rows), q1)
			}
		})
	}
}

// TestSQLWrongAnswerFails checks that a side whose answer differs from the
// reference fails its run, with both answers in the error.
func TestSQLWrongAnswerFails(t *testing.T) {
	b, _ := newTestSQLBench(t, "insert")
	q := sqlQueries[len(sqlQueries)-1] // count distinct
	want, err := b.reference(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	wrong := &sqlAnswer{Columns: want.Columns, Rows: [][]sqlCell{{{Text: "1", Kind: cellExact}}}}
	b.want[q.Name] = wrong
	for _, s := range []*sqlSide{b.reef, b.duck, b.lite} {
		_, err := b.querySide(s, q).Run(context.Background(), Run{Dir: t.TempDir()})
		if err == nil {
			t.Fatalf("%s: a run against a wrong reference succeeded", s.name)
		}
		msg := err.Error()
		if !strings.Contains(msg, "answer differs") || !strings.Contains(msg, want.Rows[0][0].Text) {
			t.Fatalf("%s: error does not show both answers: %v", s.name, err)
		}
	}
}

func TestSQLDataCached(t *testing.T) {
	dir := t.TempDir()
	d1, err := sqlGenerate(dir, sqlTestScale, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d1.origin, "generated") || d1.rows == 0 {
		t.Fatalf("first call: %+v", d1)
	}
	d2, err := sqlGenerate(dir, sqlTestScale, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d2.origin, "cached") || d2.rows != d1.rows || d2.path != d1.path {
		t.Fatalf("second call: %+v, first %+v", d2, d1)
	}
	// A truncated file no longer matches its sidecar: generated again.
	if err := os.Truncate(d1.path, 10); err != nil {
		t.Fatal(err)
	}
	d3, err := sqlGenerate(dir, sqlTestScale, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d3.origin, "generated") || d3.rows != d1.rows {
		t.Fatalf("after truncation: %+v", d3)
	}
	n := 0
	if err := sqlReadLines(context.Background(), d3, func(*[16][]byte) error { n++; return nil }); err != nil || int64(n) != d1.rows {
		t.Fatalf("read %d lines (%v), want %d", n, err, d1.rows)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}

func TestSQLCellEqual(t *testing.T) {
	c := func(text string, k sqlCellKind) sqlCell { return sqlCell{text, k} }
	for _, tc := range []struct {
		a, b sqlCell
		want bool
	}{
		{c("12.50", cellExact), c("12.5", cellExact), true},
		{c("12", cellExact), c("12.00", cellExact), true},
		{c("12.01", cellExact), c("12.00", cellExact), false},
		{c("37734107", cellExact), c("37734107.00", cellExact), true},
		{c("1000000000000.01", cellExact), c("1000000000000.02", cellExact), false},
		{c("25.522005853257337", cellFloat), c("25.52200585325734", cellFloat), true},
		{c("25.5220", cellFloat), c("25.5221", cellExact), false},
		{c("0", cellFloat), c("0.00", cellExact), true},
		{c("5.6586e10", cellFloat), c("56586554400.73", cellExact), false},
		{c("5.658655440073e10", cellFloat), c("56586554400.73", cellExact), true},
		{c("AIR", cellText), c("AIR", cellText), true},
		{c("AIR", cellText), c("AIR ", cellText), false},
		{c("NULL", cellNull), c("NULL", cellNull), true},
		{c("NULL", cellNull), c("NULL", cellText), false},
		{c("1", cellExact), c("one", cellText), false},
	} {
		if got := tc.a.equal(tc.b); got != tc.want {
			t.Errorf("%+v equal %+v = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.equal(tc.a); got != tc.want {
			t.Errorf("%+v equal %+v = %v, want %v (swapped)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSQLAnswerEqual(t *testing.T) {
	a := &sqlAnswer{Columns: []string{"m", "n"}, Rows: [][]sqlCell{
		{{"AIR", cellText}, {"3", cellExact}},
		{{"FOB", cellText}, {"4", cellExact}},
	}}
	if err := a.Equal(a); err != nil {
		t.Fatal(err)
	}
	b := &sqlAnswer{Columns: a.Columns, Rows: [][]sqlCell{a.Rows[1], a.Rows[0]}}
	if err := b.Equal(a); err == nil || !strings.Contains(err.Error(), "row 1 column 1 (m)") {
		t.Fatalf("rows in another order: %v", err)
	}
	if err := (&sqlAnswer{Columns: a.Columns, Rows: a.Rows[:1]}).Equal(a); err == nil {
		t.Fatal("a missing row went unnoticed")
	}
	if err := (&sqlAnswer{Columns: a.Columns[:1], Rows: [][]sqlCell{{a.Rows[0][0]}, {a.Rows[1][0]}}}).Equal(a); err == nil {
		t.Fatal("a missing column went unnoticed")
	}
}

func TestDecimalText(t *testing.T) {
	for _, tc := range []struct {
		v     int64
		scale int
		want  string
	}{
		{1234, 2, "12.34"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {0, 2, "0.00"}, {42, 0, "42"}, {-120, 1, "-12.0"},
	} {
		if got := decimalText(big.NewInt(tc.v), tc.scale); got != tc.want {
			t.Errorf("decimalText(%d, %d) = %q, want %q", tc.v, tc.scale, got, tc.want)
		}
	}
}

func TestSQLiteVariants(t *testing.T) {
	for _, q := range sqlQueries {
		text := q.SQL
		if q.SQLite != "" {
			text = q.SQLite
		}
		if strings.Contains(text, "DATE '") {
			t.Errorf("%s: SQLite's text has a DATE literal: %s", q.Name, text)
		}
	}
	q6 := sqlQueries[1]
	if q6.Name != "Q6" || !strings.Contains(q6.SQL, "0.06 - 0.01") || !strings.Contains(q6.SQLite, "BETWEEN 0.05 AND 0.07") {
		t.Fatalf("Q6 texts: %q / %q", q6.SQL, q6.SQLite)
	}
}

func TestSQLFlags(t *testing.T) {
	for _, args := range [][]string{
		{"sql", "--fb-load", "bulk"},
		{"sql", "--sf", "-1"},
	} {
		var out, errOut strings.Builder
		if code := run(args, &out, &errOut); code != exitUsage {
			t.Errorf("run(%q) = %d, want %d (usage); stderr %q", args, code, exitUsage, errOut.String())
		}
	}
}
