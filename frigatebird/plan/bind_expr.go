package plan

import (
	"math"
	"strconv"
	"strings"

	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// intervalOnlyConst is the message for an INTERVAL anywhere but as the
// constant operand of timestamp arithmetic: vectors have no INTERVAL
// representation (types.PhysNone).
const intervalOnlyConst = "INTERVAL values are only supported as constants in date arithmetic"

// expr binds p; its value may not be an INTERVAL.
func (b *binder) expr(p parse.Expr) (Expr, error) {
	e, err := b.exprAny(p)
	if err != nil {
		return nil, err
	}
	if e.Type().Kind == types.KindInterval {
		return nil, b.errorf(ErrUnsupported, p.Pos(), intervalOnlyConst)
	}
	return e, nil
}

// exprAny binds p, which may be an INTERVAL constant (only date
// arithmetic, unary minus and casts call it).
func (b *binder) exprAny(p parse.Expr) (Expr, error) {
	switch p := p.(type) {
	case *parse.ColumnRef:
		return b.column(p)
	case *parse.Literal:
		return b.literal(p)
	case *parse.Param:
		return nil, b.errorf(ErrUnsupported, p.At, "parameters ($%d) are not supported", p.Index)
	case *parse.Unary:
		if p.Op == parse.OpNot {
			x, err := b.boolOperand(p.X, "NOT")
			if err != nil {
				return nil, err
			}
			return &Not{X: x}, nil
		}
		return b.neg(p)
	case *parse.Binary:
		return b.binary(p)
	case *parse.IsNull:
		x, err := b.expr(p.X)
		if err != nil {
			return nil, err
		}
		return &IsNull{X: x, Not: p.Not}, nil
	case *parse.Between:
		return b.between(p)
	case *parse.In:
		return b.in(p)
	case *parse.Like:
		return b.like(p)
	case *parse.Case:
		return b.caseExpr(p)
	case *parse.Cast:
		return b.cast(p)
	case *parse.Func:
		return b.call(p)
	case nil:
		return nil, b.errorf(ErrUnsupported, -1, "missing expression")
	}
	return nil, b.errorf(ErrUnsupported, p.Pos(), "expression %T is not supported", p)
}

// literal binds a constant. Strings and NULL are untyped until their
// context settles a type (see coerce).
func (b *binder) literal(l *parse.Literal) (Expr, error) {
	switch l.Kind {
	case parse.LitNull:
		c := &Const{Value: types.NullValue(types.Integer)}
		b.untyped[c] = true
		return c, nil
	case parse.LitString:
		c := &Const{Value: types.TextValue(l.Text)}
		b.untyped[c] = true
		return c, nil
	case parse.LitBool:
		return &Const{Value: types.BoolValue(l.Bool)}, nil
	case parse.LitInt:
		if l.Int >= math.MinInt32 && l.Int <= math.MaxInt32 {
			return &Const{Value: types.IntValue(types.Integer, l.Int)}, nil
		}
		return &Const{Value: types.IntValue(types.BigInt, l.Int)}, nil
	case parse.LitDecimal:
		return b.decimalLiteral(l)
	case parse.LitFloat:
		return &Const{Value: types.DoubleValue(l.Float)}, nil
	case parse.LitDate:
		d, err := types.ParseDate(l.Text)
		if err != nil {
			return nil, b.errorf(ErrType, l.At, "invalid input syntax for type date: %q", l.Text)
		}
		return &Const{Value: types.IntValue(types.Date, d)}, nil
	case parse.LitTimestamp:
		ts, err := types.ParseTimestamp(l.Text)
		if err != nil {
			return nil, b.errorf(ErrType, l.At, "invalid input syntax for type timestamp: %q", l.Text)
		}
		return &Const{Value: types.IntValue(types.Timestamp, ts)}, nil
	case parse.LitInterval:
		iv, err := types.ParseInterval(l.Text)
		if err != nil {
			return nil, b.errorf(ErrType, l.At, "invalid input syntax for type interval: %q", l.Text)
		}
		return &Const{Value: types.IntervalOf(iv)}, nil
	}
	return nil, b.errorf(ErrUnsupported, l.At, "literal of kind %d is not supported", l.Kind)
}

// decimalLiteral types 12.50 as DECIMAL(4,2): the precision is the
// number of significant digits (at least the scale, at least 1). Literals
// too long for an int64 DECIMAL become DOUBLE, as DuckDB's do past 38.
func (b *binder) decimalLiteral(l *parse.Literal) (Expr, error) {
	body := strings.TrimPrefix(l.Text, "-")
	intPart, _, _ := strings.Cut(body, ".")
	intPart = strings.TrimLeft(intPart, "0")
	p := max(len(intPart)+l.Scale, l.Scale, 1)
	if p > types.MaxDecimalPrecision || l.Scale > types.MaxDecimalPrecision {
		f, err := strconv.ParseFloat(l.Text, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, b.errorf(ErrType, l.At, "number %s is out of range", l.Text)
		}
		return &Const{Value: types.DoubleValue(f)}, nil
	}
	t, err := types.Decimal(p, l.Scale)
	if err != nil {
		return nil, b.errorf(ErrType, l.At, "number %s is out of range", l.Text)
	}
	v, err := types.ParseDecimal(l.Text, p, l.Scale)
	if err != nil {
		return nil, b.errorf(ErrType, l.At, "invalid input syntax for type %s: %q", lowerType(t), l.Text)
	}
	return &Const{Value: types.IntValue(t, v)}, nil
}

// boolOperand binds an operand that must be BOOLEAN; what names the
// context in the error ("argument of AND must be type boolean").
func (b *binder) boolOperand(p parse.Expr, what string) (Expr, error) {
	e, err := b.expr(p)
	if err != nil {
		return nil, err
	}
	if b.isUntyped(e) {
		return b.coerce(e, types.Boolean, p.Pos())
	}
	if e.Type().Kind != types.KindBoolean {
		return nil, b.errorf(ErrType, p.Pos(), "argument of %s must be type boolean, not type %s", what, lowerType(e.Type()))
	}
	return e, nil
}

func (b *binder) neg(p *parse.Unary) (Expr, error) {
	x, err := b.exprAny(p.X)
	if err != nil {
		return nil, err
	}
	t := x.Type()
	if b.isUntyped(x) && !b.isUntypedNull(x) || !t.IsNumeric() && t.Kind != types.KindInterval {
		return nil, b.errorf(ErrType, p.At, "operator does not exist: - %s", b.typeName(x))
	}
	c, ok := x.(*Const)
	switch {
	case !ok && t.Kind == types.KindReal:
		// REAL computes as DOUBLE, as in Arith.
		return &Cast{X: &Neg{X: &Cast{X: x, To: types.Double}}, To: types.Real}, nil
	case !ok:
		return &Neg{X: x}, nil
	}
	v := c.Value
	switch {
	case v.Null:
	case t.Kind == types.KindInterval:
		v = types.IntervalOf(types.NegateInterval(v.Interval))
	case t.IsFloat():
		v.Float = -v.Float
	default:
		if lo, _ := t.IntRange(); t.IsInteger() && v.Int == lo {
			return nil, b.errorf(ErrType, p.At, "%s out of range", lowerType(t))
		}
		v.Int = -v.Int
	}
	return &Const{Value: v}, nil
}

var cmpOps = map[parse.BinaryOp]vector.CmpOp{
	parse.OpEq: vector.Eq, parse.OpNe: vector.Ne, parse.OpLt: vector.Lt,
	parse.OpLe: vector.Le, parse.OpGt: vector.Gt, parse.OpGe: vector.Ge,
}

var arithOps = map[parse.BinaryOp]vector.ArithOp{
	parse.OpAdd: vector.Add, parse.OpSub: vector.Sub, parse.OpMul: vector.Mul,
	parse.OpDiv: vector.Div, parse.OpMod: vector.Mod,
}

func (b *binder) binary(p *parse.Binary) (Expr, error) {
	switch p.Op {
	case parse.OpAnd, parse.OpOr:
		return b.logic(p)
	case parse.OpConcat:
		return b.concatOp(p)
	case parse.OpIsDistinct, parse.OpIsNotDistinct:
		l, r, err := b.pair(p)
		if err != nil {
			return nil, err
		}
		l, r, err = b.unify2(l, r, p.L.Pos(), p.R.Pos(), p.At, p.Op.String(), true)
		if err != nil {
			return nil, err
		}
		return &Distinct{L: l, R: r, Not: p.Op == parse.OpIsNotDistinct}, nil
	}
	if op, ok := cmpOps[p.Op]; ok {
		l, r, err := b.pair(p)
		if err != nil {
			return nil, err
		}
		return b.compare(op, l, r, p.L.Pos(), p.R.Pos(), p.At)
	}
	if op, ok := arithOps[p.Op]; ok {
		return b.arith(p, op)
	}
	return nil, b.errorf(ErrUnsupported, p.At, "operator %s is not supported", p.Op)
}

func (b *binder) pair(p *parse.Binary) (Expr, Expr, error) {
	l, err := b.expr(p.L)
	if err != nil {
		return nil, nil, err
	}
	r, err := b.expr(p.R)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

func (b *binder) compare(op vector.CmpOp, l, r Expr, lpos, rpos, opPos int) (Expr, error) {
	l, r, err := b.unify2(l, r, lpos, rpos, opPos, op.String(), true)
	if err != nil {
		return nil, err
	}
	return &Compare{Op: op, L: l, R: r}, nil
}

// logic binds a chain of ANDs (or ORs) into one flat And (Or). The
// parser folds chains to the left, so the chain is walked down its left
// spine without recursion.
func (b *binder) logic(p *parse.Binary) (Expr, error) {
	var leaves []parse.Expr
	var walk parse.Expr = p
	for {
		x, ok := walk.(*parse.Binary)
		if !ok || x.Op != p.Op {
			leaves = append(leaves, walk)
			break
		}
		leaves = append(leaves, x.R)
		walk = x.L
	}
	what := "AND"
	if p.Op == parse.OpOr {
		what = "OR"
	}
	var args []Expr
	for i := len(leaves) - 1; i >= 0; i-- {
		e, err := b.boolOperand(leaves[i], what)
		if err != nil {
			return nil, err
		}
		switch x := e.(type) {
		case *And:
			if p.Op == parse.OpAnd {
				args = append(args, x.Args...)
				continue
			}
		case *Or:
			if p.Op == parse.OpOr {
				args = append(args, x.Args...)
				continue
			}
		}
		args = append(args, e)
	}
	if p.Op == parse.OpAnd {
		return &And{Args: args}, nil
	}
	return &Or{Args: args}, nil
}

// concatOp is ||: a VARCHAR with anything, the other side cast to
// VARCHAR (PostgreSQL's anynonarray || text).
func (b *binder) concatOp(p *parse.Binary) (Expr, error) {
	l, r, err := b.pair(p)
	if err != nil {
		return nil, err
	}
	isText := func(e Expr) bool { return b.isUntyped(e) || e.Type().Kind == types.KindVarchar }
	if !isText(l) && !isText(r) {
		return nil, b.errorf(ErrType, p.At, "operator does not exist: %s || %s", l.Type(), r.Type())
	}
	if l, err = b.coerce(l, types.Text, p.L.Pos()); err != nil {
		return nil, err
	}
	if r, err = b.coerce(r, types.Text, p.R.Pos()); err != nil {
		return nil, err
	}
	return &Func{Fn: FnConcatOp, Args: []Expr{l, r}, T: types.Text}, nil
}

func (b *binder) between(p *parse.Between) (Expr, error) {
	x, err := b.expr(p.X)
	if err != nil {
		return nil, err
	}
	lo, err := b.expr(p.Lo)
	if err != nil {
		return nil, err
	}
	hi, err := b.expr(p.Hi)
	if err != nil {
		return nil, err
	}
	if err := b.reuse(x, 1, p.At); err != nil {
		return nil, err
	}
	lop, hip := vector.Ge, vector.Le
	if p.Not {
		lop, hip = vector.Lt, vector.Gt
	}
	c1, err := b.compare(lop, x, lo, p.X.Pos(), p.Lo.Pos(), p.At)
	if err != nil {
		return nil, err
	}
	c2, err := b.compare(hip, x, hi, p.X.Pos(), p.Hi.Pos(), p.At)
	if err != nil {
		return nil, err
	}
	if p.Not {
		return &Or{Args: []Expr{c1, c2}}, nil
	}
	return &And{Args: []Expr{c1, c2}}, nil
}

// reuse accounts for copies more uses of e (whose nodes the tree will
// hold that many more times) and refuses the statement past
// maxCopiedNodes.
func (b *binder) reuse(e Expr, copies, pos int) error {
	if copies <= 0 {
		return nil
	}
	left := maxCopiedNodes - b.copied
	if n := treeSize(e, left); n <= left/copies {
		b.copied += n * copies
		return nil
	}
	return b.errorf(ErrUnsupported, pos, "expression is too complex (operands reused more than %d nodes' worth)", maxCopiedNodes)
}

func (b *binder) in(p *parse.In) (Expr, error) {
	x, err := b.expr(p.X)
	if err != nil {
		return nil, err
	}
	es := []Expr{x}
	pos := []int{p.X.Pos()}
	for _, item := range p.List {
		e, err := b.expr(item)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
		pos = append(pos, item.Pos())
	}
	es, _, err = b.unifyN(es, pos, func(a, c types.Type) string {
		return "operator does not exist: " + a.String() + " = " + c.String()
	})
	if err != nil {
		return nil, err
	}
	return &In{X: es[0], List: es[1:], Not: p.Not}, nil
}

func (b *binder) like(p *parse.Like) (Expr, error) {
	x, err := b.expr(p.X)
	if err != nil {
		return nil, err
	}
	pat, err := b.expr(p.Pattern)
	if err != nil {
		return nil, err
	}
	op := "LIKE"
	if p.CaseInsensitive {
		op = "ILIKE"
	}
	if b.isUntyped(x) {
		if x, err = b.coerce(x, types.Text, p.X.Pos()); err != nil {
			return nil, err
		}
	}
	c, isConst := pat.(*Const)
	if x.Type().Kind != types.KindVarchar || isConst && !b.isUntyped(c) && c.Value.Type.Kind != types.KindVarchar {
		return nil, b.errorf(ErrType, p.At, "operator does not exist: %s %s %s", b.typeName(x), op, b.typeName(pat))
	}
	if !isConst {
		return nil, b.errorf(ErrUnsupported, p.Pattern.Pos(), "%s patterns must be constant strings", op)
	}
	if c.Value.Null {
		return &Const{Value: types.NullValue(types.Boolean)}, nil
	}
	return &Like{X: x, Pattern: c.Value.Str, Not: p.Not, Fold: p.CaseInsensitive}, nil
}

func (b *binder) caseExpr(p *parse.Case) (Expr, error) {
	if len(p.Whens) == 0 {
		return nil, b.errorf(ErrType, p.At, "CASE needs at least one WHEN")
	}
	var operand Expr
	if p.Operand != nil {
		var err error
		if operand, err = b.expr(p.Operand); err != nil {
			return nil, err
		}
		if err := b.reuse(operand, len(p.Whens)-1, p.At); err != nil {
			return nil, err
		}
	}
	whens := make([]When, len(p.Whens))
	results := make([]Expr, 0, len(p.Whens)+1)
	pos := make([]int, 0, len(p.Whens)+1)
	for i, w := range p.Whens {
		var cond Expr
		var err error
		if operand != nil {
			// Simple CASE: operand = value, as a searched CASE.
			v, err := b.expr(w.Cond)
			if err != nil {
				return nil, err
			}
			cond, err = b.compare(vector.Eq, operand, v, p.Operand.Pos(), w.Cond.Pos(), w.Cond.Pos())
			if err != nil {
				return nil, err
			}
		} else if cond, err = b.boolOperand(w.Cond, "CASE/WHEN"); err != nil {
			return nil, err
		}
		whens[i].Cond = cond
		r, err := b.expr(w.Result)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		pos = append(pos, w.Result.Pos())
	}
	if p.Else != nil {
		e, err := b.expr(p.Else)
		if err != nil {
			return nil, err
		}
		results = append(results, e)
		pos = append(pos, p.Else.Pos())
	}
	// CASE whose every result is a bare NULL is NULL of whatever type the
	// context wants (DuckDB's rule; PostgreSQL would settle on text): an
	// untyped NULL. Its conditions cannot change the result.
	allNull := p.Else == nil || b.isUntypedNull(results[len(results)-1])
	for _, r := range results {
		allNull = allNull && b.isUntypedNull(r)
	}
	if allNull {
		c := &Const{Value: types.NullValue(types.Integer)}
		b.untyped[c] = true
		return c, nil
	}
	results, t, err := b.unifyN(results, pos, func(a, c types.Type) string {
		return "CASE types " + lowerType(a) + " and " + lowerType(c) + " cannot be matched"
	})
	if err != nil {
		return nil, err
	}
	for i := range whens {
		whens[i].Result = results[i]
	}
	var els Expr = &Const{Value: types.NullValue(t)}
	if p.Else != nil {
		els = results[len(whens)]
	}
	return &Case{Whens: whens, Else: els, T: t}, nil
}

// typeOf maps a parsed type onto a types.Type.
func (b *binder) typeOf(t parse.Type) (types.Type, error) {
	switch t.Kind {
	case parse.TypeBoolean:
		return types.Boolean, nil
	case parse.TypeSmallInt:
		return types.SmallInt, nil
	case parse.TypeInteger:
		return types.Integer, nil
	case parse.TypeBigInt:
		return types.BigInt, nil
	case parse.TypeReal:
		return types.Real, nil
	case parse.TypeDouble:
		return types.Double, nil
	case parse.TypeDecimal:
		if t.Precision == 0 {
			return types.DefaultDecimal, nil
		}
		d, err := types.Decimal(t.Precision, t.Scale)
		if err != nil {
			return types.Type{}, b.errorf(ErrType, t.At, "invalid type %s", t)
		}
		return d, nil
	case parse.TypeVarchar:
		if t.Length < 0 {
			return types.Type{}, b.errorf(ErrType, t.At, "invalid type %s", t)
		}
		return types.Varchar(t.Length), nil
	case parse.TypeDate:
		return types.Date, nil
	case parse.TypeTimestamp:
		return types.Timestamp, nil
	case parse.TypeInterval:
		return types.Interval, nil
	}
	return types.Type{}, b.errorf(ErrUnsupported, t.At, "type %s is not supported", t)
}

func (b *binder) cast(p *parse.Cast) (Expr, error) {
	x, err := b.exprAny(p.X)
	if err != nil {
		return nil, err
	}
	to, err := b.typeOf(p.Type)
	if err != nil {
		return nil, err
	}
	if !b.isUntyped(x) && !castable(x.Type(), to) {
		return nil, b.errorf(ErrType, p.At, "cannot cast type %s to %s", lowerType(x.Type()), lowerType(to))
	}
	if _, isConst := x.(*Const); !isConst && to.Kind == types.KindInterval {
		return nil, b.errorf(ErrUnsupported, p.At, intervalOnlyConst)
	}
	return b.castTo(x, to, p.X.Pos())
}
