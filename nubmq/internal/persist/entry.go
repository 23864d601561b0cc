package persist

import (
	"encoding/binary"
	"strconv"
)

// Entry kinds: the first byte of every Walrus entry of an AOF topic
// (docs/format/nubmq-persist.md). After the kind comes the uvarint sequence
// number of the entry's first command, then for entryBegin the uvarint
// length of the whole encoded command, then the payload.
const (
	entryWhole = 'W' // one or more whole RESP-encoded commands
	entryBegin = 'B' // the first piece of a command split over entries
	entryPart  = 'P' // a middle piece
	entryEnd   = 'E' // the last piece
	entryAbort = 'A' // the split command left open by a crash is abandoned
)

// maxEntryHeader bounds the header of any entry: kind, seq, total.
const maxEntryHeader = 1 + 2*binary.MaxVarintLen64

type entry struct {
	kind    byte
	seq     uint64
	total   uint64 // entryBegin: bytes of the whole command
	payload []byte
}

// decodeEntry parses an entry's header; the payload aliases v.
func decodeEntry(v []byte) (entry, error) {
	if len(v) == 0 {
		return entry{}, corruptf("empty aof entry")
	}
	e := entry{kind: v[0]}
	seq, n := binary.Uvarint(v[1:])
	if n <= 0 || seq == 0 {
		return entry{}, corruptf("aof entry %q: bad sequence number", e.kind)
	}
	e.seq = seq
	p := v[1+n:]
	switch e.kind {
	case entryBegin:
		total, n := binary.Uvarint(p)
		if n <= 0 {
			return entry{}, corruptf("aof entry B seq %d: bad length", seq)
		}
		e.total = total
		p = p[n:]
		if uint64(len(p)) >= total {
			return entry{}, corruptf("aof entry B seq %d: %d bytes of a %d-byte command in its first piece", seq, len(p), total)
		}
	case entryWhole, entryPart, entryEnd:
	case entryAbort:
		if len(p) != 0 {
			return entry{}, corruptf("aof entry A seq %d: %d bytes of payload", seq, len(p))
		}
		return e, nil
	default:
		return entry{}, corruptf("unknown aof entry kind %q", e.kind)
	}
	if len(p) == 0 {
		return entry{}, corruptf("aof entry %c seq %d: empty payload", e.kind, seq)
	}
	e.payload = p
	return e, nil
}

// appendEntryHeader appends an entry's kind and sequence number.
func appendEntryHeader(b []byte, kind byte, seq uint64) []byte {
	return binary.AppendUvarint(append(b, kind), seq)
}

// respLen is the size of args encoded as a RESP array of bulk strings.
func respLen(args [][]byte) int {
	n := 1 + decimalLen(len(args)) + 2
	for _, a := range args {
		n += 1 + decimalLen(len(a)) + 2 + len(a) + 2
	}
	return n
}

func decimalLen(v int) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// appendRESP appends args as a RESP array of bulk strings, the form of
// Redis's own AOF.
func appendRESP(b []byte, args [][]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// parseCommand parses one RESP array of bulk strings from the front of p,
// exactly as appendRESP writes it (canonical numbers, at least one
// argument). The arguments alias p and are appended to args[:0].
func parseCommand(p []byte, args [][]byte) ([][]byte, []byte, error) {
	args = args[:0]
	if len(p) == 0 || p[0] != '*' {
		return args, nil, corruptf("aof command does not start with '*'")
	}
	n, p, ok := parseDecimal(p[1:])
	// An argument takes at least 6 bytes ("$0\r\n\r\n"): a corrupt count
	// cannot make us allocate more than the payload's size.
	if !ok || n < 1 || n > len(p)/6 {
		return args, nil, corruptf("aof command: bad argument count")
	}
	for i := 0; i < n; i++ {
		if len(p) == 0 || p[0] != '$' {
			return args, nil, corruptf("aof command: argument %d does not start with '$'", i)
		}
		var l int
		l, p, ok = parseDecimal(p[1:])
		if !ok || l > len(p)-2 || p[l] != '\r' || p[l+1] != '\n' {
			return args, nil, corruptf("aof command: bad argument %d", i)
		}
		args = append(args, p[:l:l])
		p = p[l+2:]
	}
	return args, p, nil
}

// parseDecimal parses a canonical non-negative decimal followed by CRLF.
func parseDecimal(p []byte) (int, []byte, bool) {
	v, i := 0, 0
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		if i == 18 || (i == 1 && p[0] == '0') {
			return 0, nil, false
		}
		v = v*10 + int(p[i]-'0')
	}
	if i == 0 || i+2 > len(p) || p[i] != '\r' || p[i+1] != '\n' {
		return 0, nil, false
	}
	return v, p[i+2:], true
}

// countCommands returns the number of commands in a whole entry's payload.
func countCommands(p []byte) (uint64, error) {
	var args [][]byte
	var n uint64
	for len(p) > 0 {
		var err error
		if args, p, err = parseCommand(p, args); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// replayer turns the entries of the AOF topics, in order, back into
// commands. It checks that sequence numbers follow each other with no hole,
// that split commands are complete, and that nothing but an abort marker or
// its own pieces interrupts a split command.
type replayer struct {
	apply  func(args [][]byte) error
	expect uint64 // sequence number of the next command

	open      bool // a split command is being assembled
	openSeq   uint64
	openTotal uint64
	part      []byte

	args     [][]byte
	commands uint64 // applied
	aborted  uint64 // split commands abandoned at a crash
}

// maxKeptPartBytes bounds the assembly buffer the replayer keeps between
// split commands.
const maxKeptPartBytes = 64 << 20

func (r *replayer) entry(v []byte) error {
	e, err := decodeEntry(v)
	if err != nil {
		return err
	}
	if r.open && e.kind != entryPart && e.kind != entryEnd && e.kind != entryAbort {
		return corruptf("split command %d interrupted by a %c entry", r.openSeq, e.kind)
	}
	switch e.kind {
	case entryWhole:
		if e.seq != r.expect {
			return corruptf("command %d found where %d was expected", e.seq, r.expect)
		}
		for p := e.payload; len(p) > 0; {
			if r.args, p, err = parseCommand(p, r.args); err != nil {
				return err
			}
			if err := r.apply(r.args); err != nil {
				return errApply{err}
			}
			r.expect++
			r.commands++
		}
	case entryBegin:
		if e.seq != r.expect {
			return corruptf("command %d found where %d was expected", e.seq, r.expect)
		}
		r.open, r.openSeq, r.openTotal = true, e.seq, e.total
		r.part = append(r.part[:0], e.payload...)
	case entryPart, entryEnd:
		if !r.open || e.seq != r.openSeq {
			return corruptf("piece of command %d outside it", e.seq)
		}
		if uint64(len(r.part))+uint64(len(e.payload)) > r.openTotal {
			return corruptf("split command %d longer than its %d bytes", e.seq, r.openTotal)
		}
		r.part = append(r.part, e.payload...)
		if e.kind == entryPart {
			return nil
		}
		if uint64(len(r.part)) != r.openTotal {
			return corruptf("split command %d ends at %d of its %d bytes", e.seq, len(r.part), r.openTotal)
		}
		args, rest, err := parseCommand(r.part, r.args)
		if err != nil {
			return err
		}
		if len(rest) != 0 {
			return corruptf("split command %d has %d trailing bytes", e.seq, len(rest))
		}
		r.args = args
		if err := r.apply(args); err != nil {
			return errApply{err}
		}
		r.open = false
		r.expect++
		r.commands++
		if cap(r.part) > maxKeptPartBytes {
			r.part = nil
		}
	case entryAbort:
		if !r.open || e.seq != r.openSeq {
			return corruptf("abort of command %d, which is not open", e.seq)
		}
		r.open = false
		r.aborted++
	}
	return nil
}
