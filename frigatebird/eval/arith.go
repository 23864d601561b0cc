package eval

import (
	"errors"
	"fmt"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// arithNode is l op r. One constant operand (the right one when both
// are) is never broadcast: the constant kernels take it as a scalar.
type arithNode struct {
	op   vector.ArithOp
	l, r node
	lc   *types.Value // constant left operand, or nil
	rc   *types.Value // constant right operand, or nil
	t    types.Type
	res  *vector.Vector
	// Decimals: the operands at the result scale, and both's validity.
	sl, sr *vector.Vector
	valid  []uint64
}

func newArith(op vector.ArithOp, l, r node, t types.Type) *arithNode {
	n := &arithNode{op: op, l: l, r: r, t: t, res: vector.New(t)}
	if v, ok := constOf(r); ok {
		n.rc = &v
	} else if v, ok := constOf(l); ok {
		n.lc = &v
	}
	return n
}

func (n *arithNode) typ() types.Type { return n.t }

func (n *arithNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	// Both operands are evaluated (for their errors) even when the
	// constant one is NULL.
	var l, r *vector.Vector
	var err error
	if n.lc == nil {
		if l, err = n.l.eval(c, sel); err != nil {
			return nil, err
		}
	}
	if n.rc == nil {
		if r, err = n.r.eval(c, sel); err != nil {
			return nil, err
		}
	}
	res := n.res
	res.Type = n.t
	if (n.lc != nil && n.lc.Null) || (n.rc != nil && n.rc.Null) {
		setAllNull(res, n.t, c.n)
		return res, nil
	}
	switch {
	case n.t.IsInteger():
		switch {
		case n.rc != nil:
			err = vector.ArithInt64Const(n.op, l, n.rc.Int, false, sel, res)
		case n.lc != nil && n.op == vector.Sub:
			err = subFromConst(n.lc.Int, r, sel, res)
		case n.lc != nil:
			err = vector.ArithInt64Const(n.op, r, n.lc.Int, true, sel, res)
		default:
			err = vector.ArithInt64(n.op, l, r, sel, res)
		}
	case n.t.Kind == types.KindDouble:
		switch {
		case n.rc != nil:
			err = arithFloatConst(n.op, l, n.rc.Float, false, sel, res)
		case n.lc != nil:
			err = arithFloatConst(n.op, r, n.lc.Float, true, sel, res)
		default:
			err = vector.ArithFloat64(n.op, l, r, sel, res)
		}
	default: // DECIMAL
		if err = n.decimalFast(c, l, r, sel); err == nil || errors.Is(err, types.ErrDivisionByZero) {
			break
		}
		// A possible overflow: the row-at-a-time kernels decide, find the
		// failing row and name its values.
		switch {
		case n.rc != nil:
			err = arithDecimalConst(n.op, l, *n.rc, false, sel, res)
		case n.lc != nil:
			err = arithDecimalConst(n.op, r, *n.lc, true, sel, res)
		default:
			err = vector.ArithDecimal(n.op, l, r, sel, res)
		}
	}
	if err != nil {
		return nil, runtimeErr(err)
	}
	return res, nil
}

// arithFloatConst is ArithFloat64 with a constant operand (c op x when
// constLeft): IEEE arithmetic, division and modulo by zero an error.
func arithFloatConst(op vector.ArithOp, v *vector.Vector, c float64, constLeft bool, sel []uint16, res *vector.Vector) error {
	nrows := v.Len
	valid := andValid(res.Valid[:0], v.Valid, nil, nrows)
	res.Reset(res.Type, nrows)
	res.Valid = valid
	xs, rs := v.Floats[:nrows], res.Floats[:nrows]
	if (op == vector.Div || op == vector.Mod) && !constLeft && c == 0 {
		if anyValid(valid, sel, nrows) {
			return errDivisionByZero
		}
		return nil
	}
	if op == vector.Sub && constLeft {
		for _, i := range rowsOf(sel, nrows) {
			rs[i] = c - xs[i]
		}
		return nil
	}
	switch op {
	case vector.Add:
		if sel == nil {
			for i, x := range xs {
				rs[i] = x + c
			}
		} else {
			for _, i := range sel {
				rs[i] = xs[i] + c
			}
		}
	case vector.Sub:
		if sel == nil {
			for i, x := range xs {
				rs[i] = x - c
			}
		} else {
			for _, i := range sel {
				rs[i] = xs[i] - c
			}
		}
	case vector.Mul:
		if sel == nil {
			for i, x := range xs {
				rs[i] = x * c
			}
		} else {
			for _, i := range sel {
				rs[i] = xs[i] * c
			}
		}
	default:
		zero := false
		for _, i := range rowsOf(sel, nrows) {
			x, y := xs[i], c
			if constLeft {
				x, y = c, xs[i]
			}
			if y == 0 && validAt(valid, i) {
				zero = true
			}
			if op == vector.Div {
				rs[i] = x / y
			} else {
				rs[i] = math.Mod(x, y)
			}
		}
		if zero {
			return errDivisionByZero
		}
	}
	return nil
}

// arithDecimalConst is ArithDecimal with a constant operand: both
// operands are brought to the result scale (except for *, whose scale is
// the sum), and every valid result is checked against the precision.
func arithDecimalConst(op vector.ArithOp, v *vector.Vector, c types.Value, constLeft bool, sel []uint16, res *vector.Vector) error {
	rt := res.Type
	nrows := v.Len
	valid := andValid(res.Valid[:0], v.Valid, nil, nrows)
	res.Reset(rt, nrows)
	res.Valid = valid
	xs, rs := v.Ints[:nrows], res.Ints[:nrows]
	sx, sc := v.Type.Scale, c.Type.Scale
	mx, mc := int64(1), int64(1)
	if op != vector.Mul {
		mx, mc = types.Pow10(rt.Scale-sx), types.Pow10(rt.Scale-sc)
	}
	cr, cok := types.MulCheck(c.Int, mc)
	lo, hi := rt.IntRange()
	var firstErr error
	for _, i := range rowsOf(sel, nrows) {
		if !validAt(valid, i) {
			continue
		}
		x, ok := types.MulCheck(xs[i], mx)
		a, b := x, cr
		if constLeft {
			a, b = cr, x
		}
		var r int64
		ok = ok && cok
		if ok {
			switch op {
			case vector.Add:
				r, ok = types.AddCheck(a, b)
			case vector.Sub:
				r, ok = types.SubCheck(a, b)
			case vector.Mul:
				r, ok = types.MulCheck(a, b)
			case vector.Mod:
				switch b {
				case 0:
					return errDivisionByZero
				case -1:
					r = 0
				default:
					r = a % b
				}
			}
		}
		if !ok || r < lo || r > hi {
			if firstErr == nil {
				xv, cv := types.FormatDecimal(xs[i], sx), types.FormatDecimal(c.Int, sc)
				if constLeft {
					xv, cv = cv, xv
				}
				firstErr = rangeError(fmt.Sprintf("%s %s %s", xv, op, cv), rt)
			}
			continue
		}
		rs[i] = r
	}
	return firstErr
}

// negNode is -x.
type negNode struct {
	x   node
	t   types.Type
	res *vector.Vector
}

func (n *negNode) typ() types.Type { return n.t }

func (n *negNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	res := n.res
	res.Type = n.t
	if n.t.IsInteger() {
		// 0 - x: the minimum overflows.
		if err := subFromConst(0, v, sel, res); err != nil {
			return nil, runtimeErr(err)
		}
		return res, nil
	}
	valid := andValid(res.Valid[:0], v.Valid, nil, c.n)
	res.Reset(n.t, c.n)
	res.Valid = valid
	if n.t.Kind == types.KindDecimal { // the range is symmetric
		xs, rs := v.Ints[:c.n], res.Ints[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			rs[i] = -xs[i]
		}
	} else {
		xs, rs := v.Floats[:c.n], res.Floats[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			rs[i] = -xs[i]
		}
	}
	return res, nil
}
