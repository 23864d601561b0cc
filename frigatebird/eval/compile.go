package eval

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// compiler turns a checked tree into nodes. With fold set, every
// column-free subtree that evaluates without error becomes a constant
// (one that fails is kept, so that its error is raised only if a row
// reaches it at run time).
type compiler struct {
	fold bool
	free map[plan.Expr]bool
}

func compile(e plan.Expr, fold bool) (node, error) {
	c := &compiler{fold: fold, free: map[plan.Expr]bool{}}
	return c.compile(e)
}

// columnFree reports whether e reads no column.
func (c *compiler) columnFree(e plan.Expr) bool {
	if f, ok := c.free[e]; ok {
		return f
	}
	f := true
	if _, ok := e.(*plan.ColRef); ok {
		f = false
	} else {
		for _, x := range plan.Children(e) {
			if x != nil && !c.columnFree(x) {
				f = false
			}
		}
	}
	c.free[e] = f
	return f
}

// constOf returns e's value when it is a constant (after folding).
func constOf(n node) (types.Value, bool) {
	if k, ok := n.(*constNode); ok {
		return k.v, true
	}
	return types.Value{}, false
}

func (c *compiler) compile(e plan.Expr) (node, error) {
	if c.fold && e.Type().Kind != types.KindInterval {
		if _, isConst := e.(*plan.Const); !isConst && c.columnFree(e) {
			if v, err := constValue(e); err == nil {
				return newConst(v), nil
			}
		}
	}
	switch e := e.(type) {
	case *plan.ColRef:
		return &colNode{idx: e.Index, name: e.Name, t: e.T}, nil
	case *plan.Const:
		return newConst(e.Value), nil
	case *plan.Arith:
		l, r, err := c.pair(e.L, e.R)
		if err != nil {
			return nil, err
		}
		return newArith(e.Op, l, r, e.T), nil
	case *plan.Neg:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return &negNode{x: x, t: e.X.Type(), res: vector.New(e.X.Type())}, nil
	case *plan.Compare:
		l, r, err := c.pair(e.L, e.R)
		if err != nil {
			return nil, err
		}
		return newCompare(e.Op, l, r), nil
	case *plan.Distinct:
		l, r, err := c.pair(e.L, e.R)
		if err != nil {
			return nil, err
		}
		return &distinctNode{l: l, r: r, not: e.Not, res: vector.New(types.Boolean), scratch: newSel()}, nil
	case *plan.And:
		return c.logic(e.Args, false)
	case *plan.Or:
		return c.logic(e.Args, true)
	case *plan.Not:
		return c.not(e.X)
	case *plan.IsNull:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return &isNullNode{x: x, not: e.Not, res: vector.New(types.Boolean)}, nil
	case *plan.In:
		return c.in(e)
	case *plan.Like:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return &likeNode{x: x, p: vector.CompileLike(e.Pattern, e.Fold), not: e.Not, res: vector.New(types.Boolean), scratch: newSel()}, nil
	case *plan.Case:
		return c.caseNode(e)
	case *plan.Cast:
		x, err := c.compile(e.X)
		if err != nil {
			return nil, err
		}
		return newCast(x, e.To), nil
	case *plan.Coalesce:
		args, err := c.list(e.Args)
		if err != nil {
			return nil, err
		}
		return newCoalesce(args, e.T), nil
	case *plan.Func:
		return c.fn(e)
	}
	return nil, invalid("expression", "unknown node %T", e)
}

func (c *compiler) pair(l, r plan.Expr) (node, node, error) {
	ln, err := c.compile(l)
	if err != nil {
		return nil, nil, err
	}
	rn, err := c.compile(r)
	if err != nil {
		return nil, nil, err
	}
	return ln, rn, nil
}

func (c *compiler) list(xs []plan.Expr) ([]node, error) {
	out := make([]node, len(xs))
	for i, x := range xs {
		n, err := c.compile(x)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// logic compiles AND (or OR) of args. A later operand is evaluated only
// on the rows the earlier ones left undecided when it may fail (see
// mayFail); otherwise on every row, which costs no selection.
func (c *compiler) logic(args []plan.Expr, or bool) (node, error) {
	nodes, err := c.list(args)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	n := &logicNode{args: nodes, or: or, narrow: make([]bool, len(args)), res: vector.New(types.Boolean), remBuf: newSel()}
	for i, a := range args {
		n.narrow[i] = mayFail(a)
	}
	return n, nil
}

// not compiles NOT x, pushing the negation into the operators that have
// a negated form with the same errors and the same NULLs: a comparison
// (NOT a < b is a >= b, also for floats in SQL's total order), IS [NOT]
// DISTINCT, IS [NOT] NULL, [NOT] IN, [NOT] LIKE, and AND (De Morgan: NOT
// (a AND b) is NOT a OR NOT b, which evaluates b on the same rows).
func (c *compiler) not(x plan.Expr) (node, error) {
	switch x := x.(type) {
	case *plan.Compare:
		return c.compile(&plan.Compare{Op: negateCmp(x.Op), L: x.L, R: x.R})
	case *plan.Distinct:
		return c.compile(&plan.Distinct{L: x.L, R: x.R, Not: !x.Not})
	case *plan.IsNull:
		return c.compile(&plan.IsNull{X: x.X, Not: !x.Not})
	case *plan.In:
		return c.compile(&plan.In{X: x.X, List: x.List, Not: !x.Not})
	case *plan.Like:
		return c.compile(&plan.Like{X: x.X, Pattern: x.Pattern, Not: !x.Not, Fold: x.Fold})
	case *plan.And:
		args := make([]plan.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = &plan.Not{X: a}
		}
		return c.compile(&plan.Or{Args: args})
	}
	xn, err := c.compile(x)
	if err != nil {
		return nil, err
	}
	return &notNode{x: xn, res: vector.New(types.Boolean)}, nil
}

func negateCmp(op vector.CmpOp) vector.CmpOp {
	switch op {
	case vector.Eq:
		return vector.Ne
	case vector.Ne:
		return vector.Eq
	case vector.Lt:
		return vector.Ge
	case vector.Le:
		return vector.Gt
	case vector.Gt:
		return vector.Le
	}
	return vector.Lt
}

func (c *compiler) in(e *plan.In) (node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	var consts []types.Value
	var others []node
	for _, el := range e.List {
		n, err := c.compile(el)
		if err != nil {
			return nil, err
		}
		if v, ok := constOf(n); ok {
			consts = append(consts, v)
		} else {
			others = append(others, n)
		}
	}
	return newIn(x, consts, others, e.Not)
}

func (c *compiler) caseNode(e *plan.Case) (node, error) {
	n := &caseNode{t: e.T, res: vector.New(e.T), remBuf: newSel(), matchBuf: newSel()}
	for _, w := range e.Whens {
		cond, err := c.compile(w.Cond)
		if err != nil {
			return nil, err
		}
		res, err := c.compile(w.Result)
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.results = append(n.results, res)
	}
	if e.Else == nil {
		n.els = newConst(types.NullValue(e.T))
	} else {
		els, err := c.compile(e.Else)
		if err != nil {
			return nil, err
		}
		n.els = els
	}
	if e.T.Phys() == types.PhysBytes {
		n.srcs = make([]*vector.Vector, len(n.conds)+1)
		n.which = make([]int32, vector.Size)
	}
	return n, nil
}

// mayFail reports whether evaluating e can raise a runtime error (so
// that AND and OR evaluate it only on the rows still undecided).
func mayFail(e plan.Expr) bool {
	fails := false
	plan.Walk(e, func(x plan.Expr) bool {
		if fails {
			return false
		}
		switch x := x.(type) {
		case *plan.Arith:
			fails = !(x.T.Kind == types.KindDouble && x.Op <= vector.Mul)
		case *plan.Neg:
			fails = x.X.Type().IsInteger()
		case *plan.Cast:
			fails = x.X.Type() != x.To
		case *plan.Func:
			switch x.Fn {
			case plan.FnSubstring, plan.FnAbs, plan.FnRound, plan.FnFloor, plan.FnCeil, plan.FnDateTrunc,
				plan.FnDateAddDays, plan.FnDateSubDays, plan.FnDateDiff,
				plan.FnTimestampAddInterval, plan.FnTimestampSubInterval,
				plan.FnConcat, plan.FnConcatOp, plan.FnReplace:
				fails = true
			}
		}
		return !fails
	})
	return fails
}

// constNode is a constant, broadcast into a vector only when a kernel
// needs one (and then once per batch length).
type constNode struct {
	v   types.Value
	vec *vector.Vector
	n   int // rows vec holds; -1 before the first broadcast
}

func newConst(v types.Value) *constNode { return &constNode{v: v, n: -1} }

func (k *constNode) typ() types.Type { return k.v.Type }

func (k *constNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	if k.n == c.n {
		return k.vec, nil
	}
	t := k.v.Type
	if t.Phys() == types.PhysNone {
		return nil, invalid("constant", "a %s value used as a column", t)
	}
	if k.vec == nil {
		k.vec = vector.New(t)
	}
	v, n := k.vec, c.n
	if k.v.Null {
		setAllNull(v, t, n)
		k.n = n
		return v, nil
	}
	v.Reset(t, n)
	switch t.Phys() {
	case types.PhysInt64:
		for i := range v.Ints[:n] {
			v.Ints[i] = k.v.Int
		}
	case types.PhysFloat64:
		for i := range v.Floats[:n] {
			v.Floats[i] = k.v.Float
		}
	case types.PhysBool:
		x := uint64(0)
		if k.v.Bool {
			x = ^x
		}
		for i := range v.Bools {
			v.Bools[i] = x
		}
	case types.PhysBytes:
		for i := 0; i < n; i++ {
			v.Bytes = append(v.Bytes, k.v.Str...)
			v.Offsets[i+1] = uint32(len(v.Bytes))
		}
		if err := checkBytes(v); err != nil {
			return nil, err
		}
	}
	k.n = n
	return v, nil
}

// colNode reads a column of the batch, checking that it is the column the
// expression was bound to.
type colNode struct {
	idx  int
	name string
	t    types.Type
	hdr  vector.Vector
}

func (n *colNode) typ() types.Type { return n.t }

func (n *colNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	b := c.b
	if n.idx >= len(b.Cols) || b.Cols[n.idx] == nil {
		return nil, fmt.Errorf("%w: column %d (%s) is not in a batch of %d columns", ErrInvalidExpr, n.idx, n.name, len(b.Cols))
	}
	v := b.Cols[n.idx]
	if !columnFits(v, n.t, c.n) {
		return nil, fmt.Errorf("%w: column %d (%s) of type %s: batch vector of type %s, %d rows (batch %d)",
			ErrInvalidExpr, n.idx, n.name, n.t, v.Type, v.Len, c.n)
	}
	return retype(v, n.t, &n.hdr), nil
}

// columnFits reports whether v can serve as n rows of type t: same
// physical layout and meaning, and buffers long enough.
func columnFits(v *vector.Vector, t types.Type, n int) bool {
	vt := v.Type
	kindOK := vt.Kind == t.Kind || (vt.IsInteger() && t.IsInteger()) || (vt.IsFloat() && t.IsFloat())
	if !kindOK || v.Len != n || (t.Kind == types.KindDecimal && vt.Scale != t.Scale) {
		return false
	}
	if len(v.Valid) != 0 && len(v.Valid) < vector.Words(n) {
		return false
	}
	switch t.Phys() {
	case types.PhysInt64:
		return len(v.Ints) >= n
	case types.PhysFloat64:
		return len(v.Floats) >= n
	case types.PhysBool:
		return len(v.Bools) >= vector.Words(n)
	case types.PhysBytes:
		return len(v.Offsets) >= n+1 && (n == 0 || int(v.Offsets[n]) <= len(v.Bytes))
	}
	return false
}
