package parse

import (
	"encoding/json"
	"reflect"
	"testing"
)

// stripPos zeroes every At field reachable from v, so tests can compare
// trees without spelling out offsets (position tests check those).
func stripPos(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripPos(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			stripPos(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if v.Type().Field(i).Name == "At" && f.CanSet() {
				f.SetInt(0)
				continue
			}
			if f.CanSet() {
				stripPos(f)
			}
		}
	}
}

func parseOne(t *testing.T, sql string) Stmt {
	t.Helper()
	stmts, err := Parse(sql)
	if err != nil {
		t.Fatalf("Parse(%q): %v", sql, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("Parse(%q): %d statements, want 1", sql, len(stmts))
	}
	return stmts[0]
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func col(name string) *ColumnRef      { return &ColumnRef{Column: name} }
func intLit(v int64) *Literal         { return &Literal{Kind: LitInt, Int: v} }
func strLit(s string) *Literal        { return &Literal{Kind: LitString, Text: s} }
func typ(k TypeKind) Type             { return Type{Kind: k} }
func bin(op BinaryOp, l, r Expr) Expr { return &Binary{Op: op, L: l, R: r} }

func TestParseStatements(t *testing.T) {
	tests := []struct {
		sql  string
		want Stmt
	}{
		{`CREATE TABLE t (a INT NOT NULL, b INTEGER, c SMALLINT, d BIGINT, e BOOLEAN, f REAL,
			g DOUBLE, h DOUBLE PRECISION, i FLOAT8, j DECIMAL(10,2), k NUMERIC(5,0), l NUMERIC,
			m VARCHAR(20), n TEXT, o DATE, p TIMESTAMP, "Q" varchar NULL)`,
			&CreateTable{Table: TableName{Name: "t"}, Columns: []ColumnDef{
				{Name: "a", Type: typ(TypeInteger), NotNull: true}, {Name: "b", Type: typ(TypeInteger)},
				{Name: "c", Type: typ(TypeSmallInt)}, {Name: "d", Type: typ(TypeBigInt)},
				{Name: "e", Type: typ(TypeBoolean)}, {Name: "f", Type: typ(TypeReal)},
				{Name: "g", Type: typ(TypeDouble)}, {Name: "h", Type: typ(TypeDouble)}, {Name: "i", Type: typ(TypeDouble)},
				{Name: "j", Type: Type{Kind: TypeDecimal, Precision: 10, Scale: 2}},
				{Name: "k", Type: Type{Kind: TypeDecimal, Precision: 5}}, {Name: "l", Type: typ(TypeDecimal)},
				{Name: "m", Type: Type{Kind: TypeVarchar, Length: 20}}, {Name: "n", Type: typ(TypeVarchar)},
				{Name: "o", Type: typ(TypeDate)}, {Name: "p", Type: typ(TypeTimestamp)}, {Name: "Q", Type: typ(TypeVarchar)},
			}}},
		{`create table if not exists Events (ts timestamp not null, id bigint, "Kind" text) order by (ts, "Kind")`,
			&CreateTable{Table: TableName{Name: "events"}, IfNotExists: true, Columns: []ColumnDef{
				{Name: "ts", Type: typ(TypeTimestamp), NotNull: true}, {Name: "id", Type: typ(TypeBigInt)},
				{Name: "Kind", Type: typ(TypeVarchar)}},
				SortKey: []Ident{{Name: "ts"}, {Name: "Kind"}}}},
		{`CREATE TABLE t (k INT) ORDER BY k`,
			&CreateTable{Table: TableName{Name: "t"}, Columns: []ColumnDef{{Name: "k", Type: typ(TypeInteger)}},
				SortKey: []Ident{{Name: "k"}}}},
		{`DROP TABLE t`, &DropTable{Tables: []TableName{{Name: "t"}}}},
		{`DROP TABLE IF EXISTS a, "B"`, &DropTable{Tables: []TableName{{Name: "a"}, {Name: "B"}}, IfExists: true}},
		{`INSERT INTO t VALUES (1, 'x'), (2, NULL)`, &Insert{Table: TableName{Name: "t"},
			Rows: [][]Expr{{intLit(1), strLit("x")}, {intLit(2), &Literal{Kind: LitNull}}}}},
		{`INSERT INTO t (b, a) VALUES (1, 2)`, &Insert{Table: TableName{Name: "t"},
			Columns: []Ident{{Name: "b"}, {Name: "a"}}, Rows: [][]Expr{{intLit(1), intLit(2)}}}},
		{`INSERT INTO t (a) SELECT x FROM u WHERE x > 1`, &Insert{Table: TableName{Name: "t"},
			Columns: []Ident{{Name: "a"}}, Query: &Select{Items: []SelectItem{{Expr: col("x")}},
				From: &From{Table: &TableName{Name: "u"}}, Where: bin(OpGt, col("x"), intLit(1))}}},
		{`COPY t FROM '/data/t.csv' (FORMAT csv, HEADER true, DELIMITER '|')`, &Copy{Table: &TableName{Name: "t"},
			From: true, File: "/data/t.csv", Options: CopyOptions{Format: "csv", Header: true, Delimiter: "|"}}},
		{`COPY t (a, b) TO 'out.csv' WITH (FORMAT csv, HEADER)`, &Copy{Table: &TableName{Name: "t"},
			Columns: []Ident{{Name: "a"}, {Name: "b"}}, File: "out.csv", Options: CopyOptions{Format: "csv", Header: true}}},
		{`COPY t TO 'out.csv' (HEADER false)`, &Copy{Table: &TableName{Name: "t"}, File: "out.csv"}},
		{`COPY t FROM 'in.csv' CSV HEADER DELIMITER ';'`, &Copy{Table: &TableName{Name: "t"}, From: true,
			File: "in.csv", Options: CopyOptions{Format: "csv", Header: true, Delimiter: ";"}}},
		{`COPY t FROM STDIN`, &Copy{Table: &TableName{Name: "t"}, From: true, Stdio: true}},
		{`COPY (SELECT a FROM t) TO 'a.csv'`, &Copy{Query: &Select{Items: []SelectItem{{Expr: col("a")}},
			From: &From{Table: &TableName{Name: "t"}}}, File: "a.csv"}},
		{`UPDATE t SET a = a + 1, b = 'x' WHERE c IS NULL`, &Update{Table: TableName{Name: "t"},
			Set:   []Assignment{{Column: "a", Value: bin(OpAdd, col("a"), intLit(1))}, {Column: "b", Value: strLit("x")}},
			Where: &IsNull{X: col("c")}}},
		{`UPDATE t SET a = 0`, &Update{Table: TableName{Name: "t"}, Set: []Assignment{{Column: "a", Value: intLit(0)}}}},
		{`DELETE FROM t WHERE a = 1`, &Delete{Table: TableName{Name: "t"}, Where: bin(OpEq, col("a"), intLit(1))}},
		{`DELETE FROM t`, &Delete{Table: TableName{Name: "t"}}},
		{`BEGIN`, &Begin{}},
		{`START TRANSACTION`, &Begin{}},
		{`BEGIN TRANSACTION`, &Begin{}},
		{`COMMIT`, &Commit{}},
		{`END`, &Commit{}},
		{`ROLLBACK`, &Rollback{}},
		{`EXPLAIN SELECT 1`, &Explain{Stmt: &Select{Items: []SelectItem{{Expr: intLit(1)}}}}},
		{`EXPLAIN ANALYZE DELETE FROM t`, &Explain{Analyze: true, Stmt: &Delete{Table: TableName{Name: "t"}}}},
		{`EXPLAIN (ANALYZE) SELECT 1`, &Explain{Analyze: true, Stmt: &Select{Items: []SelectItem{{Expr: intLit(1)}}}}},
		{`SELECT 1 + 1`, &Select{Items: []SelectItem{{Expr: bin(OpAdd, intLit(1), intLit(1))}}}},
		{`SELECT DISTINCT a AS x, t.b, * , t.* FROM t`, &Select{Distinct: true, Items: []SelectItem{
			{Expr: col("a"), Alias: "x"}, {Expr: &ColumnRef{Table: "t", Column: "b"}},
			{Star: true}, {Star: true, StarTable: "t"}}, From: &From{Table: &TableName{Name: "t"}}}},
		{`SELECT a, count(*) AS n FROM t AS x WHERE b < 3 GROUP BY a, 2 HAVING count(*) > 1
		  ORDER BY n DESC, 1 NULLS FIRST, lower(a) ASC NULLS LAST LIMIT 10 OFFSET 20`,
			&Select{Items: []SelectItem{{Expr: col("a")}, {Expr: &Func{Name: "count", Star: true, Args: []Expr{}}, Alias: "n"}},
				From:    &From{Table: &TableName{Name: "t"}, Alias: "x"},
				Where:   bin(OpLt, col("b"), intLit(3)),
				GroupBy: []GroupItem{{Expr: col("a")}, {Ordinal: 2}},
				Having:  bin(OpGt, &Func{Name: "count", Star: true, Args: []Expr{}}, intLit(1)),
				OrderBy: []OrderItem{{Expr: col("n"), Desc: true}, {Ordinal: 1, Nulls: NullsFirst},
					{Expr: &Func{Name: "lower", Args: []Expr{col("a")}}, Nulls: NullsLast}},
				Limit: intLit(10), Offset: intLit(20)}},
		{`SELECT a FROM t LIMIT ALL`, &Select{Items: []SelectItem{{Expr: col("a")}}, From: &From{Table: &TableName{Name: "t"}}}},
		{`SELECT a FROM t FETCH FIRST 5 ROWS ONLY`, &Select{Items: []SelectItem{{Expr: col("a")}},
			From: &From{Table: &TableName{Name: "t"}}, Limit: intLit(5)}},
		{`SELECT * FROM read_parquet('x.parquet') p`, &Select{Items: []SelectItem{{Star: true}},
			From: &From{Func: &Func{Name: "read_parquet", Args: []Expr{strLit("x.parquet")}}, Alias: "p"}}},
		{`SELECT * FROM 'data/x.parquet'`, &Select{Items: []SelectItem{{Star: true}},
			From: &From{Func: &Func{Name: "read_parquet", Args: []Expr{strLit("data/x.parquet")}}}}},
		{`SELECT count(*) FROM 'a-very-long-path/that/is/longer/than/sixty/three/bytes/for/sure/x.csv' AS f`,
			&Select{Items: []SelectItem{{Expr: &Func{Name: "count", Star: true, Args: []Expr{}}}},
				From: &From{Func: &Func{Name: "read_csv", Args: []Expr{
					strLit("a-very-long-path/that/is/longer/than/sixty/three/bytes/for/sure/x.csv")}}, Alias: "f"}}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got := parseOne(t, tt.sql)
			stripPos(reflect.ValueOf(got))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}

func TestParseMultipleStatements(t *testing.T) {
	stmts, err := Parse("BEGIN; INSERT INTO t VALUES (1);; COMMIT;\n-- trailing comment\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 {
		t.Fatalf("got %d statements, want 3", len(stmts))
	}
	if _, ok := stmts[0].(*Begin); !ok {
		t.Errorf("statement 0 is %T", stmts[0])
	}
	if ins, ok := stmts[1].(*Insert); !ok || ins.At != 7 {
		t.Errorf("statement 1 is %T at %d, want *Insert at 7", stmts[1], stmts[1].Pos())
	}
	if c, ok := stmts[2].(*Commit); !ok || c.At != 34 {
		t.Errorf("statement 2 is %T at %d, want *Commit at 34", stmts[2], stmts[2].Pos())
	}
	for _, empty := range []string{"", "  ", ";", "-- nothing\n", "/* x */ ;"} {
		stmts, err := Parse(empty)
		if err != nil || len(stmts) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want no statements", empty, stmts, err)
		}
	}
}

func TestParsePositions(t *testing.T) {
	sql := "SELECT a,\n  lower(b) AS lb\nFROM t\nWHERE a = 'x'"
	s := parseOne(t, sql).(*Select)
	checks := []struct {
		name string
		got  int
		want string // the text at the position
	}{
		{"select", s.At, "SELECT"},
		{"item a", s.Items[0].Expr.Pos(), "a,"},
		{"lower", s.Items[1].Expr.Pos(), "lower"},
		{"lower arg", s.Items[1].Expr.(*Func).Args[0].Pos(), "b)"},
		{"table", s.From.Table.At, "t\n"},
		{"where op", s.Where.Pos(), "= 'x'"},
		{"where literal", s.Where.(*Binary).R.Pos(), "'x'"},
	}
	for _, c := range checks {
		if c.got < 0 || c.got+len(c.want) > len(sql) || sql[c.got:c.got+len(c.want)] != c.want {
			t.Errorf("%s: position %d, want the offset of %q", c.name, c.got, c.want)
		}
	}
}
