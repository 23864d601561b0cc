package fileio

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// ReadCSVFile reads the CSV file at path with workers goroutines (at
// least 1) and calls fn with every batch; it returns the number of rows.
//
// The file is cut into one byte range per worker, each moved to the next
// record start: a first pass (parallel too) counts the quotes and
// newlines of every range, which gives the quote state and the line number
// at each cut, so quoted fields holding newlines are split correctly and
// errors name the right line. Files under 4 MiB are read by one worker.
//
// fn is called concurrently by different workers, with the worker's index
// (0 ≤ worker < workers) and a batch the worker reuses after fn returns;
// the batches of one worker arrive in file order, and worker w's rows
// precede worker w+1's in the file. When fn or the parsing of a range
// fails, the workers of later ranges stop and ReadCSVFile returns the
// error of the earliest range that failed: the error a sequential read
// would return, though fn may already have seen rows from later ranges.
func ReadCSVFile(path string, ts []types.Type, opts CSVOptions, workers int, fn func(worker int, b *vector.Batch) error) (int64, error) {
	return readCSVFile(path, ts, opts, workers, fn, parallelMinBytes)
}

// readCSVFile is ReadCSVFile splitting files of at least minBytes (tests
// split small ones).
func readCSVFile(path string, ts []types.Type, opts CSVOptions, workers int, fn func(worker int, b *vector.Batch) error, minBytes int64) (int64, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("frigatebird: read csv: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("frigatebird: read csv %s: %w", path, err)
	}
	size := st.Size()
	workers = int(min(int64(max(workers, 1)), max(size, 1)))
	if size < minBytes || workers == 1 {
		return readRange(f, csvRange{start: 0, end: size, line: 1}, ts, opts, 0, fn, nil)
	}
	ranges, err := splitCSV(f, size, workers, opts.withDefaults().Quote)
	if err != nil {
		return 0, fmt.Errorf("frigatebird: read csv %s: %w", path, err)
	}
	var (
		wg    sync.WaitGroup
		rows  = make([]int64, len(ranges))
		errs  = make([]error, len(ranges))
		first atomic.Int64 // index of the earliest failed range, or len(ranges)
	)
	first.Store(int64(len(ranges)))
	for k, rg := range ranges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows[k], errs[k] = readRange(f, rg, ts, opts, k, fn, func() bool { return first.Load() < int64(k) })
			if errs[k] != nil {
				for {
					cur := first.Load()
					if cur <= int64(k) || first.CompareAndSwap(cur, int64(k)) {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	var total int64
	for k := range ranges {
		if errs[k] != nil {
			return total, errs[k]
		}
		total += rows[k]
	}
	return total, nil
}

// errStopped ends a worker whose range follows a failed one; it is never
// returned (the earlier range's error is).
var errStopped = fmt.Errorf("frigatebird: read csv: stopped")

// csvRange is a worker's share of a file: records starting in
// [start, end), the first on line line.
type csvRange struct {
	start, end int64
	line       int64
}

// readRange parses one range with a CSVReader over it and hands its
// batches to fn. stop, when set, reports that an earlier range failed.
func readRange(f *os.File, rg csvRange, ts []types.Type, opts CSVOptions, worker int, fn func(int, *vector.Batch) error, stop func() bool) (int64, error) {
	sr := io.NewSectionReader(f, rg.start, rg.end-rg.start)
	first := rg.start == 0
	r := newCSVReader(sr, ts, opts, rg.line, first, first && opts.Header)
	var b vector.Batch
	var n int64
	for {
		if stop != nil && stop() {
			return n, errStopped
		}
		ok, err := r.Next(&b)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		n += int64(b.Len)
		if err := fn(worker, &b); err != nil {
			return n, err
		}
	}
}

// splitCSV cuts [0, size) into n ranges starting at records.
func splitCSV(f *os.File, size int64, n int, quote byte) ([]csvRange, error) {
	// cuts[k] is where range k's search for a record start begins: the
	// record start is just past the first '\n' outside quotes at or after
	// cuts[k]-1.
	cuts := make([]int64, n+1)
	for k := range cuts {
		cuts[k] = size * int64(k) / int64(n)
	}
	// Count quotes and newlines in [cuts[k]-1, cuts[k+1]-1) (k > 0), in
	// parallel.
	type counts struct{ quotes, newlines int64 }
	cnt := make([]counts, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := 0; k < n-1; k++ { // the last range's counts are not needed
		lo, hi := max(cuts[k]-1, 0), cuts[k+1]-1
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, min(readBlockBytes, hi-lo+1))
			for off := lo; off < hi; {
				m := int(min(int64(len(buf)), hi-off))
				if _, err := f.ReadAt(buf[:m], off); err != nil {
					errs[k] = err
					return
				}
				cnt[k].quotes += int64(bytes.Count(buf[:m], []byte{quote}))
				cnt[k].newlines += int64(bytes.Count(buf[:m], []byte{'\n'}))
				off += int64(m)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	ranges := make([]csvRange, n)
	ranges[0] = csvRange{start: 0, line: 1}
	var quotes, newlines int64 // in [0, cuts[k]-1)
	buf := make([]byte, 64<<10)
	for k := 1; k < n; k++ {
		quotes += cnt[k-1].quotes
		newlines += cnt[k-1].newlines
		start, line, err := nextRecord(f, size, cuts[k]-1, quotes&1 == 1, newlines, quote, buf)
		if err != nil {
			return nil, err
		}
		// A record can span whole ranges: starts never go backwards.
		start = max(start, ranges[k-1].start)
		if start == ranges[k-1].start {
			line = ranges[k-1].line
		}
		ranges[k] = csvRange{start: start, line: line}
		ranges[k-1].end = start
	}
	ranges[n-1].end = size
	return ranges, nil
}

// nextRecord returns the position just past the first '\n' outside quotes
// at or after off (where the quote state is inQuote and newlines '\n'
// precede), and the line number there; size when there is none.
func nextRecord(f *os.File, size, off int64, inQuote bool, newlines int64, quote byte, buf []byte) (int64, int64, error) {
	for off < size {
		m := int(min(int64(len(buf)), size-off))
		if _, err := f.ReadAt(buf[:m], off); err != nil {
			return 0, 0, err
		}
		for i, c := range buf[:m] {
			switch c {
			case quote:
				inQuote = !inQuote
			case '\n':
				newlines++
				if !inQuote {
					return off + int64(i) + 1, newlines + 1, nil
				}
			}
		}
		off += int64(m)
	}
	return size, newlines + 1, nil
}
