package types

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// castErr is "cannot cast 'text' to TYPE", wrapping ErrCast.
func castErr(text string, to Type) error {
	return fmt.Errorf("%w %s to %s", ErrCast, quote(text), to)
}

// rangeErr is "value 'text' is out of range for TYPE", wrapping ErrOutOfRange.
func rangeErr(text string, to Type) error {
	return fmt.Errorf("value %s is %w for %s", quote(text), ErrOutOfRange, to)
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ParseBool parses PostgreSQL's boolean spellings: true/false, t/f,
// yes/no, y/n, on/off, 1/0, case-insensitive, surrounding spaces allowed.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "on", "1":
		return true, nil
	case "false", "f", "no", "n", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("types: %w", castErr(s, Boolean))
}

// ParseInt parses an integer of type t (SMALLINT, INTEGER, BIGINT),
// checking its range.
func ParseInt(s string, t Type) (int64, error) {
	str := strings.TrimSpace(s)
	v, err := strconv.ParseInt(str, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("types: %w", rangeErr(s, t))
		}
		return 0, fmt.Errorf("types: %w", castErr(s, t))
	}
	lo, hi := t.IntRange()
	if v < lo || v > hi {
		return 0, fmt.Errorf("types: %w", rangeErr(s, t))
	}
	return v, nil
}

// ParseFloat parses a DOUBLE or REAL, accepting nan, inf, infinity.
func ParseFloat(s string, t Type) (float64, error) {
	str := strings.TrimSpace(s)
	bits := 64
	if t.Kind == KindReal {
		bits = 32
	}
	f, err := strconv.ParseFloat(str, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("types: %w", rangeErr(s, t))
		}
		return 0, fmt.Errorf("types: %w", castErr(s, t))
	}
	return f, nil
}

// Cast converts v to type to. NULL casts to NULL. Errors wrap ErrCast
// (no conversion, malformed text) or ErrOutOfRange (does not fit).
func Cast(v Value, to Type) (Value, error) {
	if v.Null {
		return NullValue(to), nil
	}
	from := v.Type
	if from == to {
		return v, nil
	}
	out := Value{Type: to}
	var err error
	fail := func() (Value, error) {
		return Value{}, fmt.Errorf("types: %w", castErr(v.String(), to))
	}
	outOfRange := func() (Value, error) {
		return Value{}, fmt.Errorf("types: %w", rangeErr(v.String(), to))
	}
	if to.Kind == KindVarchar {
		s := v.String()
		if from.Kind == KindVarchar {
			s = v.Str
		}
		if to.Max > 0 && utf8.RuneCountInString(s) > to.Max {
			return Value{}, fmt.Errorf("types: value %s is too long for %s: %w", quote(s), to, ErrOutOfRange)
		}
		out.Str = s
		return out, nil
	}
	switch from.Kind {
	case KindVarchar:
		switch to.Kind {
		case KindBoolean:
			out.Bool, err = ParseBool(v.Str)
		case KindSmallInt, KindInteger, KindBigInt:
			out.Int, err = ParseInt(v.Str, to)
		case KindReal, KindDouble:
			out.Float, err = ParseFloat(v.Str, to)
		case KindDecimal:
			out.Int, err = ParseDecimal(v.Str, to.Precision, to.Scale)
		case KindDate:
			out.Int, err = ParseDate(v.Str)
		case KindTimestamp:
			out.Int, err = ParseTimestamp(v.Str)
		case KindInterval:
			out.Interval, err = ParseInterval(v.Str)
		default:
			return fail()
		}
		if err != nil {
			return Value{}, err
		}
		return out, nil
	case KindBoolean:
		switch {
		case to.IsInteger():
			if v.Bool {
				out.Int = 1
			}
			return out, nil
		case to.IsFloat():
			if v.Bool {
				out.Float = 1
			}
			return out, nil
		}
	case KindSmallInt, KindInteger, KindBigInt:
		switch {
		case to.Kind == KindBoolean:
			out.Bool = v.Int != 0
			return out, nil
		case to.IsInteger():
			lo, hi := to.IntRange()
			if v.Int < lo || v.Int > hi {
				return outOfRange()
			}
			out.Int = v.Int
			return out, nil
		case to.Kind == KindReal:
			out.Float = float64(float32(v.Int))
			return out, nil
		case to.Kind == KindDouble:
			out.Float = float64(v.Int)
			return out, nil
		case to.Kind == KindDecimal:
			r, ok := MulCheck(v.Int, pow10[to.Scale])
			lo, hi := to.IntRange()
			if !ok || r < lo || r > hi {
				return outOfRange()
			}
			out.Int = r
			return out, nil
		}
	case KindReal, KindDouble:
		f := v.Float
		switch {
		case to.Kind == KindBoolean:
			out.Bool = f != 0
			return out, nil
		case to.IsInteger():
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fail()
			}
			r := math.RoundToEven(f)
			lo, hi := to.IntRange()
			if r < float64(lo) || r >= -float64(lo) || r > float64(hi) {
				return outOfRange()
			}
			out.Int = int64(r)
			return out, nil
		case to.Kind == KindReal:
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return outOfRange()
			}
			out.Float = float64(float32(f))
			return out, nil
		case to.Kind == KindDouble:
			out.Float = f
			return out, nil
		case to.Kind == KindDecimal:
			out.Int, err = FloatToDecimal(f, to.Precision, to.Scale)
			if err != nil {
				return Value{}, err
			}
			return out, nil
		}
	case KindDecimal:
		switch {
		case to.Kind == KindBoolean:
			out.Bool = v.Int != 0
			return out, nil
		case to.IsInteger():
			r, _ := Rescale(v.Int, from.Scale, 0)
			lo, hi := to.IntRange()
			if r < lo || r > hi {
				return outOfRange()
			}
			out.Int = r
			return out, nil
		case to.Kind == KindReal:
			out.Float = float64(float32(DecimalToFloat(v.Int, from.Scale)))
			return out, nil
		case to.Kind == KindDouble:
			out.Float = DecimalToFloat(v.Int, from.Scale)
			return out, nil
		case to.Kind == KindDecimal:
			r, err := Rescale(v.Int, from.Scale, to.Scale)
			lo, hi := to.IntRange()
			if err != nil || r < lo || r > hi {
				return outOfRange()
			}
			out.Int = r
			return out, nil
		}
	case KindDate:
		switch to.Kind {
		case KindTimestamp:
			r, ok := MulCheck(v.Int, MicrosPerDay)
			if !ok {
				return outOfRange()
			}
			out.Int = r
			return out, nil
		}
	case KindTimestamp:
		switch to.Kind {
		case KindDate:
			out.Int = floorDiv(v.Int, MicrosPerDay)
			return out, nil
		}
	}
	return fail()
}
