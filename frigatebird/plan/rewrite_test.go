package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

func TestEqualExpr(t *testing.T) {
	a := &ColRef{Index: 0, Name: "a", T: types.Integer}
	a2 := &ColRef{Index: 0, Name: "other name", T: types.Integer}
	b := &ColRef{Index: 1, Name: "b", T: types.Integer}
	one := &Const{Value: types.IntValue(types.Integer, 1)}
	oneBig := &Const{Value: types.IntValue(types.BigInt, 1)}
	nan := &Const{Value: types.DoubleValue(nan())}
	tests := []struct {
		x, y Expr
		want bool
	}{
		{a, a2, true},
		{a, b, false},
		{one, oneBig, false},
		{nan, nan, true}, // the same node
		{nan, &Const{Value: nan.Value}, false},
		{&Arith{Op: vector.Add, L: a, R: one, T: types.Integer}, &Arith{Op: vector.Add, L: a2, R: one, T: types.Integer}, true},
		{&Arith{Op: vector.Add, L: a, R: one, T: types.Integer}, &Arith{Op: vector.Sub, L: a, R: one, T: types.Integer}, false},
		{&Arith{Op: vector.Add, L: a, R: one, T: types.Integer}, &Arith{Op: vector.Add, L: one, R: a, T: types.Integer}, false},
		{&Like{X: a, Pattern: "x"}, &Like{X: a, Pattern: "x", Fold: true}, false},
		{&Case{Whens: []When{{Cond: &IsNull{X: a}, Result: one}}, Else: one, T: types.Integer},
			&Case{Whens: []When{{Cond: &IsNull{X: a2}, Result: one}}, Else: one, T: types.Integer}, true},
		{&Case{Whens: []When{{Cond: &IsNull{X: a}, Result: one}}, Else: one, T: types.Integer},
			&Case{Whens: []When{{Cond: &IsNull{X: a, Not: true}, Result: one}}, Else: one, T: types.Integer}, false},
		{&aggExpr{call: AggCall{Func: AggSum, Arg: a, T: types.BigInt}}, &aggExpr{call: AggCall{Func: AggSum, Arg: a2, T: types.BigInt}}, true},
		{&aggExpr{call: AggCall{Func: AggSum, Arg: a, T: types.BigInt}}, &aggExpr{call: AggCall{Func: AggSum, Arg: a, Distinct: true, T: types.BigInt}}, false},
		{&aggExpr{call: AggCall{Func: AggCountStar, T: types.BigInt}}, &aggExpr{call: AggCall{Func: AggCount, Arg: a, T: types.BigInt}}, false},
		{&In{X: a, List: []Expr{one}}, &In{X: a, List: []Expr{one, one}}, false},
		{a, nil, false},
	}
	for _, tt := range tests {
		if got := equalExpr(tt.x, tt.y); got != tt.want {
			t.Errorf("equalExpr(%v, %v) = %v", tt.x, tt.y, got)
		}
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// TestTransform checks the copy-on-write rewrite: untouched trees are
// kept, changed paths are copied and the input is left as it was.
func TestTransform(t *testing.T) {
	a := &ColRef{Index: 0, Name: "a", T: types.Integer}
	b := &ColRef{Index: 1, Name: "b", T: types.Text}
	e := &And{Args: []Expr{
		&Compare{Op: vector.Gt, L: a, R: &Const{Value: types.IntValue(types.Integer, 1)}},
		&Like{X: b, Pattern: "x%"},
	}}
	before := e.String()
	same, err := transform(e, func(x Expr) (Expr, bool, error) { return x, false, nil })
	if err != nil || same != Expr(e) {
		t.Fatalf("identity transform gave a copy: %v %v", same, err)
	}
	out, err := transform(e, func(x Expr) (Expr, bool, error) {
		if c, ok := x.(*ColRef); ok && c.Index == 1 {
			return &ColRef{Index: 7, Name: "b7", T: c.T}, true, nil
		}
		return x, false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	and := out.(*And)
	if and == e || and.Args[0] != e.Args[0] || and.Args[1] == e.Args[1] {
		t.Errorf("transform copied the wrong nodes")
	}
	if got := out.String(); got != "((a > 1) AND (b7 LIKE 'x%'))" {
		t.Errorf("transform gave %s", got)
	}
	if e.String() != before {
		t.Errorf("transform changed its input: %s", e)
	}
	boom := errors.New("boom")
	if _, err := transform(e, func(x Expr) (Expr, bool, error) {
		if _, ok := x.(*Like); ok {
			return nil, true, boom
		}
		return x, false, nil
	}); err != boom {
		t.Errorf("transform error %v", err)
	}
}

// TestReuseBound: BETWEEN, NULLIF and simple CASE use an operand twice;
// nested, they double the tree per level. The binder refuses the
// statement instead of building (and later walking) millions of nodes.
func TestReuseBound(t *testing.T) {
	nest := func(n int, open, close string) string {
		return strings.Repeat(open, n) + "a" + strings.Repeat(close, n)
	}
	for _, sql := range []string{
		"SELECT " + nest(40, "nullif(", ", 1)") + " FROM t",
		"SELECT " + nest(40, "(", " BETWEEN 1 AND 2)::int") + " FROM t",
		"SELECT " + nest(40, "CASE ", " WHEN 1 THEN 1 WHEN 2 THEN 2 END") + " FROM t",
	} {
		_, err := bindSQL(t, sql)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "too complex") {
			t.Errorf("%.60s…: error %v, want too complex", sql, err)
		}
	}
	// Ten levels are fine.
	mustBind(t, "SELECT "+nest(10, "nullif(", ", 1)")+" FROM t")
}

// TestNoAggregateLeaks: aggregate calls are always moved into the
// Aggregate node (checkTypes refuses an aggExpr anywhere else).
func TestNoAggregateLeaks(t *testing.T) {
	for _, sql := range []string{
		"SELECT sum(a) + count(*) * 2 FROM t",
		"SELECT a FROM t GROUP BY a HAVING max(c) > 1 ORDER BY min(d)",
		"SELECT DISTINCT count(*) FROM t",
		"INSERT INTO u SELECT count(*), max(b), min(d) FROM t",
		"COPY (SELECT avg(a) FROM t) TO 'x'",
		"EXPLAIN SELECT sum(DISTINCT g) FROM t",
	} {
		s := mustBind(t, sql)
		if text := FormatStmt(s); !strings.Contains(text, "Aggregate") {
			t.Errorf("%s: no Aggregate in\n%s", sql, text)
		}
	}
}
