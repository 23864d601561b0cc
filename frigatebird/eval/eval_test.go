package eval

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Test helpers: vectors and constants from Go values (nil is NULL; a
// string for a non-text type is parsed with types.Cast).

func value(t types.Type, x any) types.Value {
	switch x := x.(type) {
	case nil:
		return types.NullValue(t)
	case int:
		return types.IntValue(t, int64(x))
	case int64:
		return types.IntValue(t, x)
	case float64:
		return types.Value{Type: t, Float: x}
	case bool:
		return types.Value{Type: t, Bool: x}
	case types.IntervalValue:
		return types.IntervalOf(x)
	case string:
		if t.Kind == types.KindVarchar {
			return types.Value{Type: t, Str: x}
		}
		v, err := types.Cast(types.TextValue(x), t)
		if err != nil {
			panic(err)
		}
		return v
	}
	panic(fmt.Sprintf("value %T", x))
}

func vec(t types.Type, xs ...any) *vector.Vector {
	v := vector.New(t)
	v.Reset(t, len(xs))
	for i, x := range xs {
		val := value(t, x)
		switch t.Phys() {
		case types.PhysInt64:
			v.Ints[i] = val.Int
		case types.PhysFloat64:
			v.Floats[i] = val.Float
		case types.PhysBool:
			v.SetBool(i, val.Bool)
		case types.PhysBytes:
			v.AppendStr(i, []byte(val.Str))
		}
		if val.Null {
			v.SetNull(i)
		}
	}
	return v
}

func lit(t types.Type, x any) *plan.Const { return &plan.Const{Value: value(t, x)} }

func col(i int, t types.Type) *plan.ColRef {
	return &plan.ColRef{Index: i, Name: fmt.Sprintf("c%d", i), T: t}
}

func batch(cols ...*vector.Vector) *vector.Batch {
	b := &vector.Batch{Cols: cols}
	if len(cols) > 0 {
		b.Len = cols[0].Len
	}
	return b
}

// evalStrings evaluates e over b and renders the active rows.
func evalStrings(t *testing.T, e plan.Expr, b *vector.Batch) ([]string, error) {
	t.Helper()
	ev, err := New(e)
	if err != nil {
		t.Fatalf("New(%s): %v", e, err)
	}
	v, err := ev.Eval(b)
	if err != nil {
		return nil, err
	}
	if v.Type != e.Type() {
		t.Fatalf("%s: result type %s, want %s", e, v.Type, e.Type())
	}
	var out []string
	for _, i := range activeRows(b) {
		out = append(out, v.Value(i).String())
	}
	return out, nil
}

func selectRows(t *testing.T, e plan.Expr, b *vector.Batch) ([]uint16, error) {
	t.Helper()
	ev, err := New(e)
	if err != nil {
		t.Fatalf("New(%s): %v", e, err)
	}
	return ev.Select(b, nil)
}

type evalCase struct {
	name string
	e    plan.Expr
	b    *vector.Batch
	want string // the active rows' values joined by " ", or "error: <substring>"
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.b
			if b == nil {
				b = &vector.Batch{Len: 1}
			}
			got, err := evalStrings(t, c.e, b)
			if want, ok := strings.CutPrefix(c.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s = %v, %v; want an error containing %q", c.e, got, err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", c.e, err)
			}
			if s := strings.Join(got, " "); s != c.want {
				t.Fatalf("%s = %q, want %q", c.e, s, c.want)
			}
			// The model interpreter agrees (it defines the semantics the
			// random test checks).
			if msg := checkEval(mustNew(t, c.e), c.e, b); msg != "" {
				t.Fatalf("reference disagrees: %s", msg)
			}
		})
	}
}

func mustNew(t *testing.T, e plan.Expr) *Evaluator {
	t.Helper()
	ev, err := New(e)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

var (
	dec41 = types.MustDecimal(4, 1)
	dec92 = types.MustDecimal(9, 2)
	dec52 = types.MustDecimal(5, 2)
)

func arith(op vector.ArithOp, l, r plan.Expr) *plan.Arith {
	t := l.Type()
	if t.Kind == types.KindDecimal {
		var err error
		if t, err = types.DecimalResult(op.String(), l.Type(), r.Type()); err != nil {
			panic(err)
		}
	}
	return &plan.Arith{Op: op, L: l, R: r, T: t}
}

func cmp(op vector.CmpOp, l, r plan.Expr) *plan.Compare { return &plan.Compare{Op: op, L: l, R: r} }

func fn(id plan.FuncID, t types.Type, args ...plan.Expr) *plan.Func {
	return &plan.Func{Fn: id, Args: args, T: t}
}

func TestArithmetic(t *testing.T) {
	ints := vec(types.Integer, 7, -7, nil, 0, math.MaxInt32)
	zeros := vec(types.Integer, 2, 0, 0, nil, 1)
	b := batch(ints, zeros)
	x, y := col(0, types.Integer), col(1, types.Integer)
	one := lit(types.Integer, 1)
	runCases(t, []evalCase{
		{"add", arith(vector.Add, x, lit(types.Integer, 3)), b, "error: frigatebird: out of range: 2147483647 + 3 in INTEGER"},
		{"add/no-overflow-row", arith(vector.Add, x, one), &vector.Batch{Cols: b.Cols, Len: 5, Sel: []uint16{0, 1, 2, 3}}, "8 -6 NULL 1"},
		{"overflow", arith(vector.Add, x, one), b, "error: out of range"},
		{"div-by-zero", arith(vector.Div, x, y), b, "error: frigatebird: division by zero"},
		{"div-inactive-zero", arith(vector.Div, x, y), &vector.Batch{Cols: b.Cols, Len: 5, Sel: []uint16{0, 2, 3}}, "3 NULL NULL"},
		{"mod-sign-of-dividend", arith(vector.Mod, lit(types.Integer, -7), lit(types.Integer, 2)), nil, "-1"},
		{"const-left-sub", arith(vector.Sub, lit(types.Integer, 1), x), &vector.Batch{Cols: b.Cols, Len: 5, Sel: []uint16{0, 1, 2}}, "-6 8 NULL"},
		{"null-const", arith(vector.Mul, x, lit(types.Integer, nil)), b, "NULL NULL NULL NULL NULL"},
		{"neg-min", &plan.Neg{X: lit(types.SmallInt, -32768)}, nil, "error: out of range"},
		{"double-div-zero", arith(vector.Div, lit(types.Double, 1.0), lit(types.Double, math.Copysign(0, -1))), nil, "error: division by zero"},
		{"double-inf", arith(vector.Mul, lit(types.Double, 1e300), lit(types.Double, 1e300)), nil, "inf"},
		{"decimal-add", arith(vector.Add, lit(dec41, "1.5"), lit(dec92, "2.25")), nil, "3.75"},
		{"decimal-mul", arith(vector.Mul, lit(dec41, "1.5"), lit(dec92, "-2.25")), nil, "-3.375"},
		{"decimal-mod-zero", arith(vector.Mod, lit(dec41, "1.5"), lit(dec92, "0")), nil, "error: division by zero"},
		{"decimal-overflow", arith(vector.Add, lit(dec41, "999.9"), lit(dec41, "999.9")), nil, "1999.8"},
	})
	// Decimal columns with constants, both sides.
	d := vec(dec92, "1.25", "-3.50", nil, "9999999.99")
	db := batch(d)
	runCases(t, []evalCase{
		{"dec-col-const", arith(vector.Sub, lit(dec41, "1.0"), col(0, dec92)), &vector.Batch{Cols: db.Cols, Len: 4, Sel: []uint16{0, 1, 2}}, "-0.25 4.50 NULL"},
		{"dec-col-overflow", &plan.Arith{Op: vector.Add, L: col(0, dec92), R: lit(dec92, "0.01"), T: dec92}, db, "error: 9999999.99 + 0.01 is out of range for DECIMAL(9,2)"},
		{"dec-col-mul", arith(vector.Mul, col(0, dec92), lit(dec41, "2.0")), db, "2.500 -7.000 NULL 19999999.980"},
	})
	if _, err := evalStrings(t, arith(vector.Div, x, y), b); !errors.Is(err, types.ErrDivisionByZero) || err.Error() != "frigatebird: division by zero" {
		t.Fatalf("division by zero: %v", err)
	}
}

func TestLogic(t *testing.T) {
	// All nine pairs of TRUE, FALSE, NULL.
	var as, bs []any
	for _, a := range []any{true, false, nil} {
		for _, b := range []any{true, false, nil} {
			as, bs = append(as, a), append(bs, b)
		}
	}
	b := batch(vec(types.Boolean, as...), vec(types.Boolean, bs...))
	x, y := col(0, types.Boolean), col(1, types.Boolean)
	runCases(t, []evalCase{
		{"and", &plan.And{Args: []plan.Expr{x, y}}, b, "true false NULL false false false NULL false NULL"},
		{"or", &plan.Or{Args: []plan.Expr{x, y}}, b, "true true true true false NULL true NULL NULL"},
		{"not", &plan.Not{X: x}, b, "false false false true true true NULL NULL NULL"},
		{"not-and", &plan.Not{X: &plan.And{Args: []plan.Expr{x, y}}}, b, "false true NULL true true true NULL true NULL"},
		{"distinct", &plan.Distinct{L: x, R: y}, b, "false true true true false true true true false"},
		{"not-distinct", &plan.Distinct{L: x, R: y, Not: true}, b, "true false false false true false false false true"},
		{"is-null", &plan.IsNull{X: y}, b, "false false true false false true false false true"},
		{"is-not-null", &plan.IsNull{X: y, Not: true}, b, "true true false true true false true true false"},
	})
	for _, e := range []plan.Expr{
		&plan.And{Args: []plan.Expr{x, y}}, &plan.Or{Args: []plan.Expr{x, y}}, &plan.Not{X: &plan.Or{Args: []plan.Expr{x, y}}},
	} {
		if msg := checkSelect(mustNew(t, e), e, b, true); msg != "" {
			t.Fatalf("%s: %s", e, msg)
		}
	}
}

func TestShortCircuit(t *testing.T) {
	x := col(0, types.Integer)
	b := batch(vec(types.Integer, 5, 0, nil, 20, 0))
	ten := lit(types.Integer, 10)
	zero := lit(types.Integer, 0)
	div := arith(vector.Div, ten, x)
	runCases(t, []evalCase{
		{"case", &plan.Case{T: types.Integer, Whens: []plan.When{{Cond: cmp(vector.Ne, x, zero), Result: div}}, Else: zero}, b, "2 0 0 0 0"},
		{"case-no-else", &plan.Case{T: types.Integer, Whens: []plan.When{{Cond: cmp(vector.Ne, x, zero), Result: div}}}, b, "2 NULL NULL 0 NULL"},
		{"case-unguarded", &plan.Case{T: types.Integer, Whens: []plan.When{{Cond: cmp(vector.Eq, x, zero), Result: zero}}, Else: div}, b, "2 0 NULL 0 0"},
		{"and", &plan.And{Args: []plan.Expr{cmp(vector.Ne, x, zero), cmp(vector.Gt, div, lit(types.Integer, 1))}}, b, "true false NULL false false"},
		{"or", &plan.Or{Args: []plan.Expr{cmp(vector.Eq, x, zero), cmp(vector.Gt, div, lit(types.Integer, 1))}}, b, "true true NULL false true"},
		{"coalesce", &plan.Coalesce{T: types.Integer, Args: []plan.Expr{&plan.Case{T: types.Integer, Whens: []plan.When{{Cond: cmp(vector.Eq, x, zero), Result: lit(types.Integer, -1)}}}, div}}, b, "2 -1 NULL 0 -1"},
		{"unguarded", cmp(vector.Gt, div, lit(types.Integer, 1)), b, "error: division by zero"},
		{"const-fails-late", &plan.Case{T: types.Integer, Whens: []plan.When{{Cond: cmp(vector.Gt, x, lit(types.Integer, 100)), Result: arith(vector.Div, ten, zero)}}, Else: x}, b, "5 0 NULL 20 0"},
	})
	// In a WHERE, AND evaluates the division only where x <> 0.
	e := &plan.And{Args: []plan.Expr{cmp(vector.Ne, x, zero), cmp(vector.Gt, div, lit(types.Integer, 1))}}
	sel, err := selectRows(t, e, b)
	if err != nil || fmt.Sprint(sel) != "[0]" {
		t.Fatalf("Select %s = %v, %v", e, sel, err)
	}
}

func TestCompare(t *testing.T) {
	d := vec(dec41, "1.2", "1.3", "-1.3", nil, "1.0")
	f := vec(types.Double, 1.0, math.NaN(), math.Copysign(0, -1), nil, math.Inf(1))
	s := vec(types.Text, "abc", "", "é", nil, "ab")
	b := batch(d, f, s)
	dc, fc, sc := col(0, dec41), col(1, types.Double), col(2, types.Text)
	runCases(t, []evalCase{
		{"dec-lt-inexact", cmp(vector.Lt, dc, lit(dec52, "1.25")), b, "true false true NULL true"},
		{"dec-ge-inexact", cmp(vector.Ge, dc, lit(dec52, "1.25")), b, "false true false NULL false"},
		{"dec-eq-inexact", cmp(vector.Eq, dc, lit(dec52, "1.25")), b, "false false false NULL false"},
		{"dec-ne-inexact", cmp(vector.Ne, dc, lit(dec52, "1.25")), b, "true true true NULL true"},
		{"dec-le-neg-inexact", cmp(vector.Le, dc, lit(dec52, "-1.25")), b, "false false true NULL false"},
		{"dec-eq-exact", cmp(vector.Eq, dc, lit(dec52, "1.30")), b, "false true false NULL false"},
		{"dec-const-left", cmp(vector.Lt, lit(dec52, "1.25"), dc), b, "false true false NULL false"},
		{"dec-vs-dec", cmp(vector.Lt, dc, &plan.Cast{X: dc, To: dec52}), b, "false false false NULL false"},
		{"nan-greatest", cmp(vector.Gt, fc, lit(types.Double, math.Inf(1))), b, "false true false NULL false"},
		{"neg-zero", cmp(vector.Eq, fc, lit(types.Double, 0.0)), b, "false false true NULL false"},
		{"nan-eq-nan", cmp(vector.Eq, fc, lit(types.Double, math.NaN())), b, "false true false NULL false"},
		{"bytes", cmp(vector.Lt, sc, lit(types.Text, "ab")), b, "false true false NULL false"},
		{"null-const", cmp(vector.Lt, sc, lit(types.Text, nil)), b, "NULL NULL NULL NULL NULL"},
		{"vec-vec", cmp(vector.Ge, sc, &plan.Func{Fn: plan.FnLower, Args: []plan.Expr{sc}, T: types.Text}), b, "true true true NULL true"},
	})
	for _, e := range []plan.Expr{
		cmp(vector.Lt, dc, lit(dec52, "1.25")), cmp(vector.Eq, dc, lit(dec52, "1.25")), cmp(vector.Ne, dc, lit(dec52, "1.25")),
		cmp(vector.Gt, fc, lit(types.Double, math.NaN())), cmp(vector.Ge, sc, lit(types.Text, "ab")),
	} {
		if msg := checkSelect(mustNew(t, e), e, b, false); msg != "" {
			t.Fatalf("%s: %s", e, msg)
		}
	}
}

func TestIn(t *testing.T) {
	x := col(0, types.Integer)
	b := batch(vec(types.Integer, 1, 2, nil), vec(types.Integer, nil, 2, 5))
	in := func(not bool, list ...plan.Expr) *plan.In { return &plan.In{X: x, List: list, Not: not} }
	one, three, null := lit(types.Integer, 1), lit(types.Integer, 3), lit(types.Integer, nil)
	runCases(t, []evalCase{
		{"in", in(false, one, three), b, "true false NULL"},
		{"in-null", in(false, one, null), b, "true NULL NULL"},
		{"not-in", in(true, one, three), b, "false true NULL"},
		{"not-in-null", in(true, one, null), b, "false NULL NULL"},
		{"in-column", in(false, col(1, types.Integer), three), b, "NULL true NULL"},
		{"not-in-column", in(true, col(1, types.Integer), one), b, "false false NULL"},
		{"not-in-column-null", in(true, col(1, types.Integer), three), b, "NULL false NULL"},
		{"in-big-list", in(false, lit(types.Integer, 10), lit(types.Integer, 11), lit(types.Integer, 12), lit(types.Integer, 13),
			lit(types.Integer, 14), lit(types.Integer, 15), lit(types.Integer, 16), lit(types.Integer, 2)), b, "false true NULL"},
		{"in-decimal-scales", &plan.In{X: col(0, dec41), List: []plan.Expr{lit(dec52, "1.25"), lit(dec52, "0.20")}}, batch(vec(dec41, "0.2", "1.2")), "true false"},
	})
}

func TestLike(t *testing.T) {
	b := batch(vec(types.Text, "apple", "Banana", nil, "naïve", "a%b", ""))
	like := func(p string, not, fold bool) *plan.Like {
		return &plan.Like{X: col(0, types.Text), Pattern: p, Not: not, Fold: fold}
	}
	runCases(t, []evalCase{
		{"contains", like("%an%", false, false), b, "false true NULL false false false"},
		{"not", like("%an%", true, false), b, "true false NULL true true true"},
		{"ilike", like("b%", false, true), b, "false true NULL false false false"},
		{"underscore", like("na_ve", false, false), b, "false false NULL true false false"},
		{"escape", like(`a\%b`, false, false), b, "false false NULL false true false"},
		{"empty", like("", false, false), b, "false false NULL false false true"},
	})
	sel, err := selectRows(t, like("%an%", true, false), b)
	if err != nil || fmt.Sprint(sel) != "[0 3 4 5]" {
		t.Fatalf("NOT LIKE selected %v, %v", sel, err)
	}
}

func TestCast(t *testing.T) {
	cast := func(x plan.Expr, to types.Type) *plan.Cast { return &plan.Cast{X: x, To: to} }
	runCases(t, []evalCase{
		{"text-int", cast(lit(types.Text, " 42 "), types.Integer), nil, "42"},
		{"text-int-bad", cast(col(0, types.Text), types.Integer), batch(vec(types.Text, "1", "abc")), "error: frigatebird: cannot cast 'abc' to INTEGER"},
		{"text-int-null", cast(col(0, types.Text), types.Integer), batch(vec(types.Text, "1", nil)), "1 NULL"},
		{"int-smallint", cast(col(0, types.Integer), types.SmallInt), batch(vec(types.Integer, 1, 99999)), "error: frigatebird: value '99999' is out of range for SMALLINT"},
		{"int-smallint-inactive", cast(col(0, types.Integer), types.SmallInt), &vector.Batch{Cols: []*vector.Vector{vec(types.Integer, 1, 99999)}, Len: 2, Sel: []uint16{0}}, "1"},
		{"dec-int-half-away", cast(col(0, dec41), types.Integer), batch(vec(dec41, "2.5", "-2.5", "2.4", "-0.5")), "3 -3 2 -1"},
		{"double-int-half-even", cast(col(0, types.Double), types.Integer), batch(vec(types.Double, 2.5, -2.5, 3.5, 0.5)), "2 -2 4 0"},
		{"double-int-nan", cast(lit(types.Double, math.NaN()), types.Integer), nil, "error: cannot cast 'nan' to INTEGER"},
		{"int-dec", cast(col(0, types.Integer), dec41), batch(vec(types.Integer, 12, -999)), "12.0 -999.0"},
		{"int-dec-range", cast(lit(types.Integer, 1000), dec41), nil, "error: out of range for DECIMAL(4,1)"},
		{"dec-rescale-down", cast(col(0, dec92), dec41), batch(vec(dec92, "1.25", "-1.25", "1.24")), "1.3 -1.3 1.2"},
		{"dec-rescale-up", cast(col(0, dec41), dec92), batch(vec(dec41, "1.2", "-999.9")), "1.20 -999.90"},
		{"dec-double", cast(col(0, dec92), types.Double), batch(vec(dec92, "1.25", "-0.01")), "1.25 -0.01"},
		{"dec-real", cast(col(0, dec92), types.Real), batch(vec(dec92, "0.1")), "0.1"},
		{"double-dec", cast(col(0, types.Double), dec41), batch(vec(types.Double, 1.25, -1.25, 0.05)), "1.3 -1.3 0.1"},
		{"double-real", cast(lit(types.Double, 1e300), types.Real), nil, "error: out of range for REAL"},
		{"to-text", cast(col(0, types.Double), types.Text), batch(vec(types.Double, 1.5, 100.0, 1e20, math.NaN(), math.Inf(-1), 1e-5)), "1.5 100.0 1e+20 nan -inf 1e-05"},
		{"real-to-text", cast(cast(lit(types.Double, 0.1), types.Real), types.Text), nil, "0.1"},
		{"dec-to-text", cast(lit(dec92, "-0.50"), types.Text), nil, "-0.50"},
		{"bool-to-text", cast(col(0, types.Boolean), types.Text), batch(vec(types.Boolean, true, false, nil)), "true false NULL"},
		{"date-to-text", cast(lit(types.Date, "2024-02-29"), types.Text), nil, "2024-02-29"},
		{"ts-to-text", cast(lit(types.Timestamp, "2024-02-29 10:11:12.5"), types.Text), nil, "2024-02-29 10:11:12.5"},
		{"varchar-too-long", cast(lit(types.Text, "abcd"), types.Varchar(3)), nil, "error: too long for VARCHAR(3)"},
		{"varchar-fits", cast(lit(types.Text, "日本語"), types.Varchar(3)), nil, "日本語"},
		{"date-ts", cast(lit(types.Date, "2024-02-29"), types.Timestamp), nil, "2024-02-29 00:00:00"},
		{"ts-date-floor", cast(col(0, types.Timestamp), types.Date), batch(vec(types.Timestamp, "1969-12-31 23:59:59", "2024-01-01 12:00:00")), "1969-12-31 2024-01-01"},
		{"bool-int", cast(col(0, types.Boolean), types.Integer), batch(vec(types.Boolean, true, false)), "1 0"},
		{"int-bool", cast(col(0, types.Integer), types.Boolean), batch(vec(types.Integer, 0, -3)), "false true"},
		{"text-bool", cast(col(0, types.Text), types.Boolean), batch(vec(types.Text, "yes", "off", "t")), "true false true"},
		{"text-date-bad", cast(lit(types.Text, "2024-02-30"), types.Date), nil, "error: cannot cast '2024-02-30' to DATE"},
		{"widen", cast(col(0, types.SmallInt), types.BigInt), batch(vec(types.SmallInt, -5)), "-5"},
	})
	_, err := evalStrings(t, cast(col(0, types.Text), types.Integer), batch(vec(types.Text, "abc")))
	if !errors.Is(err, types.ErrCast) || err.Error() != "frigatebird: cannot cast 'abc' to INTEGER" {
		t.Fatalf("cast error %q", err)
	}
	_, err = evalStrings(t, cast(lit(types.Integer, 99999), types.SmallInt), &vector.Batch{Len: 1})
	if !errors.Is(err, types.ErrOutOfRange) {
		t.Fatalf("range error %q", err)
	}
}

// TestCastableMatchesTypes: New accepts exactly the casts types.Cast
// performs for some value.
func TestCastableMatchesTypes(t *testing.T) {
	all := append(append([]types.Type{}, genTypes...), types.Interval)
	for _, from := range all {
		for _, to := range all {
			if to.Kind == types.KindInterval {
				continue
			}
			ok := false
			for _, s := range []string{"1", "0", "true", "2024-01-01", "1 day"} {
				v, err := types.Cast(types.TextValue(s), from)
				if from.Kind == types.KindVarchar {
					v, err = types.Value{Type: from, Str: s}, nil
				}
				if err != nil {
					continue
				}
				unbounded := to
				if to.Kind == types.KindVarchar {
					unbounded = types.Text // the length check is not the pair's
				}
				if _, err := types.Cast(v, unbounded); err == nil {
					ok = true
				}
			}
			if from.Kind == types.KindInterval && to.Kind == types.KindVarchar {
				ok = true
			}
			if got := castable(from, to); got != ok {
				t.Errorf("castable(%s, %s) = %v, types.Cast says %v", from, to, got, ok)
			}
		}
	}
}

func TestStringFunctions(t *testing.T) {
	s := col(0, types.Text)
	b := batch(vec(types.Text, "Hello", "  héllo wörld  ", nil, "日本語", ""))
	i64 := func(x any) *plan.Const { return lit(types.BigInt, x) }
	runCases(t, []evalCase{
		{"lower", fn(plan.FnLower, types.Text, s), b, "hello   héllo wörld   NULL 日本語 "},
		{"upper", fn(plan.FnUpper, types.Text, s), b, "HELLO   HÉLLO WÖRLD   NULL 日本語 "},
		{"length", fn(plan.FnLength, types.BigInt, s), b, "5 15 NULL 3 0"},
		{"substring", fn(plan.FnSubstring, types.Text, s, i64(2), i64(3)), b, "ell  hé NULL 本語 "},
		{"substring-from", fn(plan.FnSubstring, types.Text, s, i64(3)), b, "llo héllo wörld   NULL 語 "},
		{"substring-clip", fn(plan.FnSubstring, types.Text, s, i64(-1), i64(3)), b, "H   NULL 日 "},
		{"substring-negative", fn(plan.FnSubstring, types.Text, s, i64(1), i64(-1)), b, "error: negative substring length"},
		{"substring-negative-null", fn(plan.FnSubstring, types.Text, lit(types.Text, nil), i64(1), i64(-1)), b, "NULL NULL NULL NULL NULL"},
		{"substring-null-count", fn(plan.FnSubstring, types.Text, s, i64(1), i64(nil)), b, "NULL NULL NULL NULL NULL"},
		{"substring-huge", fn(plan.FnSubstring, types.Text, s, i64(math.MinInt64), i64(1<<62)), b, "  NULL  "},
		{"trim", fn(plan.FnTrim, types.Text, s), b, "Hello héllo wörld NULL 日本語 "},
		{"ltrim-chars", fn(plan.FnLTrim, types.Text, s, lit(types.Text, " hH")), b, "ello éllo wörld   NULL 日本語 "},
		{"rtrim-chars", fn(plan.FnRTrim, types.Text, s, lit(types.Text, " dlo")), b, "He   héllo wör NULL 日本語 "},
		{"trim-null-chars", fn(plan.FnTrim, types.Text, s, lit(types.Text, nil)), b, "NULL NULL NULL NULL NULL"},
		{"concat", fn(plan.FnConcat, types.Text, lit(types.Text, "<"), s, lit(types.Text, nil), lit(types.Text, ">")), b, "<Hello> <  héllo wörld  > <> <日本語> <>"},
		{"concat-op", fn(plan.FnConcatOp, types.Text, s, lit(types.Text, "!")), b, "Hello!   héllo wörld  ! NULL 日本語! !"},
		{"replace", fn(plan.FnReplace, types.Text, s, lit(types.Text, "l"), lit(types.Text, "L")), b, "HeLLo   héLLo wörLd   NULL 日本語 "},
		{"replace-empty", fn(plan.FnReplace, types.Text, s, lit(types.Text, ""), lit(types.Text, "x")), b, "Hello   héllo wörld   NULL 日本語 "},
		{"replace-column", fn(plan.FnReplace, types.Text, s, s, lit(types.Text, "x")), b, "x x NULL x "},
		{"starts-with", fn(plan.FnStartsWith, types.Boolean, s, lit(types.Text, "He")), b, "true false NULL false false"},
		{"starts-with-column", fn(plan.FnStartsWith, types.Boolean, lit(types.Text, "Hello world"), s), b, "true false NULL false true"},
	})
}

func TestNumericFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{"abs-int", fn(plan.FnAbs, types.Integer, col(0, types.Integer)), batch(vec(types.Integer, -3, 4, nil)), "3 4 NULL"},
		{"abs-min", fn(plan.FnAbs, types.SmallInt, lit(types.SmallInt, -32768)), nil, "error: out of range for SMALLINT"},
		{"abs-double", fn(plan.FnAbs, types.Double, lit(types.Double, math.Copysign(0, -1))), nil, "0.0"},
		{"abs-dec", fn(plan.FnAbs, dec41, lit(dec41, "-999.9")), nil, "999.9"},
		{"round-double", fn(plan.FnRound, types.Double, col(0, types.Double)), batch(vec(types.Double, 2.5, -2.5, 0.49999999999999994)), "3.0 -3.0 0.0"},
		{"round-double-digits", fn(plan.FnRound, types.Double, lit(types.Double, 1234.5678), lit(types.Integer, 2)), nil, "1234.57"},
		{"round-double-neg-digits", fn(plan.FnRound, types.Double, lit(types.Double, 1250.0), lit(types.Integer, -2)), nil, "1300.0"},
		{"round-dec", fn(plan.FnRound, dec92, col(0, dec92)), batch(vec(dec92, "2.50", "-2.50", "2.49")), "3.00 -3.00 2.00"},
		{"round-dec-digits", fn(plan.FnRound, dec92, lit(dec92, "1234.55"), lit(types.Integer, 1)), nil, "1234.60"},
		{"round-dec-neg-digits", fn(plan.FnRound, dec92, lit(dec92, "1250.00"), lit(types.Integer, -2)), nil, "1300.00"},
		{"round-dec-overflow", fn(plan.FnRound, dec41, lit(dec41, "999.9")), nil, "error: out of range for DECIMAL(4,1)"},
		{"round-dec-far", fn(plan.FnRound, dec92, lit(dec92, "1234.55"), lit(types.Integer, math.MinInt32)), nil, "0.00"},
		{"round-int", fn(plan.FnRound, types.Integer, lit(types.Integer, 17), lit(types.Integer, -1)), nil, "17"},
		{"floor-dec", fn(plan.FnFloor, dec41, col(0, dec41)), batch(vec(dec41, "1.5", "-1.5", "2.0")), "1.0 -2.0 2.0"},
		{"ceil-dec", fn(plan.FnCeil, dec41, col(0, dec41)), batch(vec(dec41, "1.5", "-1.5", "2.0")), "2.0 -1.0 2.0"},
		{"ceil-dec-overflow", fn(plan.FnCeil, dec41, lit(dec41, "999.5")), nil, "error: out of range"},
		{"floor-double", fn(plan.FnFloor, types.Double, lit(types.Double, -0.5)), nil, "-1.0"},
		{"greatest", fn(plan.FnGreatest, types.Integer, col(0, types.Integer), lit(types.Integer, 3), lit(types.Integer, nil)), batch(vec(types.Integer, 1, 5, nil)), "3 5 3"},
		{"least-nulls", fn(plan.FnLeast, types.Integer, col(0, types.Integer), lit(types.Integer, nil)), batch(vec(types.Integer, 1, nil)), "1 NULL"},
		{"greatest-nan", fn(plan.FnGreatest, types.Double, lit(types.Double, math.NaN()), lit(types.Double, math.Inf(1))), nil, "nan"},
		{"least-text", fn(plan.FnLeast, types.Text, col(0, types.Text), lit(types.Text, "b")), batch(vec(types.Text, "a", "c", nil)), "a b b"},
	})
}

func TestDateFunctions(t *testing.T) {
	ts := col(0, types.Timestamp)
	b := batch(vec(types.Timestamp, "2024-02-29 13:45:06.5", "1969-12-31 23:00:00", nil))
	field := func(s string) *plan.Const { return lit(types.Text, s) }
	runCases(t, []evalCase{
		{"year", fn(plan.FnExtract, types.BigInt, field("year"), ts), b, "2024 1969 NULL"},
		{"month", fn(plan.FnExtract, types.BigInt, field("month"), ts), b, "2 12 NULL"},
		{"day", fn(plan.FnExtract, types.BigInt, field("day"), ts), b, "29 31 NULL"},
		{"hour", fn(plan.FnExtract, types.BigInt, field("hour"), ts), b, "13 23 NULL"},
		{"dow", fn(plan.FnExtract, types.BigInt, field("dow"), ts), b, "4 3 NULL"},
		{"epoch", fn(plan.FnExtract, types.Double, field("epoch"), ts), b, "1709214306.5 -3600.0 NULL"},
		{"trunc-month", fn(plan.FnDateTrunc, types.Timestamp, field("month"), ts), b, "2024-02-01 00:00:00 1969-12-01 00:00:00 NULL"},
		{"trunc-hour", fn(plan.FnDateTrunc, types.Timestamp, field("hour"), ts), b, "2024-02-29 13:00:00 1969-12-31 23:00:00 NULL"},
		{"trunc-date", fn(plan.FnDateTrunc, types.Date, field("quarter"), lit(types.Date, "2024-05-17")), nil, "2024-04-01"},
		{"date-add", fn(plan.FnDateAddDays, types.Date, lit(types.Date, "2024-02-28"), lit(types.BigInt, 2)), nil, "2024-03-01"},
		{"date-sub", fn(plan.FnDateSubDays, types.Date, lit(types.Date, "2024-03-01"), lit(types.BigInt, 1)), nil, "2024-02-29"},
		{"date-diff", fn(plan.FnDateDiff, types.BigInt, lit(types.Date, "2024-03-01"), lit(types.Date, "2023-03-01")), nil, "366"},
		{"date-add-overflow", fn(plan.FnDateAddDays, types.Date, lit(types.Date, "2024-02-28"), lit(types.BigInt, math.MaxInt64)), nil, "error: out of range"},
		{"ts-add-month", fn(plan.FnTimestampAddInterval, types.Timestamp, lit(types.Timestamp, "2024-01-31 10:00:00"),
			lit(types.Interval, types.IntervalValue{Months: 1, Days: 1, Micros: types.MicrosPerHour})), nil, "2024-03-01 11:00:00"},
		{"ts-sub", fn(plan.FnTimestampSubInterval, types.Timestamp, ts, lit(types.Interval, types.IntervalValue{Days: 1})), b, "2024-02-28 13:45:06.5 1969-12-30 23:00:00 NULL"},
		{"ts-add-text-interval", fn(plan.FnTimestampAddInterval, types.Timestamp, ts, &plan.Cast{X: lit(types.Text, "2 hours"), To: types.Interval}), b, "2024-02-29 15:45:06.5 1970-01-01 01:00:00 NULL"},
		{"ts-add-null", fn(plan.FnTimestampAddInterval, types.Timestamp, ts, lit(types.Interval, nil)), b, "NULL NULL NULL"},
		{"ts-add-overflow", fn(plan.FnTimestampAddInterval, types.Timestamp, lit(types.Timestamp, math.MaxInt64-5), lit(types.Interval, types.IntervalValue{Micros: 10})), nil, "error: out of range"},
	})
}

func TestSelectFastPaths(t *testing.T) {
	x := vec(types.BigInt, 5, 1, nil, 9, 3, 7)
	s := vec(types.Text, "ax", "b", "xa", nil, "x", "")
	b := batch(x, s)
	b.Sel = []uint16{0, 1, 2, 3, 4}
	xc, sc := col(0, types.BigInt), col(1, types.Text)
	i := func(v int) *plan.Const { return lit(types.BigInt, v) }
	cases := []struct {
		e    plan.Expr
		want string
	}{
		{cmp(vector.Lt, xc, i(6)), "[0 1 4]"},
		{cmp(vector.Gt, i(6), xc), "[0 1 4]"},
		{&plan.And{Args: []plan.Expr{cmp(vector.Ge, xc, i(3)), cmp(vector.Le, xc, i(7))}}, "[0 4]"},
		{&plan.Or{Args: []plan.Expr{cmp(vector.Eq, xc, i(1)), cmp(vector.Eq, xc, i(9)), &plan.IsNull{X: xc}}}, "[1 2 3]"},
		{&plan.In{X: xc, List: []plan.Expr{i(9), i(1), i(100)}}, "[1 3]"},
		{&plan.In{X: xc, List: []plan.Expr{i(9), lit(types.BigInt, nil)}, Not: true}, "[]"},
		{&plan.Like{X: sc, Pattern: "%x%"}, "[0 2 4]"},
		{&plan.IsNull{X: sc, Not: true}, "[0 1 2 4]"},
		{&plan.Not{X: cmp(vector.Lt, xc, i(6))}, "[3]"},
		{lit(types.Boolean, true), "[0 1 2 3 4]"},
		{lit(types.Boolean, nil), "[]"},
	}
	for _, c := range cases {
		ev := mustNew(t, c.e)
		in := append([]uint16(nil), b.Sel...)
		bb := *b
		bb.Sel = in
		got, err := ev.Select(&bb, in[:0]) // in place
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("Select %s = %v, %v; want %s", c.e, got, err, c.want)
		}
		if msg := checkSelect(ev, c.e, b, false); msg != "" {
			t.Errorf("%s: %s", c.e, msg)
		}
	}
	// Select of a non-BOOLEAN expression is the caller's bug.
	if _, err := mustNew(t, xc).Select(b, nil); !errors.Is(err, ErrInvalidExpr) {
		t.Fatalf("Select of BIGINT: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	x := col(0, types.Integer)
	var nilArith *plan.Arith
	bad := []plan.Expr{
		nil,
		nilArith,
		&plan.Arith{Op: vector.Add, L: x, R: lit(types.BigInt, 1), T: types.Integer},
		&plan.Arith{Op: vector.Add, L: x, R: nil, T: types.Integer},
		&plan.Arith{Op: vector.Div, L: lit(dec41, "1.0"), R: lit(dec41, "1.0"), T: dec41},
		&plan.Arith{Op: vector.Add, L: lit(dec92, "1.0"), R: lit(dec92, "1.0"), T: dec41},
		&plan.Arith{Op: 9, L: x, R: x, T: types.Integer},
		&plan.Arith{Op: vector.Add, L: lit(types.Real, 1.0), R: lit(types.Real, 1.0), T: types.Real},
		&plan.Compare{Op: vector.Eq, L: x, R: lit(types.Text, "1")},
		&plan.Compare{Op: vector.Eq, L: lit(types.Date, "2024-01-01"), R: lit(types.Timestamp, "2024-01-01")},
		&plan.Compare{Op: 7, L: x, R: x},
		&plan.And{},
		&plan.And{Args: []plan.Expr{x, x}},
		&plan.Not{X: x},
		&plan.In{X: x},
		&plan.In{X: x, List: []plan.Expr{lit(types.Text, "a")}},
		&plan.Like{X: x, Pattern: "%"},
		&plan.Case{T: types.Integer, Whens: []plan.When{{Cond: x, Result: x}}},
		&plan.Case{T: types.Integer, Whens: []plan.When{{Cond: lit(types.Boolean, true), Result: lit(types.Text, "a")}}},
		&plan.Cast{X: lit(types.Date, "2024-01-01"), To: types.Integer},
		&plan.Cast{X: lit(types.Text, "1 day"), To: types.Interval},
		&plan.Coalesce{T: types.Integer},
		&plan.Coalesce{T: types.Integer, Args: []plan.Expr{lit(types.BigInt, 1)}},
		&plan.ColRef{Index: -1, T: types.Integer},
		&plan.ColRef{Index: 0, T: types.Type{Kind: types.KindDecimal, Precision: 30}},
		&plan.ColRef{Index: 0, T: types.Interval},
		lit(types.Interval, types.IntervalValue{Days: 1}),
		&plan.Const{Value: types.Value{}},
		fn(plan.FnLower, types.Text, x),
		fn(plan.FnLength, types.Integer, lit(types.Text, "a")),
		fn(plan.FnSubstring, types.Text, lit(types.Text, "a")),
		fn(plan.FnExtract, types.BigInt, lit(types.Text, "fortnight"), lit(types.Timestamp, "2024-01-01")),
		fn(plan.FnExtract, types.BigInt, lit(types.Text, "epoch"), lit(types.Timestamp, "2024-01-01")),
		fn(plan.FnExtract, types.BigInt, col(1, types.Text), lit(types.Timestamp, "2024-01-01")),
		fn(plan.FnDateTrunc, types.Date, lit(types.Text, "hour"), lit(types.Date, "2024-01-01")),
		fn(plan.FnTimestampAddInterval, types.Timestamp, lit(types.Timestamp, "2024-01-01"), lit(types.BigInt, 1)),
		fn(plan.FnTimestampAddInterval, types.Timestamp, lit(types.Timestamp, "2024-01-01"), &plan.Cast{X: col(1, types.Text), To: types.Interval}),
		fn(plan.FnFloor, types.Integer, x),
		fn(plan.FnGreatest, types.Integer, x, lit(types.BigInt, 1)),
		fn(plan.FnInvalid, types.Integer),
		fn(200, types.Integer),
	}
	for i, e := range bad {
		_, err := New(e)
		if !errors.Is(err, ErrInvalidExpr) {
			t.Errorf("%d: New(%#v) = %v, want ErrInvalidExpr", i, e, err)
		}
		if _, err := Fold(e); !errors.Is(err, ErrInvalidExpr) {
			t.Errorf("%d: Fold: %v", i, err)
		}
	}
	// Deep trees are refused, not a stack overflow.
	var deep plan.Expr = x
	for i := 0; i < MaxDepth+10; i++ {
		deep = &plan.Neg{X: deep}
	}
	if _, err := New(deep); !errors.Is(err, ErrInvalidExpr) {
		t.Fatalf("deep tree: %v", err)
	}
	// A bad interval text is a cast error at New (the interval must be
	// constant).
	_, err := New(fn(plan.FnTimestampAddInterval, types.Timestamp, col(0, types.Timestamp), &plan.Cast{X: lit(types.Text, "nonsense"), To: types.Interval}))
	if !errors.Is(err, types.ErrCast) {
		t.Fatalf("bad interval: %v", err)
	}
}

func TestBatchShape(t *testing.T) {
	e := arith(vector.Add, col(1, types.Integer), lit(types.Integer, 1))
	ev := mustNew(t, e)
	for name, b := range map[string]*vector.Batch{
		"missing column": batch(vec(types.Integer, 1)),
		"nil column":     {Cols: []*vector.Vector{vec(types.Integer, 1), nil}, Len: 1},
		"wrong type":     batch(vec(types.Integer, 1), vec(types.Text, "a")),
		"wrong length":   {Cols: []*vector.Vector{vec(types.Integer, 1), vec(types.Integer, 1, 2)}, Len: 1},
		"sel past len":   {Cols: []*vector.Vector{vec(types.Integer, 1), vec(types.Integer, 1)}, Len: 1, Sel: []uint16{1}},
		"too long":       {Len: vector.Size + 1},
	} {
		if _, err := ev.Eval(b); !errors.Is(err, ErrInvalidExpr) {
			t.Errorf("%s: Eval: %v", name, err)
		}
	}
	if _, err := ev.Eval(nil); !errors.Is(err, ErrInvalidExpr) {
		t.Errorf("nil batch: %v", err)
	}
	// A column may be another integer width or a VARCHAR of another length.
	ok := batch(vec(types.Integer, 0), vec(types.BigInt, 41))
	if got, err := evalStrings(t, e, ok); err != nil || got[0] != "42" {
		t.Fatalf("BIGINT column for INTEGER: %v, %v", got, err)
	}
}

func TestEmptyBatches(t *testing.T) {
	e := &plan.Case{T: types.Text, Whens: []plan.When{{Cond: cmp(vector.Gt, col(0, types.Integer), lit(types.Integer, 1)), Result: lit(types.Text, "big")}}}
	ev := mustNew(t, e)
	for _, b := range []*vector.Batch{
		batch(vec(types.Integer)),
		{Cols: []*vector.Vector{vec(types.Integer, 1, 2)}, Len: 2, Sel: []uint16{}},
	} {
		v, err := ev.Eval(b)
		if err != nil || v.Len != b.Len {
			t.Fatalf("Eval of an empty batch: %v, %v", v, err)
		}
		sel, err := mustNew(t, e.Whens[0].Cond).Select(b, nil)
		if err != nil || sel == nil || len(sel) != 0 {
			t.Fatalf("Select of an empty batch: %v, %v", sel, err)
		}
	}
}

func TestFold(t *testing.T) {
	x := col(0, types.Integer)
	two := arith(vector.Add, lit(types.Integer, 1), lit(types.Integer, 1))
	e := arith(vector.Mul, x, two)
	f, err := Fold(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.String(); got != "(c0 * 2)" {
		t.Fatalf("Fold = %s", got)
	}
	if e.R != two { // the input is not modified
		t.Fatal("Fold modified its input")
	}
	// Lazy: COALESCE(1, 1/0) is 1.
	lazy := &plan.Coalesce{T: types.Integer, Args: []plan.Expr{lit(types.Integer, 1), arith(vector.Div, lit(types.Integer, 1), lit(types.Integer, 0))}}
	if v, err := Const(lazy); err != nil || v.Int != 1 || v.Type != types.Integer {
		t.Fatalf("Const(%s) = %v, %v", lazy, v, err)
	}
	// Errors are returned.
	bad := &plan.Case{T: types.Integer, Whens: []plan.When{{Cond: cmp(vector.Gt, x, lit(types.Integer, 0)), Result: arith(vector.Div, lit(types.Integer, 1), lit(types.Integer, 0))}}}
	if _, err := Fold(bad); !errors.Is(err, types.ErrDivisionByZero) {
		t.Fatalf("Fold(%s): %v", bad, err)
	}
	// ... but New keeps the subtree and fails only if a row reaches it.
	if got, err := evalStrings(t, bad, batch(vec(types.Integer, 0, -1))); err != nil || strings.Join(got, " ") != "NULL NULL" {
		t.Fatalf("Eval(%s) = %v, %v", bad, got, err)
	}
	if _, err := Const(x); !errors.Is(err, ErrInvalidExpr) {
		t.Fatalf("Const of a column: %v", err)
	}
	iv, err := Const(&plan.Cast{X: lit(types.Text, "1 day"), To: types.Interval})
	if err == nil {
		t.Fatalf("Const of an INTERVAL cast outside its argument: %v", iv)
	}
	v, err := Const(cmp(vector.Lt, lit(dec52, "1.25"), lit(dec41, "1.3")))
	if err != nil || !v.Bool {
		t.Fatalf("Const(1.25 < 1.3) = %v, %v", v, err)
	}
}
