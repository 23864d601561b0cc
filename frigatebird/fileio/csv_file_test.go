package fileio

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// writeCSVFile writes rows as CSV into a file in dir.
func writeCSVFile(t testing.TB, dir string, ts []types.Type, rows table, opts CSVOptions) string {
	t.Helper()
	var buf bytes.Buffer
	names := make([]string, len(ts))
	for j := range names {
		names[j] = "c" + string(rune('a'+j))
	}
	w, err := NewCSVWriter(&buf, names, ts, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rows); i += vector.Size {
		if err := w.Write(makeBatch(ts, rows[i:min(i+vector.Size, len(rows))])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readFileParallel reads path with readCSVFile and returns the rows in
// file order (worker by worker), checking that workers are in range.
func readFileParallel(t testing.TB, path string, ts []types.Type, opts CSVOptions, workers int, minBytes int64) (table, int64, error) {
	t.Helper()
	var mu sync.Mutex
	per := make([]table, workers)
	n, err := readCSVFile(path, ts, opts, workers, func(w int, b *vector.Batch) error {
		if w < 0 || w >= workers {
			t.Errorf("worker %d of %d", w, workers)
			return nil
		}
		rows := appendBatch(t, nil, b, ts)
		mu.Lock()
		per[w] = append(per[w], rows...)
		mu.Unlock()
		return nil
	}, minBytes)
	var all table
	for _, rows := range per {
		all = append(all, rows...)
	}
	return all, n, err
}

// TestReadCSVFileParallel: splitting a file among workers gives the rows
// of a sequential read, in order, also with quoted newlines and quotes
// near the cuts.
func TestReadCSVFileParallel(t *testing.T) {
	iters := 40
	if raceEnabled || testing.Short() {
		iters = 8
	}
	for it := 0; it < iters; it++ {
		seed := uint64(it)
		rng := rand.New(rand.NewPCG(seed, 11))
		ts := []types.Type{types.Integer, types.Text, types.MustDecimal(15, 2), types.Date, types.Text}
		opts := CSVOptions{Header: rng.IntN(2) == 0, Delimiter: []byte{',', '|'}[rng.IntN(2)]}
		rows := randTable(rng, ts, rng.IntN(3000), 0.1)
		if it%2 == 0 {
			// Plain text only: no quotes in the file.
			for _, row := range rows {
				for _, j := range []int{1, 4} {
					if !row[j].Null {
						row[j].Str = strings.Map(func(r rune) rune {
							if strings.ContainsRune("\"\r\n,| \t\ufeff", r) || row[j].Str == "" || row[j].Str == "NULL" {
								return 'q'
							}
							return r
						}, row[j].Str)
						if row[j].Str == "" {
							row[j].Str = "e"
						}
					}
				}
			}
		}
		path := writeCSVFile(t, t.TempDir(), ts, rows, opts)
		want, nSeq, err := readFileParallel(t, path, ts, opts, 1, 0)
		if err != nil {
			t.Fatalf("seed %d: sequential: %v", seed, err)
		}
		compareTables(t, want, rows)
		for _, workers := range []int{2, 3, 7, 64} {
			got, n, err := readFileParallel(t, path, ts, opts, workers, 0)
			if err != nil {
				t.Fatalf("seed %d, %d workers: %v", seed, workers, err)
			}
			if n != nSeq {
				t.Fatalf("seed %d, %d workers: %d rows, want %d", seed, workers, n, nSeq)
			}
			compareTables(t, got, want)
		}
	}
}

// TestReadCSVFileParallelErrors: the error is the sequential read's (the
// earliest in the file), with its line number, however the file is cut.
func TestReadCSVFileParallelErrors(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,note\n")
	for i := 0; i < 2000; i++ {
		switch i {
		case 1500:
			sb.WriteString("oops,x\n")
		case 700:
			sb.WriteString("1,\"multi\nline\"\n")
		case 1800:
			sb.WriteString("bad,y\n")
		default:
			sb.WriteString("1,plain\n")
		}
	}
	path := filepath.Join(t.TempDir(), "e.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := []types.Type{types.Integer, types.Text}
	want := `frigatebird: csv line 1503, column 1: invalid input syntax for type INTEGER: "oops"`
	for _, workers := range []int{1, 2, 3, 5, 16} {
		_, _, err := readFileParallel(t, path, ts, CSVOptions{Header: true}, workers, 0)
		if err == nil || err.Error() != want {
			t.Fatalf("%d workers: got %v, want %s", workers, err, want)
		}
	}
	// An error of fn stops the read and is returned.
	stop := errors.New("stop")
	_, err := readCSVFile(path, ts, CSVOptions{Header: true}, 4, func(int, *vector.Batch) error { return stop }, 0)
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want %v", err, stop)
	}
	if _, err := ReadCSVFile(filepath.Join(t.TempDir(), "missing.csv"), ts, CSVOptions{}, 2, nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestReadCSVFileLarge crosses the real parallel threshold (4 MiB).
func TestReadCSVFileLarge(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("large file: skipped under -race and -short")
	}
	path := filepath.Join(t.TempDir(), "lineitem.tbl")
	n := 40000
	if err := os.WriteFile(path, lineitemText(n), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sum int64
	rows, err := ReadCSVFile(path, lineitemTypes, CSVOptions{Delimiter: '|'}, 2, func(w int, b *vector.Batch) error {
		var s int64
		for _, x := range b.Cols[0].Ints {
			s += x
		}
		mu.Lock()
		sum += s
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != int64(n) {
		t.Fatalf("%d rows, want %d", rows, n)
	}
	var want int64
	for i := 0; i < n; i++ {
		want += int64(i/4 + 1)
	}
	if sum != want {
		t.Fatalf("sum of orderkeys %d, want %d", sum, want)
	}
}
