package attr

import (
	"encoding/binary"
	"fmt"
	"slices"
	"unicode/utf8"
)

// AppendEncode appends the canonical encoding of s to dst and returns the
// extended slice. Fields are written in increasing byte order of their
// names, so equal Sets encode to identical bytes. An empty or nil Set
// encodes to zero bytes. If s is invalid (see Set.Validate) it returns dst
// unchanged and an error wrapping ErrInvalid. The format is specified in
// docs/format/satori-attributes.md.
func AppendEncode(dst []byte, s Set) ([]byte, error) {
	if len(s) == 0 {
		return dst, nil
	}
	if len(s) > MaxFields {
		return dst, fmt.Errorf("%w: %d fields, limit %d", ErrInvalid, len(s), MaxFields)
	}
	names := make([]string, 0, len(s))
	for name, v := range s {
		if why := checkName(name); why != "" {
			return dst, fmt.Errorf("%w: %s", ErrInvalid, why)
		}
		if why := checkValue(v); why != "" {
			return dst, fmt.Errorf("%w: field %q: %s", ErrInvalid, name, why)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	start := len(dst)
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, name := range names {
		v := s[name]
		dst = binary.AppendUvarint(dst, uint64(len(name)))
		dst = append(dst, name...)
		dst = append(dst, byte(v.kind))
		switch v.kind {
		case KindInt:
			dst = binary.AppendVarint(dst, v.i)
		case KindString:
			dst = binary.AppendUvarint(dst, uint64(len(v.s)))
			dst = append(dst, v.s...)
		}
	}
	if n := len(dst) - start; n > MaxEncodedLen {
		return dst[:start], fmt.Errorf("%w: encoding of %d bytes, limit %d", ErrInvalid, n, MaxEncodedLen)
	}
	return dst, nil
}

// Decode parses a canonical encoding. Zero bytes decode to a nil Set.
// Anything Validate rejects is an error wrapping ErrCorrupt. Decode never
// panics, and validates all of b before it allocates: the Set and its
// strings take space in proportion to len(b).
func Decode(b []byte) (Set, error) {
	if err := Validate(b); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, nil
	}
	r := newReader(b)
	s := make(Set, r.left)
	for {
		f, ok, _ := r.next()
		if !ok {
			return s, nil
		}
		s[string(f.name)] = f.value()
	}
}

// Validate checks that b is the canonical encoding of a valid Set, without
// allocating unless it fails. Readers call it on attributes read from a
// bucket or a log record before handing them to Filter.Match. It rejects,
// with an error wrapping ErrCorrupt: a field count of 0 or above
// MaxFields; a truncated field; a name that is empty, too long, not UTF-8,
// or not strictly greater than the previous one; an unknown kind byte; a
// string too long or not UTF-8; a varint that overflows or is not in its
// shortest form; trailing bytes; more than MaxEncodedLen bytes.
func Validate(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if len(b) > MaxEncodedLen {
		return fmt.Errorf("%w: encoding of %d bytes, limit %d", ErrCorrupt, len(b), MaxEncodedLen)
	}
	r := newReader(b)
	if r.problem != "" {
		return fmt.Errorf("%w: field count: %s", ErrCorrupt, r.problem)
	}
	var prev []byte
	for i := 0; ; i++ {
		off := r.off
		f, ok, problem := r.next()
		if problem != "" {
			return fmt.Errorf("%w: field %d at offset %d: %s", ErrCorrupt, i, off, problem)
		}
		if !ok {
			break
		}
		if i > 0 && string(f.name) <= string(prev) {
			return fmt.Errorf("%w: field %d at offset %d: name %q not after %q", ErrCorrupt, i, off, f.name, prev)
		}
		if !utf8.Valid(f.name) {
			return fmt.Errorf("%w: field %d at offset %d: name %q is not valid UTF-8", ErrCorrupt, i, off, f.name)
		}
		if f.kind == KindString && !utf8.Valid(f.str) {
			return fmt.Errorf("%w: field %q: string value is not valid UTF-8", ErrCorrupt, f.name)
		}
		prev = f.name
	}
	if r.off != len(b) {
		return fmt.Errorf("%w: %d trailing bytes at offset %d", ErrCorrupt, len(b)-r.off, r.off)
	}
	return nil
}

// Lookup returns the value of the named field in an encoding, and whether
// it is there. It stops at the first malformed byte (reporting false), so
// it never panics on garbage; call Validate first to tell "missing" from
// "corrupt". A string value is copied out of enc (one allocation);
// Filter.Match compares in place instead.
func Lookup(enc []byte, name string) (Value, bool) {
	f, ok := find(enc, name)
	if !ok {
		return Value{}, false
	}
	return f.value(), true
}

// field is one field of an encoding; name and str alias the encoding.
type field struct {
	name []byte
	kind Kind
	i    int64  // when kind == KindInt
	str  []byte // when kind == KindString
}

func (f field) value() Value {
	if f.kind == KindInt {
		return Int(f.i)
	}
	return String(string(f.str))
}

// find returns the named field of enc without allocating. Names are
// sorted, so it stops at the first greater name. On malformed bytes it
// reports false.
func find(enc []byte, name string) (field, bool) {
	r := newReader(enc)
	for {
		f, ok, _ := r.next()
		if !ok {
			return field{}, false
		}
		// Comparisons of string(bytes) do not allocate; a variable would.
		if string(f.name) == name {
			return f, true
		}
		if string(f.name) > name {
			return field{}, false
		}
	}
}

// reader walks an encoding field by field without allocating. It checks
// structure and limits but not name order or UTF-8 (Validate adds those).
// Each call to next consumes at least three bytes or stops, so a walk over
// any bytes ends within len(b)/3 steps.
type reader struct {
	b       []byte
	off     int
	left    int    // fields still to read
	problem string // why the field count is bad, or ""
}

func newReader(b []byte) reader {
	r := reader{b: b}
	if len(b) == 0 {
		return r
	}
	count, n := uvarint(b)
	switch {
	case n <= 0:
		r.problem = varintProblem(n)
	case count == 0:
		r.problem = "zero fields in a non-empty encoding"
	case count > MaxFields:
		r.problem = "field count above MaxFields"
	default:
		r.off, r.left = n, int(count)
	}
	return r
}

// next returns the next field and true, or false at the end or at a
// malformed field, which it describes in problem. Problems are constant
// strings, so a failed walk does not allocate either.
func (r *reader) next() (f field, ok bool, problem string) {
	if r.left == 0 {
		return field{}, false, ""
	}
	r.left--
	nameLen, n := uvarint(r.b[r.off:])
	if n <= 0 {
		r.left = 0
		return field{}, false, "name length: " + varintProblem(n)
	}
	if nameLen == 0 || nameLen > MaxNameLen {
		r.left = 0
		return field{}, false, "name length out of range"
	}
	off := r.off + n
	if uint64(len(r.b)-off) < nameLen+1 {
		r.left = 0
		return field{}, false, "truncated name"
	}
	f.name = r.b[off : off+int(nameLen)]
	off += int(nameLen)
	f.kind = Kind(r.b[off])
	off++
	switch f.kind {
	case KindInt:
		u, n := uvarint(r.b[off:])
		if n <= 0 {
			r.left = 0
			return field{}, false, "int value: " + varintProblem(n)
		}
		f.i = int64(u>>1) ^ -int64(u&1)
		off += n
	case KindString:
		strLen, n := uvarint(r.b[off:])
		if n <= 0 {
			r.left = 0
			return field{}, false, "string length: " + varintProblem(n)
		}
		off += n
		if strLen > MaxStringLen {
			r.left = 0
			return field{}, false, "string length out of range"
		}
		if uint64(len(r.b)-off) < strLen {
			r.left = 0
			return field{}, false, "truncated string"
		}
		f.str = r.b[off : off+int(strLen)]
		off += int(strLen)
	default:
		r.left = 0
		return field{}, false, "unknown kind byte"
	}
	r.off = off
	return f, true, ""
}

// uvarint decodes an unsigned LEB128 varint in its shortest form. It
// returns the value and the bytes read (n > 0), or n == 0 if b ends first,
// or n < 0 if the value overflows 64 bits or is not in its shortest form
// (a last byte of 0 after the first), which would make two encodings of
// one Set.
func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if i == len(b) {
			return 0, 0
		}
		c := b[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -1
			}
			if i > 0 && c == 0 {
				return 0, -1
			}
			return x | uint64(c)<<(7*i), i + 1
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return 0, -1
}

func varintProblem(n int) string {
	if n == 0 {
		return "truncated varint"
	}
	return "overlong or non-canonical varint"
}
