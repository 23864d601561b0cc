package plan

import (
	"testing"

	"github.com/reefdb/reef/frigatebird/parse"
)

// FuzzBind feeds whatever parse.Parse accepts to Bind with the test
// catalog: Bind must never panic, its errors must be well-formed *Errors
// (checkError), and what it binds must keep every guarantee of expr.go,
// logical.go and stmt.go (checkStmt) and format.
func FuzzBind(f *testing.F) {
	for _, s := range []string{
		"SELECT l_returnflag, sum(l_quantity) AS sum FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY GROUP BY l_returnflag ORDER BY sum DESC LIMIT 10",
		"SELECT sum(l_extendedprice * l_discount) FROM lineitem WHERE l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24",
		"SELECT * FROM t WHERE a > 1 AND (b LIKE 'x%' OR c IN (1, 2.5)) ORDER BY 3 DESC NULLS LAST LIMIT 5 OFFSET 1",
		"SELECT DISTINCT a, b FROM t ORDER BY b",
		"SELECT a + 1 AS x, count(*) FROM t GROUP BY x HAVING count(*) > 1 ORDER BY count(*)",
		"SELECT a FROM t ORDER BY e NULLS FIRST, lower(b)",
		"SELECT CASE g WHEN 1 THEN 'one' WHEN 2 THEN NULL ELSE b END, nullif(a, 0), coalesce(d, '2024-01-01') FROM t",
		"SELECT d + 1, d - d, h + INTERVAL '1 day', d - INTERVAL '1 month', INTERVAL '2 hours' + h FROM t",
		"SELECT extract(year FROM d), date_part('epoch', h), date_trunc('week', d), date_trunc('hour', h) FROM t",
		"SELECT lower(b), upper(k), length(b), substring(b, 2, 3), trim(b), concat(a, b), replace(b, 'a', 'b'), starts_with(b, 'x') FROM t",
		"SELECT abs(j), round(c, 1), floor(e), ceil(c), greatest(a, g, 1), least(c, 2) FROM t",
		"SELECT a IS NULL, b IS NOT NULL, a IS DISTINCT FROM f, NOT i, i OR a > 1, a || b FROM t",
		"SELECT CAST(a AS VARCHAR(3)), '1.5'::decimal(4,2), CAST(NULL AS DATE), -a, -(1.5), 1 / 0 FROM t",
		"SELECT count(*), count(DISTINCT b), sum(c), avg(a), min(d), max(k) FROM t",
		"SELECT x.a, x.* FROM t AS x WHERE x.b = 'q'",
		"SELECT * FROM read_parquet('f.parquet') WHERE id > 5",
		"SELECT count(*) FROM 'data.parquet'",
		"SELECT 1 WHERE false",
		"SELECT count(*)",
		"SELECT a FROM t WHERE count(*) > 1",
		"SELECT a, count(*) FROM t",
		"SELECT b + 1 FROM t",
		"INSERT INTO t (a, b) VALUES (1, 'x'), (2 + 3, NULL)",
		"INSERT INTO u SELECT 1, 'x', '2024-01-01'",
		"INSERT INTO u (y) SELECT b FROM t WHERE a > 1",
		"UPDATE t SET a = a + 1, b = 'y' WHERE c > 10",
		"DELETE FROM t WHERE d < DATE '2020-01-01'",
		"COPY t (b, a) TO 'f.csv'",
		"COPY u FROM STDIN (FORMAT csv)",
		"CREATE TABLE n (a INT NOT NULL, b DECIMAL(10,2), c VARCHAR(10)) ORDER BY (a)",
		"DROP TABLE IF EXISTS t, zz; BEGIN; COMMIT; ROLLBACK",
		"EXPLAIN ANALYZE SELECT a FROM t",
		"SELECT a BETWEEN a BETWEEN 1 AND 2 AND 3 FROM t",
	} {
		f.Add(s)
	}
	cat := newTestCatalog()
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := parse.Parse(sql)
		if err != nil {
			return
		}
		for _, s := range stmts {
			b, err := Bind(cat, sql, s)
			if err != nil {
				checkError(t, sql, err)
				continue
			}
			if err := checkStmt(b); err != nil {
				t.Fatalf("%q: %v\n%s", sql, err, FormatStmt(b))
			}
			_ = FormatStmt(b)
		}
	})
}
