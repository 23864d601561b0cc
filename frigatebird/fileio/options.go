package fileio

import (
	"errors"
	"fmt"
	"strings"
)

// Bounds of the CSV machinery. They are constants rather than options:
// nothing the caller tunes changes correctness, and the defaults are what
// every caller wants.
const (
	// MaxLineBytes bounds one CSV record (a line, or several when a quoted
	// field holds newlines): a longer one is an error wrapping ErrInvalidCSV,
	// so a file without newlines cannot make the reader buffer all of it.
	MaxLineBytes = 64 << 20
	// readBlockBytes is the size of one read from the underlying reader.
	readBlockBytes = 2 << 20
	// maxBatchBytes bounds the string bytes of one column of one batch: a
	// batch ends early (with fewer than vector.Size rows) once a VARCHAR
	// column holds more, so Offsets (uint32) never overflow.
	maxBatchBytes = 1 << 30
	// sniffSampleBytes and sniffSampleRows bound what SniffCSV reads.
	sniffSampleBytes = 16 << 20
	sniffSampleRows  = 20480
	// parallelMinBytes is the smallest file ReadCSVFile splits among
	// workers; smaller files are parsed by one.
	parallelMinBytes = 4 << 20
)

// CSVOptions describe a CSV dialect. The zero value is RFC 4180 without a
// header: comma, double quote, the empty unquoted field read as NULL.
type CSVOptions struct {
	// Header means the first record is a header: skipped when reading,
	// written (the column names) when writing.
	Header bool
	// HeaderAuto asks SniffCSV to decide Header; the readers and the
	// writer ignore it (they use Header).
	HeaderAuto bool
	// Delimiter separates fields; 0 means ',' (and, for SniffCSV, "detect
	// among , | ; and tab").
	Delimiter byte
	// Quote encloses fields holding delimiters, quotes or newlines; a
	// doubled quote inside quotes is one quote (RFC 4180). 0 means '"'.
	Quote byte
	// Null is the text read as NULL and written for NULL; the default is
	// the empty unquoted field. A quoted field is never NULL for VARCHAR
	// ("" is the empty string); for other types a quoted empty field is
	// NULL (it cannot be a value).
	Null string
}

// withDefaults fills the zero fields.
func (o CSVOptions) withDefaults() CSVOptions {
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	if o.Quote == 0 {
		o.Quote = '"'
	}
	return o
}

// Validate reports options no reader or writer can honour: a delimiter or
// quote that is a line break, the delimiter equal to the quote, a NULL
// text holding either or a line break.
func (o CSVOptions) Validate() error {
	o = o.withDefaults()
	bad := func(c byte) bool { return c == '\n' || c == '\r' }
	switch {
	case bad(o.Delimiter):
		return fmt.Errorf("frigatebird: csv delimiter %q: %w", o.Delimiter, ErrOptions)
	case bad(o.Quote):
		return fmt.Errorf("frigatebird: csv quote %q: %w", o.Quote, ErrOptions)
	case o.Delimiter == o.Quote:
		return fmt.Errorf("frigatebird: csv delimiter and quote are both %q: %w", o.Delimiter, ErrOptions)
	case strings.ContainsAny(o.Null, "\r\n") || strings.IndexByte(o.Null, o.Delimiter) >= 0 ||
		strings.IndexByte(o.Null, o.Quote) >= 0:
		return fmt.Errorf("frigatebird: csv null text %q holds the delimiter, the quote or a line break: %w", o.Null, ErrOptions)
	}
	return nil
}

// Sentinel errors; every error of this package wraps one of them or a
// frigatebird/types sentinel (types.ErrCast, types.ErrOutOfRange).
var (
	// ErrInvalidCSV is wrapped by structural CSV errors: a wrong number of
	// fields, an unterminated quoted field, a bare quote in an unquoted
	// field, text after a closing quote, a record longer than
	// MaxLineBytes.
	ErrInvalidCSV = errors.New("invalid csv")
	// ErrOptions is wrapped when CSVOptions fail Validate, or the column
	// types are unusable (none, or INTERVAL).
	ErrOptions = errors.New("invalid csv options")
	// ErrUnsupported is wrapped when a Parquet column has a type or a
	// shape (nested, repeated) Frigatebird cannot read.
	ErrUnsupported = errors.New("unsupported")
	// ErrCorrupt is wrapped when a Parquet file cannot be decoded.
	ErrCorrupt = errors.New("corrupt")
)

// CSVError is a CSV reading error located in the input. Its message reads
// `frigatebird: csv line 12, column 3: invalid input syntax for type
// INTEGER: "x"`; Column is 0 (and left out of the message) when the error
// is about the whole record. Err is the sentinel: ErrInvalidCSV,
// types.ErrCast or types.ErrOutOfRange.
type CSVError struct {
	Line   int64 // 1-based physical line where the record starts, counting the header
	Column int   // 1-based column, or 0
	Msg    string
	Err    error
}

func (e *CSVError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("frigatebird: csv line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("frigatebird: csv line %d: %s", e.Line, e.Msg)
}

// Unwrap returns the sentinel.
func (e *CSVError) Unwrap() error { return e.Err }

// quoteText quotes field text for an error message, cutting it at 64
// bytes.
func quoteText(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%q…", b[:64])
	}
	return fmt.Sprintf("%q", b)
}
