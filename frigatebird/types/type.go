package types

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; see the package comment for when each is returned.
var (
	// ErrCast is wrapped by every failed cast or text parse.
	ErrCast = errors.New("cannot cast")
	// ErrOutOfRange is wrapped when a value does not fit its type.
	ErrOutOfRange = errors.New("out of range")
	// ErrDivisionByZero is wrapped by division or modulo by zero.
	ErrDivisionByZero = errors.New("division by zero")
	// ErrNoOperator is wrapped when an operator has no version for the
	// operand types.
	ErrNoOperator = errors.New("no operator")
	// ErrUnknownType is wrapped by FromName for names it does not know.
	ErrUnknownType = errors.New("unknown type")
)

// Kind is the logical type family.
type Kind uint8

// Kinds. Their numeric values are not stored anywhere and may change.
const (
	KindInvalid Kind = iota
	KindBoolean
	KindSmallInt
	KindInteger
	KindBigInt
	KindReal
	KindDouble
	KindDecimal
	KindVarchar
	KindDate
	KindTimestamp
	KindInterval
)

var kindNames = [...]string{
	KindInvalid:   "INVALID",
	KindBoolean:   "BOOLEAN",
	KindSmallInt:  "SMALLINT",
	KindInteger:   "INTEGER",
	KindBigInt:    "BIGINT",
	KindReal:      "REAL",
	KindDouble:    "DOUBLE",
	KindDecimal:   "DECIMAL",
	KindVarchar:   "VARCHAR",
	KindDate:      "DATE",
	KindTimestamp: "TIMESTAMP",
	KindInterval:  "INTERVAL",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Phys is the physical representation of a type's values. The numeric
// values equal frigatebird/chunk.PhysType's (1..4).
type Phys uint8

// Physical representations.
const (
	PhysNone    Phys = 0 // INTERVAL: constants only
	PhysInt64   Phys = 1
	PhysFloat64 Phys = 2
	PhysBool    Phys = 3
	PhysBytes   Phys = 4
)

func (p Phys) String() string {
	switch p {
	case PhysInt64:
		return "int64"
	case PhysFloat64:
		return "float64"
	case PhysBool:
		return "bool"
	case PhysBytes:
		return "bytes"
	}
	return "none"
}

// MaxDecimalPrecision is the largest DECIMAL precision: 18 digits always
// fit an int64.
const MaxDecimalPrecision = 18

// Type is a logical SQL type. Types are small comparable values: two Types
// are the same type exactly when they are ==.
type Type struct {
	Kind Kind
	// Precision and Scale are DECIMAL(Precision, Scale);
	// 1 <= Precision <= 18, 0 <= Scale <= Precision. Zero for other kinds.
	Precision, Scale int
	// Max is VARCHAR(Max); 0 means unbounded (TEXT). Zero for other kinds.
	Max int
}

// The parameterless types, and TEXT (unbounded VARCHAR).
var (
	Boolean   = Type{Kind: KindBoolean}
	SmallInt  = Type{Kind: KindSmallInt}
	Integer   = Type{Kind: KindInteger}
	BigInt    = Type{Kind: KindBigInt}
	Real      = Type{Kind: KindReal}
	Double    = Type{Kind: KindDouble}
	Text      = Type{Kind: KindVarchar}
	Date      = Type{Kind: KindDate}
	Timestamp = Type{Kind: KindTimestamp}
	Interval  = Type{Kind: KindInterval}
)

// DefaultDecimal is DECIMAL without parameters: DuckDB's DECIMAL(18,3).
var DefaultDecimal = Type{Kind: KindDecimal, Precision: 18, Scale: 3}

// Decimal returns DECIMAL(p,s) or an error wrapping ErrOutOfRange when
// p or s is outside 1 <= p <= 18, 0 <= s <= p.
func Decimal(p, s int) (Type, error) {
	if p < 1 || p > MaxDecimalPrecision {
		return Type{}, fmt.Errorf("types: DECIMAL precision %d must be between 1 and %d: %w", p, MaxDecimalPrecision, ErrOutOfRange)
	}
	if s < 0 || s > p {
		return Type{}, fmt.Errorf("types: DECIMAL scale %d must be between 0 and the precision %d: %w", s, p, ErrOutOfRange)
	}
	return Type{Kind: KindDecimal, Precision: p, Scale: s}, nil
}

// MustDecimal is Decimal for constant parameters; it panics on bad ones.
func MustDecimal(p, s int) Type {
	t, err := Decimal(p, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Varchar returns VARCHAR(max); max 0 is unbounded.
func Varchar(max int) Type { return Type{Kind: KindVarchar, Max: max} }

func (t Type) String() string {
	switch {
	case t.Kind == KindDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case t.Kind == KindVarchar && t.Max > 0:
		return fmt.Sprintf("VARCHAR(%d)", t.Max)
	}
	return t.Kind.String()
}

// Phys returns the physical representation of t's values.
func (t Type) Phys() Phys {
	switch t.Kind {
	case KindBoolean:
		return PhysBool
	case KindSmallInt, KindInteger, KindBigInt, KindDecimal, KindDate, KindTimestamp:
		return PhysInt64
	case KindReal, KindDouble:
		return PhysFloat64
	case KindVarchar:
		return PhysBytes
	}
	return PhysNone
}

// IsInteger reports SMALLINT, INTEGER and BIGINT.
func (t Type) IsInteger() bool {
	return t.Kind == KindSmallInt || t.Kind == KindInteger || t.Kind == KindBigInt
}

// IsFloat reports REAL and DOUBLE.
func (t Type) IsFloat() bool { return t.Kind == KindReal || t.Kind == KindDouble }

// IsNumeric reports integers, floats and decimals.
func (t Type) IsNumeric() bool { return t.IsInteger() || t.IsFloat() || t.Kind == KindDecimal }

// IntRange returns the inclusive range of an integer type's values, or of
// a DECIMAL's scaled values (±(10^p - 1)).
func (t Type) IntRange() (lo, hi int64) {
	switch t.Kind {
	case KindSmallInt:
		return -1 << 15, 1<<15 - 1
	case KindInteger:
		return -1 << 31, 1<<31 - 1
	case KindDecimal:
		m := pow10[t.Precision] - 1
		return -m, m
	}
	return -1 << 63, 1<<63 - 1
}

// FromName maps a type name as Frigatebird's parser spells it (and the SQL
// standard names: "double precision", "character varying", …), with its
// integer modifiers, onto a Type. Names are case-insensitive. DECIMAL
// without modifiers is DefaultDecimal; DECIMAL(p) is DECIMAL(p,0).
// TIMESTAMP(p) is accepted and ignored (microseconds are kept).
func FromName(name string, params []int) (Type, error) {
	n := strings.Join(strings.Fields(strings.ToLower(name)), " ")
	n = strings.TrimPrefix(n, "pg_catalog.")
	noParams := func(t Type) (Type, error) {
		if len(params) > 0 {
			return Type{}, fmt.Errorf("types: type %s takes no modifiers: %w", t, ErrUnknownType)
		}
		return t, nil
	}
	switch n {
	case "bool", "boolean", "logical":
		return noParams(Boolean)
	case "int2", "smallint", "short":
		return noParams(SmallInt)
	case "int4", "int", "integer", "signed":
		return noParams(Integer)
	case "int8", "bigint", "long":
		return noParams(BigInt)
	case "float4", "real":
		return noParams(Real)
	case "float8", "double", "float", "double precision":
		return noParams(Double)
	case "numeric", "decimal", "dec":
		switch len(params) {
		case 0:
			return DefaultDecimal, nil
		case 1:
			return Decimal(params[0], 0)
		case 2:
			return Decimal(params[0], params[1])
		}
		return Type{}, fmt.Errorf("types: DECIMAL takes at most a precision and a scale: %w", ErrUnknownType)
	case "varchar", "text", "string", "character varying", "char varying", "bpchar", "char", "character":
		switch {
		case len(params) == 0:
			return Text, nil
		case len(params) == 1 && params[0] > 0 && n != "text" && n != "string":
			return Varchar(params[0]), nil
		}
		return Type{}, fmt.Errorf("types: %s takes one positive length at most: %w", strings.ToUpper(n), ErrUnknownType)
	case "date":
		return noParams(Date)
	case "timestamp", "datetime", "timestamp without time zone":
		if len(params) > 1 {
			return Type{}, fmt.Errorf("types: TIMESTAMP takes one precision at most: %w", ErrUnknownType)
		}
		return Timestamp, nil
	case "interval":
		// INTERVAL '3' DAY carries a field mask; the type itself ignores it.
		return Interval, nil
	}
	return Type{}, fmt.Errorf("types: type %q: %w", name, ErrUnknownType)
}
