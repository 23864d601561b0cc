package parse

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary text to Parse: it must never panic, every error
// must be an *Error with an offset inside the text, and every expression
// that parses must deparse to text that parses again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT a, count(*) FROM t WHERE b BETWEEN 1 AND 2 GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
		"CREATE TABLE t (a INT NOT NULL, b DECIMAL(10,2)) ORDER BY (a)",
		"INSERT INTO t VALUES (1, 'x'), (2, NULL)",
		"COPY t FROM 'f.csv' (FORMAT csv, HEADER)",
		"UPDATE t SET a = a + 1 WHERE b IS NULL; DELETE FROM t",
		"BEGIN; COMMIT; ROLLBACK",
		"EXPLAIN ANALYZE SELECT * FROM 'x.parquet'",
		"SELECT CASE WHEN a THEN DATE '2024-01-01' END, extract(year FROM d), x::int",
		"SELECT 'ORDER BY' /* ( */ -- )\n",
		"SELECT $$a$$, E'\\'', \"q\"\"\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Parse(sql)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			if pe.Offset > len(sql) || pe.Offset < -1 {
				t.Fatalf("error %v at offset %d outside the text of %d bytes", err, pe.Offset, len(sql))
			}
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v is neither ErrSyntax nor ErrUnsupported", err)
			}
			return
		}
		for _, s := range stmts {
			if p := s.Pos(); p < 0 || p > len(sql) {
				t.Fatalf("statement %T at %d outside the text", s, p)
			}
			sel, ok := s.(*Select)
			if !ok {
				continue
			}
			for _, it := range sel.Items {
				if it.Expr == nil {
					continue
				}
				text := "SELECT " + it.Expr.String()
				if _, err := Parse(text); err != nil {
					t.Fatalf("%q: deparsed expression %q does not parse: %v", sql, text, err)
				}
			}
		}
	})
}
