//go:build !reefonly

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/reefdb/reef/bench/internal/tpch"
)

// sqlData is the generated lineitem file every engine loads.
type sqlData struct {
	// path is absolute: engines read it from their own directories.
	path      string
	rows      int64
	sizeBytes int64
	version   int
	// origin says whether this invocation generated the file or found it.
	origin string
}

// sqlGenerate returns lineitem at scale factor sf from seed, generating it
// into cacheDir unless an earlier invocation did. The file's name carries
// the scale factor, the seed and the generator's version; a sidecar file
// (name + ".rows") records its row count and size, and is written after
// the file is complete, so a file without a matching sidecar is generated
// again.
func sqlGenerate(cacheDir string, sf float64, seed uint64) (*sqlData, error) {
	dir, err := filepath.Abs(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("sql: data directory: %w", err)
	}
	name := fmt.Sprintf("tpch-lineitem-sf%g-seed%d-v%d.tbl", sf, seed, tpch.Version)
	d := &sqlData{path: filepath.Join(dir, name), version: tpch.Version}
	if rows, size, ok := readSidecar(d.path); ok {
		if fi, err := os.Stat(d.path); err == nil && fi.Size() == size {
			d.rows, d.sizeBytes = rows, size
			d.origin = "cached in " + d.path
			return d, nil
		}
	}
	start := time.Now()
	tmp, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("sql: generate lineitem: %w", err)
	}
	defer os.Remove(tmp.Name())
	rows, err := tpch.WriteLineitem(tmp, sf, seed, runtime.GOMAXPROCS(0))
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sql: generate lineitem: %w", err)
	}
	fi, err := os.Stat(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("sql: generate lineitem: %w", err)
	}
	if err := os.Rename(tmp.Name(), d.path); err != nil {
		return nil, fmt.Errorf("sql: generate lineitem: %w", err)
	}
	sidecar := fmt.Sprintf("%d %d\n", rows, fi.Size())
	if err := os.WriteFile(d.path+".rows", []byte(sidecar), 0o644); err != nil {
		return nil, fmt.Errorf("sql: generate lineitem: %w", err)
	}
	d.rows, d.sizeBytes = rows, fi.Size()
	d.origin = fmt.Sprintf("generated in %.1fs into %s (kept for later runs)", time.Since(start).Seconds(), d.path)
	return d, nil
}

func readSidecar(path string) (rows, size int64, ok bool) {
	b, err := os.ReadFile(path + ".rows")
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, false
	}
	rows, err1 := strconv.ParseInt(f[0], 10, 64)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	return rows, size, err1 == nil && err2 == nil && rows > 0
}

// sqlReadLines calls fn with the fields of every line of the data file, in
// order; the fields alias a buffer reused for the next line.
func sqlReadLines(ctx context.Context, d *sqlData, fn func(fields *[16][]byte) error) error {
	f, err := os.Open(d.path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(bufio.NewReaderSize(f, 1<<20))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var fields [16][]byte
	var n int64
	for sc.Scan() {
		if err := tpch.SplitLine(sc.Bytes(), &fields); err != nil {
			return fmt.Errorf("%s line %d: %w", d.path, n+1, err)
		}
		if err := fn(&fields); err != nil {
			return err
		}
		n++
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", d.path, err)
	}
	if n != d.rows {
		return fmt.Errorf("%s: %d lines, want %d", d.path, n, d.rows)
	}
	return nil
}
