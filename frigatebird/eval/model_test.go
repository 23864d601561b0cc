package eval

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

var (
	flagSeeds = flag.Int("eval.seeds", 0, "random expressions the model test runs (0: 2000, fewer under -race or -short)")
	flagSeed  = flag.Uint64("eval.seed", 0, "the model test's first seed (0: random); case i uses seed+i")
)

func modelCases() int {
	switch {
	case *flagSeeds > 0:
		return *flagSeeds
	case raceEnabled || testing.Short():
		return 300
	}
	return 2000
}

// TestModel evaluates random well-typed trees over random batches and
// compares Eval, Select, Fold and Const row by row with the reference
// interpreter, errors included: the reference failing on an active row
// means Eval must fail, and not failing means Eval must not.
func TestModel(t *testing.T) {
	base := *flagSeed
	if base == 0 {
		base = rand.Uint64() >> 1
	}
	n := modelCases()
	t.Logf("seeds %d..%d (replay one with -eval.seed=S -eval.seeds=1)", base, base+uint64(n)-1)
	for i := 0; i < n; i++ {
		seed := base + uint64(i)
		if msg := modelCase(seed); msg != "" {
			t.Fatalf("seed %d: %s", seed, msg)
		}
	}
}

// modelCase runs one random case and describes the first disagreement.
func modelCase(seed uint64) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	g := newGen(rand.New(rand.NewPCG(seed, 0x5eed)))
	return runModel(g)
}

func runModel(g *gen) string {
	e := g.expr(g.rootType(), 0)
	ev, err := New(e)
	if err != nil {
		return fmt.Sprintf("New(%s): %v", e, err)
	}
	for round := 0; round < 2; round++ { // twice: buffers are reused
		b := g.batch()
		if msg := checkEval(ev, e, b); msg != "" {
			return fmt.Sprintf("Eval %s\n%s", e, msg)
		}
		if e.Type().Kind == types.KindBoolean {
			if msg := checkSelect(ev, e, b, g.r.IntN(2) == 0); msg != "" {
				return fmt.Sprintf("Select %s\n%s", e, msg)
			}
		}
		if round == 0 {
			if msg := checkFold(e, b); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// checkFold: a successful Fold evaluates as the original; Const of a
// column-free tree is its reference value.
func checkFold(e plan.Expr, b *vector.Batch) string {
	f, err := Fold(e)
	if err != nil {
		if errors.Is(err, ErrInvalidExpr) {
			return fmt.Sprintf("Fold(%s): %v", e, err)
		}
		return "" // a column-free subtree fails: allowed
	}
	ev, err := New(f)
	if err != nil {
		return fmt.Sprintf("New(Fold(%s) = %s): %v", e, f, err)
	}
	if msg := checkEval(ev, e, b); msg != "" {
		return fmt.Sprintf("Eval folded %s (from %s)\n%s", f, e, msg)
	}
	if c, ok := f.(*plan.Const); ok {
		v, err := Const(e)
		if err != nil || !sameValue(v, c.Value) {
			return fmt.Sprintf("Const(%s) = %v, %v; Fold gave %v", e, v, err, c.Value)
		}
		want, werr := refEval(e, refRow{cols: b.Cols})
		if werr != nil || !sameValue(v, want) {
			return fmt.Sprintf("Const(%s) = %v; reference %v, %v", e, v, want, werr)
		}
	}
	return ""
}

func activeRows(b *vector.Batch) []int {
	var rows []int
	if b.Sel == nil {
		for i := 0; i < b.Len; i++ {
			rows = append(rows, i)
		}
		return rows
	}
	for _, i := range b.Sel {
		rows = append(rows, int(i))
	}
	return rows
}

func checkEval(ev *Evaluator, e plan.Expr, b *vector.Batch) string {
	rows := activeRows(b)
	want := make([]types.Value, len(rows))
	var refFail error
	failRow := -1
	for k, i := range rows {
		v, err := refEval(e, refRow{cols: b.Cols, row: i})
		if err != nil {
			refFail, failRow = err, i
			break
		}
		want[k] = v
	}
	got, err := ev.Eval(b)
	switch {
	case refFail != nil && err == nil:
		return fmt.Sprintf("no error; the reference fails on row %d (%s): %v", failRow, rowString(b, failRow), refFail)
	case refFail != nil:
		return ""
	case err != nil:
		return fmt.Sprintf("error %v; the reference does not fail (%d active rows of %d)", err, len(rows), b.Len)
	}
	if got.Type != e.Type() {
		return fmt.Sprintf("result type %s, want %s", got.Type, e.Type())
	}
	if got.Len != b.Len {
		return fmt.Sprintf("result of %d rows, batch of %d", got.Len, b.Len)
	}
	for k, i := range rows {
		if g := got.Value(i); !sameValue(g, want[k]) {
			return fmt.Sprintf("row %d (%s): got %s, want %s", i, rowString(b, i), show(g), show(want[k]))
		}
	}
	if e.Type().Phys() == types.PhysBytes { // every row readable
		for i := 0; i < got.Len; i++ {
			if got.Offsets[i] > got.Offsets[i+1] || int(got.Offsets[i+1]) > len(got.Bytes) {
				return fmt.Sprintf("row %d: offsets %d..%d of %d bytes", i, got.Offsets[i], got.Offsets[i+1], len(got.Bytes))
			}
		}
	}
	return ""
}

func checkSelect(ev *Evaluator, e plan.Expr, b *vector.Batch, inPlace bool) string {
	var want []uint16
	var refFail error
	failRow := -1
	for _, i := range activeRows(b) {
		ok, err := refWhere(e, refRow{cols: b.Cols, row: i})
		if err != nil {
			refFail, failRow = err, i
			break
		}
		if ok {
			want = append(want, uint16(i))
		}
	}
	bb := *b
	var out []uint16
	if inPlace && b.Sel != nil {
		bb.Sel = append(make([]uint16, 0, len(b.Sel)), b.Sel...)
		out = bb.Sel[:0]
	} else if inPlace {
		out = make([]uint16, 0, vector.Size)
	}
	got, err := ev.Select(&bb, out)
	switch {
	case refFail != nil && err == nil:
		return fmt.Sprintf("no error; the reference fails on row %d (%s): %v", failRow, rowString(b, failRow), refFail)
	case refFail != nil:
		return ""
	case err != nil:
		return fmt.Sprintf("error %v; the reference does not fail", err)
	}
	if got == nil {
		return "nil selection"
	}
	if len(got) != len(want) {
		return fmt.Sprintf("selected %d rows %v, want %d %v", len(got), clip(got), len(want), clip(want))
	}
	for k := range got {
		if got[k] != want[k] {
			return fmt.Sprintf("selected row %d at %d, want %d (%s)", got[k], k, want[k], rowString(b, int(want[k])))
		}
	}
	return ""
}

func clip(s []uint16) []uint16 {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

// rowString shows the non-nil columns of row i.
func rowString(b *vector.Batch, i int) string {
	s := ""
	for idx, c := range b.Cols {
		if c != nil {
			s += fmt.Sprintf(" #%d=%s", idx, show(c.Value(i)))
		}
	}
	return s
}

func show(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	if v.Type.Phys() == types.PhysBytes {
		return fmt.Sprintf("%q", v.Str)
	}
	return v.String() + "::" + v.Type.String()
}

// sameValue compares values exactly (floats bit for bit, NaNs equal).
func sameValue(a, b types.Value) bool {
	if a.Null || b.Null {
		return a.Null == b.Null
	}
	switch b.Type.Phys() {
	case types.PhysInt64:
		return a.Int == b.Int
	case types.PhysFloat64:
		return math.Float64bits(a.Float) == math.Float64bits(b.Float) || (math.IsNaN(a.Float) && math.IsNaN(b.Float))
	case types.PhysBool:
		return a.Bool == b.Bool
	case types.PhysBytes:
		return a.Str == b.Str
	}
	return a.Interval == b.Interval
}
