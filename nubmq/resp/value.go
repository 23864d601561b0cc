package resp

import (
	"fmt"
	"strconv"
)

// Value is one reply read by ReadReply.
type Value struct {
	// Kind is the RESP type byte: + - : $ * _ , # % ~ > ( = (and '|' is not
	// supported). A RESP2 null bulk string or null array has Kind '_'.
	Kind  byte
	Str   []byte  // + - $ = ( : the text (for '=', without the "xxx:" format)
	Int   int64   // :
	Float float64 // ,
	Bool  bool    // #
	Elems []Value // * % ~ > (maps: key, value, key, value, …)
}

// IsNull reports a null reply of either protocol.
func (v Value) IsNull() bool { return v.Kind == '_' }

// String renders v for test failure messages.
func (v Value) String() string {
	switch v.Kind {
	case '+', '$', '=', '(':
		return strconv.Quote(string(v.Str))
	case '-':
		return "(error) " + string(v.Str)
	case ':':
		return strconv.FormatInt(v.Int, 10)
	case ',':
		return FormatDouble(v.Float)
	case '#':
		return strconv.FormatBool(v.Bool)
	case '_':
		return "(nil)"
	}
	return fmt.Sprintf("%c%v", v.Kind, v.Elems)
}

// ReadReply reads one reply (client side), nested aggregates included.
func (r *Reader) ReadReply() (Value, error) { return r.readValue(0) }

func (r *Reader) readValue(depth int) (Value, error) {
	if depth > r.lim.MaxDepth {
		return Value{}, protoErr("reply nested deeper than %d", r.lim.MaxDepth)
	}
	kind, err := r.r.ReadByte()
	if err != nil {
		return Value{}, err
	}
	line, err := r.readLine("reply line")
	if err != nil {
		return Value{}, noEOF(err)
	}
	v := Value{Kind: kind}
	switch kind {
	case '+', '-', '(':
		v.Str = append([]byte(nil), line...)
	case ':':
		if v.Int, err = strconv.ParseInt(string(line), 10, 64); err != nil {
			return v, protoErr("invalid integer %q", line)
		}
	case ',':
		if v.Float, err = strconv.ParseFloat(string(line), 64); err != nil {
			return v, protoErr("invalid double %q", line)
		}
	case '#':
		switch string(line) {
		case "t":
			v.Bool = true
		case "f":
		default:
			return v, protoErr("invalid boolean %q", line)
		}
	case '_':
		if len(line) != 0 {
			return v, protoErr("invalid null")
		}
	case '$', '=':
		n, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil || n < -1 || n > r.lim.MaxBulkBytes {
			return v, protoErr("invalid bulk length")
		}
		if n == -1 {
			return Value{Kind: '_'}, nil
		}
		r.data = r.data[:0]
		if err := r.readBulkInto(int(n)); err != nil {
			return v, err
		}
		v.Str = append([]byte(nil), r.data...)
		if kind == '=' {
			if len(v.Str) < 4 || v.Str[3] != ':' {
				return v, protoErr("invalid verbatim string")
			}
			v.Str = v.Str[4:]
		}
	case '*', '%', '~', '>':
		n, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil || n < -1 || n > int64(r.lim.MaxArgs) {
			return v, protoErr("invalid multibulk length")
		}
		if n == -1 {
			return Value{Kind: '_'}, nil
		}
		count := n
		if kind == '%' {
			count = 2 * n
		}
		v.Elems = make([]Value, 0, min(count, 1024))
		for i := int64(0); i < count; i++ {
			e, err := r.readValue(depth + 1)
			if err != nil {
				return v, noEOF(err)
			}
			v.Elems = append(v.Elems, e)
		}
	default:
		return v, protoErr("unknown reply type %q", kind)
	}
	return v, nil
}
