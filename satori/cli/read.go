package cli

import (
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/reefdb/reef/satori/synth"
)

// ErrMalformed is wrapped by every error about the content of an input
// file; the message names the record or line.
var ErrMalformed = errors.New("malformed input")

// vecReader streams the vectors of a file.
type vecReader interface {
	// Dim is the dimension, known once the reader is made.
	Dim() int
	// Next returns the next vector, valid until the following call, and
	// its id when the format carries one (hasID). It returns io.EOF after
	// the last.
	Next() (id uint64, hasID bool, v []float32, err error)
}

// formatOf resolves "auto" from the file name's extension.
func formatOf(format, path string) (string, error) {
	if format != "" && format != "auto" {
		switch format {
		case "fvecs", "bvecs", "npy", "csv":
			return format, nil
		}
		return "", fmt.Errorf("unknown format %q (want auto, fvecs, bvecs, npy or csv)", format)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".fvecs":
		return "fvecs", nil
	case ".bvecs":
		return "bvecs", nil
	case ".npy":
		return "npy", nil
	case ".csv", ".txt":
		return "csv", nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension; pass --format fvecs, bvecs, npy or csv", path)
}

// newReader makes a reader of format over r. idColumn (csv only) takes
// each line's id from its first field.
func newReader(format string, r io.Reader, idColumn bool) (vecReader, error) {
	switch format {
	case "fvecs":
		return newTexmexReader(r, 4)
	case "bvecs":
		return newTexmexReader(r, 1)
	case "csv":
		return newCSVReader(r, idColumn)
	case "npy":
		data, rows, cols, err := synth.ReadNpy(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if rows == 0 || cols == 0 {
			return nil, fmt.Errorf("%w: the array is empty (%d×%d)", ErrMalformed, rows, cols)
		}
		return &sliceReader{data: data, dim: cols}, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// texmexReader streams .fvecs (4-byte little-endian float32 values) or
// .bvecs (1-byte values): each record is an int32 dimension, then the
// values. Every record must have the first record's dimension.
type texmexReader struct {
	r      *bufio.Reader
	size   int // bytes per value
	dim    int
	record int // 0-based number of the next record
	buf    []byte
	vec    []float32
}

func newTexmexReader(r io.Reader, size int) (*texmexReader, error) {
	t := &texmexReader{r: bufio.NewReaderSize(r, 1<<20), size: size}
	head, err := t.r.Peek(4)
	if len(head) == 0 && err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrMalformed)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: record 0: truncated dimension", ErrMalformed)
	}
	d := int32(binary.LittleEndian.Uint32(head))
	if d < 1 || d > synth.MaxReadDim {
		return nil, fmt.Errorf("%w: record 0: dimension %d is outside 1..%d (is this a %s file?)", ErrMalformed, d, synth.MaxReadDim, t.name())
	}
	t.dim = int(d)
	t.buf = make([]byte, t.dim*size)
	t.vec = make([]float32, t.dim)
	return t, nil
}

func (t *texmexReader) name() string {
	if t.size == 1 {
		return "bvecs"
	}
	return "fvecs"
}

func (t *texmexReader) Dim() int { return t.dim }

func (t *texmexReader) Next() (uint64, bool, []float32, error) {
	var head [4]byte
	n, err := io.ReadFull(t.r, head[:])
	if err == io.EOF {
		return 0, false, nil, io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		return 0, false, nil, fmt.Errorf("%w: record %d: truncated dimension (%d of 4 bytes)", ErrMalformed, t.record, n)
	}
	if err != nil {
		return 0, false, nil, err
	}
	if d := int32(binary.LittleEndian.Uint32(head[:])); int(d) != t.dim {
		return 0, false, nil, fmt.Errorf("%w: record %d: dimension %d, but record 0 has %d", ErrMalformed, t.record, d, t.dim)
	}
	if n, err := io.ReadFull(t.r, t.buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return 0, false, nil, fmt.Errorf("%w: record %d: truncated (%d of %d value bytes)", ErrMalformed, t.record, n, len(t.buf))
		}
		return 0, false, nil, err
	}
	if t.size == 1 {
		for i, b := range t.buf {
			t.vec[i] = float32(b)
		}
	} else {
		for i := range t.vec {
			f := math.Float32frombits(binary.LittleEndian.Uint32(t.buf[4*i:]))
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return 0, false, nil, fmt.Errorf("%w: record %d: component %d is %v", ErrMalformed, t.record, i, f)
			}
			t.vec[i] = f
		}
	}
	t.record++
	return 0, false, t.vec, nil
}

// csvReader streams comma-separated floats, one vector per line. A first
// line with a field that is not a number is a header and is skipped.
type csvReader struct {
	r        *csv.Reader
	idColumn bool
	dim      int
	first    []string // the first data line, read to learn dim
	vec      []float32
}

func newCSVReader(r io.Reader, idColumn bool) (*csvReader, error) {
	c := &csvReader{r: csv.NewReader(bufio.NewReaderSize(r, 1<<20)), idColumn: idColumn}
	c.r.ReuseRecord = true
	c.r.TrimLeadingSpace = true
	c.r.Comment = '#'
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrMalformed)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	header := false
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil {
			header = true
			break
		}
	}
	if header {
		// The header may have a different field count: let the data
		// lines set it.
		c.r.FieldsPerRecord = 0
		if rec, err = c.r.Read(); err == io.EOF {
			return nil, fmt.Errorf("%w: no data after the header line", ErrMalformed)
		} else if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
	}
	c.first = append([]string(nil), rec...)
	c.dim = len(rec)
	if idColumn {
		c.dim--
	}
	if c.dim < 1 {
		return nil, fmt.Errorf("%w: line %d has no vector components", ErrMalformed, c.line(0))
	}
	c.vec = make([]float32, c.dim)
	return c, nil
}

func (c *csvReader) Dim() int { return c.dim }

// line returns the line of field i of the last record read.
func (c *csvReader) line(i int) int {
	l, _ := c.r.FieldPos(i)
	return l
}

func (c *csvReader) Next() (uint64, bool, []float32, error) {
	rec := c.first
	c.first = nil
	if rec == nil {
		var err error
		if rec, err = c.r.Read(); err == io.EOF {
			return 0, false, nil, io.EOF
		} else if err != nil {
			return 0, false, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
	}
	var id uint64
	vals := rec
	if c.idColumn {
		var err error
		if id, err = strconv.ParseUint(strings.TrimSpace(rec[0]), 10, 64); err != nil {
			return 0, false, nil, fmt.Errorf("%w: line %d: id %q is not an integer in 0..2^64-1", ErrMalformed, c.line(0), rec[0])
		}
		vals = rec[1:]
	}
	if len(vals) != c.dim {
		return 0, false, nil, fmt.Errorf("%w: line %d: %d components, want %d", ErrMalformed, c.line(0), len(vals), c.dim)
	}
	for i, f := range vals {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			col := i
			if c.idColumn {
				col++
			}
			return 0, false, nil, fmt.Errorf("%w: line %d, field %d: %q is not a finite float32", ErrMalformed, c.line(col), col+1, f)
		}
		c.vec[i] = float32(v)
	}
	return id, c.idColumn, c.vec, nil
}

// sliceReader serves vectors already in memory (npy).
type sliceReader struct {
	data []float32
	dim  int
	next int
}

func (s *sliceReader) Dim() int { return s.dim }

func (s *sliceReader) Next() (uint64, bool, []float32, error) {
	if (s.next+1)*s.dim > len(s.data) {
		return 0, false, nil, io.EOF
	}
	v := s.data[s.next*s.dim : (s.next+1)*s.dim]
	s.next++
	return 0, false, v, nil
}

// readAll reads every vector of r into one flat slice, at most maxN
// (maxN ≤ 0: all).
func readAll(r vecReader, maxN int) ([]float32, error) {
	var data []float32
	for n := 0; maxN <= 0 || n < maxN; n++ {
		_, _, v, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data = append(data, v...)
	}
	return data, nil
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
