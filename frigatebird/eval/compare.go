package eval

import (
	"math"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// newCompare compiles l op r: against a constant (either side) the
// constant kernels, else the vector-vector ones.
func newCompare(op vector.CmpOp, l, r node) node {
	if v, ok := constOf(r); ok {
		if _, lconst := constOf(l); !lconst {
			return newCmpConst(op, l, v)
		}
	}
	if v, ok := constOf(l); ok {
		return newCmpConst(op.Swap(), r, v)
	}
	return &cmpNode{op: op, l: l, r: r, res: vector.New(types.Boolean), scratch: newSel()}
}

// constMode says how a comparison with a constant is decided.
type constMode uint8

const (
	cmpKernel constMode = iota // run the kernel with c
	cmpNever                   // FALSE for every non-NULL row
	cmpAlways                  // TRUE for every non-NULL row
	cmpNull                    // NULL for every row (NULL constant)
)

// cmpConstNode is x op c. The constant is converted to x's physical
// form at compile time: a DECIMAL constant of another scale is rescaled
// to x's when that is exact, and otherwise the operator is adjusted (x <
// 1.25 on a scale-1 x is x <= 1.2; x = 1.25 is never TRUE), so the int64
// kernels apply.
type cmpConstNode struct {
	x       node
	op      vector.CmpOp
	mode    constMode
	c       types.Value // of x's type
	cbytes  []byte
	res     *vector.Vector
	scratch []uint16
	hdr     vector.Vector
}

func newCmpConst(op vector.CmpOp, x node, c types.Value) *cmpConstNode {
	n := &cmpConstNode{x: x, op: op, res: vector.New(types.Boolean), scratch: newSel()}
	xt := x.typ()
	switch {
	case c.Null:
		n.mode = cmpNull
		return n
	case xt.Kind == types.KindDecimal && c.Type.Scale != xt.Scale:
		n.op, n.c.Int, n.mode = decimalConst(op, c.Int, c.Type.Scale, xt.Scale)
	default:
		n.c = c
	}
	n.c.Type = xt
	n.cbytes = []byte(c.Str)
	return n
}

// decimalConst rewrites x op c, for x of scale xs and c of scale cs, into
// an operator and a constant of scale xs.
func decimalConst(op vector.CmpOp, c int64, cs, xs int) (vector.CmpOp, int64, constMode) {
	if cs < xs {
		r, ok := types.MulCheck(c, types.Pow10(xs-cs))
		if !ok {
			// Beyond every decimal: saturate (|x| < 10^18 < MaxInt64).
			r = math.MaxInt64
			if c < 0 {
				r = math.MinInt64
			}
		}
		return op, r, cmpKernel
	}
	d := types.Pow10(cs - xs)
	if c%d == 0 {
		return op, c / d, cmpKernel
	}
	// c lies strictly between two values of scale xs: f < c < f+1.
	f := c / d
	if c < 0 {
		f--
	}
	switch op {
	case vector.Eq:
		return op, 0, cmpNever
	case vector.Ne:
		return op, 0, cmpAlways
	case vector.Lt, vector.Le:
		return vector.Le, f, cmpKernel
	}
	return vector.Gt, f, cmpKernel
}

func (n *cmpConstNode) typ() types.Type { return types.Boolean }

func (n *cmpConstNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	switch n.mode {
	case cmpNull:
		setAllNull(n.res, types.Boolean, c.n)
	case cmpNever:
		hitsToBool(nil, c.n, v.Valid, n.res)
	case cmpAlways:
		hitsToBool(copySel(sel, c.n, n.scratch), c.n, v.Valid, n.res)
	default:
		hits := n.kernel(stripValid(v, &n.hdr), sel, n.scratch)
		hitsToBool(hits, c.n, v.Valid, n.res)
	}
	return n.res, nil
}

func (n *cmpConstNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	switch n.mode {
	case cmpNull, cmpNever:
		return selBuf(out, 0), nil
	case cmpAlways:
		return vector.FilterNull(v, true, sel, out), nil
	}
	return n.kernel(v, sel, out), nil
}

// kernel runs the constant filter kernel of v's physical type.
func (n *cmpConstNode) kernel(v *vector.Vector, sel, out []uint16) []uint16 {
	switch v.Type.Phys() {
	case types.PhysInt64:
		return vector.FilterInt64Const(n.op, v, n.c.Int, sel, out)
	case types.PhysFloat64:
		return vector.FilterFloat64Const(n.op, v, n.c.Float, sel, out)
	case types.PhysBytes:
		return vector.FilterBytesConst(n.op, v, n.cbytes, sel, out)
	}
	return vector.FilterBoolConst(n.op, v, n.c.Bool, sel, out)
}

// cmpNode is l op r on two vectors.
type cmpNode struct {
	op      vector.CmpOp
	l, r    node
	res     *vector.Vector
	scratch []uint16
	scaled  *vector.Vector
}

func (n *cmpNode) typ() types.Type { return types.Boolean }

// operands evaluates both sides, bringing decimals to one scale.
func (n *cmpNode) operands(c *ctx, sel []uint16) (*vector.Vector, *vector.Vector, error) {
	return evalPair(c, sel, n.l, n.r, &n.scaled)
}

func evalPair(c *ctx, sel []uint16, ln, rn node, scaled **vector.Vector) (*vector.Vector, *vector.Vector, error) {
	l, err := ln.eval(c, sel)
	if err != nil {
		return nil, nil, err
	}
	r, err := rn.eval(c, sel)
	if err != nil {
		return nil, nil, err
	}
	if l.Type.Kind == types.KindDecimal && l.Type.Scale != r.Type.Scale {
		if *scaled == nil {
			*scaled = vector.New(types.BigInt)
		}
		if l.Type.Scale < r.Type.Scale {
			l = rescaleSat(*scaled, l, r.Type.Scale, sel, c.n)
		} else {
			r = rescaleSat(*scaled, r, l.Type.Scale, sel, c.n)
		}
	}
	return l, r, nil
}

// rescaleSat writes the rows of sel of the decimal v at a larger scale
// into dst, saturating at the int64 range (which every decimal of 18
// digits lies inside, so comparisons keep their result).
func rescaleSat(dst, v *vector.Vector, scale int, sel []uint16, n int) *vector.Vector {
	m := types.Pow10(scale - v.Type.Scale)
	dst.Reset(types.Type{Kind: types.KindDecimal, Precision: types.MaxDecimalPrecision, Scale: scale}, n)
	xs, rs := v.Ints, dst.Ints
	each := func(i int) {
		r, ok := types.MulCheck(xs[i], m)
		if !ok {
			r = math.MaxInt64
			if xs[i] < 0 {
				r = math.MinInt64
			}
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
	dst.Valid = v.Valid // read only
	return dst
}

func (n *cmpNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	l, r, err := n.operands(c, sel)
	if err != nil {
		return nil, err
	}
	if err := vector.Compare(n.op, l, r, sel, n.res, n.scratch); err != nil {
		return nil, runtimeErr(err)
	}
	return n.res, nil
}

func (n *cmpNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	l, r, err := n.operands(c, sel)
	if err != nil {
		return nil, err
	}
	out, err = vector.Filter(n.op, l, r, sel, out)
	return out, runtimeErr(err)
}

// distinctNode is l IS [NOT] DISTINCT FROM r: never NULL.
type distinctNode struct {
	l, r    node
	not     bool
	res     *vector.Vector
	scratch []uint16
	scaled  *vector.Vector
	hl, hr  vector.Vector
}

func (n *distinctNode) typ() types.Type { return types.Boolean }

func (n *distinctNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	l, r, err := evalPair(c, sel, n.l, n.r, &n.scaled)
	if err != nil {
		return nil, err
	}
	eq, err := vector.Filter(vector.Eq, stripValid(l, &n.hl), stripValid(r, &n.hr), sel, n.scratch)
	if err != nil {
		return nil, runtimeErr(err)
	}
	hitsToBool(eq, c.n, nil, n.res)
	va, vb := l.Valid, r.Valid
	for w := range n.res.Bools {
		a, b := ^uint64(0), ^uint64(0)
		if len(va) != 0 {
			a = va[w]
		}
		if len(vb) != 0 {
			b = vb[w]
		}
		same := n.res.Bools[w]&a&b | ^a&^b
		if n.not {
			n.res.Bools[w] = same
		} else {
			n.res.Bools[w] = ^same
		}
	}
	return n.res, nil
}

// inNode is x [NOT] IN (list). The constant elements are compiled into a
// vector.InList (converted to x's physical form; a decimal that x's scale
// cannot hold is dropped: it equals no x); the others are compared one by
// one. All elements are evaluated on every row.
type inNode struct {
	x       node
	list    *vector.InList // nil when no element is constant
	others  []node
	not     bool
	res     *vector.Vector
	scratch []uint16
	scaled  *vector.Vector
	hx, ho  vector.Vector
	matched []uint64
	sawNull []uint64
}

func newIn(x node, consts []types.Value, others []node, not bool) (node, error) {
	n := &inNode{x: x, others: others, not: not, res: vector.New(types.Boolean), scratch: newSel()}
	if len(consts) > 0 {
		xt := x.typ()
		vals := make([]types.Value, 0, len(consts))
		for _, v := range consts {
			switch {
			case v.Null:
			case xt.Kind == types.KindDecimal && v.Type.Scale != xt.Scale:
				op, r, mode := decimalConst(vector.Eq, v.Int, v.Type.Scale, xt.Scale)
				if mode != cmpKernel || op != vector.Eq || r == math.MaxInt64 || r == math.MinInt64 {
					continue // equals no value of x
				}
				v.Int = r
			}
			v.Type = xt
			vals = append(vals, v)
		}
		l, err := vector.NewInList(vals)
		if err != nil {
			return nil, invalid("IN", "%v", err)
		}
		n.list = l
	}
	return n, nil
}

func (n *inNode) typ() types.Type { return types.Boolean }

func (n *inNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	words := vector.Words(c.n)
	n.matched = growWords(n.matched, words)
	n.sawNull = growWords(n.sawNull, words)
	clear(n.matched)
	clear(n.sawNull)
	xv := stripValid(v, &n.hx)
	if n.list != nil {
		hits := vector.FilterIn(xv, n.list, false, sel, n.scratch)
		for _, i := range hits {
			n.matched[i>>6] |= 1 << (i & 63)
		}
		if n.list.HasNull {
			for w := range n.sawNull {
				n.sawNull[w] = ^uint64(0)
			}
		}
	}
	for _, o := range n.others {
		ov, err := o.eval(c, sel)
		if err != nil {
			return nil, err
		}
		xs := xv
		if v.Type.Kind == types.KindDecimal && v.Type.Scale != ov.Type.Scale {
			if n.scaled == nil {
				n.scaled = vector.New(types.BigInt)
			}
			if v.Type.Scale < ov.Type.Scale {
				xs = rescaleSat(n.scaled, xv, ov.Type.Scale, sel, c.n)
			} else {
				ov = rescaleSat(n.scaled, ov, v.Type.Scale, sel, c.n)
			}
		}
		hits, err := vector.Filter(vector.Eq, xs, stripValid(ov, &n.ho), sel, n.scratch)
		if err != nil {
			return nil, runtimeErr(err)
		}
		for _, i := range hits {
			if validAt(ov.Valid, int(i)) {
				n.matched[i>>6] |= 1 << (i & 63)
			}
		}
		if len(ov.Valid) != 0 {
			for w := range n.sawNull {
				n.sawNull[w] |= ^ov.Valid[w]
			}
		}
	}
	// TRUE if matched; else NULL if x or an element is NULL; else FALSE.
	res := n.res
	valid := andValid(res.Valid[:0], v.Valid, nil, c.n)
	res.Reset(types.Boolean, c.n)
	hasNull := len(valid) != 0
	for w := 0; w < words; w++ {
		if n.sawNull[w] != 0 {
			hasNull = true
		}
	}
	if hasNull {
		if len(valid) == 0 {
			valid = allValid(valid, c.n)
		}
		for w := 0; w < words; w++ {
			valid[w] &= n.matched[w] | ^n.sawNull[w]
		}
	}
	for w := 0; w < words; w++ {
		if n.not {
			res.Bools[w] = ^n.matched[w]
		} else {
			res.Bools[w] = n.matched[w]
		}
	}
	res.Valid = valid
	return res, nil
}

func (n *inNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	if len(n.others) > 0 {
		v, err := n.eval(c, sel)
		if err != nil {
			return nil, err
		}
		return vector.FilterTrue(v, sel, out), nil
	}
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	return vector.FilterIn(v, n.list, n.not, sel, out), nil
}

// likeNode is x [NOT] [I]LIKE pattern.
type likeNode struct {
	x       node
	p       *vector.Pattern
	not     bool
	res     *vector.Vector
	scratch []uint16
	hdr     vector.Vector
}

func (n *likeNode) typ() types.Type { return types.Boolean }

func (n *likeNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	hits := vector.FilterLike(stripValid(v, &n.hdr), n.p, n.not, sel, n.scratch)
	hitsToBool(hits, c.n, v.Valid, n.res)
	return n.res, nil
}

func (n *likeNode) filter(c *ctx, sel, out []uint16) ([]uint16, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	return vector.FilterLike(v, n.p, n.not, sel, out), nil
}
