package vector

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

// refInt64 is the big-integer reference: (result, ok) where !ok is an
// error (overflow or division by zero).
func refInt64(op ArithOp, x, y int64, t types.Type) (int64, bool) {
	a, b := big.NewInt(x), big.NewInt(y)
	r := new(big.Int)
	switch op {
	case Add:
		r.Add(a, b)
	case Sub:
		r.Sub(a, b)
	case Mul:
		r.Mul(a, b)
	case Div, Mod:
		if y == 0 {
			return 0, false
		}
		q, m := new(big.Int).QuoRem(a, b, new(big.Int))
		if op == Div {
			r = q
		} else {
			r = m
		}
	}
	lo, hi := t.IntRange()
	if !r.IsInt64() || r.Int64() < lo || r.Int64() > hi {
		return 0, false
	}
	return r.Int64(), true
}

func TestArithInt64AgainstScalar(t *testing.T) {
	r, _ := newRand(t)
	intTypes := []types.Type{types.BigInt, types.Integer, types.SmallInt}
	for it := 0; it < iterations()*2; it++ {
		typ := intTypes[r.IntN(len(intTypes))]
		n := randLen(r)
		a, b := randVector(r, typ, n), randVector(r, typ, n)
		sel := randSel(r, n)
		op := ArithOp(r.IntN(5))
		constCase := r.IntN(3) == 0
		var c int64
		constLeft := r.IntN(2) == 0
		if constCase && n > 0 {
			c = b.Ints[r.IntN(n)]
		}
		res := New(typ)
		res.Type = typ
		var err error
		if constCase {
			err = ArithInt64Const(op, a, c, constLeft, sel, res)
		} else {
			err = ArithInt64(op, a, b, sel, res)
		}
		wantErr := false
		for _, i := range rows(sel, n) {
			x, y, valid := a.Ints[i], b.Ints[i], a.IsValid(i) && b.IsValid(i)
			if constCase {
				y, valid = c, a.IsValid(i)
				if constLeft {
					x, y = c, a.Ints[i]
				}
			}
			if !valid {
				if res.IsValid(i) {
					t.Fatalf("row %d: NULL input gives a valid result", i)
				}
				continue
			}
			w, ok := refInt64(op, x, y, typ)
			if !ok {
				wantErr = true
				break
			}
			if err == nil && res.Ints[i] != w {
				t.Fatalf("%s: %d %s %d = %d, want %d", typ, x, op, y, res.Ints[i], w)
			}
		}
		if wantErr != (err != nil) {
			t.Fatalf("%s %s const=%v: error %v, want error %v", typ, op, constCase, err, wantErr)
		}
		if err != nil && !IsOverflow(err) && !errors.Is(err, types.ErrDivisionByZero) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	}
}

func TestArithInt64Edges(t *testing.T) {
	v := func(xs ...int64) *Vector {
		x := New(types.BigInt)
		x.Reset(types.BigInt, len(xs))
		copy(x.Ints, xs)
		return x
	}
	res := New(types.BigInt)
	if err := ArithInt64(Add, v(math.MaxInt64), v(1), nil, res); !IsOverflow(err) {
		t.Fatalf("MaxInt64+1: %v", err)
	}
	if err := ArithInt64(Div, v(math.MinInt64), v(-1), nil, res); !IsOverflow(err) {
		t.Fatalf("MinInt64/-1: %v", err)
	}
	if err := ArithInt64(Mod, v(math.MinInt64), v(-1), nil, res); err != nil || res.Ints[0] != 0 {
		t.Fatalf("MinInt64 %% -1: %v %d", err, res.Ints[0])
	}
	if err := ArithInt64(Div, v(1), v(0), nil, res); !errors.Is(err, types.ErrDivisionByZero) {
		t.Fatalf("1/0: %v", err)
	}
	if err := ArithInt64(Mul, v(math.MinInt64), v(-1), nil, res); !IsOverflow(err) {
		t.Fatalf("MinInt64*-1: %v", err)
	}
	// Overflow in a NULL row or outside the selection is no error.
	a := v(math.MaxInt64, 1)
	a.SetNull(0)
	if err := ArithInt64(Add, a, v(1, 1), nil, res); err != nil || res.Ints[1] != 2 {
		t.Fatalf("NULL row overflow: %v", err)
	}
	if err := ArithInt64(Add, v(math.MaxInt64, 1), v(1, 1), []uint16{1}, res); err != nil {
		t.Fatalf("unselected overflow: %v", err)
	}
	res.Type = types.Integer
	if err := ArithInt64(Add, v(math.MaxInt32), v(1), nil, res); !IsOverflow(err) {
		t.Fatalf("INTEGER overflow: %v", err)
	}
}

func TestArithFloat64(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		n := randLen(r)
		a, b := randVector(r, types.Double, n), randVector(r, types.Double, n)
		sel := randSel(r, n)
		op := ArithOp(r.IntN(5))
		res := New(types.Double)
		err := ArithFloat64(op, a, b, sel, res)
		zero := false
		for _, i := range rows(sel, n) {
			if !a.IsValid(i) || !b.IsValid(i) {
				continue
			}
			x, y := a.Floats[i], b.Floats[i]
			var w float64
			switch op {
			case Add:
				w = x + y
			case Sub:
				w = x - y
			case Mul:
				w = x * y
			case Div:
				zero = zero || y == 0
				w = x / y
			case Mod:
				zero = zero || y == 0
				w = math.Mod(x, y)
			}
			if err == nil && math.Float64bits(w) != math.Float64bits(res.Floats[i]) && !(w != w && res.Floats[i] != res.Floats[i]) {
				t.Fatalf("%g %s %g = %g, want %g", x, op, y, res.Floats[i], w)
			}
		}
		if zero != (err != nil) {
			t.Fatalf("%s: error %v, want division by zero %v", op, err, zero)
		}
	}
}

func TestArithDecimal(t *testing.T) {
	r, _ := newRand(t)
	ops := []ArithOp{Add, Sub, Mul, Mod}
	names := map[ArithOp]string{Add: "+", Sub: "-", Mul: "*", Mod: "%"}
	for it := 0; it < iterations(); it++ {
		ta := types.MustDecimal(1+r.IntN(18), 0)
		ta.Scale = r.IntN(ta.Precision + 1)
		tb := types.MustDecimal(1+r.IntN(18), 0)
		tb.Scale = r.IntN(tb.Precision + 1)
		op := ops[r.IntN(len(ops))]
		rt, err := types.DecimalResult(names[op], ta, tb)
		if err != nil {
			continue // scale too large for int64 decimals
		}
		n := randLen(r)
		a, b := randVector(r, ta, n), randVector(r, tb, n)
		sel := randSel(r, n)
		res := New(rt)
		res.Type = rt
		gotErr := ArithDecimal(op, a, b, sel, res)
		var wantErr error
		for _, i := range rows(sel, n) {
			if !a.IsValid(i) || !b.IsValid(i) {
				continue
			}
			w, err := types.DecimalArith(names[op], a.Ints[i], ta.Scale, b.Ints[i], tb.Scale, rt)
			if err != nil {
				wantErr = err
				break
			}
			if gotErr == nil && res.Ints[i] != w {
				t.Fatalf("%s %s %s: %s %s %s = %s, want %s", ta, names[op], tb,
					types.FormatDecimal(a.Ints[i], ta.Scale), names[op], types.FormatDecimal(b.Ints[i], tb.Scale),
					types.FormatDecimal(res.Ints[i], rt.Scale), types.FormatDecimal(w, rt.Scale))
			}
		}
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("%s %s %s: error %v, want %v", ta, names[op], tb, gotErr, wantErr)
		}
	}
}
