package types

import (
	"math"
	"strconv"
	"strings"
)

// Value is one value of a Type, or NULL. Only the field matching
// Type.Phys() is meaningful (Int for PhysInt64 kinds, Float, Bool, Str;
// Interval for INTERVAL). Values are small and passed by value.
type Value struct {
	Type     Type
	Null     bool
	Int      int64
	Float    float64
	Bool     bool
	Str      string
	Interval IntervalValue
}

// NullValue returns NULL of type t.
func NullValue(t Type) Value { return Value{Type: t, Null: true} }

// IntValue returns a value of a PhysInt64 type t (an integer, a scaled
// decimal, days for DATE, µs for TIMESTAMP).
func IntValue(t Type, v int64) Value { return Value{Type: t, Int: v} }

// DoubleValue returns a DOUBLE.
func DoubleValue(f float64) Value { return Value{Type: Double, Float: f} }

// BoolValue returns a BOOLEAN.
func BoolValue(b bool) Value { return Value{Type: Boolean, Bool: b} }

// TextValue returns a TEXT value.
func TextValue(s string) Value { return Value{Type: Text, Str: s} }

// IntervalOf returns an INTERVAL value.
func IntervalOf(iv IntervalValue) Value { return Value{Type: Interval, Interval: iv} }

// String returns the value as DuckDB prints it (the text of a cast to
// VARCHAR), or "NULL".
func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	switch v.Type.Kind {
	case KindBoolean:
		if v.Bool {
			return "true"
		}
		return "false"
	case KindSmallInt, KindInteger, KindBigInt:
		return strconv.FormatInt(v.Int, 10)
	case KindDecimal:
		return FormatDecimal(v.Int, v.Type.Scale)
	case KindReal:
		return FormatReal(float32(v.Float))
	case KindDouble:
		return FormatDouble(v.Float)
	case KindVarchar:
		return v.Str
	case KindDate:
		return FormatDate(v.Int)
	case KindTimestamp:
		return FormatTimestamp(v.Int)
	case KindInterval:
		return FormatInterval(v.Interval)
	}
	return "INVALID"
}

// FormatDouble formats f the DuckDB way (see the package comment).
func FormatDouble(f float64) string { return string(AppendFloat(nil, f, 64)) }

// FormatReal formats a REAL with the shortest digits that read back as
// the same float32.
func FormatReal(f float32) string { return string(AppendFloat(nil, float64(f), 32)) }

// AppendFloat appends the DuckDB text of f, read as a bitSize-bit float.
func AppendFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, bitSize)
	// e is [-]d[.ddd]e±XX.
	i := strings.LastIndexByte(string(e), 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp < -4 || exp >= 16 {
		dst = append(dst, e[:i+2]...) // mantissa, 'e', sign
		x := e[i+2:]
		if len(x) < 2 {
			dst = append(dst, '0')
		}
		return append(dst, x...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, bitSize)
	if !strings.ContainsRune(string(dst[start:]), '.') {
		dst = append(dst, ".0"...)
	}
	return dst
}
