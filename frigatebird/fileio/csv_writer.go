package fileio

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// writeBufferBytes is how much CSVWriter buffers before writing to its
// io.Writer.
const writeBufferBytes = 256 << 10

// CSVWriter writes batches as CSV text (COPY TO): one record per row,
// values formatted as types.Value.String formats them, NULL as the NULL
// text. A field is quoted when it holds the delimiter, the quote, CR or
// LF, starts or ends with a space or a tab, starts with a byte order
// mark, equals the NULL text, or is an empty string; so every value reads
// back (with CSVReader and the same options) as itself. Lines end with
// "\n". A CSVWriter is owned by one goroutine.
type CSVWriter struct {
	w       io.Writer
	ts      []types.Type
	delim   byte
	quote   byte
	null    []byte
	special [256]bool // bytes that force quoting
	buf     []byte
	field   []byte
	err     error
}

// NewCSVWriter returns a writer of rows of the given types; it writes the
// header line of names at once (into its buffer) when opts.Header is set.
func NewCSVWriter(w io.Writer, names []string, ts []types.Type, opts CSVOptions) (*CSVWriter, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Header && len(names) != len(ts) {
		return nil, fmt.Errorf("frigatebird: csv writer: %d names for %d columns: %w", len(names), len(ts), ErrOptions)
	}
	for j, t := range ts {
		if t.Phys() == types.PhysNone {
			return nil, fmt.Errorf("frigatebird: csv writer: column %d: type %s cannot be written: %w", j+1, t, ErrOptions)
		}
	}
	opts = opts.withDefaults()
	cw := &CSVWriter{w: w, ts: ts, delim: opts.Delimiter, quote: opts.Quote, null: []byte(opts.Null)}
	cw.special[cw.delim], cw.special[cw.quote], cw.special['\n'], cw.special['\r'] = true, true, true, true
	cw.buf = make([]byte, 0, writeBufferBytes+4096)
	if opts.Header {
		for j, name := range names {
			if j > 0 {
				cw.buf = append(cw.buf, cw.delim)
			}
			cw.appendField([]byte(name), true)
		}
		cw.buf = append(cw.buf, '\n')
	}
	return cw, nil
}

// Write appends the active rows of b (b.Sel), whose columns have the
// writer's types.
func (w *CSVWriter) Write(b *vector.Batch) error {
	if w.err != nil {
		return w.err
	}
	if len(b.Cols) != len(w.ts) {
		return fmt.Errorf("frigatebird: csv writer: batch of %d columns, want %d: %w", len(b.Cols), len(w.ts), ErrOptions)
	}
	if b.Sel != nil {
		for _, i := range b.Sel {
			w.row(b, int(i))
		}
	} else {
		for i := 0; i < b.Len; i++ {
			w.row(b, i)
		}
	}
	if len(w.buf) >= writeBufferBytes {
		return w.Flush()
	}
	return nil
}

// row appends row i of b.
func (w *CSVWriter) row(b *vector.Batch, i int) {
	for j, v := range b.Cols {
		if j > 0 {
			w.buf = append(w.buf, w.delim)
		}
		if !v.IsValid(i) {
			w.buf = append(w.buf, w.null...)
			continue
		}
		f := w.field[:0]
		switch w.ts[j].Kind {
		case types.KindBoolean:
			if v.Bool(i) {
				f = append(f, "true"...)
			} else {
				f = append(f, "false"...)
			}
		case types.KindSmallInt, types.KindInteger, types.KindBigInt:
			f = strconv.AppendInt(f, v.Ints[i], 10)
		case types.KindDecimal:
			f = types.AppendDecimal(f, v.Ints[i], w.ts[j].Scale)
		case types.KindReal:
			f = types.AppendFloat(f, v.Floats[i], 32)
		case types.KindDouble:
			f = types.AppendFloat(f, v.Floats[i], 64)
		case types.KindDate:
			f = types.AppendDate(f, v.Ints[i])
		case types.KindTimestamp:
			f = types.AppendTimestamp(f, v.Ints[i])
		case types.KindVarchar:
			w.appendField(v.Str(i), true)
			continue
		}
		w.field = f
		w.appendField(f, false)
	}
	w.buf = append(w.buf, '\n')
}

// appendField appends one non-NULL field, quoted when needed.
func (w *CSVWriter) appendField(f []byte, isString bool) {
	if !w.needsQuotes(f, isString) {
		w.buf = append(w.buf, f...)
		return
	}
	w.buf = append(w.buf, w.quote)
	for {
		k := bytes.IndexByte(f, w.quote)
		if k < 0 {
			break
		}
		w.buf = append(w.buf, f[:k+1]...)
		w.buf = append(w.buf, w.quote)
		f = f[k+1:]
	}
	w.buf = append(w.buf, f...)
	w.buf = append(w.buf, w.quote)
}

func (w *CSVWriter) needsQuotes(f []byte, isString bool) bool {
	if len(f) == 0 {
		return isString
	}
	if isSpace(f[0]) || isSpace(f[len(f)-1]) || bytes.HasPrefix(f, bom) || bytes.Equal(f, w.null) {
		return true
	}
	for _, c := range f {
		if w.special[c] {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' }

// Flush writes the buffered text to the io.Writer.
func (w *CSVWriter) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("frigatebird: csv write: %w", err)
		return w.err
	}
	w.buf = w.buf[:0]
	return nil
}
