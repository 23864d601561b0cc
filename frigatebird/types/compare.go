package types

import (
	"fmt"
	"math"
	"strings"
)

// CompareFloat orders floats as SQL does: NaN equals NaN and is above
// every other value; -0.0 equals 0.0.
func CompareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	}
	return -1
}

// Compare orders two non-NULL values of the same kind (decimals may have
// different scales); it returns -1, 0 or +1. NULLs and mismatched kinds
// are an error wrapping ErrNoOperator.
func Compare(a, b Value) (int, error) {
	if a.Null || b.Null {
		return 0, fmt.Errorf("types: compare NULL: %w", ErrNoOperator)
	}
	if a.Type.Kind != b.Type.Kind && !(a.Type.IsInteger() && b.Type.IsInteger()) && !(a.Type.IsFloat() && b.Type.IsFloat()) {
		return 0, fmt.Errorf("types: compare %s with %s: %w", a.Type, b.Type, ErrNoOperator)
	}
	switch a.Type.Phys() {
	case PhysInt64:
		x, y := a.Int, b.Int
		if a.Type.Kind == KindDecimal && a.Type.Scale != b.Type.Scale {
			s := max(a.Type.Scale, b.Type.Scale)
			var e1, e2 error
			x, e1 = Rescale(x, a.Type.Scale, s)
			y, e2 = Rescale(y, b.Type.Scale, s)
			if e1 != nil || e2 != nil {
				return CompareFloat(DecimalToFloat(a.Int, a.Type.Scale), DecimalToFloat(b.Int, b.Type.Scale)), nil
			}
		}
		return cmpInt(x, y), nil
	case PhysFloat64:
		return CompareFloat(a.Float, b.Float), nil
	case PhysBool:
		return cmpInt(b2i(a.Bool), b2i(b.Bool)), nil
	case PhysBytes:
		return strings.Compare(a.Str, b.Str), nil
	}
	if a.Type.Kind == KindInterval {
		// PostgreSQL compares intervals as if a month were 30 days.
		x := int64(a.Interval.Months)*30*MicrosPerDay + int64(a.Interval.Days)*MicrosPerDay + a.Interval.Micros
		y := int64(b.Interval.Months)*30*MicrosPerDay + int64(b.Interval.Days)*MicrosPerDay + b.Interval.Micros
		return cmpInt(x, y), nil
	}
	return 0, fmt.Errorf("types: compare %s: %w", a.Type, ErrNoOperator)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
