package eval

import (
	"math"
	"strconv"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// absNode is abs(x); abs of an integer type's minimum is an error.
type absNode struct{ funcBase }

func (n *absNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	v, res := n.vs[0], n.res
	res.Reset(n.t, c.n)
	res.Valid = valid
	if n.t.Phys() == types.PhysFloat64 {
		xs, rs := v.Floats[:c.n], res.Floats[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			rs[i] = math.Abs(xs[i])
		}
		return res, nil
	}
	_, hi := n.t.IntRange()
	xs, rs := v.Ints[:c.n], res.Ints[:c.n]
	for _, r := range rowsOf(sel, c.n) {
		i := int(r)
		x := xs[i]
		if x < 0 {
			if (x == math.MinInt64 || -x > hi) && validAt(valid, i) {
				return nil, rangeError("abs("+v.Value(i).String()+")", n.t)
			}
			x = -x
		}
		rs[i] = x
	}
	return res, nil
}

// roundNode is round(x [, digits]): DOUBLE half away from zero at digits
// decimal places (DuckDB's), DECIMAL rounded at digits keeping its type,
// integers unchanged.
type roundNode struct{ funcBase }

func newRound(base funcBase) *roundNode { return &roundNode{funcBase: base} }

func (n *roundNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	v, res := n.vs[0], n.res
	digits := func(i int) int64 {
		if len(n.vs) < 2 {
			return 0
		}
		return n.vs[1].Ints[i]
	}
	res.Reset(n.t, c.n)
	res.Valid = valid
	switch {
	case n.t.Kind == types.KindDouble:
		xs, rs := v.Floats[:c.n], res.Floats[:c.n]
		for _, r := range rowsOf(sel, c.n) {
			i := int(r)
			rs[i] = roundFloat(xs[i], digits(i))
		}
	case n.t.Kind == types.KindDecimal:
		s := int64(n.t.Scale)
		lo, hi := n.t.IntRange()
		xs, rs := v.Ints[:c.n], res.Ints[:c.n]
		for _, r := range rowsOf(sel, c.n) {
			i := int(r)
			x, d := xs[i], digits(i)
			switch {
			case d >= s:
			case d < s-types.MaxDecimalPrecision:
				x = 0 // |x| < 10^18 rounds to 0 at a unit of 10^19 or more
			default:
				u := types.Pow10(int(s - d))
				x = divRound(x, u) * u // |x| + u/2 < 2^63
			}
			if (x < lo || x > hi) && validAt(valid, i) {
				return nil, rangeError("round("+v.Value(i).String()+", "+strconv.FormatInt(d, 10)+")", n.t)
			}
			rs[i] = x
		}
	default:
		copy(res.Ints[:c.n], v.Ints[:c.n])
	}
	return res, nil
}

// roundFloat rounds x half away from zero at d decimal places (d < 0
// rounds to tens, hundreds, ...); a result that overflows gives x back.
func roundFloat(x float64, d int64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	var r float64
	if d >= 0 {
		m := math.Pow(10, float64(d))
		r = math.Round(x*m) / m
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return x
		}
	} else {
		m := math.Pow(10, float64(-d))
		r = math.Round(x/m) * m
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return 0
		}
	}
	return r
}

// floorNode is floor(x) or ceil(x) for DOUBLE and DECIMAL (which keeps
// its type: floor(1.5) is 1.0).
type floorNode struct {
	funcBase
	ceil bool
}

func (n *floorNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	v, res := n.vs[0], n.res
	res.Reset(n.t, c.n)
	res.Valid = valid
	if n.t.Kind == types.KindDouble {
		xs, rs := v.Floats[:c.n], res.Floats[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			if n.ceil {
				rs[i] = math.Ceil(xs[i])
			} else {
				rs[i] = math.Floor(xs[i])
			}
		}
		return res, nil
	}
	u := types.Pow10(n.t.Scale)
	lo, hi := n.t.IntRange()
	xs, rs := v.Ints[:c.n], res.Ints[:c.n]
	for _, r := range rowsOf(sel, c.n) {
		i := int(r)
		x := xs[i]
		var q int64
		if n.ceil {
			q = -floorDiv(-x, u)
		} else {
			q = floorDiv(x, u)
		}
		r, ok := types.MulCheck(q, u)
		if (!ok || r < lo || r > hi) && validAt(valid, i) {
			name := "floor("
			if n.ceil {
				name = "ceil("
			}
			return nil, rangeError(name+v.Value(i).String()+")", n.t)
		}
		rs[i] = r
	}
	return res, nil
}
