package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestErrors checks each error's kind, position and wording. at is the
// text the error's offset points at.
func TestErrors(t *testing.T) {
	tests := []struct {
		sql  string
		kind error
		at   string
		msg  string
	}{
		// Names.
		{"SELECT nope FROM t", ErrUnknownColumn, "nope", `column "nope" does not exist`},
		{"SELECT x.a FROM t", ErrUnknownTable, "x.a", `missing FROM-clause entry for table "x"`},
		{"SELECT t.a FROM t AS x", ErrUnknownTable, "t.a", `missing FROM-clause entry for table "t"`},
		{"SELECT t.zz FROM t", ErrUnknownColumn, "t.zz", `column t.zz does not exist`},
		{"SELECT a FROM nope", ErrUnknownTable, "nope", `relation "nope" does not exist`},
		{"SELECT v FROM dup", ErrAmbiguous, "v FROM", `column reference "v" is ambiguous`},
		{"SELECT q.* FROM t", ErrUnknownTable, "q.*", `missing FROM-clause entry for table "q"`},
		{"SELECT *", ErrUnknownTable, "*", "SELECT * with no tables specified is not valid"},
		{"SELECT a FROM t ORDER BY nope", ErrUnknownColumn, "nope", `column "nope" does not exist`},
		{"SELECT * FROM u ORDER BY 5", ErrUnknownColumn, "5", "ORDER BY position 5 is not in select list"},
		{"SELECT * FROM u GROUP BY 4", ErrUnknownColumn, "4", "GROUP BY position 4 is not in select list"},
		{"SELECT a AS x, b AS x FROM t ORDER BY x", ErrAmbiguous, "x\x00", `ORDER BY "x" is ambiguous`},
		{"SELECT 1 AS q, 2 AS q FROM t GROUP BY q", ErrAmbiguous, "q\x00", `GROUP BY "q" is ambiguous`},
		{"SELECT * FROM read_parquet('missing.parquet')", ErrUnknownTable, "read_parquet", "file does not exist"},
		{"SELECT * FROM generate_series(1, 3)", ErrUnknownTable, "generate_series", "table function generate_series does not exist"},
		{"SELECT * FROM read_parquet(1)", ErrType, "read_parquet", "takes one file name"},
		{"SELECT * FROM read_parquet(a)", ErrUnknownColumn, "a)", `column "a" does not exist`},
		{"SELECT * FROM read_parquet('f' || random())", ErrType, "random", "function random() does not exist"},

		// Types.
		{"SELECT b + 1 FROM t", ErrType, "+", "operator does not exist: VARCHAR + INTEGER"},
		{"SELECT i - d FROM t", ErrType, "-", "operator does not exist: BOOLEAN - DATE"},
		{"SELECT 'a' + 'b'", ErrType, "+", "operator is not unique: unknown + unknown"},
		{"SELECT -b FROM t", ErrType, "-b", "operator does not exist: - VARCHAR"},
		{"SELECT -(-9223372036854775807 - 1)", ErrType, "-(", "bigint out of range"},
		{"SELECT a = b FROM t", ErrType, "=", "operator does not exist: INTEGER = VARCHAR"},
		{"SELECT a FROM t WHERE d < 5", ErrType, "<", "operator does not exist: DATE < INTEGER"},
		{"SELECT 1 || 2", ErrType, "||", "operator does not exist: INTEGER || INTEGER"},
		{"SELECT DATE '2024-13-01'", ErrType, "DATE", `invalid input syntax for type date: "2024-13-01"`},
		{"SELECT TIMESTAMP 'noon'", ErrType, "TIMESTAMP", `invalid input syntax for type timestamp: "noon"`},
		{"SELECT 'x'::interval", ErrType, "'x'", `invalid input syntax for type interval: "x"`},
		{"SELECT a FROM t WHERE d = '2024-13-01'", ErrType, "'2024-13-01'", `invalid input syntax for type date: "2024-13-01"`},
		{"SELECT a FROM t WHERE a = 'abc'", ErrType, "'abc'", `invalid input syntax for type integer: "abc"`},
		{"SELECT a FROM t WHERE a IN (1, 'x')", ErrType, "'x'", `invalid input syntax for type integer: "x"`},
		{"SELECT a FROM t WHERE a IN (1, b)", ErrType, "b)", "operator does not exist: INTEGER = VARCHAR"},
		{"SELECT a FROM t WHERE a BETWEEN 1 AND 'z'", ErrType, "'z'", `invalid input syntax for type integer: "z"`},
		{"SELECT a FROM t WHERE i = 'maybe'", ErrType, "'maybe'", `invalid input syntax for type boolean: "maybe"`},
		{"SELECT 1 + 'a'", ErrType, "'a'", `invalid input syntax for type integer: "a"`},
		{"SELECT CAST('x' AS INTEGER)", ErrType, "'x'", `invalid input syntax for type integer: "x"`},
		{"SELECT CAST(300000 AS SMALLINT)", ErrType, "300000", `value "300000" is out of range for type smallint`},
		{"SELECT CAST(d AS BOOLEAN) FROM t", ErrType, "CAST", "cannot cast type date to boolean"},
		{"SELECT CAST('abcd' AS VARCHAR(3))", ErrType, "'abcd'", "value too long for type varchar(3)"},
		{"SELECT CASE WHEN a > 1 THEN 1 ELSE b END FROM t", ErrType, "b END", "CASE types integer and varchar cannot be matched"},
		{"SELECT CASE WHEN a THEN 1 END FROM t", ErrType, "a THEN", "argument of CASE/WHEN must be type boolean, not type integer"},
		{"SELECT CASE a WHEN 'x' THEN 1 END FROM t", ErrType, "'x'", `invalid input syntax for type integer: "x"`},
		{"SELECT coalesce(a, b) FROM t", ErrType, "b)", "COALESCE types integer and varchar cannot be matched"},
		{"SELECT greatest(d, 1) FROM t", ErrType, "1)", "GREATEST types date and integer cannot be matched"},
		{"SELECT a FROM t WHERE a", ErrType, "a\x00", "argument of WHERE must be type boolean, not type integer"},
		{"SELECT a AND i FROM t", ErrType, "a AND", "argument of AND must be type boolean, not type integer"},
		{"SELECT NOT b FROM t", ErrType, "b FROM", "argument of NOT must be type boolean, not type varchar"},
		{"SELECT a LIKE 'x' FROM t", ErrType, "LIKE", "operator does not exist: INTEGER LIKE unknown"},
		{"SELECT a FROM t LIMIT -1", ErrType, "-1", "LIMIT must not be negative"},
		{"SELECT a FROM t OFFSET -1", ErrType, "-1", "OFFSET must not be negative"},
		{"SELECT a FROM t LIMIT 'x'", ErrType, "'x'", `invalid input syntax for type bigint: "x"`},
		{"SELECT a FROM t LIMIT DATE '2024-01-01'", ErrType, "DATE", "argument of LIMIT must be type bigint, not type date"},

		// Functions.
		{"SELECT lower(a) FROM t", ErrType, "lower", "function lower(INTEGER) does not exist"},
		{"SELECT lower(b, b) FROM t", ErrType, "lower", "function lower(VARCHAR, VARCHAR) does not exist"},
		{"SELECT foo(a, 'x') FROM t", ErrType, "foo", "function foo(INTEGER, unknown) does not exist"},
		{"SELECT substring(b, 'x') FROM t", ErrType, "'x'", `invalid input syntax for type bigint: "x"`},
		{"SELECT abs(b) FROM t", ErrType, "abs", "function abs(VARCHAR) does not exist"},
		{"SELECT round(e, 1.5) FROM t", ErrType, "round", "function round(DOUBLE, DECIMAL(2,1)) does not exist"},
		{"SELECT extract(fortnight FROM d) FROM t", ErrType, "fortnight", `extract field "fortnight" is not recognized`},
		{"SELECT date_trunc('eon', d) FROM t", ErrType, "'eon'", `date_trunc unit "eon" is not recognized`},
		{"SELECT extract(year FROM a) FROM t", ErrType, "extract", "function extract(unknown, INTEGER) does not exist"},
		{"SELECT date_part(NULL, d) FROM t", ErrType, "NULL", "the first argument of date_part must not be NULL"},
		{"SELECT sum(b) FROM t", ErrType, "sum", "function sum(VARCHAR) does not exist"},
		{"SELECT avg(d) FROM t", ErrType, "avg", "function avg(DATE) does not exist"},
		{"SELECT sum(*) FROM t", ErrType, "sum", "function sum(*) does not exist"},
		{"SELECT count(a, b) FROM t", ErrType, "count", "function count(INTEGER, VARCHAR) does not exist"},
		{"SELECT lower(DISTINCT b) FROM t", ErrType, "lower", "DISTINCT specified, but lower is not an aggregate function"},

		// Grouping.
		{"SELECT a FROM t WHERE count(*) > 1", ErrGrouping, "count", "aggregate functions are not allowed in WHERE"},
		{"SELECT sum(count(a)) FROM t", ErrGrouping, "count(a)", "aggregate function calls cannot be nested"},
		{"SELECT a, count(*) FROM t", ErrGrouping, "a,", `column "t.a" must appear in the GROUP BY clause or be used in an aggregate function`},
		{"SELECT x.b, count(*) FROM t x GROUP BY a", ErrGrouping, "x.b", `column "x.b" must appear in the GROUP BY clause`},
		{"SELECT * FROM t GROUP BY a", ErrGrouping, "*", `column "t.b" must appear in the GROUP BY clause`},
		{"SELECT a + 1 FROM t GROUP BY a + 2", ErrGrouping, "a + 1", `column "t.a" must appear`},
		{"SELECT a FROM t HAVING a > 1", ErrGrouping, "a FROM", `column "t.a" must appear`},
		{"SELECT count(*) FROM t HAVING a > 1", ErrGrouping, "a > 1", `column "t.a" must appear`},
		{"SELECT a FROM t GROUP BY a ORDER BY b", ErrGrouping, "b\x00", `column "t.b" must appear`},
		{"SELECT a FROM t ORDER BY count(*)", ErrGrouping, "a FROM", `column "t.a" must appear`},
		{"SELECT a FROM t GROUP BY count(*)", ErrGrouping, "count", "aggregate functions are not allowed in GROUP BY"},
		{"SELECT count(*) AS n FROM t GROUP BY 1", ErrGrouping, "1\x00", "aggregate functions are not allowed in GROUP BY"},
		{"SELECT count(*) AS n FROM t GROUP BY n", ErrGrouping, "n\x00", "aggregate functions are not allowed in GROUP BY"},
		{"SELECT a FROM t LIMIT count(*)", ErrGrouping, "count", "aggregate functions are not allowed in LIMIT"},
		{"SELECT * FROM read_parquet(count(*))", ErrGrouping, "count", "aggregate functions are not allowed in functions in FROM"},
		{"SELECT DISTINCT a FROM t ORDER BY b", ErrGrouping, "b\x00", "for SELECT DISTINCT, ORDER BY expressions must appear in select list"},

		// Not supported.
		{"SELECT INTERVAL '1 day'", ErrUnsupported, "INTERVAL", intervalOnlyConst},
		{"SELECT h - h FROM t", ErrUnsupported, "- h", intervalOnlyConst},
		{"SELECT INTERVAL '1 day' + INTERVAL '1 hour'", ErrUnsupported, "+", intervalOnlyConst},
		{"SELECT CAST(b AS INTERVAL) FROM t", ErrUnsupported, "CAST", intervalOnlyConst},
		{"SELECT h + CAST(b AS INTERVAL) FROM t", ErrUnsupported, "CAST", intervalOnlyConst},
		{"SELECT extract(day FROM INTERVAL '3 days')", ErrUnsupported, "INTERVAL", intervalOnlyConst},
		{"SELECT b LIKE b FROM t", ErrUnsupported, "b FROM", "LIKE patterns must be constant strings"},
		{"SELECT b ILIKE lower(b) FROM t", ErrUnsupported, "lower", "ILIKE patterns must be constant strings"},
		{"SELECT date_part(b, d) FROM t", ErrUnsupported, "b,", "the first argument of date_part must be a constant string"},
		{"SELECT current_date", ErrUnsupported, "current_date", "current_date is not supported yet"},
		{"SELECT now()", ErrUnsupported, "now", "now is not supported yet"},
		{"SELECT $1", ErrUnsupported, "$1", "parameters ($1) are not supported"},
		{"SELECT a FROM t LIMIT a", ErrUnsupported, "a\x00", "argument of LIMIT must be a constant"},
		{"SELECT * FROM read_parquet(lower('x'))", ErrUnsupported, "lower", "arguments of table function read_parquet must be constants"},

		// Statements.
		{"CREATE TABLE t (a INT)", ErrExists, "t (", `relation "t" already exists`},
		{"DROP TABLE u, nope", ErrUnknownTable, "nope", `table "nope" does not exist`},
		{"INSERT INTO nope VALUES (1)", ErrUnknownTable, "nope", `relation "nope" does not exist`},
		{"INSERT INTO u VALUES (1, 'x', DATE '2024-01-01', 4)", ErrType, "4)", "INSERT has more expressions than target columns"},
		{"INSERT INTO u VALUES (1, 'x')", ErrType, "'x')", "INSERT has more target columns than expressions"},
		{"INSERT INTO u (x, y) VALUES (1)", ErrType, "y)", "INSERT has more target columns than expressions"},
		{"INSERT INTO u VALUES (1, 'x', 'notadate')", ErrType, "'notadate'", `invalid input syntax for type date: "notadate"`},
		{"INSERT INTO u VALUES (TRUE, 'x', NULL)", ErrType, "TRUE", `column "x" is of type integer but expression is of type boolean`},
		{"INSERT INTO u VALUES (3000000000, 'x', NULL)", ErrType, "3000000000", `value "3000000000" is out of range for type integer`},
		{"INSERT INTO u VALUES (x, 'x', NULL)", ErrUnknownColumn, "x,", `column "x" does not exist`},
		{"INSERT INTO u VALUES (count(*), 'x', NULL)", ErrGrouping, "count", "aggregate functions are not allowed in VALUES"},
		{"INSERT INTO u (x, q) VALUES (1, 2)", ErrUnknownColumn, "q)", `column "q" of relation "u" does not exist`},
		{"INSERT INTO u (x, x) VALUES (1, 2)", ErrExists, "x)", `column "x" specified more than once`},
		{"INSERT INTO t (k) VALUES ('toolong')", ErrType, "'toolong'", "value too long for type varchar(5)"},
		{"INSERT INTO u SELECT a FROM t", ErrType, "SELECT", "INSERT has more target columns than expressions"},
		{"INSERT INTO u SELECT a, b, d, e FROM t", ErrType, "e FROM", "INSERT has more expressions than target columns"},
		{"INSERT INTO u SELECT a, b, i FROM t", ErrType, "SELECT", `column "z" is of type date but expression is of type boolean`},
		{"INSERT INTO u SELECT 1, 'x', 'bad'", ErrType, "'bad'", `invalid input syntax for type date: "bad"`},
		{"UPDATE nope SET a = 1", ErrUnknownTable, "nope", `relation "nope" does not exist`},
		{"UPDATE t SET a = 1, a = 2", ErrExists, "a = 2", `multiple assignments to same column "a"`},
		{"UPDATE t SET q = 1", ErrUnknownColumn, "q =", `column "q" of relation "t" does not exist`},
		{"UPDATE t SET a = sum(a)", ErrGrouping, "sum", "aggregate functions are not allowed in UPDATE"},
		{"UPDATE t SET d = 1", ErrType, "1\x00", `column "d" is of type date but expression is of type integer`},
		{"UPDATE t SET a = 1 WHERE count(*) = 1", ErrGrouping, "count", "aggregate functions are not allowed in WHERE"},
		{"UPDATE t SET a = zz", ErrUnknownColumn, "zz", `column "zz" does not exist`},
		{"DELETE FROM t WHERE b", ErrType, "b\x00", "argument of WHERE must be type boolean, not type varchar"},
		{"DELETE FROM t WHERE zz = 1", ErrUnknownColumn, "zz", `column "zz" does not exist`},
		{"COPY nope FROM 'f'", ErrUnknownTable, "nope", `relation "nope" does not exist`},
		{"COPY t (a, zz) TO 'f'", ErrUnknownColumn, "zz", `column "zz" of relation "t" does not exist`},
		{"COPY (SELECT zz FROM t) TO 'f'", ErrUnknownColumn, "zz", `column "zz" does not exist`},
		{"EXPLAIN SELECT zz FROM t", ErrUnknownColumn, "zz", `column "zz" does not exist`},
	}
	for _, tt := range tests {
		_, err := bindSQL(t, tt.sql)
		if err == nil {
			t.Errorf("%s: no error, want %v", tt.sql, tt.kind)
			continue
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("%s: error %v, want kind %v", tt.sql, err, tt.kind)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q, want it to say %q", tt.sql, err, tt.msg)
		}
		// at ends with NUL when the text it points at ends the query.
		at, last := strings.CutSuffix(tt.at, "\x00")
		off := err.(*Error).Offset
		rest := tt.sql[off:]
		if !strings.HasPrefix(rest, at) || last && rest != at {
			t.Errorf("%s: error %v at %q, want at %q", tt.sql, err, rest, tt.at)
		}
	}
}

// TestErrorPositions checks lines and columns (in characters) on
// multi-line text.
func TestErrorPositions(t *testing.T) {
	tests := []struct {
		sql          string
		line, column int
	}{
		{"SELECT a,\n       nope\nFROM t", 2, 8},
		{"SELECT a\nFROM t\nWHERE a = 1\n  AND d = '2024-02-30'", 4, 11},
		{"SELECT 'é', 'ü',\n\tlower(a) FROM t", 2, 2},
		{"SELECT 'éé' || zz FROM t", 1, 16},
		{"SELECT a,\n count(*)\nFROM t\nGROUP BY b", 1, 8},
	}
	for _, tt := range tests {
		_, err := bindSQL(t, tt.sql)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v", tt.sql, err)
			continue
		}
		if pe.Line != tt.line || pe.Column != tt.column {
			t.Errorf("%q: error %v at line %d column %d, want %d %d", tt.sql, err, pe.Line, pe.Column, tt.line, tt.column)
		}
		want := fmt.Sprintf("(at line %d, column %d)", tt.line, tt.column)
		if !strings.HasPrefix(err.Error(), "frigatebird: plan: ") || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%q: error text %q", tt.sql, err)
		}
	}
	if got := (&Error{Msg: "m", Offset: -1, kind: ErrType}).Error(); got != "frigatebird: plan: m" {
		t.Errorf("error without a position reads %q", got)
	}
}
