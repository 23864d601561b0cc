package eval

import (
	"errors"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// errSlowPath sends a decimal operation to the row-at-a-time kernels,
// which name the failing values.
var errSlowPath = errors.New("eval: overflow in the fast path")

// decimalFast computes a decimal l op r with the int64 kernels: the
// operands are rescaled to the result scale (except for *, whose scale is
// the sum of theirs) by rescaleInts, then combined by ArithInt64 with the
// DECIMAL result type, whose IntRange is the precision's (±(10^p - 1)).
// That is vector.ArithDecimal's definition, a word at a time instead of a
// closure per row. Any overflow returns an error for the caller to redo
// the batch row by row.
func (n *arithNode) decimalFast(c *ctx, l, r *vector.Vector, sel []uint16) error {
	// With most rows selected, every row is computed, in the dense loops
	// (no indirection through sel); a failure there may come from a row
	// outside the selection (or a NULL row's garbage), so it is redone
	// on the selection, which decides.
	if sel != nil && len(sel)*8 >= c.n*7 {
		if err := n.decimalRows(c, l, r, nil); err == nil {
			return nil
		}
	}
	return n.decimalRows(c, l, r, sel)
}

// decimalRows is decimalFast on the rows of sel (nil: all).
func (n *arithNode) decimalRows(c *ctx, l, r *vector.Vector, sel []uint16) error {
	rt, res := n.t, n.res
	ma, mb := int64(1), int64(1)
	if n.op != vector.Mul {
		ma, mb = types.Pow10(rt.Scale-n.l.typ().Scale), types.Pow10(rt.Scale-n.r.typ().Scale)
	}
	switch {
	case n.rc != nil:
		cv, ok := types.MulCheck(n.rc.Int, mb)
		if !ok {
			return errSlowPath
		}
		x, err := rescaled(&n.sl, l, ma, l.Valid, sel, c.n)
		if err != nil {
			return err
		}
		return vector.ArithInt64Const(n.op, x, cv, false, sel, res)
	case n.lc != nil:
		cv, ok := types.MulCheck(n.lc.Int, ma)
		if !ok {
			return errSlowPath
		}
		y, err := rescaled(&n.sr, r, mb, r.Valid, sel, c.n)
		if err != nil {
			return err
		}
		if n.op == vector.Sub {
			return subFromConst(cv, y, sel, res)
		}
		return vector.ArithInt64Const(n.op, y, cv, true, sel, res)
	}
	if ma != 1 || mb != 1 {
		n.valid = andValid(n.valid[:0], l.Valid, r.Valid, c.n)
	}
	x, err := rescaled(&n.sl, l, ma, n.valid, sel, c.n)
	if err != nil {
		return err
	}
	y, err := rescaled(&n.sr, r, mb, n.valid, sel, c.n)
	if err != nil {
		return err
	}
	return vector.ArithInt64(n.op, x, y, sel, res)
}

// rescaled returns v multiplied by m (v itself when m is 1) in *tmp for
// the rows of sel; overflow in a row valid in valid is errSlowPath.
func rescaled(tmp **vector.Vector, v *vector.Vector, m int64, valid []uint64, sel []uint16, n int) (*vector.Vector, error) {
	if m == 1 {
		return v, nil
	}
	if *tmp == nil {
		*tmp = vector.New(types.BigInt)
	}
	t := *tmp
	t.Reset(types.BigInt, n)
	xs, rs := v.Ints[:n], t.Ints[:n]
	lim := math.MaxInt64 / m
	bad := 0
	if sel == nil {
		for i, x := range xs {
			rs[i] = x * m
			bad |= b2i(x > lim) | b2i(x < -lim)
		}
	} else {
		for _, i := range sel {
			x := xs[i]
			rs[i] = x * m
			bad |= b2i(x > lim) | b2i(x < -lim)
		}
	}
	if bad != 0 {
		for _, i := range rowsOf(sel, n) {
			if (xs[i] > lim || xs[i] < -lim) && validAt(valid, i) {
				return nil, errSlowPath
			}
		}
	}
	t.Valid = v.Valid // read only
	return t, nil
}

// subFromConst computes c - x into res (whose Type is the result type),
// branch-free with overflow flags like the kernels' x - c; on a possible
// overflow vector.ArithInt64Const redoes the batch row by row and names
// the failing row.
func subFromConst(c int64, v *vector.Vector, sel []uint16, res *vector.Vector) error {
	n := v.Len
	lo, hi := res.Type.IntRange()
	valid := andValid(res.Valid[:0], v.Valid, nil, n)
	if cap(res.Ints) < n {
		res.Ints = make([]int64, n, vector.Size)
	}
	res.Ints, res.Len = res.Ints[:n], n
	xs, rs := v.Ints[:n], res.Ints
	var ovf int64
	bad := 0
	if sel == nil {
		for i, x := range xs {
			s := c - x
			rs[i] = s
			ovf |= (c ^ x) & (c ^ s)
			bad |= b2i(s < lo) | b2i(s > hi)
		}
	} else {
		for _, i := range sel {
			x := xs[i]
			s := c - x
			rs[i] = s
			ovf |= (c ^ x) & (c ^ s)
			bad |= b2i(s < lo) | b2i(s > hi)
		}
	}
	res.Valid = valid
	if ovf < 0 || bad != 0 {
		return vector.ArithInt64Const(vector.Sub, v, c, true, sel, res)
	}
	return nil
}
