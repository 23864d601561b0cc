package exec

import "github.com/reefdb/reef/frigatebird/plan"

// shareCommon finds the subexpressions that several of exprs compute
// (TPC-H Q1 computes l_extendedprice * (1 - l_discount) for two sums) and
// returns them as shared expressions, to evaluate once each, in order,
// as extra input columns base, base+1, …; exprs come back reading those
// columns instead. The smallest shared subtree is taken first, so a
// shared expression only reads shared columns before it.
//
// Operands of AND, OR, CASE and COALESCE are left alone: the evaluator
// runs them only on the rows that reach them, and hoisting one would run
// it (and perhaps fail) on every row.
func shareCommon(exprs []plan.Expr, base int) (shared, out []plan.Expr) {
	out = append([]plan.Expr(nil), exprs...)
	for {
		counts := map[string]int{}
		trees := map[string]plan.Expr{}
		var visit func(e plan.Expr, root bool)
		visit = func(e plan.Expr, root bool) {
			switch e.(type) {
			case *plan.ColRef, *plan.Const, nil:
				return
			case *plan.And, *plan.Or, *plan.Case, *plan.Coalesce:
				return
			}
			if !root {
				k := cseKey(e)
				counts[k]++
				trees[k] = e
			}
			for _, c := range plan.Children(e) {
				visit(c, false)
			}
		}
		for _, e := range out {
			// A whole expression counts as an occurrence too: another
			// may contain it.
			switch e.(type) {
			case *plan.ColRef, *plan.Const, *plan.And, *plan.Or, *plan.Case, *plan.Coalesce:
				continue
			}
			k := cseKey(e)
			counts[k]++
			trees[k] = e
			for _, c := range plan.Children(e) {
				visit(c, false)
			}
		}
		for _, e := range shared {
			visit(e, true)
		}
		best, bestSize := "", 0
		for k, n := range counts {
			if n < 2 {
				continue
			}
			size := exprSize(trees[k])
			if best == "" || size < bestSize || size == bestSize && k < best {
				best, bestSize = k, size
			}
		}
		if best == "" {
			return shared, out
		}
		t := trees[best]
		// Unnamed, so it prints as #index and keys stay distinct.
		ref := &plan.ColRef{Index: base + len(shared), T: t.Type()}
		replace := func(e plan.Expr, keepRoot bool) plan.Expr {
			r, _ := plan.Transform(e, func(x plan.Expr) (plan.Expr, bool, error) {
				switch x.(type) {
				case *plan.And, *plan.Or, *plan.Case, *plan.Coalesce:
					return x, true, nil
				}
				if x != e || !keepRoot {
					if cseKey(x) == best {
						return ref, true, nil
					}
				}
				return x, false, nil
			})
			return r
		}
		for i, e := range out {
			out[i] = replace(e, false)
		}
		for i, e := range shared {
			shared[i] = replace(e, true)
		}
		shared = append(shared, t)
	}
}

func cseKey(e plan.Expr) string { return e.Type().String() + ":" + e.String() }

func exprSize(e plan.Expr) int {
	n := 0
	plan.Walk(e, func(plan.Expr) bool { n++; return true })
	return n
}
