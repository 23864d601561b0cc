package attr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on a Set. AppendEncode and ParseSetJSON reject a Set past any of
// them with ErrInvalid; Decode and Validate reject an encoding past any of
// them with ErrCorrupt.
const (
	// MaxFields is the most fields a Set may have.
	MaxFields = 64
	// MaxNameLen is the longest field name, in bytes. Names are non-empty
	// valid UTF-8.
	MaxNameLen = 128
	// MaxStringLen is the longest string value, in bytes. String values are
	// valid UTF-8 (so that every Set survives a JSON round trip).
	MaxStringLen = 4096
	// MaxEncodedLen is the longest encoding of a Set, in bytes. It is
	// smaller than MaxFields fields of the longest name and value would
	// need: a vector's attributes are meant to be a few small fields.
	MaxEncodedLen = 16384
)

var (
	// ErrInvalid is returned (wrapped) for a Set or Filter that breaks a
	// limit or a rule: an empty, too long or non-UTF-8 name, a value of
	// the zero Kind, too many fields, a filter too deep, a bad JSON
	// document.
	ErrInvalid = errors.New("satori/attr: invalid")
	// ErrCorrupt is returned (wrapped) by Decode and Validate for bytes
	// that are not a canonical encoding of a valid Set.
	ErrCorrupt = errors.New("satori/attr: corrupt")
)

// Kind is the type of a Value. Its numeric value is the kind byte of the
// encoding, so it never changes.
type Kind uint8

const (
	// KindInt is a signed 64-bit integer.
	KindInt Kind = 1
	// KindString is a UTF-8 string, compared in byte order.
	KindString Kind = 2
)

// String returns "int", "string", or "invalid" for any other Kind
// (including the zero Kind).
func (k Kind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindString:
		return "string"
	}
	return "invalid"
}

// Value is one attribute value: an int64 or a string. The zero Value has
// the zero Kind and is invalid in a Set and in a Filter. Values are
// comparable with ==.
type Value struct {
	kind Kind
	i    int64
	s    string
}

// Int returns an integer Value.
func Int(v int64) Value { return Value{kind: KindInt, i: v} }

// String returns a string Value. It must be valid UTF-8 of at most
// MaxStringLen bytes to be stored or used in a filter; that is checked
// there, not here.
func String(s string) Value { return Value{kind: KindString, s: s} }

// Kind returns the Value's kind; the zero Value has the zero Kind.
func (v Value) Kind() Kind { return v.kind }

// Int returns the integer, or 0 if v is not KindInt. It never panics.
func (v Value) Int() int64 { return v.i }

// Str returns the string, or "" if v is not KindString. It never panics.
func (v Value) Str() string { return v.s }

// String formats v for people: 42, or "red" quoted as a Go string, or
// <invalid> for a Value of another Kind.
func (v Value) String() string {
	switch v.kind {
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindString:
		return strconv.Quote(v.s)
	}
	return "<invalid>"
}

// Compare orders two Values of the same Kind: integers numerically,
// strings in byte order. It returns -1, 0 or +1 and ok=true, or ok=false
// when the kinds differ or either Value is invalid; values of different
// kinds are never ordered, so a filter never matches across kinds.
func Compare(a, b Value) (int, bool) {
	if a.kind != b.kind {
		return 0, false
	}
	switch a.kind {
	case KindInt:
		switch {
		case a.i < b.i:
			return -1, true
		case a.i > b.i:
			return 1, true
		}
		return 0, true
	case KindString:
		return strings.Compare(a.s, b.s), true
	}
	return 0, false
}

// Set is a vector's attributes by field name. A nil Set is a valid empty
// Set and encodes to zero bytes.
type Set map[string]Value

// checkName reports why name is not a valid field name, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "empty field name"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("field name of %d bytes, limit %d", len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return fmt.Sprintf("field name %q is not valid UTF-8", name)
	}
	return ""
}

// checkValue reports why v cannot be stored or compared, or "".
func checkValue(v Value) string {
	switch v.kind {
	case KindInt:
		return ""
	case KindString:
		if len(v.s) > MaxStringLen {
			return fmt.Sprintf("string of %d bytes, limit %d", len(v.s), MaxStringLen)
		}
		if !utf8.ValidString(v.s) {
			return fmt.Sprintf("string %q is not valid UTF-8", v.s)
		}
		return ""
	}
	return fmt.Sprintf("value of kind %d", v.kind)
}

// Validate returns nil if s can be encoded: at most MaxFields fields,
// valid names and values, and an encoding of at most MaxEncodedLen bytes.
// Otherwise it returns an error wrapping ErrInvalid.
func (s Set) Validate() error {
	_, err := AppendEncode(nil, s)
	return err
}
