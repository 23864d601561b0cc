package parse

import (
	"reflect"
	"strings"
	"testing"
)

func TestRewriteKeepsOffsets(t *testing.T) {
	sql := "CREATE TABLE t (a INT, b TEXT)\n  ORDER BY (\n a, b) ; SELECT 1"
	rw, err := rewrite(sql)
	if err != nil {
		t.Fatal(err)
	}
	if len(rw.sql) != len(sql) || strings.Count(rw.sql, "\n") != strings.Count(sql, "\n") {
		t.Fatalf("rewrite changed length or lines: %q", rw.sql)
	}
	if strings.Contains(strings.ToUpper(rw.sql), "ORDER") {
		t.Errorf("sort key not blanked: %q", rw.sql)
	}
	if !strings.HasSuffix(rw.sql, "; SELECT 1") {
		t.Errorf("rewrite touched the next statement: %q", rw.sql)
	}
	if len(rw.sortKeys) != 1 || !reflect.DeepEqual(rw.sortKeys[0].cols, []Ident{{"a", 45}, {"b", 48}}) {
		t.Errorf("sort keys = %+v", rw.sortKeys)
	}
}

// TestRewriteNotFooled checks ORDER BY and FROM 'x' are rewritten only
// where they are Frigatebird syntax.
func TestRewriteNotFooled(t *testing.T) {
	untouched := []string{
		"SELECT 'CREATE TABLE t (a INT) ORDER BY (a)'",
		"SELECT 1 -- CREATE TABLE t (a INT) ORDER BY (a)\n",
		"SELECT 1 /* CREATE TABLE t (a INT) /* nested */ ORDER BY (a) */",
		"SELECT $$ CREATE TABLE t (a INT) ORDER BY (a) $$",
		"SELECT a FROM t ORDER BY (a)",
		"SELECT a FROM (SELECT a FROM t ORDER BY a) s",
		"CREATE TABLE t AS SELECT a FROM u ORDER BY (a)",
		`CREATE TABLE "ORDER BY" (a INT)`,
		"INSERT INTO t SELECT a FROM u ORDER BY (a)",
		"COPY t FROM 'x.parquet'",
		"SELECT substring(a FROM 'x') FROM t",
		"SELECT 'FROM ''x.csv''' FROM t",
		"SELECT * FROM E'x.parquet'",
		`SELECT * FROM 'say "hi".csv'`,
	}
	for _, sql := range untouched {
		rw, err := rewrite(sql)
		if err != nil {
			t.Errorf("rewrite(%q): %v", sql, err)
			continue
		}
		if rw.sql != sql || len(rw.sortKeys) != 0 || len(rw.files) != 0 {
			t.Errorf("rewrite(%q) = %q, keys %v, files %v; want untouched", sql, rw.sql, rw.sortKeys, rw.files)
		}
	}
	// And the parsed statements agree.
	sql := "CREATE TABLE t /* ORDER BY (x) */ (a TEXT, b INT) -- ORDER BY (y)\n ORDER BY (b)"
	s := parseOne(t, sql).(*CreateTable)
	if want := strings.LastIndex(sql, "b)"); !reflect.DeepEqual(s.SortKey, []Ident{{Name: "b", At: want}}) {
		t.Errorf("sort key = %+v, want b at %d", s.SortKey, want)
	}
	sel := parseOne(t, "SELECT 'x ORDER BY (a)' AS s FROM t ORDER BY s").(*Select)
	if lit := sel.Items[0].Expr.(*Literal); lit.Text != "x ORDER BY (a)" || len(sel.OrderBy) != 1 {
		t.Errorf("select with ORDER BY in a string parsed as %s", dump(sel))
	}
	ct := parseOne(t, "CREATE TABLE t (a INT)").(*CreateTable)
	if ct.SortKey != nil {
		t.Errorf("sort key without ORDER BY: %v", ct.SortKey)
	}
}

func TestRewriteFileTables(t *testing.T) {
	sql := "INSERT INTO t SELECT * FROM 'a.csv'; COPY (SELECT * FROM 'b.parquet') TO 'c.csv'"
	rw, err := rewrite(sql)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{28: "a.csv", 57: "b.parquet"}
	if !reflect.DeepEqual(rw.files, want) {
		t.Errorf("files = %v, want %v", rw.files, want)
	}
	if !strings.HasSuffix(rw.sql, "TO 'c.csv'") {
		t.Errorf("COPY target rewritten: %q", rw.sql)
	}
	stmts, perr := Parse(sql)
	if perr != nil {
		t.Fatal(perr)
	}
	if f := stmts[1].(*Copy).Query.From.Func; f == nil || f.Name != "read_parquet" {
		t.Errorf("COPY (SELECT ... FROM 'b.parquet') from = %s", dump(stmts[1]))
	}
}

func TestLex(t *testing.T) {
	toks := lex(`a"b""c"'d''e'E'\'x'$t$ $ $t$$1 /*/**/*/--x` + "\n.")
	var kinds []tokKind
	var words []string
	for _, tk := range toks {
		kinds = append(kinds, tk.kind)
		words = append(words, tk.word)
	}
	wantKinds := []tokKind{tokWord, tokQuotedIdent, tokString, tokString, tokString, tokParam, tokPunct}
	// Strings with escapes carry no text: only plain ones are rewritten.
	wantWords := []string{"a", `b"c`, "", "", "", "", "."}
	if !reflect.DeepEqual(kinds, wantKinds) || !reflect.DeepEqual(words, wantWords) {
		t.Errorf("lex kinds %v words %q; want %v %q", kinds, words, wantKinds, wantWords)
	}
}
