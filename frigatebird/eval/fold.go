package eval

import (
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Fold returns e with every maximal column-free subtree replaced by a
// *plan.Const of its value (evaluated on a one-row batch, so lazily:
// COALESCE(1, 1/0) folds to 1). An error of such a subtree (1/0, a failed
// cast) is returned, even where no row would reach it at run time (New
// keeps those subtrees instead). e itself is not modified; the result
// shares its unchanged subtrees.
func Fold(e plan.Expr) (plan.Expr, error) {
	if err := check(e, 0); err != nil {
		return nil, err
	}
	c := &compiler{free: map[plan.Expr]bool{}}
	return c.foldExpr(e)
}

// Const returns the value of a column-free expression (an error wrapping
// ErrInvalidExpr when it reads a column).
func Const(e plan.Expr) (types.Value, error) {
	if err := check(e, 0); err != nil {
		return types.Value{}, err
	}
	c := &compiler{free: map[plan.Expr]bool{}}
	if !c.columnFree(e) {
		return types.Value{}, invalid("constant", "the expression reads a column")
	}
	return constValue(e)
}

// constValue evaluates a checked, column-free e on a one-row batch.
func constValue(e plan.Expr) (types.Value, error) {
	switch x := e.(type) {
	case *plan.Const:
		return x.Value, nil
	case *plan.Cast:
		if x.To.Kind == types.KindInterval { // text to INTERVAL: constants only
			v, err := constValue(x.X)
			if err != nil {
				return types.Value{}, err
			}
			v, err = types.Cast(v, x.To)
			return v, runtimeErr(err)
		}
	}
	if e.Type().Kind == types.KindInterval {
		return types.Value{}, invalid("constant", "INTERVAL expression %T", e)
	}
	n, err := compile(e, false)
	if err != nil {
		return types.Value{}, err
	}
	c := ctx{b: &vector.Batch{Len: 1}, n: 1}
	v, err := n.eval(&c, nil)
	if err != nil {
		return types.Value{}, err
	}
	out := v.Value(0)
	out.Type = e.Type()
	return out, nil
}

// foldExpr folds the column-free subtrees of e.
func (c *compiler) foldExpr(e plan.Expr) (plan.Expr, error) {
	if e == nil {
		return nil, nil
	}
	if _, ok := e.(*plan.Const); ok {
		return e, nil
	}
	if c.columnFree(e) {
		v, err := constValue(e)
		if err != nil {
			return nil, err
		}
		return &plan.Const{Value: v}, nil
	}
	list := func(xs []plan.Expr) ([]plan.Expr, error) {
		out := make([]plan.Expr, len(xs))
		for i, x := range xs {
			f, err := c.foldExpr(x)
			if err != nil {
				return nil, err
			}
			out[i] = f
		}
		return out, nil
	}
	pair := func(l, r plan.Expr) (plan.Expr, plan.Expr, error) {
		fl, err := c.foldExpr(l)
		if err != nil {
			return nil, nil, err
		}
		fr, err := c.foldExpr(r)
		return fl, fr, err
	}
	switch x := e.(type) {
	case *plan.ColRef:
		return x, nil
	case *plan.Arith:
		l, r, err := pair(x.L, x.R)
		if err != nil {
			return nil, err
		}
		return &plan.Arith{Op: x.Op, L: l, R: r, T: x.T}, nil
	case *plan.Neg:
		f, err := c.foldExpr(x.X)
		if err != nil {
			return nil, err
		}
		return &plan.Neg{X: f}, nil
	case *plan.Compare:
		l, r, err := pair(x.L, x.R)
		if err != nil {
			return nil, err
		}
		return &plan.Compare{Op: x.Op, L: l, R: r}, nil
	case *plan.Distinct:
		l, r, err := pair(x.L, x.R)
		if err != nil {
			return nil, err
		}
		return &plan.Distinct{L: l, R: r, Not: x.Not}, nil
	case *plan.And:
		args, err := list(x.Args)
		if err != nil {
			return nil, err
		}
		return &plan.And{Args: args}, nil
	case *plan.Or:
		args, err := list(x.Args)
		if err != nil {
			return nil, err
		}
		return &plan.Or{Args: args}, nil
	case *plan.Not:
		f, err := c.foldExpr(x.X)
		if err != nil {
			return nil, err
		}
		return &plan.Not{X: f}, nil
	case *plan.IsNull:
		f, err := c.foldExpr(x.X)
		if err != nil {
			return nil, err
		}
		return &plan.IsNull{X: f, Not: x.Not}, nil
	case *plan.In:
		f, err := c.foldExpr(x.X)
		if err != nil {
			return nil, err
		}
		l, err := list(x.List)
		if err != nil {
			return nil, err
		}
		return &plan.In{X: f, List: l, Not: x.Not}, nil
	case *plan.Like:
		f, err := c.foldExpr(x.X)
		if err != nil {
			return nil, err
		}
		return &plan.Like{X: f, Pattern: x.Pattern, Not: x.Not, Fold: x.Fold}, nil
	case *plan.Case:
		out := &plan.Case{T: x.T, Whens: make([]plan.When, len(x.Whens))}
		for i, w := range x.Whens {
			cond, res, err := pair(w.Cond, w.Result)
			if err != nil {
				return nil, err
			}
			out.Whens[i] = plan.When{Cond: cond, Result: res}
		}
		els, err := c.foldExpr(x.Else)
		if err != nil {
			return nil, err
		}
		out.Else = els
		return out, nil
	case *plan.Cast:
		f, err := c.foldExpr(x.X)
		if err != nil {
			return nil, err
		}
		return &plan.Cast{X: f, To: x.To}, nil
	case *plan.Coalesce:
		args, err := list(x.Args)
		if err != nil {
			return nil, err
		}
		return &plan.Coalesce{Args: args, T: x.T}, nil
	case *plan.Func:
		args, err := list(x.Args)
		if err != nil {
			return nil, err
		}
		return &plan.Func{Fn: x.Fn, Args: args, T: x.T}, nil
	}
	return nil, invalid("expression", "unknown node %T", e)
}
