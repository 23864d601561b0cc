package plan

import (
	"errors"

	"github.com/reefdb/reef/frigatebird/types"
)

// Implicit conversions. An operator's operands meet in one type (unify2,
// unifyN) that coerce converts them to; untyped literals take the type
// their context gives them.

// isUntyped reports a constant whose type its context decides.
func (b *binder) isUntyped(e Expr) bool {
	c, ok := e.(*Const)
	return ok && b.untyped[c]
}

// isUntypedNull reports an untyped NULL.
func (b *binder) isUntypedNull(e Expr) bool {
	return b.isUntyped(e) && e.(*Const).Value.Null
}

// sameType is type identity for the operand guarantees of expr.go, where
// every VARCHAR counts as one type: lengths only matter when a value is
// stored (assign).
func sameType(a, b types.Type) bool {
	return a == b || a.Kind == types.KindVarchar && b.Kind == types.KindVarchar
}

// coerce converts e to type to implicitly: an untyped literal is read as
// to at bind time (errors at pos), another constant is cast at bind time,
// anything else gets a *Cast. VARCHAR lengths are ignored (sameType).
func (b *binder) coerce(e Expr, to types.Type, pos int) (Expr, error) {
	c, isConst := e.(*Const)
	if sameType(e.Type(), to) {
		if isConst && b.untyped[c] {
			// A fresh constant: the literal's type is settled.
			return &Const{Value: c.Value}, nil
		}
		return e, nil
	}
	if isConst {
		v, err := types.Cast(c.Value, to)
		if err != nil {
			return nil, b.castError(c.Value, to, err, pos)
		}
		return &Const{Value: v}, nil
	}
	return &Cast{X: e, To: to}, nil
}

// castError words a failed bind-time cast as PostgreSQL does.
func (b *binder) castError(v types.Value, to types.Type, err error, pos int) error {
	text := v.String()
	if v.Type.Kind == types.KindVarchar {
		text = v.Str
	}
	switch {
	case errors.Is(err, types.ErrOutOfRange) && to.Kind == types.KindVarchar:
		return b.errorf(ErrType, pos, "value too long for type %s", lowerType(to))
	case errors.Is(err, types.ErrOutOfRange):
		return b.errorf(ErrType, pos, "value %q is out of range for type %s", text, lowerType(to))
	case v.Type.Kind == types.KindVarchar:
		return b.errorf(ErrType, pos, "invalid input syntax for type %s: %q", lowerType(to), text)
	}
	return b.errorf(ErrType, pos, "cannot cast %s %s to %s", lowerType(v.Type), text, lowerType(to))
}

// castable reports whether CAST(x AS to) exists for an x of type from
// (types.Cast's conversions).
func castable(from, to types.Type) bool {
	switch {
	case from.Kind == to.Kind, to.Kind == types.KindVarchar:
		return true
	case from.Kind == types.KindVarchar:
		return to.Kind != types.KindInvalid
	case from.Kind == types.KindBoolean:
		return to.IsInteger() || to.IsFloat()
	case from.IsNumeric():
		return to.IsNumeric() || to.Kind == types.KindBoolean
	case from.Kind == types.KindDate:
		return to.Kind == types.KindTimestamp
	case from.Kind == types.KindTimestamp:
		return to.Kind == types.KindDate
	}
	return false
}

// castTo is an explicit conversion of a bound expression: constants fold.
func (b *binder) castTo(e Expr, to types.Type, pos int) (Expr, error) {
	c, isConst := e.(*Const)
	if e.Type() == to && !(isConst && b.untyped[c]) {
		return e, nil
	}
	if isConst {
		v, err := types.Cast(c.Value, to)
		if err != nil {
			return nil, b.castError(c.Value, to, err, pos)
		}
		return &Const{Value: v}, nil
	}
	return &Cast{X: e, To: to}, nil
}

// commonType is types.Common for two typed operands, except that a
// VARCHAR value meets only VARCHARs (types.Common reads a VARCHAR as a
// literal of the other type; untyped literals never reach here).
func commonType(a, b types.Type) (types.Type, error) {
	if (a.Kind == types.KindVarchar) != (b.Kind == types.KindVarchar) ||
		a.Kind == types.KindInterval || b.Kind == types.KindInterval {
		return types.Type{}, types.ErrNoOperator
	}
	return types.Common(a, b)
}

// lossless converts constant c to type t when converting back gives c
// again: so col = 5 with a SMALLINT col compares SMALLINTs rather than
// casting the column, and zone maps apply to the column as stored.
func lossless(c *Const, t types.Type) (*Const, bool) {
	from := c.Value.Type
	numeric := from.IsNumeric() && t.IsNumeric()
	dated := (from.Kind == types.KindDate || from.Kind == types.KindTimestamp) &&
		(t.Kind == types.KindDate || t.Kind == types.KindTimestamp)
	if !numeric && !dated {
		return nil, false
	}
	v, err := types.Cast(c.Value, t)
	if err != nil {
		return nil, false
	}
	back, err := types.Cast(v, from)
	if err != nil || back != c.Value {
		return nil, false
	}
	return &Const{Value: v}, true
}

// unify2 converts the operands of a comparison to one type. With
// scaleFree (Compare and Distinct), DECIMALs keep their own scales and
// integers meeting a DECIMAL become DECIMALs of their own width.
func (b *binder) unify2(l, r Expr, lpos, rpos, opPos int, op string, scaleFree bool) (Expr, Expr, error) {
	lu, ru := b.isUntyped(l), b.isUntyped(r)
	var err error
	switch {
	case lu && ru:
		t := types.Integer
		if !b.isUntypedNull(l) || !b.isUntypedNull(r) {
			t = types.Text
		}
		if l, err = b.coerce(l, t, lpos); err != nil {
			return nil, nil, err
		}
		r, err = b.coerce(r, t, rpos)
		return l, r, err
	case lu:
		l, err = b.coerce(l, r.Type(), lpos)
		return l, r, err
	case ru:
		r, err = b.coerce(r, l.Type(), rpos)
		return l, r, err
	}
	lt, rt := l.Type(), r.Type()
	t, err := commonType(lt, rt)
	if err != nil {
		return nil, nil, b.errorf(ErrType, opPos, "operator does not exist: %s %s %s", lt, op, rt)
	}
	lc, lConst := l.(*Const)
	rc, rConst := r.(*Const)
	switch {
	case lConst && !rConst && !sameType(lt, rt):
		if c, ok := lossless(lc, rt); ok {
			return c, r, nil
		}
	case rConst && !lConst && !sameType(lt, rt):
		if c, ok := lossless(rc, lt); ok {
			return l, c, nil
		}
	}
	if scaleFree && t.Kind == types.KindDecimal {
		if lt.IsInteger() {
			t = types.IntAsDecimal(lt)
		} else if rt.IsInteger() {
			t = types.IntAsDecimal(rt)
		}
		if lt.Kind != types.KindDecimal {
			l, err = b.coerce(l, t, lpos)
		}
		if err == nil && rt.Kind != types.KindDecimal {
			r, err = b.coerce(r, t, rpos)
		}
		return l, r, err
	}
	if l, err = b.coerce(l, t, lpos); err != nil {
		return nil, nil, err
	}
	r, err = b.coerce(r, t, rpos)
	return l, r, err
}

// unifyN converts the operands of IN, CASE results, COALESCE, GREATEST
// and LEAST to their common type; mismatch words the error. The type is
// settled by the non-constant operands first; a constant that converts
// to it without loss (see lossless) does not widen it, so that
// g IN (1, 2) with a SMALLINT g compares SMALLINTs.
func (b *binder) unifyN(es []Expr, pos []int, mismatch func(a, b types.Type) string) ([]Expr, types.Type, error) {
	var t types.Type
	have, text := false, false
	join := func(i int, u types.Type) error {
		if !have {
			t, have = u, true
			return nil
		}
		nt, err := commonType(t, u)
		if err != nil {
			return b.mismatchError(es, pos, mismatch)
		}
		t = nt
		return nil
	}
	for i, e := range es {
		switch _, isConst := e.(*Const); {
		case b.isUntyped(e):
			text = text || !b.isUntypedNull(e)
		case !isConst:
			if err := join(i, e.Type()); err != nil {
				return nil, types.Type{}, err
			}
		}
	}
	for i, e := range es {
		c, isConst := e.(*Const)
		if !isConst || b.isUntyped(e) {
			continue
		}
		if have {
			if _, ok := lossless(c, t); ok || sameType(c.Value.Type, t) {
				continue
			}
		}
		if err := join(i, e.Type()); err != nil {
			return nil, types.Type{}, err
		}
	}
	switch {
	case !have && text, t.Kind == types.KindVarchar:
		// A VARCHAR(n) result may hold a literal longer than n: the
		// result is unbounded, and storing it checks the length.
		t = types.Text
	case !have:
		t = types.Integer
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		c, err := b.coerce(e, t, pos[i])
		if err != nil {
			return nil, types.Type{}, err
		}
		out[i] = c
	}
	return out, t, nil
}

// mismatchError reports the first operand, in text order, whose type
// does not meet the ones before it.
func (b *binder) mismatchError(es []Expr, pos []int, mismatch func(a, b types.Type) string) error {
	var t types.Type
	have := false
	for i, e := range es {
		if b.isUntyped(e) {
			continue
		}
		if !have {
			t, have = e.Type(), true
			continue
		}
		nt, err := commonType(t, e.Type())
		if err != nil {
			return b.errorf(ErrType, pos[i], "%s", mismatch(t, e.Type()))
		}
		t = nt
	}
	assert(false, "no type mismatch among %v", es)
	return nil
}
