package parse

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		kind error
		// at is the text the error must point at: its first occurrence
		// after the marker '|' (the marker is removed before parsing).
		at  string
		msg string
	}{
		{"syntax", "SELECT a,\n  b\nFROM |WHERE", ErrSyntax, "WHERE", `syntax error at or near "WHERE"`},
		{"syntax at end", "SELECT a FROM|", ErrSyntax, "", "syntax error at end of input"},
		{"syntax second statement", "SELECT 1;\nSELECT 2;\nSELECT |) ;", ErrSyntax, ")", "syntax error"},
		{"syntax after sort key", "CREATE TABLE t (a INT)\n  ORDER BY (a);\nSELECT * |FRM x", ErrSyntax, "FRM", `syntax error at or near "FRM"`},
		{"syntax after multibyte", "SELECT 'héllo', 'ü' |'x' FROM t", ErrSyntax, "'x'", "syntax error"},
		{"unterminated string", "SELECT |'abc", ErrSyntax, "'abc", "unterminated quoted string"},
		{"join", "SELECT *\nFROM a\n  |JOIN b ON a.x = b.x", ErrUnsupported, "JOIN", "JOIN is not supported"},
		{"two tables", "SELECT * FROM a, |b", ErrUnsupported, "b", "selecting from more than one table is not supported"},
		{"subquery in FROM", "SELECT * |FROM (SELECT 1) s", ErrUnsupported, "FROM", "subqueries in FROM are not supported"},
		{"subquery", "SELECT a FROM t WHERE a |IN (SELECT 1)", ErrUnsupported, "IN", "subqueries are not supported"},
		{"window", "SELECT\n  sum(a) |OVER (PARTITION BY b)\nFROM t", ErrUnsupported, "OVER", "window functions are not supported"},
		{"cte", "|WITH x AS (SELECT 1) SELECT * FROM x", ErrUnsupported, "WITH", "WITH (common table expressions) is not supported"},
		{"union", "SELECT 1 |UNION SELECT 2", ErrUnsupported, "UNION", "UNION, INTERSECT and EXCEPT are not supported"},
		{"unsupported after sort key", "CREATE TABLE t (a INT)\nORDER BY (a);\nSELECT * FROM a |JOIN b USING (x)", ErrUnsupported, "JOIN", "JOIN is not supported"},
		{"inside create after sort key", "CREATE TABLE t (a INT, b |INT[]) ORDER BY (a)", ErrUnsupported, "INT[]", "array"},
		{"type", "CREATE TABLE t (a |json)", ErrUnsupported, "json", "type JSON is not supported"},
		{"primary key", "CREATE TABLE t (a INT |PRIMARY KEY)", ErrUnsupported, "PRIMARY", "PRIMARY KEY is not supported"},
		{"sort key unknown column", "CREATE TABLE t (a INT)\nORDER BY (a, |b)", ErrSyntax, "b", `sort key column "b" is not a column of table "t"`},
		{"sort key repeated", "CREATE TABLE t (a INT) ORDER BY (a, |a)", ErrSyntax, "a", "appears twice"},
		{"sort key malformed", "CREATE TABLE t (a INT) ORDER BY (|1)", ErrSyntax, "1", "sort key: expected a column name"},
		{"sort key no BY", "CREATE TABLE t (a INT) ORDER |(a)", ErrSyntax, "(a)", "expected BY"},
		{"ordinal out of range", "SELECT a FROM t ORDER BY |3", ErrSyntax, "3", "ORDER BY position 3 is not in select list"},
		{"group ordinal zero", "SELECT a FROM t GROUP BY |0", ErrSyntax, "0", "GROUP BY position 0 is not in select list"},
		{"statement", "SELECT 1; |CREATE INDEX i ON t (a)", ErrUnsupported, "CREATE", "CREATE INDEX is not supported"},
		{"operator", "SELECT a |~ 'x' FROM t", ErrUnsupported, "~", "operator ~ is not supported"},
		{"file by name", "SELECT * FROM |'x.json'", ErrUnsupported, "'x.json'", "reading 'x.json' by name"},
		{"nul byte", "SELECT |\x00", ErrSyntax, "\x00", "NUL byte"},
		{"invalid utf8", "SELECT 'a|\xff'", ErrSyntax, "\xff", "invalid UTF-8"},
		{"decimal precision", "CREATE TABLE t (a |DECIMAL(40,2))", ErrSyntax, "DECIMAL", "precision 40"},
		{"values width", "INSERT INTO t VALUES (1, 2), (|3)", ErrSyntax, "3", "same length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := strings.IndexByte(tt.sql, '|')
			if mark < 0 {
				t.Fatal("test has no | marker")
			}
			sql := tt.sql[:mark] + tt.sql[mark+1:]
			want := mark + strings.Index(sql[mark:], tt.at)
			_, err := Parse(sql)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", sql)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "frigatebird: parse: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if pe.Offset != want {
				t.Errorf("error %q at offset %d, want %d (%q)", err, pe.Offset, want, sql[min(want, len(sql)):])
			}
			line, column := LineColumn(sql, want)
			if pe.Line != line || pe.Column != column {
				t.Errorf("error at line %d column %d, want line %d column %d", pe.Line, pe.Column, line, column)
			}
		})
	}
}

func TestErrorMessageFormat(t *testing.T) {
	_, err := Parse("SELECT *\nFROM a\n  JOIN b ON true")
	want := "frigatebird: parse: JOIN is not supported (at line 3, column 3)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestLineColumn(t *testing.T) {
	sql := "ab\nçd\n"
	for _, c := range []struct{ off, line, col int }{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {5, 2, 2}, {6, 2, 3}, {7, 3, 1}, {100, 3, 1},
	} {
		if l, col := LineColumn(sql, c.off); l != c.line || col != c.col {
			t.Errorf("LineColumn(%d) = %d:%d, want %d:%d", c.off, l, col, c.line, c.col)
		}
	}
}
