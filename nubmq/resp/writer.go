package resp

import (
	"io"
	"math"
	"strconv"
)

// Writer encodes replies in RESP2 (the default) or RESP3 (after HELLO 3).
// Types RESP2 lacks are written the way Redis writes them to a RESP2 client:
// maps and sets as flat arrays, pushes as arrays, doubles as bulk strings,
// booleans as integers, null as the null bulk string (or null array). It is
// not safe for concurrent use.
//
// Replies accumulate in the Writer's buffer. Flush sends them to the
// io.Writer given to NewWriter; a server that writes sockets itself uses
// NewBuffer and takes the bytes with Bytes and Discard.
type Writer struct {
	buf   []byte
	out   io.Writer
	proto int
	num   []byte
}

// NewWriter returns a RESP2 Writer over w.
func NewWriter(w io.Writer) *Writer { return &Writer{out: w, proto: 2} }

// NewBuffer returns a RESP2 Writer with no io.Writer: replies stay in its
// buffer until the caller takes them (Bytes, Discard).
func NewBuffer() *Writer { return &Writer{proto: 2} }

// Bytes returns the buffered replies; they stay buffered until Discard.
func (w *Writer) Bytes() []byte { return w.buf }

// Discard drops the first n buffered bytes (those the caller has sent).
// When the buffer empties, its memory is kept for reuse unless it grew past
// 64 KiB.
func (w *Writer) Discard(n int) {
	switch {
	case n >= len(w.buf) && cap(w.buf) > 64<<10:
		w.buf = nil
	case n >= len(w.buf):
		w.buf = w.buf[:0]
	default:
		w.buf = w.buf[:copy(w.buf, w.buf[n:])]
	}
}

// Raw appends bytes that are already RESP-encoded.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// SetProtocol switches between 2 and 3.
func (w *Writer) SetProtocol(v int) { w.proto = v }

// Protocol returns 2 or 3.
func (w *Writer) Protocol() int { return w.proto }

// Flush writes buffered replies to the io.Writer given to NewWriter (a
// Writer made by NewBuffer keeps them).
func (w *Writer) Flush() error {
	if w.out == nil || len(w.buf) == 0 {
		return nil
	}
	_, err := w.out.Write(w.buf)
	w.Discard(len(w.buf))
	return err
}

// Buffered returns the bytes waiting for Flush.
func (w *Writer) Buffered() int { return len(w.buf) }

func (w *Writer) line(prefix byte, s string) {
	w.buf = append(w.buf, prefix)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, "\r\n"...)
}

func (w *Writer) header(prefix byte, n int64) {
	w.num = strconv.AppendInt(w.num[:0], n, 10)
	w.buf = append(w.buf, prefix)
	w.buf = append(w.buf, w.num...)
	w.buf = append(w.buf, "\r\n"...)
}

// SimpleString writes +s. s must not contain CR or LF.
func (w *Writer) SimpleString(s string) { w.line('+', s) }

// OK writes +OK.
func (w *Writer) OK() { w.line('+', "OK") }

// Error writes -msg; msg starts with its code ("ERR ...", "WRONGTYPE ...").
// CR and LF in msg are replaced by spaces, as Redis does.
func (w *Writer) Error(msg string) {
	b := []byte(msg)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	w.line('-', string(b))
}

// Integer writes :n.
func (w *Writer) Integer(n int64) { w.header(':', n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, "\r\n"...)
}

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, "\r\n"...)
}

// Null writes a null (a missing value): $-1 in RESP2, _ in RESP3.
func (w *Writer) Null() {
	if w.proto >= 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes a null aggregate: *-1 in RESP2, _ in RESP3.
func (w *Writer) NullArray() {
	if w.proto >= 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// ArrayHeader starts an array of n elements.
func (w *Writer) ArrayHeader(n int) { w.header('*', int64(n)) }

// MapHeader starts a map of n key/value pairs (2n elements follow).
func (w *Writer) MapHeader(n int) {
	if w.proto >= 3 {
		w.header('%', int64(n))
		return
	}
	w.header('*', int64(2*n))
}

// SetHeader starts a set of n elements.
func (w *Writer) SetHeader(n int) {
	if w.proto >= 3 {
		w.header('~', int64(n))
		return
	}
	w.header('*', int64(n))
}

// PushHeader starts an out-of-band push (pub/sub messages) of n elements.
func (w *Writer) PushHeader(n int) {
	if w.proto >= 3 {
		w.header('>', int64(n))
		return
	}
	w.header('*', int64(n))
}

// Double writes a floating-point number, formatted as Redis does (shortest
// representation that reads back exactly; inf, -inf, nan).
func (w *Writer) Double(f float64) {
	s := FormatDouble(f)
	if w.proto >= 3 {
		w.line(',', s)
		return
	}
	w.BulkString(s)
}

// Bool writes a boolean: #t/#f in RESP3, :1/:0 in RESP2.
func (w *Writer) Bool(b bool) {
	if w.proto >= 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.Integer(1)
	} else {
		w.Integer(0)
	}
}

// FormatDouble formats f for a reply.
func FormatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
