package plan

import "fmt"

// Tree utilities of the binder: structural equality (to match GROUP BY
// and ORDER BY expressions with select items, and to deduplicate
// aggregates), a copy-on-write rewrite, and sizes.

// equalExpr reports whether a and b are the same expression: same node
// kinds, operators, types and constants, recursively. ColRef names are
// ignored (the index decides); NaN constants are never equal.
func equalExpr(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a == b {
		return true
	}
	switch x := a.(type) {
	case *ColRef:
		y, ok := b.(*ColRef)
		return ok && x.Index == y.Index && x.T == y.T
	case *Const:
		y, ok := b.(*Const)
		return ok && x.Value == y.Value
	case *Arith:
		y, ok := b.(*Arith)
		return ok && x.Op == y.Op && x.T == y.T && equalExpr(x.L, y.L) && equalExpr(x.R, y.R)
	case *Neg:
		y, ok := b.(*Neg)
		return ok && equalExpr(x.X, y.X)
	case *Compare:
		y, ok := b.(*Compare)
		return ok && x.Op == y.Op && equalExpr(x.L, y.L) && equalExpr(x.R, y.R)
	case *Distinct:
		y, ok := b.(*Distinct)
		return ok && x.Not == y.Not && equalExpr(x.L, y.L) && equalExpr(x.R, y.R)
	case *And:
		y, ok := b.(*And)
		return ok && equalExprs(x.Args, y.Args)
	case *Or:
		y, ok := b.(*Or)
		return ok && equalExprs(x.Args, y.Args)
	case *Not:
		y, ok := b.(*Not)
		return ok && equalExpr(x.X, y.X)
	case *IsNull:
		y, ok := b.(*IsNull)
		return ok && x.Not == y.Not && equalExpr(x.X, y.X)
	case *In:
		y, ok := b.(*In)
		return ok && x.Not == y.Not && equalExpr(x.X, y.X) && equalExprs(x.List, y.List)
	case *Like:
		y, ok := b.(*Like)
		return ok && x.Not == y.Not && x.Fold == y.Fold && x.Pattern == y.Pattern && equalExpr(x.X, y.X)
	case *Case:
		y, ok := b.(*Case)
		if !ok || x.T != y.T || len(x.Whens) != len(y.Whens) || !equalExpr(x.Else, y.Else) {
			return false
		}
		for i := range x.Whens {
			if !equalExpr(x.Whens[i].Cond, y.Whens[i].Cond) || !equalExpr(x.Whens[i].Result, y.Whens[i].Result) {
				return false
			}
		}
		return true
	case *Cast:
		y, ok := b.(*Cast)
		return ok && x.To == y.To && equalExpr(x.X, y.X)
	case *Coalesce:
		y, ok := b.(*Coalesce)
		return ok && x.T == y.T && equalExprs(x.Args, y.Args)
	case *Func:
		y, ok := b.(*Func)
		return ok && x.Fn == y.Fn && x.T == y.T && equalExprs(x.Args, y.Args)
	case *aggExpr:
		y, ok := b.(*aggExpr)
		return ok && equalAgg(x.call, y.call)
	}
	return false
}

func equalExprs(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalAgg(a, b AggCall) bool {
	return a.Func == b.Func && a.Distinct == b.Distinct && a.T == b.T && equalExpr(a.Arg, b.Arg)
}

// transform rewrites e top-down: fn sees each node first and either
// replaces it (done) or lets transform rewrite its children. Nodes whose
// children did not change are kept, so unchanged trees are not copied.
func transform(e Expr, fn func(Expr) (Expr, bool, error)) (Expr, error) {
	if e == nil {
		return nil, nil
	}
	r, done, err := fn(e)
	if err != nil || done {
		return r, err
	}
	return mapChildren(e, func(c Expr) (Expr, error) { return transform(c, fn) })
}

// mapChildren returns e with every operand replaced by fn(operand); e
// itself when none changed.
func mapChildren(e Expr, fn func(Expr) (Expr, error)) (Expr, error) {
	var err error
	changed := false
	one := func(c Expr) Expr {
		if err != nil || c == nil {
			return c
		}
		var r Expr
		r, err = fn(c)
		if r != c {
			changed = true
		}
		return r
	}
	list := func(cs []Expr) []Expr {
		out := make([]Expr, len(cs))
		for i, c := range cs {
			out[i] = one(c)
		}
		return out
	}
	var out Expr
	switch x := e.(type) {
	case *ColRef, *Const:
		return e, nil
	case *Arith:
		out = &Arith{Op: x.Op, L: one(x.L), R: one(x.R), T: x.T}
	case *Neg:
		out = &Neg{X: one(x.X)}
	case *Compare:
		out = &Compare{Op: x.Op, L: one(x.L), R: one(x.R)}
	case *Distinct:
		out = &Distinct{L: one(x.L), R: one(x.R), Not: x.Not}
	case *And:
		out = &And{Args: list(x.Args)}
	case *Or:
		out = &Or{Args: list(x.Args)}
	case *Not:
		out = &Not{X: one(x.X)}
	case *IsNull:
		out = &IsNull{X: one(x.X), Not: x.Not}
	case *In:
		out = &In{X: one(x.X), List: list(x.List), Not: x.Not}
	case *Like:
		out = &Like{X: one(x.X), Pattern: x.Pattern, Not: x.Not, Fold: x.Fold}
	case *Case:
		c := &Case{T: x.T, Whens: make([]When, len(x.Whens))}
		for i, w := range x.Whens {
			c.Whens[i] = When{Cond: one(w.Cond), Result: one(w.Result)}
		}
		c.Else = one(x.Else)
		out = c
	case *Cast:
		out = &Cast{X: one(x.X), To: x.To}
	case *Coalesce:
		out = &Coalesce{Args: list(x.Args), T: x.T}
	case *Func:
		out = &Func{Fn: x.Fn, Args: list(x.Args), T: x.T}
	case *aggExpr:
		if x.call.Arg == nil {
			return e, nil
		}
		call := x.call
		call.Arg = one(call.Arg)
		out = &aggExpr{call: call, pos: x.pos}
	default:
		panic(fmt.Sprintf("plan: mapChildren: unknown expression %T", e))
	}
	if err != nil {
		return nil, err
	}
	if !changed {
		return e, nil
	}
	return out, nil
}

// treeSize counts the nodes of e as a tree (a subtree used twice counts
// twice), stopping once the count passes limit.
func treeSize(e Expr, limit int) int {
	n := 0
	var visit func(Expr)
	visit = func(e Expr) {
		if e == nil || n > limit {
			return
		}
		n++
		if a, ok := e.(*aggExpr); ok {
			visit(a.call.Arg)
			return
		}
		for _, c := range Children(e) {
			visit(c)
		}
	}
	visit(e)
	return n
}

// containsAgg reports whether e holds an aggregate call.
func containsAgg(e Expr) bool {
	found := false
	var visit func(Expr)
	visit = func(e Expr) {
		if e == nil || found {
			return
		}
		if _, ok := e.(*aggExpr); ok {
			found = true
			return
		}
		for _, c := range Children(e) {
			visit(c)
		}
	}
	visit(e)
	return found
}

// Transform rewrites e top-down: fn sees each node first and either
// replaces it (done) or lets Transform rewrite its children. Subtrees
// that do not change are shared, not copied.
func Transform(e Expr, fn func(Expr) (Expr, bool, error)) (Expr, error) { return transform(e, fn) }
