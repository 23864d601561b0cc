package resp

import (
	"bufio"
	"io"
	"math"
	"strconv"
)

// Writer encodes replies in RESP2 (the default) or RESP3 (after HELLO 3).
// Types RESP2 lacks are written the way Redis writes them to a RESP2 client:
// maps and sets as flat arrays, pushes as arrays, doubles as bulk strings,
// booleans as integers, null as the null bulk string (or null array). It is
// not safe for concurrent use.
type Writer struct {
	w     *bufio.Writer
	proto int
	num   []byte
}

// NewWriter returns a RESP2 Writer over w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 16<<10), proto: 2}
}

// SetProtocol switches between 2 and 3.
func (w *Writer) SetProtocol(v int) { w.proto = v }

// Protocol returns 2 or 3.
func (w *Writer) Protocol() int { return w.proto }

// Flush writes buffered replies to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }

// Buffered returns the bytes waiting for Flush.
func (w *Writer) Buffered() int { return w.w.Buffered() }

func (w *Writer) line(prefix byte, s string) {
	w.w.WriteByte(prefix)
	w.w.WriteString(s)
	w.w.WriteString("\r\n")
}

func (w *Writer) header(prefix byte, n int64) {
	w.num = strconv.AppendInt(w.num[:0], n, 10)
	w.w.WriteByte(prefix)
	w.w.Write(w.num)
	w.w.WriteString("\r\n")
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
	w.w.Write(b)
	w.w.WriteString("\r\n")
}

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.w.WriteString(s)
	w.w.WriteString("\r\n")
}

// Null writes a null (a missing value): $-1 in RESP2, _ in RESP3.
func (w *Writer) Null() {
	if w.proto >= 3 {
		w.w.WriteString("_\r\n")
		return
	}
	w.w.WriteString("$-1\r\n")
}

// NullArray writes a null aggregate: *-1 in RESP2, _ in RESP3.
func (w *Writer) NullArray() {
	if w.proto >= 3 {
		w.w.WriteString("_\r\n")
		return
	}
	w.w.WriteString("*-1\r\n")
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
			w.w.WriteString("#t\r\n")
		} else {
			w.w.WriteString("#f\r\n")
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
