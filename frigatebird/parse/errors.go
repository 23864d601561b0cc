package parse

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrSyntax is matched (errors.Is) by every error Parse returns because the
// text is not valid SQL: PostgreSQL's grammar rejected it, or it holds a NUL
// byte or invalid UTF-8, or a Frigatebird clause (a sort key) is malformed.
var ErrSyntax = errors.New("syntax error")

// ErrUnsupported is matched (errors.Is) by every error Parse returns because
// the text is valid PostgreSQL that Frigatebird does not implement (joins,
// subqueries, window functions, CTEs, ...).
var ErrUnsupported = errors.New("not supported")

// Error is the error type Parse returns. Its message reads
// "frigatebird: parse: <Msg> (at line L, column C)".
type Error struct {
	// Msg says what is wrong, without the package prefix or the position.
	Msg string
	// Offset is the byte offset into the SQL text given to Parse, or -1 when
	// PostgreSQL reported no position.
	Offset int
	// Line and Column are 1-based; Column counts characters (runes), not
	// bytes. Both are 0 when Offset is -1.
	Line, Column int

	kind error // ErrSyntax or ErrUnsupported
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return "frigatebird: parse: " + e.Msg
	}
	return fmt.Sprintf("frigatebird: parse: %s (at line %d, column %d)", e.Msg, e.Line, e.Column)
}

// Unwrap returns ErrSyntax or ErrUnsupported.
func (e *Error) Unwrap() error { return e.kind }

// newError builds an Error of the given kind at byte offset off of sql.
func newError(kind error, sql string, off int, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...), Offset: off, kind: kind}
	if off < 0 {
		e.Offset = -1
		return e
	}
	if off > len(sql) {
		off = len(sql)
		e.Offset = off
	}
	e.Line, e.Column = LineColumn(sql, off)
	return e
}

// LineColumn returns the 1-based line and column (in runes) of byte offset
// off in sql. An offset past the end is clamped to the end.
func LineColumn(sql string, off int) (line, column int) {
	if off > len(sql) {
		off = len(sql)
	}
	line, column = 1, 1
	for i := 0; i < off; {
		r, n := utf8.DecodeRuneInString(sql[i:])
		i += n
		if r == '\n' {
			line, column = line+1, 1
		} else {
			column++
		}
	}
	return line, column
}

// convError is returned by the converter; Parse turns it into an *Error
// against the original text. kind is ErrSyntax or ErrUnsupported.
type convError struct {
	kind error
	msg  string
	off  int
}

func errUnsupported(off int32, what string) *convError {
	return &convError{kind: ErrUnsupported, msg: what + " not supported", off: int(off)}
}

func errInvalid(off int32, format string, args ...any) *convError {
	return &convError{kind: ErrSyntax, msg: fmt.Sprintf(format, args...), off: int(off)}
}

// charToByte converts PostgreSQL's cursor position (1-based, in characters)
// into a byte offset into sql; 0 means "no position" and gives -1.
func charToByte(sql string, cursor int) int {
	if cursor <= 0 {
		return -1
	}
	chars := 0
	for i := range sql {
		if chars == cursor-1 {
			return i
		}
		chars++
	}
	return len(sql)
}
