package plan

import (
	"math"

	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Arithmetic: numbers as Arith nodes with the operand types Arith
// documents, dates and timestamps as functions, and the folding of
// constant operands.

// arithAdopt is the type an untyped literal takes as an arithmetic
// operand next to other: a number's type, an INTERVAL next to a
// timestamp ('1 day'), a DATE subtracted from or subtracting a DATE.
func arithAdopt(op vector.ArithOp, other types.Type, literalLeft, null bool) types.Type {
	switch other.Kind {
	case types.KindDate:
		switch {
		case null:
			return types.Integer
		case op == vector.Sub:
			return types.Date
		}
		return types.Interval
	case types.KindTimestamp:
		if op == vector.Sub && literalLeft && !null {
			return types.Timestamp
		}
		return types.Interval
	case types.KindInterval:
		return types.Timestamp
	}
	return other
}

func (b *binder) arith(p *parse.Binary, op vector.ArithOp) (Expr, error) {
	l, err := b.exprAny(p.L)
	if err != nil {
		return nil, err
	}
	r, err := b.exprAny(p.R)
	if err != nil {
		return nil, err
	}
	lu, ru := b.isUntyped(l), b.isUntyped(r)
	switch {
	case lu && ru:
		if !b.isUntypedNull(l) || !b.isUntypedNull(r) {
			return nil, b.errorf(ErrType, p.At, "operator is not unique: unknown %s unknown", op)
		}
	case lu:
		if l, err = b.coerce(l, arithAdopt(op, r.Type(), true, b.isUntypedNull(l)), p.L.Pos()); err != nil {
			return nil, err
		}
	case ru:
		if r, err = b.coerce(r, arithAdopt(op, l.Type(), false, b.isUntypedNull(r)), p.R.Pos()); err != nil {
			return nil, err
		}
	}
	lt, rt := l.Type(), r.Type()
	isTime := func(t types.Type) bool { return t.Kind == types.KindDate || t.Kind == types.KindTimestamp }
	addSub := op == vector.Add || op == vector.Sub
	switch {
	case lt.Kind == types.KindDate && rt.IsInteger() && addSub:
		fn := FnDateAddDays
		if op == vector.Sub {
			fn = FnDateSubDays
		}
		return b.dateDays(fn, l, r, p.R.Pos())
	case lt.IsInteger() && rt.Kind == types.KindDate && op == vector.Add:
		return b.dateDays(FnDateAddDays, r, l, p.L.Pos())
	case lt.Kind == types.KindDate && rt.Kind == types.KindDate && op == vector.Sub:
		return foldFunc(&Func{Fn: FnDateDiff, Args: []Expr{l, r}, T: types.BigInt}), nil
	case isTime(lt) && rt.Kind == types.KindInterval && addSub:
		fn := FnTimestampAddInterval
		if op == vector.Sub {
			fn = FnTimestampSubInterval
		}
		return b.timestampInterval(fn, l, r, p.L.Pos())
	case lt.Kind == types.KindInterval && isTime(rt) && op == vector.Add:
		return b.timestampInterval(FnTimestampAddInterval, r, l, p.R.Pos())
	case lt.Kind == types.KindInterval || rt.Kind == types.KindInterval ||
		lt.Kind == types.KindTimestamp && rt.Kind == types.KindTimestamp && op == vector.Sub:
		return nil, b.errorf(ErrUnsupported, p.At, intervalOnlyConst)
	case !lt.IsNumeric() || !rt.IsNumeric():
		return nil, b.errorf(ErrType, p.At, "operator does not exist: %s %s %s", b.typeName(l), op, b.typeName(r))
	}
	return b.numericArith(op, l, r, p.L.Pos(), p.R.Pos())
}

// numericArith builds l op r for numbers, casting the operands as Arith
// documents.
func (b *binder) numericArith(op vector.ArithOp, l, r Expr, lpos, rpos int) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	var err error
	t := types.Double // floats compute as DOUBLE; decimal / decimal is DOUBLE (DuckDB)
	switch {
	case lt.IsInteger() && rt.IsInteger():
		t, _ = types.Common(lt, rt)
	case !lt.IsFloat() && !rt.IsFloat() && op != vector.Div:
		dl, dr := lt, rt
		if dl.IsInteger() {
			dl = types.IntAsDecimal(dl)
		}
		if dr.IsInteger() {
			dr = types.IntAsDecimal(dr)
		}
		// A result scale past 18 digits (a product of products) has no
		// DECIMAL: it computes as DOUBLE.
		if dt, err := types.DecimalResult(op.String(), dl, dr); err == nil {
			if l, err = b.coerce(l, dl, lpos); err != nil {
				return nil, err
			}
			if r, err = b.coerce(r, dr, rpos); err != nil {
				return nil, err
			}
			return foldArith(&Arith{Op: op, L: l, R: r, T: dt}), nil
		}
	}
	if l, err = b.coerce(l, t, lpos); err != nil {
		return nil, err
	}
	if r, err = b.coerce(r, t, rpos); err != nil {
		return nil, err
	}
	var e Expr = foldArith(&Arith{Op: op, L: l, R: r, T: t})
	if res, err := types.Promote(op.String(), lt, rt); err == nil && res.Kind == types.KindReal {
		return b.castTo(e, types.Real, lpos)
	}
	return e, nil
}

// dateDays builds date ± days.
func (b *binder) dateDays(fn FuncID, date, days Expr, daysPos int) (Expr, error) {
	days, err := b.coerce(days, types.BigInt, daysPos)
	if err != nil {
		return nil, err
	}
	return foldFunc(&Func{Fn: fn, Args: []Expr{date, days}, T: types.Date}), nil
}

// timestampInterval builds ts ± interval; a DATE becomes a TIMESTAMP
// first, as in PostgreSQL.
func (b *binder) timestampInterval(fn FuncID, ts, iv Expr, tsPos int) (Expr, error) {
	if _, ok := iv.(*Const); !ok {
		return nil, b.errorf(ErrUnsupported, tsPos, intervalOnlyConst)
	}
	ts, err := b.coerce(ts, types.Timestamp, tsPos)
	if err != nil {
		return nil, err
	}
	return foldFunc(&Func{Fn: fn, Args: []Expr{ts, iv}, T: types.Timestamp}), nil
}

// foldArith computes an Arith of two constants at bind time. Anything
// that would fail (overflow, division by zero) is left to run time: the
// expression may sit in a CASE branch no row reaches.
func foldArith(a *Arith) Expr {
	lc, ok1 := a.L.(*Const)
	rc, ok2 := a.R.(*Const)
	if !ok1 || !ok2 {
		return a
	}
	if lc.Value.Null || rc.Value.Null {
		return &Const{Value: types.NullValue(a.T)}
	}
	x, y := lc.Value, rc.Value
	switch {
	case a.T.IsInteger():
		var r int64
		ok := true
		switch a.Op {
		case vector.Add:
			r, ok = types.AddCheck(x.Int, y.Int)
		case vector.Sub:
			r, ok = types.SubCheck(x.Int, y.Int)
		case vector.Mul:
			r, ok = types.MulCheck(x.Int, y.Int)
		case vector.Div, vector.Mod:
			if y.Int == 0 || y.Int == -1 && x.Int == math.MinInt64 {
				return a
			}
			r = x.Int / y.Int
			if a.Op == vector.Mod {
				r = x.Int % y.Int
			}
		}
		lo, hi := a.T.IntRange()
		if !ok || r < lo || r > hi {
			return a
		}
		return &Const{Value: types.IntValue(a.T, r)}
	case a.T.Kind == types.KindDouble:
		var r float64
		switch a.Op {
		case vector.Add:
			r = x.Float + y.Float
		case vector.Sub:
			r = x.Float - y.Float
		case vector.Mul:
			r = x.Float * y.Float
		case vector.Div:
			if y.Float == 0 {
				return a
			}
			r = x.Float / y.Float
		case vector.Mod:
			if y.Float == 0 {
				return a
			}
			r = math.Mod(x.Float, y.Float)
		}
		return &Const{Value: types.DoubleValue(r)}
	case a.T.Kind == types.KindDecimal:
		r, err := types.DecimalArith(a.Op.String(), x.Int, x.Type.Scale, y.Int, y.Type.Scale, a.T)
		if err != nil {
			return a
		}
		return &Const{Value: types.IntValue(a.T, r)}
	}
	return a
}

// foldFunc computes date arithmetic on constants at bind time, so that
// DATE '1998-12-01' - INTERVAL '90' DAY is a constant the scan can prune
// row groups with. Failures are left to run time.
func foldFunc(f *Func) Expr {
	args := make([]types.Value, len(f.Args))
	for i, a := range f.Args {
		c, ok := a.(*Const)
		if !ok {
			return f
		}
		if c.Value.Null {
			return &Const{Value: types.NullValue(f.T)}
		}
		args[i] = c.Value
	}
	switch f.Fn {
	case FnDateAddDays, FnDateSubDays:
		d := args[1].Int
		if f.Fn == FnDateSubDays {
			if d == math.MinInt64 {
				return f
			}
			d = -d
		}
		r, ok := types.AddCheck(args[0].Int, d)
		if !ok {
			return f
		}
		return &Const{Value: types.IntValue(types.Date, r)}
	case FnDateDiff:
		r, ok := types.SubCheck(args[0].Int, args[1].Int)
		if !ok {
			return f
		}
		return &Const{Value: types.IntValue(types.BigInt, r)}
	case FnTimestampAddInterval, FnTimestampSubInterval:
		iv := args[1].Interval
		if f.Fn == FnTimestampSubInterval {
			iv = types.NegateInterval(iv)
		}
		r, err := types.AddInterval(args[0].Int, iv)
		if err != nil {
			return f
		}
		return &Const{Value: types.IntValue(types.Timestamp, r)}
	}
	return f
}
