package vector

import (
	"errors"
	"fmt"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
)

// ArithOp is an arithmetic operator.
type ArithOp uint8

// Arithmetic operators.
const (
	Add ArithOp = iota
	Sub
	Mul
	Div
	Mod
)

var arithNames = [...]string{"+", "-", "*", "/", "%"}

func (op ArithOp) String() string { return arithNames[op] }

// Arithmetic errors. Kernels return them wrapped with the row's values;
// they also match the types sentinels (types.ErrOutOfRange,
// types.ErrDivisionByZero).
var (
	ErrOverflow       = fmt.Errorf("vector: %w", types.ErrOutOfRange)
	ErrDivisionByZero = fmt.Errorf("vector: %w", types.ErrDivisionByZero)
)

// Int64 arithmetic: the result must lie in [lo, hi] (the result type's
// IntRange: INTEGER + INTEGER overflows at 2^31 as in PostgreSQL). The
// fast loops compute every row of the selection branch-free and record
// whether any row may have failed; only then does a second pass look, row
// by row, for a failure in a valid row (so garbage in NULL slots never
// raises an error). Division and modulo by zero are errors (PostgreSQL);
// integer division truncates toward zero.

// ArithInt64 computes a op b into res (whose Type must be set by the
// caller to the result type, e.g. from types.Promote) for the rows of sel.
// Values of rows outside sel or NULL are unspecified.
func ArithInt64(op ArithOp, a, b *Vector, sel []uint16, res *Vector) error {
	if a.Len != b.Len {
		panic("vector: arithmetic on vectors of different lengths")
	}
	return arithInt64(op, a.Ints, b.Ints, 0, false, a.Valid, b.Valid, a.Len, sel, res)
}

// ArithInt64Const computes a op c (or c op a when constLeft) into res.
func ArithInt64Const(op ArithOp, a *Vector, c int64, constLeft bool, sel []uint16, res *Vector) error {
	return arithInt64(op, a.Ints, nil, c, constLeft, a.Valid, nil, a.Len, sel, res)
}

func arithInt64(op ArithOp, xs, ys []int64, c int64, constLeft bool, va, vb []uint64, n int, sel []uint16, res *Vector) error {
	t := res.Type
	lo, hi := t.IntRange()
	valid := andValid(res.Valid[:0], va, vb, n)
	res.Ints = grow(res.Ints, n)
	res.Len = n
	rs := res.Ints
	xs = xs[:n]
	var suspect bool
	if ys != nil {
		ys = ys[:n]
		suspect = binInt64(op, xs, ys, rs, lo, hi, sel)
	} else {
		suspect = constInt64(op, xs, c, constLeft, rs, lo, hi, sel)
	}
	res.Valid = valid
	if !suspect {
		return nil
	}
	// Find the first failing valid row.
	check := func(i int) error {
		if len(valid) != 0 && valid[i>>6]&(1<<(uint(i)&63)) == 0 {
			return nil
		}
		x, y := xs[i], c
		if ys != nil {
			y = ys[i]
		} else if constLeft {
			x, y = c, xs[i]
		}
		r, err := scalarInt64(op, x, y, lo, hi)
		if err != nil {
			return fmt.Errorf("%w: %d %s %d in %s", err, x, op, y, t)
		}
		rs[i] = r
		return nil
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			if err := check(i); err != nil {
				return err
			}
		}
	} else {
		for _, i := range sel {
			if err := check(int(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// scalarInt64 is the row-at-a-time definition.
func scalarInt64(op ArithOp, x, y, lo, hi int64) (int64, error) {
	var r int64
	ok := true
	switch op {
	case Add:
		r, ok = types.AddCheck(x, y)
	case Sub:
		r, ok = types.SubCheck(x, y)
	case Mul:
		r, ok = types.MulCheck(x, y)
	case Div:
		if y == 0 {
			return 0, ErrDivisionByZero
		}
		if x == math.MinInt64 && y == -1 {
			return 0, ErrOverflow
		}
		r = x / y
	case Mod:
		if y == 0 {
			return 0, ErrDivisionByZero
		}
		if y == -1 {
			r = 0
		} else {
			r = x % y
		}
	}
	if !ok || r < lo || r > hi {
		return 0, ErrOverflow
	}
	return r, nil
}

// fitsInt32 reports whether both values are in int32 range: their
// product then cannot overflow int64.
func fitsInt32(x, y int64) bool {
	return uint64(x+(1<<31))|uint64(y+(1<<31)) < 1<<32
}

func binInt64(op ArithOp, xs, ys, rs []int64, lo, hi int64, sel []uint16) bool {
	var ovf int64
	bad := 0
	switch op {
	case Add:
		if sel == nil && lo == math.MinInt64 && hi == math.MaxInt64 {
			// BIGINT: only int64 overflow can fail.
			for i, x := range xs {
				y := ys[i]
				s := x + y
				rs[i] = s
				ovf |= (x ^ s) & (y ^ s)
			}
		} else if sel == nil {
			for i, x := range xs {
				y := ys[i]
				s := x + y
				rs[i] = s
				ovf |= (x ^ s) & (y ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		} else {
			for _, i := range sel {
				x, y := xs[i], ys[i]
				s := x + y
				rs[i] = s
				ovf |= (x ^ s) & (y ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		}
	case Sub:
		if sel == nil {
			for i, x := range xs {
				y := ys[i]
				s := x - y
				rs[i] = s
				ovf |= (x ^ y) & (x ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		} else {
			for _, i := range sel {
				x, y := xs[i], ys[i]
				s := x - y
				rs[i] = s
				ovf |= (x ^ y) & (x ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		}
	case Mul:
		if sel == nil {
			for i, x := range xs {
				y := ys[i]
				s := x * y
				rs[i] = s
				bad |= b2i(!fitsInt32(x, y)) | b2i(s < lo) | b2i(s > hi)
			}
		} else {
			for _, i := range sel {
				x, y := xs[i], ys[i]
				s := x * y
				rs[i] = s
				bad |= b2i(!fitsInt32(x, y)) | b2i(s < lo) | b2i(s > hi)
			}
		}
	case Div, Mod:
		each := func(i int) {
			x, y := xs[i], ys[i]
			if y == 0 || y == -1 {
				bad = 1 // the slow pass decides (zero, MinInt64 / -1)
				return
			}
			if op == Div {
				rs[i] = x / y
			} else {
				rs[i] = x % y
			}
		}
		if sel == nil {
			for i := range xs {
				each(i)
			}
		} else {
			for _, i := range sel {
				each(int(i))
			}
		}
	}
	return ovf < 0 || bad != 0
}

func constInt64(op ArithOp, xs []int64, c int64, constLeft bool, rs []int64, lo, hi int64, sel []uint16) bool {
	if constLeft && (op == Add || op == Mul) {
		constLeft = false // commutative
	}
	var ovf int64
	bad := 0
	switch {
	case op == Add:
		if sel == nil {
			for i, x := range xs {
				s := x + c
				rs[i] = s
				ovf |= (x ^ s) & (c ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		} else {
			for _, i := range sel {
				x := xs[i]
				s := x + c
				rs[i] = s
				ovf |= (x ^ s) & (c ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		}
	case op == Sub && !constLeft:
		if sel == nil {
			for i, x := range xs {
				s := x - c
				rs[i] = s
				ovf |= (x ^ c) & (x ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		} else {
			for _, i := range sel {
				x := xs[i]
				s := x - c
				rs[i] = s
				ovf |= (x ^ c) & (x ^ s)
				bad |= b2i(s < lo) | b2i(s > hi)
			}
		}
	case op == Mul:
		if sel == nil {
			for i, x := range xs {
				s := x * c
				rs[i] = s
				bad |= b2i(!fitsInt32(x, c)) | b2i(s < lo) | b2i(s > hi)
			}
		} else {
			for _, i := range sel {
				x := xs[i]
				s := x * c
				rs[i] = s
				bad |= b2i(!fitsInt32(x, c)) | b2i(s < lo) | b2i(s > hi)
			}
		}
	default:
		// c - x, division and modulo: row at a time.
		each := func(i int) {
			x, y := xs[i], c
			if constLeft {
				x, y = c, xs[i]
			}
			r, err := scalarInt64(op, x, y, lo, hi)
			if err != nil {
				bad = 1
				return
			}
			rs[i] = r
		}
		if sel == nil {
			for i := range xs {
				each(i)
			}
		} else {
			for _, i := range sel {
				each(int(i))
			}
		}
	}
	return ovf < 0 || bad != 0
}

// ArithFloat64 computes a op b on floats with IEEE semantics (overflow
// gives ±Inf, as DuckDB), except that division and modulo by zero are
// errors (PostgreSQL). % is math.Mod (C fmod). A REAL result is rounded to
// float32.
func ArithFloat64(op ArithOp, a, b *Vector, sel []uint16, res *Vector) error {
	n := a.Len
	valid := andValid(res.Valid[:0], a.Valid, b.Valid, n)
	res.Floats = grow(res.Floats, n)
	res.Len = n
	xs, ys, rs := a.Floats[:n], b.Floats[:n], res.Floats
	zeroDiv := false
	each := func(i int) {
		x, y := xs[i], ys[i]
		var r float64
		switch op {
		case Add:
			r = x + y
		case Sub:
			r = x - y
		case Mul:
			r = x * y
		case Div:
			if y == 0 && (len(valid) == 0 || valid[i>>6]&(1<<(uint(i)&63)) != 0) {
				zeroDiv = true
			}
			r = x / y
		case Mod:
			if y == 0 && (len(valid) == 0 || valid[i>>6]&(1<<(uint(i)&63)) != 0) {
				zeroDiv = true
			}
			r = math.Mod(x, y)
		}
		rs[i] = r
	}
	if sel == nil {
		switch op {
		case Add:
			for i, x := range xs {
				rs[i] = x + ys[i]
			}
		case Sub:
			for i, x := range xs {
				rs[i] = x - ys[i]
			}
		case Mul:
			for i, x := range xs {
				rs[i] = x * ys[i]
			}
		default:
			for i := range xs {
				each(i)
			}
		}
	} else {
		for _, i := range sel {
			each(int(i))
		}
	}
	res.Valid = valid
	if zeroDiv {
		return fmt.Errorf("%w in %s %s %s", ErrDivisionByZero, a.Type, op, b.Type)
	}
	if res.Type.Kind == types.KindReal {
		roundReal(rs, sel)
	}
	return nil
}

func roundReal(rs []float64, sel []uint16) {
	if sel == nil {
		for i, r := range rs {
			rs[i] = float64(float32(r))
		}
		return
	}
	for _, i := range sel {
		rs[i] = float64(float32(rs[i]))
	}
}

// ArithDecimal computes a op b for op in + - * % on decimals (scaled
// int64s, or integers as scale 0) into res, whose Type is the DECIMAL
// result type (types.Promote / types.DecimalResult): operands are
// rescaled to the result scale (the product's scale is the sum of the
// scales), and every valid result is checked against the precision.
func ArithDecimal(op ArithOp, a, b *Vector, sel []uint16, res *Vector) error {
	if op == Div {
		return fmt.Errorf("vector: decimal /: the result is DOUBLE: %w", types.ErrNoOperator)
	}
	rt := res.Type
	sa, sb := a.Type.Scale, b.Type.Scale
	n := a.Len
	// Multipliers bringing each operand to the result scale.
	ma, mb := int64(1), int64(1)
	if op != Mul {
		ma, mb = types.Pow10(rt.Scale-sa), types.Pow10(rt.Scale-sb)
	} else if sa+sb != rt.Scale {
		return fmt.Errorf("vector: decimal *: result scale %d is not %d+%d", rt.Scale, sa, sb)
	}
	// Rescale into res first (res may be a or b, so keep b's values).
	lo, hi := rt.IntRange()
	valid := andValid(res.Valid[:0], a.Valid, b.Valid, n)
	xs, ys := a.Ints[:n], b.Ints[:n]
	res.Ints = grow(res.Ints, n)
	res.Len = n
	rs := res.Ints
	var firstErr error
	each := func(i int) {
		if firstErr != nil || (len(valid) != 0 && valid[i>>6]&(1<<(uint(i)&63)) == 0) {
			return
		}
		x, ok1 := types.MulCheck(xs[i], ma)
		y, ok2 := types.MulCheck(ys[i], mb)
		var r int64
		ok := ok1 && ok2
		if ok {
			switch op {
			case Add:
				r, ok = types.AddCheck(x, y)
			case Sub:
				r, ok = types.SubCheck(x, y)
			case Mul:
				r, ok = types.MulCheck(x, y)
			case Mod:
				if y == 0 {
					firstErr = fmt.Errorf("%w in %s %% %s", ErrDivisionByZero, a.Type, b.Type)
					return
				}
				if y == -1 {
					r = 0
				} else {
					r = x % y
				}
			}
		}
		if !ok || r < lo || r > hi {
			firstErr = fmt.Errorf("%w: %s %s %s does not fit %s", ErrOverflow,
				types.FormatDecimal(xs[i], sa), op, types.FormatDecimal(ys[i], sb), rt)
			return
		}
		rs[i] = r
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			each(i)
		}
	} else {
		for _, i := range sel {
			each(int(i))
		}
	}
	res.Valid = valid
	return firstErr
}

// IsOverflow reports whether err is an arithmetic overflow.
func IsOverflow(err error) bool { return errors.Is(err, types.ErrOutOfRange) }
