package parse

import (
	"reflect"
	"testing"
)

func parseExpr(t *testing.T, expr string) Expr {
	t.Helper()
	s, ok := parseOne(t, "SELECT "+expr).(*Select)
	if !ok || len(s.Items) != 1 || s.Items[0].Expr == nil {
		t.Fatalf("SELECT %s: not one expression", expr)
	}
	return s.Items[0].Expr
}

func TestParseExpressions(t *testing.T) {
	tests := []struct {
		expr string
		want Expr
	}{
		// column references and literals
		{`a`, col("a")},
		{`T.A`, &ColumnRef{Table: "t", Column: "a"}},
		{`"Mixed"`, col("Mixed")},
		{`42`, intLit(42)},
		{`-7`, intLit(-7)},
		{`3000000000`, intLit(3000000000)},
		{`-9223372036854775808`, intLit(-9223372036854775808)},
		{`9223372036854775808`, &Literal{Kind: LitDecimal, Text: "9223372036854775808"}},
		{`12.50`, &Literal{Kind: LitDecimal, Text: "12.50", Scale: 2}},
		{`-0.5`, &Literal{Kind: LitDecimal, Text: "-0.5", Scale: 1}},
		{`.25`, &Literal{Kind: LitDecimal, Text: "0.25", Scale: 2}},
		{`1_000_000`, intLit(1000000)},
		{`0x10`, intLit(16)},
		{`1.5e3`, &Literal{Kind: LitFloat, Float: 1500}},
		{`2E-1`, &Literal{Kind: LitFloat, Float: 0.2}},
		{`'it''s'`, strLit("it's")},
		{`E'a\nb'`, strLit("a\nb")},
		{`$$dollar$$`, strLit("dollar")},
		{`TRUE`, &Literal{Kind: LitBool, Bool: true}},
		{`false`, &Literal{Kind: LitBool}},
		{`NULL`, &Literal{Kind: LitNull}},
		{`DATE '2024-01-01'`, &Literal{Kind: LitDate, Text: "2024-01-01"}},
		{`'2024-01-01'::date`, &Literal{Kind: LitDate, Text: "2024-01-01"}},
		{`TIMESTAMP '2024-01-01 10:00:00'`, &Literal{Kind: LitTimestamp, Text: "2024-01-01 10:00:00"}},
		{`INTERVAL '3 days'`, &Literal{Kind: LitInterval, Text: "3 days"}},
		{`INTERVAL '90' DAY`, &Literal{Kind: LitInterval, Text: "90 day"}},
		{`$2`, &Param{Index: 2}},
		// arithmetic and comparison
		{`a + b * 2`, bin(OpAdd, col("a"), bin(OpMul, col("b"), intLit(2)))},
		{`(a - b) / c % 3`, bin(OpMod, bin(OpDiv, bin(OpSub, col("a"), col("b")), col("c")), intLit(3))},
		{`-a`, &Unary{Op: OpNeg, X: col("a")}},
		{`+a`, col("a")},
		{`a = 1`, bin(OpEq, col("a"), intLit(1))},
		{`a <> 1`, bin(OpNe, col("a"), intLit(1))},
		{`a != 1`, bin(OpNe, col("a"), intLit(1))},
		{`a < 1`, bin(OpLt, col("a"), intLit(1))},
		{`a <= 1`, bin(OpLe, col("a"), intLit(1))},
		{`a > 1`, bin(OpGt, col("a"), intLit(1))},
		{`a >= 1`, bin(OpGe, col("a"), intLit(1))},
		{`a IS DISTINCT FROM b`, bin(OpIsDistinct, col("a"), col("b"))},
		{`a IS NOT DISTINCT FROM b`, bin(OpIsNotDistinct, col("a"), col("b"))},
		{`'a' || b`, bin(OpConcat, strLit("a"), col("b"))},
		// logic
		{`a AND b AND c`, bin(OpAnd, bin(OpAnd, col("a"), col("b")), col("c"))},
		{`a OR b AND c`, bin(OpOr, col("a"), bin(OpAnd, col("b"), col("c")))},
		{`NOT a`, &Unary{Op: OpNot, X: col("a")}},
		{`a IS NULL`, &IsNull{X: col("a")}},
		{`a IS NOT NULL`, &IsNull{X: col("a"), Not: true}},
		{`a BETWEEN 1 AND 2`, &Between{X: col("a"), Lo: intLit(1), Hi: intLit(2)}},
		{`a NOT BETWEEN 1 AND 2`, &Between{X: col("a"), Lo: intLit(1), Hi: intLit(2), Not: true}},
		{`a IN (1, 2)`, &In{X: col("a"), List: []Expr{intLit(1), intLit(2)}}},
		{`a NOT IN ('x')`, &In{X: col("a"), List: []Expr{strLit("x")}, Not: true}},
		{`a LIKE 'x%'`, &Like{X: col("a"), Pattern: strLit("x%")}},
		{`a NOT LIKE 'x%'`, &Like{X: col("a"), Pattern: strLit("x%"), Not: true}},
		{`a ILIKE 'x%'`, &Like{X: col("a"), Pattern: strLit("x%"), CaseInsensitive: true}},
		{`a NOT ILIKE 'x%'`, &Like{X: col("a"), Pattern: strLit("x%"), Not: true, CaseInsensitive: true}},
		// CASE, casts
		{`CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE 'small' END`, &Case{Whens: []When{
			{Cond: bin(OpGt, col("a"), intLit(1)), Result: strLit("big")},
			{Cond: &IsNull{X: col("a")}, Result: &Literal{Kind: LitNull}}}, Else: strLit("small")}},
		{`CASE a WHEN 1 THEN 'one' END`, &Case{Operand: col("a"), Whens: []When{{Cond: intLit(1), Result: strLit("one")}}}},
		{`CAST(a AS BIGINT)`, &Cast{X: col("a"), Type: typ(TypeBigInt)}},
		{`a::numeric(12,3)`, &Cast{X: col("a"), Type: Type{Kind: TypeDecimal, Precision: 12, Scale: 3}}},
		{`'1'::int`, &Cast{X: strLit("1"), Type: typ(TypeInteger)}},
		{`CAST(a AS VARCHAR(5))`, &Cast{X: col("a"), Type: Type{Kind: TypeVarchar, Length: 5}}},
		{`a::double precision`, &Cast{X: col("a"), Type: typ(TypeDouble)}},
		// functions
		{`COALESCE(a, b, 0)`, &Func{Name: "coalesce", Args: []Expr{col("a"), col("b"), intLit(0)}}},
		{`NULLIF(a, 0)`, &Func{Name: "nullif", Args: []Expr{col("a"), intLit(0)}}},
		{`GREATEST(a, 1)`, &Func{Name: "greatest", Args: []Expr{col("a"), intLit(1)}}},
		{`LOWER(a)`, &Func{Name: "lower", Args: []Expr{col("a")}}},
		{`upper(a)`, &Func{Name: "upper", Args: []Expr{col("a")}}},
		{`length(a)`, &Func{Name: "length", Args: []Expr{col("a")}}},
		{`substring(a, 2, 3)`, &Func{Name: "substring", Args: []Expr{col("a"), intLit(2), intLit(3)}}},
		{`substring(a FROM 2 FOR 3)`, &Func{Name: "substring", Args: []Expr{col("a"), intLit(2), intLit(3)}}},
		{`trim(a)`, &Func{Name: "trim", Args: []Expr{col("a")}}},
		{`trim(both 'x' from a)`, &Func{Name: "trim", Args: []Expr{col("a"), strLit("x")}}},
		{`concat(a, 'x')`, &Func{Name: "concat", Args: []Expr{col("a"), strLit("x")}}},
		{`replace(a, 'x', 'y')`, &Func{Name: "replace", Args: []Expr{col("a"), strLit("x"), strLit("y")}}},
		{`starts_with(a, 'x')`, &Func{Name: "starts_with", Args: []Expr{col("a"), strLit("x")}}},
		{`extract(year FROM d)`, &Func{Name: "extract", Args: []Expr{strLit("year"), col("d")}}},
		{`date_trunc('month', d)`, &Func{Name: "date_trunc", Args: []Expr{strLit("month"), col("d")}}},
		{`count(*)`, &Func{Name: "count", Star: true, Args: []Expr{}}},
		{`count(a)`, &Func{Name: "count", Args: []Expr{col("a")}}},
		{`count(DISTINCT a)`, &Func{Name: "count", Distinct: true, Args: []Expr{col("a")}}},
		{`SUM(a)`, &Func{Name: "sum", Args: []Expr{col("a")}}},
		{`avg(DISTINCT a)`, &Func{Name: "avg", Distinct: true, Args: []Expr{col("a")}}},
		{`min(a) + max(a)`, bin(OpAdd, &Func{Name: "min", Args: []Expr{col("a")}}, &Func{Name: "max", Args: []Expr{col("a")}})},
		{`CURRENT_DATE`, &Func{Name: "current_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := parseExpr(t, tt.expr)
			stripPos(reflect.ValueOf(got))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %s\nwant %s", dump(got), dump(tt.want))
			}
			// String reads back to the same tree.
			again := parseExpr(t, got.String())
			stripPos(reflect.ValueOf(again))
			if !reflect.DeepEqual(again, got) {
				t.Errorf("String() = %s reads back as %s", got.String(), dump(again))
			}
		})
	}
}

func TestExprString(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`a + b * 2`, `(a + (b * 2))`},
		{`NOT a AND b`, `((NOT a) AND b)`},
		{`x NOT IN (1, 2)`, `(x NOT IN (1, 2))`},
		{`"Order".b`, `"Order".b`},
		{`"select"`, `"select"`},
		{`DATE '2024-01-01' + INTERVAL '1 day'`, `(DATE '2024-01-01' + INTERVAL '1 day')`},
		{`CAST(a AS DECIMAL(10,2))`, `CAST(a AS DECIMAL(10,2))`},
		{`count(DISTINCT a)`, `count(DISTINCT a)`},
		{`extract(month FROM d)`, `extract(month FROM d)`},
		{`'it''s'`, `'it''s'`},
	}
	for _, tt := range tests {
		if got := parseExpr(t, tt.expr).String(); got != tt.want {
			t.Errorf("%s: String() = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestConjuncts(t *testing.T) {
	e := parseExpr(t, "a AND (b OR c) AND d = 1")
	parts := Conjuncts(e)
	var got []string
	for _, p := range parts {
		got = append(got, p.String())
	}
	want := []string{"a", "(b OR c)", "(d = 1)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conjuncts = %q, want %q", got, want)
	}
	if Conjuncts(nil) != nil {
		t.Error("Conjuncts(nil) is not nil")
	}
}
