package attr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits on a Filter, checked by Filter.Validate and ParseFilterJSON.
const (
	// MaxFilterDepth is the deepest nesting of And, Or and Not; a lone
	// condition has depth 1.
	MaxFilterDepth = 32
	// MaxFilterNodes is the most terms a Filter may have, counting every
	// node and every value of an In.
	MaxFilterNodes = 1024
)

type op uint8

const (
	opEq op = iota + 1
	opIn
	opRange
	opExists
	opAnd
	opOr
	opNot
)

// Bound is one end of a Range: a value, and whether the value itself is
// inside the range.
type Bound struct {
	Value     Value
	Inclusive bool
}

// Filter is a predicate over a vector's attributes: a tree of conditions
// on one field each (Eq, In, Range and its shorthands, Exists) joined by
// And, Or and Not. Build it with the constructors or ParseFilterJSON,
// check it once with Validate, then call Match per vector. A Filter is
// immutable, so one may be shared by concurrent searches. A nil *Filter
// matches every vector.
type Filter struct {
	op     op
	field  string
	values []Value   // opEq: one; opIn: one or more
	lo, hi *Bound    // opRange: nil means open
	kids   []*Filter // opAnd, opOr: one or more; opNot: one
}

// Eq matches vectors whose field name holds v (same kind, equal value).
func Eq(name string, v Value) *Filter {
	return &Filter{op: opEq, field: name, values: []Value{v}}
}

// In matches vectors whose field name holds one of vs. The values may be
// of different kinds; each matches only its own kind.
func In(name string, vs ...Value) *Filter {
	return &Filter{op: opIn, field: name, values: slices.Clone(vs)}
}

// Range matches vectors whose field name holds a value between lo and hi,
// each inclusive or not; a nil bound is open. Both bounds must be of one
// kind, and only values of that kind match: integers compare numerically,
// strings in byte order. At least one bound must be given.
func Range(name string, lo, hi *Bound) *Filter {
	f := &Filter{op: opRange, field: name}
	if lo != nil {
		b := *lo
		f.lo = &b
	}
	if hi != nil {
		b := *hi
		f.hi = &b
	}
	return f
}

// Gt is Range(name, v exclusive, open).
func Gt(name string, v Value) *Filter { return Range(name, &Bound{Value: v}, nil) }

// Gte is Range(name, v inclusive, open).
func Gte(name string, v Value) *Filter { return Range(name, &Bound{Value: v, Inclusive: true}, nil) }

// Lt is Range(name, open, v exclusive).
func Lt(name string, v Value) *Filter { return Range(name, nil, &Bound{Value: v}) }

// Lte is Range(name, open, v inclusive).
func Lte(name string, v Value) *Filter { return Range(name, nil, &Bound{Value: v, Inclusive: true}) }

// Exists matches vectors that have the field name, of any kind.
func Exists(name string) *Filter { return &Filter{op: opExists, field: name} }

// And matches vectors that every one of fs matches. It needs at least one.
func And(fs ...*Filter) *Filter { return &Filter{op: opAnd, kids: slices.Clone(fs)} }

// Or matches vectors that at least one of fs matches. It needs at least one.
func Or(fs ...*Filter) *Filter { return &Filter{op: opOr, kids: slices.Clone(fs)} }

// Not matches exactly the vectors f does not match, including those that
// lack f's field: Not(Eq("color", String("red"))) matches a vector with no
// color. Use And(Exists("color"), Not(...)) to require the field.
func Not(f *Filter) *Filter { return &Filter{op: opNot, kids: []*Filter{f}} }

func slices_clone[T any](s []T) []T { return append([]T(nil), s...) }

// Validate returns nil if f is well formed, or an error wrapping
// ErrInvalid: a nil filter inside And, Or or Not, an empty And or Or, an
// invalid field name or value, a Range without bounds or with bounds of
// two kinds, nesting deeper than MaxFilterDepth or more than
// MaxFilterNodes terms. A nil *Filter is valid (it matches everything).
// Match on a filter that fails Validate returns an unspecified result but
// does not panic.
func (f *Filter) Validate() error {
	if f == nil {
		return nil
	}
	nodes := 0
	return f.validate(1, &nodes)
}

func (f *Filter) validate(depth int, nodes *int) error {
	if f == nil {
		return fmt.Errorf("%w: nil filter", ErrInvalid)
	}
	if depth > MaxFilterDepth {
		return fmt.Errorf("%w: filter nested deeper than %d", ErrInvalid, MaxFilterDepth)
	}
	*nodes += 1 + len(f.values)
	if *nodes > MaxFilterNodes {
		return fmt.Errorf("%w: filter of more than %d terms", ErrInvalid, MaxFilterNodes)
	}
	switch f.op {
	case opAnd, opOr, opNot:
		if len(f.kids) == 0 {
			return fmt.Errorf("%w: %s of no filters", ErrInvalid, f.op.name())
		}
		if f.op == opNot && len(f.kids) != 1 {
			return fmt.Errorf("%w: not of %d filters", ErrInvalid, len(f.kids))
		}
		for _, k := range f.kids {
			if err := k.validate(depth+1, nodes); err != nil {
				return err
			}
		}
		return nil
	case opEq, opIn, opRange, opExists:
	default:
		return fmt.Errorf("%w: zero Filter; use the constructors", ErrInvalid)
	}
	if why := checkName(f.field); why != "" {
		return fmt.Errorf("%w: filter: %s", ErrInvalid, why)
	}
	switch f.op {
	case opEq, opIn:
		if len(f.values) == 0 {
			return fmt.Errorf("%w: field %q: in of no values", ErrInvalid, f.field)
		}
		for _, v := range f.values {
			if why := checkValue(v); why != "" {
				return fmt.Errorf("%w: field %q: %s: %s", ErrInvalid, f.field, f.op.name(), why)
			}
		}
	case opRange:
		if f.lo == nil && f.hi == nil {
			return fmt.Errorf("%w: field %q: range without bounds", ErrInvalid, f.field)
		}
		for _, b := range []*Bound{f.lo, f.hi} {
			if b == nil {
				continue
			}
			if why := checkValue(b.Value); why != "" {
				return fmt.Errorf("%w: field %q: range bound: %s", ErrInvalid, f.field, why)
			}
		}
		if f.lo != nil && f.hi != nil && f.lo.Value.kind != f.hi.Value.kind {
			return fmt.Errorf("%w: field %q: range bounds %s and %s differ in kind", ErrInvalid, f.field, f.lo.Value, f.hi.Value)
		}
	}
	return nil
}

func (o op) name() string {
	switch o {
	case opEq:
		return "eq"
	case opIn:
		return "in"
	case opRange:
		return "range"
	case opExists:
		return "exists"
	case opAnd:
		return "and"
	case opOr:
		return "or"
	case opNot:
		return "not"
	}
	return "invalid"
}

// Match reports whether the encoded attributes enc satisfy f. A condition
// on a field that enc lacks, or that holds a value of another kind, is
// false; Not inverts it. Match does not allocate. It expects enc to have
// passed Validate; on other bytes it returns an unspecified result but
// never panics and takes time linear in len(enc) per condition.
func (f *Filter) Match(enc []byte) bool {
	if f == nil {
		return true
	}
	switch f.op {
	case opAnd:
		for _, k := range f.kids {
			if !k.Match(enc) {
				return false
			}
		}
		return true
	case opOr:
		for _, k := range f.kids {
			if k.Match(enc) {
				return true
			}
		}
		return false
	case opNot:
		return len(f.kids) == 1 && !f.kids[0].Match(enc)
	}
	fd, ok := find(enc, f.field)
	if !ok {
		return false
	}
	switch f.op {
	case opEq, opIn:
		for _, v := range f.values {
			if fd.equal(v) {
				return true
			}
		}
		return false
	case opRange:
		return f.lo == nil && f.hi == nil ||
			(f.lo == nil || fd.above(*f.lo)) && (f.hi == nil || fd.below(*f.hi))
	case opExists:
		return true
	}
	return false
}

// equal reports whether the field holds v.
func (fd field) equal(v Value) bool {
	if fd.kind != v.kind {
		return false
	}
	if fd.kind == KindInt {
		return fd.i == v.i
	}
	return string(fd.str) == v.s
}

// above reports whether the field is of lo's kind and not below lo.
func (fd field) above(lo Bound) bool {
	if fd.kind != lo.Value.kind {
		return false
	}
	if fd.kind == KindInt {
		return fd.i > lo.Value.i || lo.Inclusive && fd.i == lo.Value.i
	}
	return string(fd.str) > lo.Value.s || lo.Inclusive && string(fd.str) == lo.Value.s
}

// below reports whether the field is of hi's kind and not above hi.
func (fd field) below(hi Bound) bool {
	if fd.kind != hi.Value.kind {
		return false
	}
	if fd.kind == KindInt {
		return fd.i < hi.Value.i || hi.Inclusive && fd.i == hi.Value.i
	}
	return string(fd.str) < hi.Value.s || hi.Inclusive && string(fd.str) == hi.Value.s
}

// MatchSet reports whether s satisfies f, with the semantics of Match. It
// is the reference Match is tested against, written for clarity over a
// decoded Set; it also serves callers that hold a Set, such as an
// in-memory delta.
func (f *Filter) MatchSet(s Set) bool {
	if f == nil {
		return true
	}
	switch f.op {
	case opAnd:
		for _, k := range f.kids {
			if !k.MatchSet(s) {
				return false
			}
		}
		return true
	case opOr:
		for _, k := range f.kids {
			if k.MatchSet(s) {
				return true
			}
		}
		return false
	case opNot:
		return len(f.kids) == 1 && !f.kids[0].MatchSet(s)
	}
	v, ok := s[f.field]
	if !ok {
		return false
	}
	switch f.op {
	case opEq, opIn:
		for _, want := range f.values {
			if c, ok := Compare(v, want); ok && c == 0 {
				return true
			}
		}
		return false
	case opRange:
		if f.lo != nil {
			c, ok := Compare(v, f.lo.Value)
			if !ok || c < 0 || c == 0 && !f.lo.Inclusive {
				return false
			}
		}
		if f.hi != nil {
			c, ok := Compare(v, f.hi.Value)
			if !ok || c > 0 || c == 0 && !f.hi.Inclusive {
				return false
			}
		}
		return true
	case opExists:
		return true
	}
	return false
}

// String formats f for people, e.g.
// (color = "red" OR color IN ("blue", "green")) AND 2000 <= year < 2010.
// A field name that is not a plain identifier is quoted.
func (f *Filter) String() string {
	if f == nil {
		return "TRUE"
	}
	var b strings.Builder
	f.format(&b, false)
	return b.String()
}

func (f *Filter) format(b *strings.Builder, nested bool) {
	if f == nil {
		b.WriteString("<nil>")
		return
	}
	switch f.op {
	case opAnd, opOr:
		if nested && len(f.kids) > 1 {
			b.WriteByte('(')
		}
		for i, k := range f.kids {
			if i > 0 {
				b.WriteString(" " + strings.ToUpper(f.op.name()) + " ")
			}
			k.format(b, true)
		}
		if nested && len(f.kids) > 1 {
			b.WriteByte(')')
		}
		return
	case opNot:
		b.WriteString("NOT ")
		for _, k := range f.kids {
			k.format(b, true)
		}
		return
	}
	name := formatName(f.field)
	switch f.op {
	case opEq:
		for _, v := range f.values {
			b.WriteString(name + " = " + v.String())
		}
	case opIn:
		b.WriteString(name + " IN (")
		for i, v := range f.values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	case opRange:
		switch {
		case f.lo != nil && f.hi != nil:
			b.WriteString(f.lo.Value.String() + lessOp(f.lo.Inclusive) + name + lessOp(f.hi.Inclusive) + f.hi.Value.String())
		case f.lo != nil:
			b.WriteString(name + greaterOp(f.lo.Inclusive) + f.lo.Value.String())
		case f.hi != nil:
			b.WriteString(name + lessOp(f.hi.Inclusive) + f.hi.Value.String())
		default:
			b.WriteString(name + " IN RANGE ()")
		}
	case opExists:
		b.WriteString("EXISTS " + name)
	default:
		b.WriteString("<invalid>")
	}
}

func lessOp(inclusive bool) string {
	if inclusive {
		return " <= "
	}
	return " < "
}

func greaterOp(inclusive bool) string {
	if inclusive {
		return " >= "
	}
	return " > "
}

// formatName returns name bare if it looks like an identifier (letters,
// digits, '_' and '.', not starting with a digit), else quoted.
func formatName(name string) string {
	for i, r := range name {
		ok := r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9'
		if !ok {
			return strconv.Quote(name)
		}
	}
	if name == "" {
		return `""`
	}
	return name
}
