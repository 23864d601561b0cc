package attr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// MarshalJSON encodes s as a JSON object of its fields in name order,
// e.g. {"color":"red","year":2021}. A nil Set is {}. An invalid Set is an
// error wrapping ErrInvalid.
func (s Set) MarshalJSON() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s))
	for name := range s {
		names = append(names, name)
	}
	slices.Sort(names)
	b := []byte{'{'}
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = appendJSONValue(b, s[name])
	}
	return append(b, '}'), nil
}

// UnmarshalJSON replaces *s with the Set ParseSetJSON parses from b. JSON
// null leaves *s unchanged, as encoding/json does for other types.
func (s *Set) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	parsed, err := ParseSetJSON(b)
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

// ParseSetJSON parses a JSON object of fields, e.g.
// {"color":"red","year":2021}. Each value is a string or an integer in
// the int64 range written without fraction or exponent; anything else
// (1.5, 1e3, null, true, arrays, objects), a repeated field, or a Set
// that breaks a limit is an error wrapping ErrInvalid that names the
// field. {} is an empty, non-nil Set.
func ParseSetJSON(b []byte) (Set, error) {
	dec := newJSONDecoder(b)
	if err := expectDelim(dec, '{', "attributes must be a JSON object"); err != nil {
		return nil, fmt.Errorf("%w: attributes: %v", ErrInvalid, err)
	}
	s := Set{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: attributes: %v", ErrInvalid, err)
		}
		name, _ := tok.(string) // object keys are always strings
		if _, dup := s[name]; dup {
			return nil, fmt.Errorf("%w: attributes: field %q repeated", ErrInvalid, name)
		}
		if len(s) == MaxFields {
			return nil, fmt.Errorf("%w: attributes: more than %d fields", ErrInvalid, MaxFields)
		}
		v, err := readValue(dec)
		if err != nil {
			return nil, fmt.Errorf("%w: attributes: field %q: %v", ErrInvalid, name, err)
		}
		s[name] = v
	}
	if err := expectEnd(dec, '}'); err != nil {
		return nil, fmt.Errorf("%w: attributes: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: attributes: trailing data after the object", ErrInvalid)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// MarshalJSON encodes f in the form ParseFilterJSON reads; parsing the
// result gives an equal Filter. A nil *Filter is null. A Filter that
// fails Validate is an error.
func (f *Filter) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f.appendJSON(nil), nil
}

func (f *Filter) appendJSON(b []byte) []byte {
	switch f.op {
	case opAnd, opOr:
		b = append(b, `{"`+f.op.name()+`":[`...)
		for i, k := range f.kids {
			if i > 0 {
				b = append(b, ',')
			}
			b = k.appendJSON(b)
		}
		return append(b, "]}"...)
	case opNot:
		b = append(b, `{"not":`...)
		b = f.kids[0].appendJSON(b)
		return append(b, '}')
	}
	b = append(b, `{"field":`...)
	b = appendJSONString(b, f.field)
	switch f.op {
	case opEq:
		b = append(b, `,"eq":`...)
		b = appendJSONValue(b, f.values[0])
	case opIn:
		b = append(b, `,"in":[`...)
		for i, v := range f.values {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, v)
		}
		b = append(b, ']')
	case opRange:
		if f.lo != nil {
			b = append(b, `,"gt`...)
			if f.lo.Inclusive {
				b = append(b, 'e')
			}
			b = append(b, `":`...)
			b = appendJSONValue(b, f.lo.Value)
		}
		if f.hi != nil {
			b = append(b, `,"lt`...)
			if f.hi.Inclusive {
				b = append(b, 'e')
			}
			b = append(b, `":`...)
			b = appendJSONValue(b, f.hi.Value)
		}
	case opExists:
		b = append(b, `,"exists":true`...)
	}
	return append(b, '}')
}

// UnmarshalJSON replaces *f with the Filter ParseFilterJSON parses from b.
// JSON null leaves *f unchanged, as encoding/json does for other types; a
// *Filter field set to null becomes nil without calling this method.
func (f *Filter) UnmarshalJSON(b []byte) error {
	parsed, err := ParseFilterJSON(b)
	if err != nil || parsed == nil {
		return err
	}
	*f = *parsed
	return nil
}

// ParseFilterJSON parses a filter, strictly. Each JSON object is one node:
//
//	{"field":"color","eq":"red"}
//	{"field":"color","in":["red","blue"]}
//	{"field":"year","gte":2000,"lt":2010}  one or two of gt/gte/lt/lte
//	{"field":"color","exists":true}
//	{"and":[...]}  {"or":[...]}  {"not":{...}}
//
// Values are strings or integers as in ParseSetJSON. Unknown or repeated
// keys, a node mixing operators (eq with in, gt with gte, and with field,
// ...), wrong types, nesting deeper than MaxFilterDepth, more than
// MaxFilterNodes terms, or anything Filter.Validate rejects is an error
// wrapping ErrInvalid that says where, e.g. `filter at and[1].not: unknown
// key "eqq"`. The document null parses to a nil *Filter (match all).
func ParseFilterJSON(b []byte) (*Filter, error) {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil, nil
	}
	p := filterParser{dec: newJSONDecoder(b)}
	f, err := p.node(1, "")
	if err == nil {
		if _, tokErr := p.dec.Token(); tokErr != io.EOF {
			err = p.fail("", "trailing data after the filter")
		}
	}
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			if pe.path == "" {
				return nil, fmt.Errorf("%w: filter: %s", ErrInvalid, pe.msg)
			}
			return nil, fmt.Errorf("%w: filter at %s: %s", ErrInvalid, pe.path, pe.msg)
		}
		return nil, fmt.Errorf("%w: filter: %v", ErrInvalid, err)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// pathError is a problem at a place in a filter document.
type pathError struct {
	path, msg string
}

func (e *pathError) Error() string { return e.path + ": " + e.msg }

type filterParser struct {
	dec   *json.Decoder
	nodes int // terms parsed so far, bounded by MaxFilterNodes
}

func (p *filterParser) fail(path, format string, args ...any) error {
	return &pathError{path: path, msg: fmt.Sprintf(format, args...)}
}

func (p *filterParser) count(path string, n int) error {
	p.nodes += n
	if p.nodes > MaxFilterNodes {
		return p.fail(path, "more than %d terms", MaxFilterNodes)
	}
	return nil
}

// filterKeys are the keys of a filter node, in the order MarshalJSON
// writes them.
var filterKeys = []string{"and", "or", "not", "field", "eq", "in", "gt", "gte", "lt", "lte", "exists"}

// node parses one filter object; depth counts it.
func (p *filterParser) node(depth int, path string) (*Filter, error) {
	if depth > MaxFilterDepth {
		return nil, p.fail(path, "nested deeper than %d", MaxFilterDepth)
	}
	if err := p.count(path, 1); err != nil {
		return nil, err
	}
	if err := expectDelim(p.dec, '{', "a filter must be a JSON object"); err != nil {
		return nil, p.fail(path, "%v", err)
	}
	var (
		seen   = make(map[string]bool, 4)
		kids   []*Filter
		name   string
		values = map[string]Value{} // eq, gt, gte, lt, lte
		in     []Value
	)
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.fail(path, "%v", err)
		}
		key, _ := tok.(string)
		if !slices.Contains(filterKeys, key) {
			return nil, p.fail(path, "unknown key %q (want one of %s)", key, strings.Join(filterKeys, ", "))
		}
		if seen[key] {
			return nil, p.fail(path, "key %q repeated", key)
		}
		seen[key] = true
		switch key {
		case "and", "or":
			if err := expectDelim(p.dec, '[', key+" must be an array of filters"); err != nil {
				return nil, p.fail(path, "%v", err)
			}
			i := 0
			for ; p.dec.More(); i++ {
				k, err := p.node(depth+1, joinPath(path, fmt.Sprintf("%s[%d]", key, i)))
				if err != nil {
					return nil, err
				}
				kids = append(kids, k)
			}
			if err := expectEnd(p.dec, ']'); err != nil {
				return nil, p.fail(path, "%v", err)
			}
			if i == 0 {
				return nil, p.fail(path, "%s of no filters", key)
			}
		case "not":
			k, err := p.node(depth+1, joinPath(path, "not"))
			if err != nil {
				return nil, err
			}
			kids = append(kids, k)
		case "field":
			tok, err := p.dec.Token()
			if err != nil {
				return nil, p.fail(path, "%v", err)
			}
			s, ok := tok.(string)
			if !ok {
				return nil, p.fail(path, "field must be a string, not %s", describeToken(tok))
			}
			name = s
		case "in":
			if err := expectDelim(p.dec, '[', "in must be an array of values"); err != nil {
				return nil, p.fail(path, "%v", err)
			}
			for i := 0; p.dec.More(); i++ {
				if err := p.count(path, 1); err != nil {
					return nil, err
				}
				v, err := readValue(p.dec)
				if err != nil {
					return nil, p.fail(path, "in[%d]: %v", i, err)
				}
				in = append(in, v)
			}
			if err := expectEnd(p.dec, ']'); err != nil {
				return nil, p.fail(path, "%v", err)
			}
			if len(in) == 0 {
				return nil, p.fail(path, "in of no values")
			}
		case "exists":
			tok, err := p.dec.Token()
			if err != nil {
				return nil, p.fail(path, "%v", err)
			}
			if tok != true {
				return nil, p.fail(path, "exists must be true (use not for absence), not %s", describeToken(tok))
			}
		default: // eq, gt, gte, lt, lte
			v, err := readValue(p.dec)
			if err != nil {
				return nil, p.fail(path, "%s: %v", key, err)
			}
			values[key] = v
		}
	}
	if err := expectEnd(p.dec, '}'); err != nil {
		return nil, p.fail(path, "%v", err)
	}
	return p.build(path, seen, kids, name, values, in)
}

// build checks that the keys of one node form exactly one kind of node
// and returns it.
func (p *filterParser) build(path string, seen map[string]bool, kids []*Filter, name string, values map[string]Value, in []Value) (*Filter, error) {
	var keys []string
	for _, k := range filterKeys {
		if seen[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, p.fail(path, "empty filter object")
	}
	if seen["and"] || seen["or"] || seen["not"] {
		if len(keys) > 1 {
			return nil, p.fail(path, "%s cannot be combined with %s in one object", keys[0], keys[1])
		}
		switch keys[0] {
		case "and":
			return And(kids...), nil
		case "or":
			return Or(kids...), nil
		}
		return Not(kids[0]), nil
	}
	if !seen["field"] {
		return nil, p.fail(path, "%s without field", keys[0])
	}
	ops := keys[1:] // keys[0] is "field"
	if len(ops) == 0 {
		return nil, p.fail(path, "field %q without an operator (eq, in, gt, gte, lt, lte or exists)", name)
	}
	if seen["gt"] && seen["gte"] {
		return nil, p.fail(path, "field %q: gt and gte together", name)
	}
	if seen["lt"] && seen["lte"] {
		return nil, p.fail(path, "field %q: lt and lte together", name)
	}
	isRange := func(k string) bool { return k == "gt" || k == "gte" || k == "lt" || k == "lte" }
	if len(ops) > 1 && !(isRange(ops[0]) && isRange(ops[1])) {
		return nil, p.fail(path, "field %q: operators %s and %s mixed in one object; use and", name, ops[0], ops[1])
	}
	switch ops[0] {
	case "eq":
		return Eq(name, values["eq"]), nil
	case "in":
		return In(name, in...), nil
	case "exists":
		return Exists(name), nil
	}
	var lo, hi *Bound
	if v, ok := values["gt"]; ok {
		lo = &Bound{Value: v}
	}
	if v, ok := values["gte"]; ok {
		lo = &Bound{Value: v, Inclusive: true}
	}
	if v, ok := values["lt"]; ok {
		hi = &Bound{Value: v}
	}
	if v, ok := values["lte"]; ok {
		hi = &Bound{Value: v, Inclusive: true}
	}
	return Range(name, lo, hi), nil
}

func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

func newJSONDecoder(b []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // integers stay exact; readValue checks them
	return dec
}

// expectDelim reads the next token and fails with want if it is not the
// delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim, want string) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return errors.New("unexpected end of input")
		}
		return err
	}
	if tok != d {
		return fmt.Errorf("%s, not %s", want, describeToken(tok))
	}
	return nil
}

// expectEnd reads the closing delimiter d after dec.More returned false.
func expectEnd(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return errors.New("unexpected end of input")
		}
		return err
	}
	if tok != d {
		return fmt.Errorf("expected %s, found %s", d, describeToken(tok))
	}
	return nil
}

// readValue reads one attribute value: a string, or an integer within
// int64 written without fraction or exponent.
func readValue(dec *json.Decoder) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return Value{}, errors.New("unexpected end of input")
		}
		return Value{}, err
	}
	switch t := tok.(type) {
	case string:
		return String(t), nil
	case json.Number:
		i, err := strconv.ParseInt(string(t), 10, 64)
		if err == nil {
			return Int(i), nil
		}
		if strings.ContainsAny(string(t), ".eE") {
			return Value{}, fmt.Errorf("number %s is not an integer (write integers without fraction or exponent)", t)
		}
		return Value{}, fmt.Errorf("integer %s is outside the int64 range", t)
	}
	return Value{}, fmt.Errorf("value must be a string or an integer, not %s", describeToken(tok))
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case json.Delim:
		switch t {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return fmt.Sprintf("%q", string(t))
	}
	return fmt.Sprintf("%T", tok)
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

func appendJSONValue(b []byte, v Value) []byte {
	if v.kind == KindInt {
		return strconv.AppendInt(b, v.i, 10)
	}
	return appendJSONString(b, v.s)
}
