package eval

import (
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// TestSteadyStateAllocations: after the first batch, numeric expressions
// allocate nothing (Eval and Select, with and without a selection).
func TestSteadyStateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	e, b := intArith()
	ev := mustNew(t, e)
	out := make([]uint16, 0, vector.Size)
	sel := make([]uint16, 0, vector.Size)
	for i := 0; i < vector.Size; i += 3 {
		sel = append(sel, uint16(i))
	}
	run := func() {
		for _, s := range [][]uint16{nil, sel} {
			b.Sel = s
			if _, err := ev.Eval(b); err != nil {
				t.Fatal(err)
			}
			if _, err := ev.Select(b, out[:0]); err != nil {
				t.Fatal(err)
			}
		}
	}
	run()
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Fatalf("a + b * 2 > 10: %v allocations per run, want 0", n)
	}
}

// TestNumericPathsDoNotAllocate extends the check to the other numeric
// nodes, over columns with NULLs.
func TestNumericPathsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	q, qb := q6()
	dec := types.MustDecimal(15, 2)
	withNulls := func(v *vector.Vector) *vector.Vector {
		for i := 0; i < v.Len; i += 7 {
			v.SetNull(i)
		}
		return v
	}
	x := col(0, types.BigInt)
	xb := batch(withNulls(benchInts(types.BigInt, 7919)), benchInts(types.Integer, 31), withNulls(benchInts(dec, 13)))
	i64 := func(v int) *plan.Const { return lit(types.BigInt, v) }
	exprs := map[string]struct {
		e plan.Expr
		b *vector.Batch
	}{
		"q6":        {q, qb},
		"dec-arith": {arith(vector.Mul, col(3, dec), arith(vector.Sub, lit(types.MustDecimal(1, 0), 1), col(1, dec))), qb},
		"case":      {&plan.Case{T: types.BigInt, Whens: []plan.When{{Cond: cmp(vector.Lt, x, i64(500)), Result: arith(vector.Mul, x, i64(2))}}, Else: i64(0)}, xb},
		"coalesce":  {&plan.Coalesce{T: types.BigInt, Args: []plan.Expr{x, i64(-1)}}, xb},
		"or-in":     {&plan.Or{Args: []plan.Expr{&plan.In{X: x, List: []plan.Expr{i64(1), i64(2), i64(3)}}, &plan.IsNull{X: x}}}, xb},
		"not-and":   {&plan.Not{X: &plan.And{Args: []plan.Expr{cmp(vector.Gt, x, i64(100)), cmp(vector.Lt, x, i64(900))}}}, xb},
		"cast":      {cmp(vector.Gt, &plan.Cast{X: col(1, types.Integer), To: types.Double}, lit(types.Double, 3.5)), xb},
		"neg-abs":   {fn(plan.FnAbs, types.BigInt, &plan.Neg{X: x}), xb},
		"decimal":   {cmp(vector.Lt, col(2, dec), lit(dec52, "1.25")), xb},
	}
	out := make([]uint16, 0, vector.Size)
	for name, c := range exprs {
		ev := mustNew(t, c.e)
		run := func() {
			if _, err := ev.Eval(c.b); err != nil {
				t.Fatal(err)
			}
			if c.e.Type().Kind == types.KindBoolean {
				if _, err := ev.Select(c.b, out[:0]); err != nil {
					t.Fatal(err)
				}
			}
		}
		run()
		if n := testing.AllocsPerRun(20, run); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
}
