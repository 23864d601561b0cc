package resp

import "bytes"

// Parser parses commands out of a byte buffer the caller fills, for servers
// that read sockets themselves (an event loop) rather than through an
// io.Reader. It accepts exactly what Reader.ReadCommand accepts and answers
// with the same protocol errors, but never blocks: a command not yet
// complete in the buffer is reported as such, and parsing it again once more
// bytes have arrived gives the command.
//
// The arguments a multibulk command returns alias the buffer (no copy), so
// they are valid until the caller overwrites or moves those bytes. A Parser
// is not safe for concurrent use.
type Parser struct {
	lim  Limits
	args [][]byte
	need int // bytes the pending incomplete command needs in all, when known
}

// NewParser returns a Parser with the given limits.
func NewParser(lim Limits) *Parser { return &Parser{lim: lim.withDefaults()} }

// Limits returns the parser's limits (defaults applied).
func (p *Parser) Limits() Limits { return p.lim }

// SetMaxBulkBytes changes the bound on one bulk string (CONFIG SET
// proto-max-bulk-len).
func (p *Parser) SetMaxBulkBytes(n int64) {
	if n > 0 {
		p.lim.MaxBulkBytes = n
	}
}

// Need returns, after Parse reported an incomplete command, how many bytes
// (counted from the start of the buffer Parse was given, minus what it
// consumed) the command needs in all, or 0 when that is not known yet. A
// caller may skip parsing until it has that many.
func (p *Parser) Need() int { return p.need }

// Parse parses the first command in buf. It returns the command's
// arguments and the bytes consumed. When buf holds no complete command, args
// is nil and n counts only what could be skipped (empty inline lines, empty
// multibulk counts); the caller keeps buf[n:] and calls again with more.
// Malformed input gives a *ProtocolError; the stream is then unusable.
func (p *Parser) Parse(buf []byte) (args [][]byte, n int, err error) {
	p.need = 0
	for n < len(buf) {
		rest := buf[n:]
		if rest[0] != '*' {
			line, used, err := p.line(rest, "inline request")
			if err != nil || used == 0 {
				return nil, n, err
			}
			words, ok := splitArgs(line)
			if !ok {
				return nil, n, protoErr("unbalanced quotes in request")
			}
			n += used
			if len(words) > 0 {
				return words, n, nil
			}
			continue
		}
		count, used, err := p.count(rest[1:], "mbulk count string", "invalid multibulk length")
		if err != nil || used == 0 {
			return nil, n, err
		}
		if count > int64(p.lim.MaxArgs) {
			return nil, n, protoErr("invalid multibulk length")
		}
		if count <= 0 {
			n += 1 + used
			continue
		}
		args, used, err := p.multibulk(rest, 1+used, int(count))
		if err != nil || args == nil {
			return nil, n, err
		}
		return args, n + used, nil
	}
	return nil, n, nil
}

// multibulk parses count bulk strings starting at buf[pos:] (after the
// count line). args is nil when the command is incomplete.
func (p *Parser) multibulk(buf []byte, pos, count int) (args [][]byte, n int, err error) {
	p.args = p.args[:0]
	for i := 0; i < count; i++ {
		if pos >= len(buf) {
			return nil, 0, nil
		}
		if buf[pos] != '$' {
			return nil, 0, protoErr("expected '$', got '%c'", buf[pos])
		}
		l, used, err := p.count(buf[pos+1:], "bulk count string", "invalid bulk length")
		if err != nil || used == 0 {
			return nil, 0, err
		}
		if l < 0 || l > p.lim.MaxBulkBytes {
			return nil, 0, protoErr("invalid bulk length")
		}
		start := pos + 1 + used
		end := start + int(l)
		if end+2 > len(buf) {
			// Only the first missing bulk is known; later ones add to it.
			p.need = end + 2
			return nil, 0, nil
		}
		if buf[end] != '\r' || buf[end+1] != '\n' {
			return nil, 0, protoErr("invalid bulk format")
		}
		p.args = append(p.args, buf[start:end:end])
		pos = end + 2
	}
	return p.args, pos, nil
}

// count parses a decimal line (after its type byte) and returns the bytes
// used including the line end; used is 0 when the line is incomplete.
func (p *Parser) count(buf []byte, tooBig, invalid string) (v int64, used int, err error) {
	line, used, err := p.line(buf, tooBig)
	if err != nil || used == 0 {
		return 0, 0, err
	}
	v, ok := parseInt(line)
	if !ok {
		return 0, 0, protoErr("%s", invalid)
	}
	return v, used, nil
}

// line returns the line at the start of buf without its LF or CRLF, and
// the bytes it spans with the line end; used is 0 when buf holds no complete
// line yet. A line (or, while incomplete, the bytes so far) longer than
// MaxInlineBytes is an error, as in Redis.
func (p *Parser) line(buf []byte, what string) (line []byte, used int, err error) {
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		if len(buf) > p.lim.MaxInlineBytes {
			return nil, 0, protoErr("too big %s", what)
		}
		return nil, 0, nil
	}
	if i+1 > p.lim.MaxInlineBytes {
		return nil, 0, protoErr("too big %s", what)
	}
	return trimEOL(buf[:i+1]), i + 1, nil
}
