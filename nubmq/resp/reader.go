package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Limits bound what a Reader accepts. The zero value takes the defaults,
// which are Redis's.
type Limits struct {
	// MaxBulkBytes bounds one bulk string (proto-max-bulk-len; default 512 MiB).
	MaxBulkBytes int64
	// MaxArgs bounds the arguments of one multibulk command (default 1<<20).
	MaxArgs int
	// MaxInlineBytes bounds an inline command line and the count lines of
	// the multibulk form (default 64 KiB).
	MaxInlineBytes int
	// MaxDepth bounds the nesting of replies read by ReadReply (default 64).
	MaxDepth int
}

// Defaults for the zero fields of Limits.
const (
	DefaultMaxBulkBytes   = 512 << 20
	DefaultMaxArgs        = 1 << 20
	DefaultMaxInlineBytes = 64 << 10
	DefaultMaxDepth       = 64
)

func (l Limits) withDefaults() Limits {
	if l.MaxBulkBytes <= 0 {
		l.MaxBulkBytes = DefaultMaxBulkBytes
	}
	if l.MaxArgs <= 0 {
		l.MaxArgs = DefaultMaxArgs
	}
	if l.MaxInlineBytes <= 0 {
		l.MaxInlineBytes = DefaultMaxInlineBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// ProtocolError is malformed input. Its text is what Redis replies
// ("Protocol error: ..."); a server sends it as "-ERR <text>" and closes the
// connection, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

func protoErr(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// IsProtocolError reports whether err is malformed input (as opposed to an
// I/O error or EOF).
func IsProtocolError(err error) bool {
	var pe *ProtocolError
	return errors.As(err, &pe)
}

// bulkChunk is how much of a bulk string is read (and allocated) at a time,
// so a client announcing a huge length gets memory only for what it sends.
const bulkChunk = 64 << 10

// Reader reads commands (server side) or replies (client side) from a
// stream. It is not safe for concurrent use.
type Reader struct {
	r   *bufio.Reader
	lim Limits

	args [][]byte // the last command's arguments
	data []byte   // their bytes, reused between commands
	ends []int    // end of each argument in data
}

// NewReader returns a Reader over r with the given limits.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 16<<10), lim: lim.withDefaults()}
}

// Buffered returns how many bytes are already read but not yet parsed; a
// server that sees more than zero can hold its replies back and flush them
// once per batch of pipelined commands.
func (r *Reader) Buffered() int { return r.r.Buffered() }

// ReadCommand returns the next command's arguments, in the multibulk form
// (*N\r\n$len\r\narg\r\n…) or the inline form (a line of space-separated,
// optionally quoted words). The slices stay valid until the next call. Empty
// inline lines and multibulk counts ≤ 0 are skipped, as Redis does. Malformed
// input gives a *ProtocolError; the stream is then unusable.
func (r *Reader) ReadCommand() ([][]byte, error) {
	for {
		c, err := r.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if c != '*' {
			r.r.UnreadByte()
			args, err := r.readInline()
			if err != nil || len(args) > 0 {
				return args, err
			}
			continue
		}
		n, err := r.readCount("mbulk count string")
		if err != nil {
			return nil, err
		}
		if n > int64(r.lim.MaxArgs) {
			return nil, protoErr("invalid multibulk length")
		}
		if n <= 0 {
			continue
		}
		return r.readMultibulk(int(n))
	}
}

func (r *Reader) readMultibulk(n int) ([][]byte, error) {
	r.data, r.ends = r.data[:0], r.ends[:0]
	for i := 0; i < n; i++ {
		c, err := r.r.ReadByte()
		if err != nil {
			return nil, noEOF(err)
		}
		if c != '$' {
			return nil, protoErr("expected '$', got '%c'", c)
		}
		l, err := r.readCount("bulk count string")
		if err != nil {
			return nil, err
		}
		if l < 0 || l > r.lim.MaxBulkBytes {
			return nil, protoErr("invalid bulk length")
		}
		if err := r.readBulkInto(int(l)); err != nil {
			return nil, err
		}
		r.ends = append(r.ends, len(r.data))
	}
	r.args = r.args[:0]
	start := 0
	for _, end := range r.ends {
		r.args = append(r.args, r.data[start:end:end])
		start = end
	}
	return r.args, nil
}

// readBulkInto appends l bytes and the trailing CRLF check to r.data.
func (r *Reader) readBulkInto(l int) error {
	for l > 0 {
		chunk := min(l, bulkChunk)
		if cap(r.data)-len(r.data) < chunk {
			grown := make([]byte, len(r.data), max(2*cap(r.data), len(r.data)+chunk))
			copy(grown, r.data)
			r.data = grown
		}
		start := len(r.data)
		r.data = r.data[:start+chunk]
		if _, err := io.ReadFull(r.r, r.data[start:]); err != nil {
			return noEOF(err)
		}
		l -= chunk
	}
	cr, err := r.r.ReadByte()
	if err != nil {
		return noEOF(err)
	}
	lf, err := r.r.ReadByte()
	if err != nil {
		return noEOF(err)
	}
	if cr != '\r' || lf != '\n' {
		return protoErr("invalid bulk format")
	}
	return nil
}

// readCount reads a decimal number terminated by CRLF.
func (r *Reader) readCount(what string) (int64, error) {
	line, err := r.readLine(what)
	if err != nil {
		return 0, err
	}
	n, ok := parseInt(line)
	if !ok {
		if what == "mbulk count string" {
			return 0, protoErr("invalid multibulk length")
		}
		return 0, protoErr("invalid bulk length")
	}
	return n, nil
}

// parseInt parses an optionally negative decimal of at most 18 digits
// without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// readLine reads up to CRLF (or a bare LF, as Redis accepts inline) and
// returns the line without it. The line aliases the read buffer when it fits
// (the common case) and is valid until the next read.
func (r *Reader) readLine(what string) ([]byte, error) {
	if frag, err := r.r.ReadSlice('\n'); err == nil {
		if len(frag) > r.lim.MaxInlineBytes {
			return nil, protoErr("too big %s", what)
		}
		return trimEOL(frag), nil
	} else if err != bufio.ErrBufferFull {
		if len(frag) > r.lim.MaxInlineBytes {
			// An unterminated line already past the bound is refused as
			// Redis refuses it, whether or not more input would follow.
			return nil, protoErr("too big %s", what)
		}
		return nil, noEOF(err)
	} else {
		return r.readLongLine(what, frag)
	}
}

func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// readLongLine finishes a line longer than the read buffer.
func (r *Reader) readLongLine(what string, first []byte) ([]byte, error) {
	line := append([]byte(nil), first...)
	for {
		frag, err := r.r.ReadSlice('\n')
		if len(line)+len(frag) > r.lim.MaxInlineBytes {
			return nil, protoErr("too big %s", what)
		}
		line = append(line, frag...)
		if err == nil {
			return trimEOL(line), nil
		}
		if err != bufio.ErrBufferFull {
			return nil, noEOF(err)
		}
	}
}

func (r *Reader) readInline() ([][]byte, error) {
	line, err := r.readLine("inline request")
	if err != nil {
		return nil, err
	}
	words, ok := splitArgs(line)
	if !ok {
		return nil, protoErr("unbalanced quotes in request")
	}
	return words, nil
}

// noEOF turns an EOF in the middle of a command into ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// splitArgs splits an inline command the way Redis's sdssplitargs does:
// words separated by spaces; "double quotes" with \n \r \t \b \a \\ \" and
// \xHH escapes; 'single quotes' with \' only. A closing quote must be followed
// by a space or the end of the line.
func splitArgs(line []byte) ([][]byte, bool) {
	var args [][]byte
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return args, true
		}
		var cur []byte
		inDouble, inSingle := false, false
		for done := false; !done; {
			switch {
			case inDouble:
				if i == len(line) {
					return nil, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					cur = append(cur, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch e := line[i]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			case inSingle:
				if i == len(line) {
					return nil, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur = append(cur, '\'')
				case c == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			default:
				if i == len(line) {
					done = true
					continue
				}
				switch c := line[i]; {
				case isSpace(c):
					done = true
				case c == '"':
					inDouble = true
				case c == '\'':
					inSingle = true
				default:
					cur = append(cur, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		args = append(args, cur)
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
