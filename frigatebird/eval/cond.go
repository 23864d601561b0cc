package eval

import (
	"bytes"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// caseNode is a searched CASE. Each WHEN's condition is selected (as a
// WHERE would: NULL is not matched) among the rows no earlier WHEN took;
// its result is evaluated only on the rows it matched, and ELSE on the
// rest. Fixed-width results are copied row by row as each branch
// finishes; strings are gathered in row order at the end.
type caseNode struct {
	conds, results []node
	els            node
	t              types.Type
	res            *vector.Vector
	remBuf         []uint16
	matchBuf       []uint16
	srcs           []*vector.Vector // strings: each branch's result
	which          []int32          // strings: the branch of each row
}

func (n *caseNode) typ() types.Type { return n.t }

func (n *caseNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	nrows := c.n
	fixed := n.t.Phys() != types.PhysBytes
	res := n.res
	if fixed {
		res.Reset(n.t, nrows)
		res.Valid = allValid(res.Valid, nrows)
	}
	anyNull := false
	take := func(k int, v *vector.Vector, rows []uint16) {
		anyNull = anyNull || v.HasNulls()
		if !fixed {
			n.srcs[k] = v
			for _, i := range rowsOf(rows, nrows) {
				n.which[i] = int32(k)
			}
			return
		}
		scatter(res, v, rows, nrows)
	}
	rem := sel
	for k, cond := range n.conds {
		if selCount(rem, nrows) == 0 {
			break
		}
		matched, err := filterNode(cond, c, rem, n.matchBuf[:0])
		if err != nil {
			return nil, err
		}
		if len(matched) == 0 {
			continue
		}
		v, err := n.results[k].eval(c, matched)
		if err != nil {
			return nil, err
		}
		take(k, v, matched)
		rem = minus(rem, matched, nrows, n.remBuf[:0])
	}
	if selCount(rem, nrows) > 0 {
		v, err := n.els.eval(c, rem)
		if err != nil {
			return nil, err
		}
		take(len(n.conds), v, rem)
	}
	if !fixed {
		return res, gatherStrings(res, n.t, nrows, sel, n.srcs, n.which)
	}
	if !anyNull {
		res.Valid = res.Valid[:0]
	}
	return res, nil
}

// coalesceNode is the first non-NULL argument: each argument is
// evaluated only on the rows every earlier one left NULL.
type coalesceNode struct {
	args    []node
	t       types.Type
	res     *vector.Vector
	hdr     vector.Vector
	remBuf  []uint16
	takeBuf []uint16
	srcs    []*vector.Vector
	which   []int32
}

func newCoalesce(args []node, t types.Type) node {
	if len(args) == 1 {
		return evalOnly{args[0]}
	}
	n := &coalesceNode{args: args, t: t, res: vector.New(t), remBuf: newSel(), takeBuf: newSel()}
	if t.Phys() == types.PhysBytes {
		n.srcs = make([]*vector.Vector, len(args))
		n.which = make([]int32, vector.Size)
	}
	return n
}

func (n *coalesceNode) typ() types.Type { return n.t }

func (n *coalesceNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	nrows := c.n
	fixed := n.t.Phys() != types.PhysBytes
	res := n.res
	rem := sel
	anyNull := false
	for k, a := range n.args {
		v, err := a.eval(c, rem)
		if err != nil {
			return nil, err
		}
		if k == 0 && !v.HasNulls() {
			return retype(v, n.t, &n.hdr), nil // no row goes further
		}
		if k == 0 {
			if fixed {
				res.Reset(n.t, nrows)
				res.Valid = allValid(res.Valid, nrows)
			} else {
				for _, i := range rowsOf(sel, nrows) {
					n.which[i] = -1
				}
			}
		}
		if fixed {
			if k == len(n.args)-1 { // the last takes its NULLs too
				anyNull = anyNull || v.HasNulls()
				scatter(res, v, rem, nrows)
				break
			}
			var took []uint16
			took, rem = splitValid(v.Valid, rem, nrows, n.takeBuf[:0], n.remBuf[:0])
			scatter(res, v, took, nrows)
		} else {
			n.srcs[k] = v
			if k == len(n.args)-1 {
				for _, i := range rem {
					n.which[i] = int32(k)
				}
				break
			}
			var took []uint16
			took, rem = splitValid(v.Valid, rem, nrows, n.takeBuf[:0], n.remBuf[:0])
			for _, i := range took {
				n.which[i] = int32(k)
			}
		}
		if len(rem) == 0 {
			break
		}
	}
	if !fixed {
		return res, gatherStrings(res, n.t, nrows, sel, n.srcs, n.which)
	}
	if !anyNull {
		res.Valid = res.Valid[:0]
	}
	return res, nil
}

// extremeNode is GREATEST (or LEAST): the largest (smallest) non-NULL
// argument, the first of equal ones; NULL only when all are NULL. Every
// argument is evaluated on every row.
type extremeNode struct {
	args  []node
	least bool
	t     types.Type
	res   *vector.Vector
	vs    []*vector.Vector
	which []int32
}

func (n *extremeNode) typ() types.Type { return n.t }

func (n *extremeNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	nrows := c.n
	for k, a := range n.args {
		v, err := a.eval(c, sel)
		if err != nil {
			return nil, err
		}
		n.vs[k] = v
	}
	if n.which == nil {
		n.which = make([]int32, vector.Size)
	}
	for _, r := range rowsOf(sel, nrows) {
		i := int(r)
		best := int32(-1)
		for k, v := range n.vs {
			if !v.IsValid(i) {
				continue
			}
			if best < 0 {
				best = int32(k)
				continue
			}
			cmp := compareRow(v, n.vs[best], i)
			if (cmp > 0 && !n.least) || (cmp < 0 && n.least) {
				best = int32(k)
			}
		}
		n.which[i] = best
	}
	res := n.res
	if n.t.Phys() == types.PhysBytes {
		return res, gatherStrings(res, n.t, nrows, sel, n.vs, n.which)
	}
	res.Reset(n.t, nrows)
	res.Valid = allValid(res.Valid, nrows)
	for _, r := range rowsOf(sel, nrows) {
		i := int(r)
		k := n.which[i]
		if k < 0 {
			setValid(res.Valid, i, false)
			continue
		}
		copyRow(res, n.vs[k], i)
	}
	return res, nil
}

// compareRow orders row i of a and b (same type, both valid) as SQL
// does: floats with NaN above everything and -0 = 0, strings bytewise.
func compareRow(a, b *vector.Vector, i int) int {
	switch a.Type.Phys() {
	case types.PhysInt64:
		x, y := a.Ints[i], b.Ints[i]
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case types.PhysFloat64:
		return types.CompareFloat(a.Floats[i], b.Floats[i])
	case types.PhysBool:
		return b2i(a.Bool(i)) - b2i(b.Bool(i))
	}
	return bytes.Compare(a.Str(i), b.Str(i))
}

// evalOnly hides a node's filter: a function of one argument (COALESCE(x),
// GREATEST(x)) is x's value, but Select evaluates it rather than
// filtering with x (whose AND would narrow the rows differently).
type evalOnly struct{ node }
