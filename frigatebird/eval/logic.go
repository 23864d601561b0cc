package eval

import (
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// logicNode is AND (or OR) of two or more BOOLEANs with three-valued
// logic, short-circuiting: an operand that may fail is evaluated only on
// the rows the earlier ones left undecided (not FALSE for AND, not TRUE
// for OR), so `x <> 0 AND 10 / x > 1` never divides by zero.
type logicNode struct {
	args   []node
	narrow []bool // narrow[k]: evaluate args[k] on the undecided rows only
	or     bool
	res    *vector.Vector
	remBuf []uint16
	// Select of OR.
	hitBuf []uint16
	bm     []uint64
}

func (n *logicNode) typ() types.Type { return types.Boolean }

func (n *logicNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	acc, err := n.args[0].eval(c, sel)
	if err != nil {
		return nil, err
	}
	rem := sel
	for k := 1; k < len(n.args); k++ {
		if n.narrow[k] {
			// The rows outside rem are decided (FALSE for AND, TRUE for
			// OR) and stay so whatever the operand's garbage there.
			rem = rowsWhere(acc, !n.or, rem, c.n, n.remBuf[:0])
			if len(rem) == 0 {
				break
			}
		}
		v, err := n.args[k].eval(c, rem)
		if err != nil {
			return nil, err
		}
		if n.or {
			vector.Or(acc, v, n.res)
		} else {
			vector.And(acc, v, n.res)
		}
		acc = n.res
	}
	return acc, nil
}

// filter: AND narrows the selection operand by operand (each sees only
// the rows every earlier one passed); OR selects with each operand among
// the rows no earlier one passed and unions the hits in a bitmap.
func (n *logicNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	if !n.or {
		cur, err := filterNode(n.args[0], c, sel, out)
		if err != nil {
			return nil, err
		}
		for _, a := range n.args[1:] {
			if len(cur) == 0 {
				break
			}
			if cur, err = filterNode(a, c, cur, cur[:0]); err != nil {
				return nil, err
			}
		}
		return cur, nil
	}
	if n.hitBuf == nil {
		n.hitBuf = newSel()
	}
	hits, err := filterNode(n.args[0], c, sel, n.hitBuf[:0])
	if err != nil {
		return nil, err
	}
	n.bm = vector.SelToBitmap(hits, c.n, n.bm)
	rem := minus(sel, hits, c.n, n.remBuf[:0])
	for k := 1; k < len(n.args) && len(rem) > 0; k++ {
		hits, err = filterNode(n.args[k], c, rem, n.hitBuf[:0])
		if err != nil {
			return nil, err
		}
		for _, i := range hits {
			n.bm[i>>6] |= 1 << (i & 63)
		}
		if k < len(n.args)-1 {
			rem = minus(rem, hits, c.n, rem[:0])
		}
	}
	return vector.BitmapToSel(n.bm, c.n, out), nil
}

// notNode is NOT x (NULL stays NULL) where the negation could not be
// pushed into x.
type notNode struct {
	x   node
	res *vector.Vector
}

func (n *notNode) typ() types.Type { return types.Boolean }

func (n *notNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	vector.Not(v, n.res)
	return n.res, nil
}

func (n *notNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	return vector.FilterBoolConst(vector.Eq, v, false, sel, out), nil
}

// isNullNode is x IS [NOT] NULL.
type isNullNode struct {
	x   node
	not bool
	res *vector.Vector
}

func (n *isNullNode) typ() types.Type { return types.Boolean }

func (n *isNullNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	vector.IsNull(v, n.not, n.res)
	return n.res, nil
}

func (n *isNullNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	return vector.FilterNull(v, n.not, sel, out), nil
}
