// Package eval is Frigatebird's vectorized expression evaluator: it runs
// a bound expression (plan.Expr, the binder's output) over vector
// batches, a column at a time, with SQL semantics.
//
// # Use
//
//	ev, err := eval.New(expr)        // check types, fold, compile
//	v, err := ev.Eval(batch)         // the value of each active row
//	sel, err := ev.Select(batch, batch.Sel[:0]) // the rows where it is TRUE
//
// Fold and Const evaluate column-free expressions for the planner
// (constant folding, zone-map bounds).
//
// # Compilation
//
// New checks every node's operand types against plan/expr.go's
// guarantees (a violation is an error wrapping ErrInvalidExpr, never a
// panic), then turns the tree into nodes, each owning its result vector:
//
//   - Column-free subtrees are folded into constants when they evaluate
//     without error; one that fails (1/0) is kept, and fails at run time
//     only if an active row reaches it.
//   - A constant operand stays a scalar for the constant kernels
//     (ArithInt64Const, FilterInt64Const, CompareConst, ...); it is
//     broadcast into a vector only for a kernel that has no constant form,
//     once per batch length.
//   - LIKE patterns are compiled once (vector.CompileLike), constant IN
//     lists become a vector.InList, a DECIMAL constant compared with a
//     column of another scale is rescaled to the column's scale when that
//     is exact, else the operator is adjusted (x < 1.25 at scale 1 is
//     x <= 1.2), so the int64 kernels apply.
//   - NOT is pushed into comparisons, IS NULL, IN, LIKE, IS DISTINCT and
//     AND (De Morgan).
//
// # Select narrows selections
//
// Select never builds a BOOLEAN vector when it can avoid one: a
// comparison with a constant filters the column directly (x < 10 is one
// FilterInt64Const over the column); AND runs its operands one after the
// other, each over the rows the previous ones passed (in place, in the
// caller's buffer); OR runs each operand over the rows no earlier one
// passed and unions the hits in a bitmap; IN of constants, LIKE and IS
// NULL use their filter kernels. Anything else is evaluated into a
// BOOLEAN vector and FilterTrue keeps its TRUE rows.
//
// # Laziness and errors
//
// Every node evaluates its operands on the rows it is asked for, except:
//
//   - CASE selects each WHEN's condition among the rows no earlier WHEN
//     took (a NULL condition does not match) and evaluates each THEN only
//     on its matched rows, ELSE on the rest: CASE WHEN x <> 0 THEN 10 / x
//     ELSE 0 END never divides by zero;
//   - COALESCE evaluates each argument only on the rows still NULL;
//   - AND and OR short-circuit: an operand that may fail (arithmetic that
//     can overflow or divide, casts, the functions that can fail) is
//     evaluated only on the rows the earlier operands left undecided (not
//     FALSE for AND, not TRUE for OR), and in Select only on the rows the
//     earlier operands passed. So x <> 0 AND 10 / x > 1 never divides by
//     zero either.
//
// Runtime errors (division by zero, overflow, failed casts, a negative
// substring length) come only from active rows whose operands are not
// NULL, and read "frigatebird: division by zero", "frigatebird: cannot
// cast 'abc' to INTEGER", ...; they wrap the types sentinels
// (types.ErrDivisionByZero, types.ErrCast, types.ErrOutOfRange), and the
// kernel's error when there is one. A batch whose shape does not match
// the expression (a missing column, a column of another type) is an
// error wrapping ErrInvalidExpr.
//
// # Buffers
//
// Each node keeps its result vector and selection buffers (of
// vector.Size rows) across calls, so after the first batch the numeric
// paths allocate nothing (asserted for a + b * 2 > 10). The vector Eval
// returns is valid until the next call; it may be a batch column itself
// (a bare column reference, a cast that changes no value) or a child's
// result. Values of rows outside the selection are unspecified, but every
// string row is readable.
//
// # Concurrency
//
// An Evaluator is used by one goroutine at a time: make one per worker
// (New is cheap). Fold and Const are safe for concurrent use.
package eval
