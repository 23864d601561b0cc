package plan

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

// TestPlanShapes binds queries and compares their plans, as Format
// prints them.
func TestPlanShapes(t *testing.T) {
	tests := []struct {
		sql, want string
	}{
		{`SELECT l_returnflag, sum(l_quantity) AS sum FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY GROUP BY l_returnflag ORDER BY sum DESC LIMIT 10`, `
Limit 10
  Sort [sum DESC NULLS FIRST] top 10
    Project [l_returnflag, sum(l_quantity) AS sum]
      Aggregate groups=[l_returnflag] aggs=[sum(l_quantity)]
        Scan lineitem [l_quantity, l_returnflag, l_shipdate] filters=[(l_shipdate <= DATE '1998-09-02')]`},
		{`SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, avg(l_quantity) AS avg_qty, count(*) AS count_order FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`, `
Sort [l_returnflag ASC NULLS LAST, l_linestatus ASC NULLS LAST]
  Project [l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum((l_extendedprice * (1 - l_discount))) AS sum_disc_price, avg(l_quantity) AS avg_qty, count(*) AS count_order]
    Aggregate groups=[l_returnflag, l_linestatus] aggs=[sum(l_quantity), sum((l_extendedprice * (1 - l_discount))), avg(l_quantity), count(*)]
      Scan lineitem [l_quantity, l_extendedprice, l_discount, l_returnflag, l_linestatus, l_shipdate] filters=[(l_shipdate <= DATE '1998-09-02')]`},
		{`SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1994-01-01' + INTERVAL '1' YEAR AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 AND l_quantity < 24`, `
Project [sum((l_extendedprice * l_discount)) AS revenue]
  Aggregate aggs=[sum((l_extendedprice * l_discount))]
    Scan lineitem [l_quantity, l_extendedprice, l_discount, l_shipdate] filters=[(l_shipdate >= DATE '1994-01-01'), (l_shipdate < DATE '1995-01-01'), (l_discount >= 0.05), (l_discount <= 0.07), (l_quantity < 24.00)]`},
		{`SELECT * FROM t`, `
Project [a, b, c, d, e, f, g, h, i, j, k]
  Scan t [a, b, c, d, e, f, g, h, i, j, k]`},
		{`SELECT 1`, `
Project [1 AS ?column?]
  OneRow`},
		{`SELECT b FROM t WHERE a > 1 AND (g = 3 AND k = 'x')`, `
Project [b]
  Scan t [a, b, g, k] filters=[(a > 1), (g = 3), (k = 'x')]`},
		{`SELECT a FROM t WHERE a > 1 OR b IS NULL`, `
Project [a]
  Scan t [a, b] filters=[((a > 1) OR (b IS NULL))]`},
		{`SELECT * FROM t WHERE true`, `
Project [a, b, c, d, e, f, g, h, i, j, k]
  Scan t [a, b, c, d, e, f, g, h, i, j, k]`},
		{`SELECT count(*) FROM t`, `
Project [count(*) AS count]
  Aggregate aggs=[count(*)]
    Scan t []`},
		{`SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1`, `
Project [a, count(*) AS count]
  Filter (count(*) > 1)
    Aggregate groups=[a] aggs=[count(*)]
      Scan t [a]`},
		{`SELECT 1 FROM t HAVING count(*) > 0`, `
Project [1 AS ?column?]
  Filter (count(*) > 0)
    Aggregate aggs=[count(*)]
      Scan t []`},
		{`SELECT count(DISTINCT b), count(b), count(*), count(*) FROM t`, `
Project [count(DISTINCT b) AS count, count(b) AS count, count(*) AS count, count(*) AS count]
  Aggregate aggs=[count(DISTINCT b), count(b), count(*)]
    Scan t [b]`},
		{`SELECT a, sum(c) / count(*) FROM t GROUP BY a`, `
Project [a, (CAST(sum(c) AS DOUBLE) / CAST(count(*) AS DOUBLE)) AS ?column?]
  Aggregate groups=[a] aggs=[sum(c), count(*)]
    Scan t [a, c]`},
		{`SELECT max(d) - min(d) FROM t`, `
Project [date_diff(max(d), min(d)) AS ?column?]
  Aggregate aggs=[max(d), min(d)]
    Scan t [d]`},
		{`SELECT a FROM t GROUP BY a, a, 1`, `
Project [a]
  Aggregate groups=[a]
    Scan t [a]`},
		{`SELECT a + 1 AS x FROM t GROUP BY x ORDER BY x`, `
Sort [x ASC NULLS LAST]
  Project [x]
    Aggregate groups=[(a + 1) AS x]
      Scan t [a]`},
		{`SELECT a + 1 FROM t GROUP BY a + 1`, `
Project [?column?]
  Aggregate groups=[(a + 1) AS ?column?]
    Scan t [a]`},
		{`SELECT lower(b) AS lb, count(*) FROM t GROUP BY lower(b) ORDER BY lb`, `
Sort [lb ASC NULLS LAST]
  Project [lb, count(*) AS count]
    Aggregate groups=[lower(b) AS lb] aggs=[count(*)]
      Scan t [b]`},
		{`SELECT CASE WHEN a > 1 THEN 'big' ELSE 'small' END AS size, count(*) FROM t GROUP BY 1`, `
Project [size, count(*) AS count]
  Aggregate groups=[CASE WHEN (a > 1) THEN 'big' ELSE 'small' END AS size] aggs=[count(*)]
    Scan t [a]`},
		{`SELECT a AS q FROM t GROUP BY q`, `
Project [q]
  Aggregate groups=[a AS q]
    Scan t [a]`},
		{`SELECT sum(c) * 2, a FROM t GROUP BY a ORDER BY sum(c)`, `
Project [?column?, a]
  Sort [sum(c) ASC NULLS LAST]
    Project [(sum(c) * 2) AS ?column?, a, sum(c)]
      Aggregate groups=[a] aggs=[sum(c)]
        Scan t [a, c]`},
		{`SELECT b FROM t GROUP BY b ORDER BY count(*) DESC`, `
Project [b]
  Sort [count(*) DESC NULLS FIRST]
    Project [b, count(*)]
      Aggregate groups=[b] aggs=[count(*)]
        Scan t [b]`},
		{`SELECT b, count(*) AS n FROM t WHERE d > DATE '2024-01-01' GROUP BY b HAVING sum(a) > 10 ORDER BY n DESC, b LIMIT 3`, `
Limit 3
  Sort [n DESC NULLS FIRST, b ASC NULLS LAST] top 3
    Project [b, count(*) AS n]
      Filter (sum(a) > 10)
        Aggregate groups=[b] aggs=[count(*), sum(a)]
          Scan t [a, b, d] filters=[(d > DATE '2024-01-01')]`},
		{`SELECT DISTINCT a FROM t`, `
Aggregate groups=[a]
  Project [a]
    Scan t [a]`},
		{`SELECT DISTINCT a, b FROM t ORDER BY b LIMIT 5 OFFSET 2`, `
Limit 5 offset 2
  Sort [b ASC NULLS LAST] top 5 offset 2
    Aggregate groups=[a, b]
      Project [a, b]
        Scan t [a, b]`},
		{`SELECT DISTINCT a + 1 AS x FROM t ORDER BY a + 1`, `
Sort [x ASC NULLS LAST]
  Aggregate groups=[x]
    Project [(a + 1) AS x]
      Scan t [a]`},
		{`SELECT a FROM t ORDER BY e NULLS FIRST LIMIT 3`, `
Project [a]
  Limit 3
    Sort [e ASC NULLS FIRST] top 3
      Project [a, e]
        Scan t [a, e]`},
		{`SELECT e FROM t ORDER BY e DESC NULLS LAST, a`, `
Project [e]
  Sort [e DESC NULLS LAST, a ASC NULLS LAST]
    Project [e, a]
      Scan t [a, e]`},
		{`SELECT a, b FROM t ORDER BY lower(b), 1`, `
Project [a, b]
  Sort [lower(b) ASC NULLS LAST, a ASC NULLS LAST]
    Project [a, b, lower(b)]
      Scan t [a, b]`},
		{`SELECT a + 1 AS x FROM t ORDER BY a + 1 DESC`, `
Sort [x DESC NULLS FIRST]
  Project [(a + 1) AS x]
    Scan t [a]`},
		{`SELECT a AS b, b AS a FROM t ORDER BY a`, `
Sort [a ASC NULLS LAST]
  Project [a AS b, b AS a]
    Scan t [a, b]`},
		{`SELECT a, a FROM t ORDER BY a`, `
Sort [a ASC NULLS LAST]
  Project [a, a]
    Scan t [a]`},
		{`SELECT a FROM t LIMIT 10 OFFSET 5`, `
Limit 10 offset 5
  Project [a]
    Scan t [a]`},
		{`SELECT a FROM t OFFSET 3`, `
Limit ALL offset 3
  Project [a]
    Scan t [a]`},
		{`SELECT a FROM t ORDER BY a LIMIT 2 + 3 OFFSET 1`, `
Limit 5 offset 1
  Sort [a ASC NULLS LAST] top 5 offset 1
    Project [a]
      Scan t [a]`},
		{`SELECT * FROM read_parquet('f.parquet') WHERE id > 5`, `
Project [id, name, ts]
  Scan f.parquet AS read_parquet [id, name, ts] filters=[(id > 5)]`},
		{`SELECT count(*) FROM 'data.parquet' p`, `
Project [count(*) AS count]
  Aggregate aggs=[count(*)]
    Scan data.parquet AS p []`},
		{`SELECT x.a FROM t AS x WHERE x.b = 'q'`, `
Project [a]
  Scan t AS x [a, b] filters=[(b = 'q')]`},
		{`SELECT t.* FROM t WHERE a = 1 LIMIT 1`, `
Limit 1
  Project [a, b, c, d, e, f, g, h, i, j, k]
    Scan t [a, b, c, d, e, f, g, h, i, j, k] filters=[(a = 1)]`},
		{`SELECT 1 WHERE false`, `
Project [1 AS ?column?]
  Filter false
    OneRow`},
		{`SELECT count(*)`, `
Project [count(*) AS count]
  Aggregate aggs=[count(*)]
    OneRow`},
		{`SELECT l_shipdate FROM lineitem WHERE l_shipdate BETWEEN '1994-01-01' AND DATE '1994-01-01' + INTERVAL '1 year'`, `
Project [l_shipdate]
  Scan lineitem [l_shipdate] filters=[(l_shipdate >= DATE '1994-01-01'), (l_shipdate <= DATE '1995-01-01')]`},
		{`SELECT a FROM t WHERE b IN ('x', 'y') AND b LIKE 'a%' AND d >= '2024-01-01'`, `
Project [a]
  Scan t [a, b, d] filters=[(b IN ('x', 'y')), (b LIKE 'a%'), (d >= DATE '2024-01-01')]`},
		{`SELECT a FROM t WHERE a > 5.0 AND a < 5.5 AND e = 1 AND j = 0.5 AND g IN (1, 2) AND f IN (1, 3000000000)`, `
Project [a]
  Scan t [a, e, f, g, j] filters=[(a > 5), (CAST(a AS DECIMAL(10,0)) < 5.5), (e = 1.0), (j = 0.5), (g IN (1, 2)), (f IN (1, 3000000000))]`},
	}
	for _, tt := range tests {
		s := mustBind(t, tt.sql)
		q, ok := s.(*Query)
		if !ok {
			t.Fatalf("%q: bound to %T", tt.sql, s)
		}
		want := strings.TrimPrefix(tt.want, "\n")
		if got := Format(q.Root); got != want {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", tt.sql, got, want)
		}
	}
}

// TestTypeRules binds one expression over table t and checks the casts,
// folds and result type the binder chose.
func TestTypeRules(t *testing.T) {
	tests := []struct {
		expr, want, typ string
	}{
		{`1`, `1`, "INTEGER"},
		{`3000000000`, `3000000000`, "BIGINT"},
		{`1.50`, `1.50`, "DECIMAL(3,2)"},
		{`0.5`, `0.5`, "DECIMAL(1,1)"},
		{`-12.5`, `-12.5`, "DECIMAL(3,1)"},
		{`123456789012345678901.5`, `1.2345678901234568e+20`, "DOUBLE"},
		{`2.5e3`, `2500.0`, "DOUBLE"},
		{`'x'`, `'x'`, "VARCHAR"},
		{`NULL`, `NULL`, "INTEGER"},
		{`TRUE`, `true`, "BOOLEAN"},
		{`DATE '2024-02-29'`, `DATE '2024-02-29'`, "DATE"},
		{`TIMESTAMP '2024-01-01 10:00'`, `TIMESTAMP '2024-01-01 10:00:00'`, "TIMESTAMP"},
		{`d = '2024-01-01'`, `(d = DATE '2024-01-01')`, "BOOLEAN"},
		{`h > '2024-01-01'`, `(h > TIMESTAMP '2024-01-01 00:00:00')`, "BOOLEAN"},
		{`c = '1.5'`, `(c = 1.50)`, "BOOLEAN"},
		{`a IN ('1', 2)`, `(a IN (1, 2))`, "BOOLEAN"},
		{`a BETWEEN '1' AND 3`, `((a >= 1) AND (a <= 3))`, "BOOLEAN"},
		{`a NOT BETWEEN 1 AND f`, `((a < 1) OR (CAST(a AS BIGINT) > f))`, "BOOLEAN"},
		{`CASE WHEN i THEN d ELSE '2024-01-01' END`, `CASE WHEN i THEN d ELSE DATE '2024-01-01' END`, "DATE"},
		{`coalesce(d, '2024-01-01')`, `coalesce(d, DATE '2024-01-01')`, "DATE"},
		{`NULL = a`, `(NULL = a)`, "BOOLEAN"},
		{`d = NULL`, `(d = NULL)`, "BOOLEAN"},
		{`a + f`, `(CAST(a AS BIGINT) + f)`, "BIGINT"},
		{`g + g`, `(g + g)`, "SMALLINT"},
		{`a + 1`, `(a + 1)`, "INTEGER"},
		{`f * 2`, `(f * 2)`, "BIGINT"},
		{`c + 1`, `(c + 1)`, "DECIMAL(13,2)"},
		{`c * c`, `(c * c)`, "DECIMAL(18,4)"},
		{`c * c * c * c * c * c * c * c * c * c`, `(CAST(((((((((c * c) * c) * c) * c) * c) * c) * c) * c) AS DOUBLE) * CAST(c AS DOUBLE))`, "DOUBLE"},
		{`c / 2`, `(CAST(c AS DOUBLE) / 2.0)`, "DOUBLE"},
		{`c % 3`, `(c % 3)`, "DECIMAL(12,2)"},
		{`j + 1`, `CAST((CAST(j AS DOUBLE) + 1.0) AS REAL)`, "REAL"},
		{`j + e`, `(CAST(j AS DOUBLE) + e)`, "DOUBLE"},
		{`e + c`, `(e + CAST(c AS DOUBLE))`, "DOUBLE"},
		{`a / 2`, `(a / 2)`, "INTEGER"},
		{`-a`, `(-a)`, "INTEGER"},
		{`-j`, `CAST((-CAST(j AS DOUBLE)) AS REAL)`, "REAL"},
		{`-c`, `(-c)`, "DECIMAL(10,2)"},
		{`-(1.5)`, `-1.5`, "DECIMAL(2,1)"},
		{`1 + 2`, `3`, "INTEGER"},
		{`1 / 0`, `(1 / 0)`, "INTEGER"},
		{`2147483647 + 1`, `(2147483647 + 1)`, "INTEGER"},
		{`d + 1`, `date_add_days(d, 1)`, "DATE"},
		{`1 + d`, `date_add_days(d, 1)`, "DATE"},
		{`d - a`, `date_sub_days(d, CAST(a AS BIGINT))`, "DATE"},
		{`d - d`, `date_diff(d, d)`, "BIGINT"},
		{`h + INTERVAL '1 day'`, `timestamp_add_interval(h, INTERVAL '1 day')`, "TIMESTAMP"},
		{`INTERVAL '1 day' + h`, `timestamp_add_interval(h, INTERVAL '1 day')`, "TIMESTAMP"},
		{`d - INTERVAL '1 month'`, `timestamp_sub_interval(CAST(d AS TIMESTAMP), INTERVAL '1 month')`, "TIMESTAMP"},
		{`h - '1 hour'`, `timestamp_sub_interval(h, INTERVAL '01:00:00')`, "TIMESTAMP"},
		{`DATE '2024-01-31' + INTERVAL '1 month'`, `TIMESTAMP '2024-02-29 00:00:00'`, "TIMESTAMP"},
		{`DATE '2024-03-01' - 1`, `DATE '2024-02-29'`, "DATE"},
		{`DATE '2024-03-01' - DATE '2024-01-01'`, `60`, "BIGINT"},
		{`a = f`, `(CAST(a AS BIGINT) = f)`, "BOOLEAN"},
		{`a < c`, `(CAST(a AS DECIMAL(10,0)) < c)`, "BOOLEAN"},
		{`c = 1.005`, `(c = 1.005)`, "BOOLEAN"},
		{`g = 100000`, `(CAST(g AS INTEGER) = 100000)`, "BOOLEAN"},
		{`g = 5`, `(g = 5)`, "BOOLEAN"},
		{`d < h`, `(CAST(d AS TIMESTAMP) < h)`, "BOOLEAN"},
		{`d = TIMESTAMP '2024-01-01 00:00'`, `(d = DATE '2024-01-01')`, "BOOLEAN"},
		{`k = b`, `(k = b)`, "BOOLEAN"},
		{`e = c`, `(e = CAST(c AS DOUBLE))`, "BOOLEAN"},
		{`a IS NOT DISTINCT FROM f`, `(CAST(a AS BIGINT) IS NOT DISTINCT FROM f)`, "BOOLEAN"},
		{`i AND a > 1 AND (g < 2 AND i)`, `(i AND (a > 1) AND (g < 2) AND i)`, "BOOLEAN"},
		{`NOT (i OR i)`, `(NOT (i OR i))`, "BOOLEAN"},
		{`i AND NULL`, `(i AND NULL)`, "BOOLEAN"},
		{`i AND 'true'`, `(i AND true)`, "BOOLEAN"},
		{`b || a`, `(b || CAST(a AS VARCHAR))`, "VARCHAR"},
		{`b || NULL`, `(b || NULL)`, "VARCHAR"},
		{`k || k`, `(k || k)`, "VARCHAR"},
		{`concat(k, NULL)`, `concat(k, NULL)`, "VARCHAR"},
		{`concat(a, 'x')`, `concat(CAST(a AS VARCHAR), 'x')`, "VARCHAR"},
		{`b ILIKE NULL`, `NULL`, "BOOLEAN"},
		{`substring(b, 2)`, `substring(b, 2)`, "VARCHAR"},
		{`substr(b, a, g)`, `substring(b, CAST(a AS BIGINT), CAST(g AS BIGINT))`, "VARCHAR"},
		{`length('abc')`, `length('abc')`, "BIGINT"},
		{`trim(b, 'x')`, `trim(b, 'x')`, "VARCHAR"},
		{`rtrim(b)`, `rtrim(b)`, "VARCHAR"},
		{`upper(k)`, `upper(k)`, "VARCHAR"},
		{`abs(c)`, `abs(c)`, "DECIMAL(10,2)"},
		{`abs(j)`, `CAST(abs(CAST(j AS DOUBLE)) AS REAL)`, "REAL"},
		{`round(e, 2)`, `round(e, 2)`, "DOUBLE"},
		{`round(c)`, `round(c)`, "DECIMAL(10,2)"},
		{`round(a, g)`, `round(a, CAST(g AS INTEGER))`, "INTEGER"},
		{`floor(a)`, `a`, "INTEGER"},
		{`ceil(e)`, `ceil(e)`, "DOUBLE"},
		{`ceiling(c)`, `ceil(c)`, "DECIMAL(10,2)"},
		{`extract(month FROM d)`, `extract('month', CAST(d AS TIMESTAMP))`, "BIGINT"},
		{`date_part('Days', h)`, `extract('day', h)`, "BIGINT"},
		{`extract(epoch FROM h)`, `extract('epoch', h)`, "DOUBLE"},
		{`date_trunc('week', d)`, `date_trunc('week', d)`, "DATE"},
		{`date_trunc('minute', d)`, `date_trunc('minute', CAST(d AS TIMESTAMP))`, "TIMESTAMP"},
		{`date_trunc('YEAR', h)`, `date_trunc('year', h)`, "TIMESTAMP"},
		{`greatest(a, f)`, `greatest(CAST(a AS BIGINT), f)`, "BIGINT"},
		{`least('a', b)`, `least('a', b)`, "VARCHAR"},
		{`nullif(a, 0)`, `CASE WHEN (a = 0) THEN NULL ELSE a END`, "INTEGER"},
		{`nullif('x', b)`, `CASE WHEN ('x' = b) THEN NULL ELSE 'x' END`, "VARCHAR"},
		{`nullif(NULL, a)`, `CASE WHEN (NULL = a) THEN NULL ELSE NULL END`, "INTEGER"},
		{`nullif('1', a)`, `CASE WHEN (1 = a) THEN NULL ELSE 1 END`, "INTEGER"},
		{`nullif(NULL, d)`, `CASE WHEN (NULL = d) THEN NULL ELSE NULL END`, "DATE"},
		{`nullif('x', 'y')`, `CASE WHEN ('x' = 'y') THEN NULL ELSE 'x' END`, "VARCHAR"},
		{`CAST('7' AS TEXT) || 1`, `('7' || '1')`, "VARCHAR"},
		{`CAST(NULL AS INTEGER) + f`, `(NULL + f)`, "BIGINT"},
		{`CASE WHEN i THEN 1 WHEN a > 1 THEN 2.5 END`, `CASE WHEN i THEN 1.0 WHEN (a > 1) THEN 2.5 ELSE NULL END`, "DECIMAL(11,1)"},
		{`CASE g WHEN 1 THEN 'one' ELSE 'other' END`, `CASE WHEN (g = 1) THEN 'one' ELSE 'other' END`, "VARCHAR"},
		{`CAST(a AS VARCHAR(3))`, `CAST(a AS VARCHAR(3))`, "VARCHAR(3)"},
		{`'1.5'::decimal(4,2)`, `1.50`, "DECIMAL(4,2)"},
		{`CAST(c AS INTEGER)`, `CAST(c AS INTEGER)`, "INTEGER"},
		{`CAST(e AS DECIMAL(5,1))`, `CAST(e AS DECIMAL(5,1))`, "DECIMAL(5,1)"},
		{`CAST(h AS DATE)`, `CAST(h AS DATE)`, "DATE"},
		{`CAST(NULL AS DATE)`, `NULL`, "DATE"},
	}
	for _, tt := range tests {
		s := mustBind(t, "SELECT "+tt.expr+" FROM t")
		e := s.(*Query).Root.(*Project).Exprs[0]
		if got := e.String(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.expr, got, tt.want)
		}
		if got := e.Type().String(); got != tt.typ {
			t.Errorf("%s: type %s, want %s", tt.expr, got, tt.typ)
		}
	}
}

// TestStatements binds every statement kind and compares FormatStmt's
// rendering (the plans of INSERT, UPDATE, DELETE and COPY included).
func TestStatements(t *testing.T) {
	tests := []struct {
		sql, want string
	}{
		{`INSERT INTO t (a, b) VALUES (1, 'x'), (2 + 3, NULL)`, `
Insert t
  Values [a, b, c, d, e, f, g, h, i, j, k] rows=[(1, 'x', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)]`},
		{`INSERT INTO u VALUES (1, 'x', '2024-01-01'), (2.4, 7, DATE '2024-01-02')`, `
Insert u
  Values [x, y, z] rows=[(1, 'x', DATE '2024-01-01'), (2, '7', DATE '2024-01-02')]`},
		{`INSERT INTO t (c, j, k, h) VALUES (1, 1.5, 'abc', DATE '2024-01-01')`, `
Insert t
  Values [a, b, c, d, e, f, g, h, i, j, k] rows=[(NULL, NULL, 1.00, NULL, NULL, NULL, NULL, TIMESTAMP '2024-01-01 00:00:00', NULL, 1.5, 'abc')]`},
		{`INSERT INTO u SELECT a, b, d FROM t`, `
Insert u
  Project [a AS x, b AS y, d AS z]
    Project [a, b, d]
      Scan t [a, b, d]`},
		{`INSERT INTO u (y) SELECT b FROM t WHERE a > 1`, `
Insert u
  Project [NULL AS x, b AS y, NULL AS z]
    Project [b]
      Scan t [a, b] filters=[(a > 1)]`},
		{`INSERT INTO u SELECT 1, 'x', '2024-01-01' LIMIT 1`, `
Insert u
  Project [?column? AS x, ?column? AS y, ?column? AS z]
    Limit 1
      Project [1 AS ?column?, 'x' AS ?column?, DATE '2024-01-01' AS ?column?]
        OneRow`},
		{`INSERT INTO t (k) SELECT b FROM t`, `
Insert t
  Project [NULL AS a, NULL AS b, NULL AS c, NULL AS d, NULL AS e, NULL AS f, NULL AS g, NULL AS h, NULL AS i, NULL AS j, CAST(b AS VARCHAR(5)) AS k]
    Project [b]
      Scan t [b]`},
		{`UPDATE t SET a = a + 1, b = 'y', k = b WHERE c > 10`, `
Update t
  Project [(a + 1) AS a, 'y' AS b, c, d, e, f, g, h, i, j, CAST(b AS VARCHAR(5)) AS k, rowid]
    Scan t [a, b, c, d, e, f, g, h, i, j, k, rowid] filters=[(c > 10.00)]`},
		{`UPDATE u SET z = NULL`, `
Update u
  Project [x, y, NULL AS z, rowid]
    Scan u [x, y, z, rowid]`},
		{`DELETE FROM t WHERE d < DATE '2020-01-01' AND b LIKE 'x%'`, `
Delete t
  Project [rowid]
    Scan t [b, d, rowid] filters=[(d < DATE '2020-01-01'), (b LIKE 'x%')]`},
		{`DELETE FROM t`, `
Delete t
  Project [rowid]
    Scan t [rowid]`},
		{`COPY t FROM 'f.csv' (FORMAT csv, HEADER)`, `
Copy t (a, b, c, d, e, f, g, h, i, j, k) from 'f.csv'`},
		{`COPY u (y, x) FROM STDIN`, `
Copy u (y, x) from STDIN`},
		{`COPY t (b, a) TO 'f.csv'`, `
Copy to 'f.csv'
  Project [b, a]
    Scan t [b, a]`},
		{`COPY (SELECT a FROM t WHERE a > 1) TO STDOUT`, `
Copy to STDOUT
  Project [a]
    Scan t [a] filters=[(a > 1)]`},
		{`CREATE TABLE n (a INT NOT NULL, b DECIMAL, c VARCHAR(10), d DOUBLE PRECISION, e TIMESTAMP) ORDER BY (e, a)`, `
CreateTable n (a INTEGER NOT NULL, b DECIMAL(18,3), c VARCHAR(10), d DOUBLE, e TIMESTAMP) order by (e, a)`},
		{`CREATE TABLE IF NOT EXISTS t (a INT)`, `
CreateTable t (a INTEGER) if not exists`},
		{`DROP TABLE t, u`, `
DropTable t, u`},
		{`DROP TABLE IF EXISTS t, zz`, `
DropTable t, zz if exists`},
		{`EXPLAIN SELECT a FROM t`, `
Explain
  Project [a]
    Scan t [a]`},
		{`EXPLAIN ANALYZE DELETE FROM u WHERE x = 1`, `
Explain analyze
  Delete u
    Project [rowid]
      Scan u [x, rowid] filters=[(x = 1)]`},
		{`BEGIN`, `
Begin`},
		{`COMMIT`, `
Commit`},
		{`ROLLBACK`, `
Rollback`},
	}
	for _, tt := range tests {
		s := mustBind(t, tt.sql)
		want := strings.TrimPrefix(tt.want, "\n")
		if got := FormatStmt(s); got != want {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", tt.sql, got, want)
		}
	}
}

// TestStatementFields checks what FormatStmt does not show.
func TestStatementFields(t *testing.T) {
	ct := mustBind(t, "CREATE TABLE n (a INT NOT NULL, b DECIMAL(9,3), c VARCHAR(10)) ORDER BY (c, a)").(*CreateTable)
	want := []TableColumn{{Name: "a", T: types.Integer, NotNull: true}, {Name: "b", T: dec(9, 3)}, {Name: "c", T: types.Varchar(10)}}
	if len(ct.Table.Columns) != len(want) || ct.IfNotExists || ct.Table.Handle != nil {
		t.Fatalf("create table: %+v", ct.Table)
	}
	for i, c := range want {
		if ct.Table.Columns[i] != c {
			t.Errorf("column %d: %+v, want %+v", i, ct.Table.Columns[i], c)
		}
	}
	if len(ct.Table.SortKey) != 2 || ct.Table.SortKey[0] != 2 || ct.Table.SortKey[1] != 0 {
		t.Errorf("sort key %v, want [2 0]", ct.Table.SortKey)
	}
	if ct := mustBind(t, "CREATE TABLE n (a INT)").(*CreateTable); ct.Table.SortKey != nil {
		t.Errorf("sort key %v, want nil", ct.Table.SortKey)
	}

	d := mustBind(t, "DROP TABLE IF EXISTS zz, t").(*DropTable)
	if !d.IfExists || strings.Join(d.Names, ",") != "zz,t" {
		t.Errorf("drop: %+v", d)
	}

	c := mustBind(t, "COPY u (z, x) FROM 'in.csv' (FORMAT csv, HEADER, DELIMITER '|')").(*Copy)
	if !c.From || c.Table.Name != "u" || len(c.Columns) != 2 || c.Columns[0] != 2 || c.Columns[1] != 0 ||
		c.File != "in.csv" || c.Options.Format != "csv" || !c.Options.Header || c.Options.Delimiter != "|" || c.Query != nil {
		t.Errorf("copy from: %+v", c)
	}
	c = mustBind(t, "COPY u TO STDOUT").(*Copy)
	if c.From || c.File != "" || c.Table != nil || strings.Join(c.Query.Names, ",") != "x,y,z" {
		t.Errorf("copy to: %+v", c)
	}

	ins := mustBind(t, "INSERT INTO u (y) VALUES ('a')").(*Insert)
	v := ins.Source.(*Values)
	if len(v.Rows) != 1 || len(v.Cols) != 3 || v.Cols[0].Table != "u" {
		t.Fatalf("values: %+v", v)
	}
	for i, e := range v.Rows[0] {
		c, ok := e.(*Const)
		if !ok || c.Value.Type != ins.Table.Columns[i].T || c.Value.Null != (i != 1) {
			t.Errorf("value %d: %v of %v", i, e, e.Type())
		}
	}

	for _, sql := range []string{"BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK"} {
		switch mustBind(t, sql).(type) {
		case *Begin, *Commit, *Rollback:
		default:
			t.Errorf("%s: not a transaction statement", sql)
		}
	}
	e := mustBind(t, "EXPLAIN ANALYZE SELECT 1").(*Explain)
	if _, ok := e.Stmt.(*Query); !ok || !e.Analyze {
		t.Errorf("explain: %+v", e)
	}
}

// TestResultColumns checks the names and types of query results.
func TestResultColumns(t *testing.T) {
	tests := []struct {
		sql   string
		names []string
		types []types.Type
	}{
		{"SELECT a, b AS bee, a + 1, count(*), sum(a), sum(c), sum(e), sum(j), sum(g), avg(c), avg(a), min(d), max(k), count(DISTINCT b) FROM t GROUP BY a, b",
			[]string{"a", "bee", "?column?", "count", "sum", "sum", "sum", "sum", "sum", "avg", "avg", "min", "max", "count"},
			[]types.Type{types.Integer, types.Text, types.Integer, types.BigInt, types.BigInt, dec(18, 2), types.Double,
				types.Double, types.BigInt, types.Double, types.Double, types.Date, types.Varchar(5), types.BigInt}},
		{"SELECT * FROM u", []string{"x", "y", "z"}, []types.Type{types.Integer, types.Text, types.Date}},
		{"SELECT u.*, x FROM u", []string{"x", "y", "z", "x"}, []types.Type{types.Integer, types.Text, types.Date, types.Integer}},
		{"SELECT lower(y) AS l, CAST(x AS DOUBLE), y::VARCHAR(2), extract(year FROM z), 1.5, 'q', NULL, 1 = 1, CASE WHEN true THEN 1 END FROM u",
			[]string{"l", "x", "y", "extract", "?column?", "?column?", "?column?", "?column?", "case"},
			[]types.Type{types.Text, types.Double, types.Varchar(2), types.BigInt, dec(2, 1), types.Text, types.Integer, types.Boolean, types.Integer}},
		{"SELECT DISTINCT y FROM u ORDER BY y", []string{"y"}, []types.Type{types.Text}},
		{"SELECT x FROM u ORDER BY y, z DESC LIMIT 2", []string{"x"}, []types.Type{types.Integer}},
		{"SELECT max(x) AS m, y FROM u GROUP BY y ORDER BY min(z)", []string{"m", "y"}, []types.Type{types.Integer, types.Text}},
		{"SELECT CAST(1 AS SMALLINT) AS s, DATE '2024-01-01', INTERVAL '1 day' + TIMESTAMP '2024-01-01'",
			[]string{"s", "date", "?column?"}, []types.Type{types.SmallInt, types.Date, types.Timestamp}},
	}
	for _, tt := range tests {
		q := mustBind(t, tt.sql).(*Query)
		cols := q.Root.Columns()
		if len(cols) != len(tt.names) {
			t.Errorf("%s: %d columns, want %d", tt.sql, len(cols), len(tt.names))
			continue
		}
		for i, c := range cols {
			if q.Names[i] != tt.names[i] || c.T != tt.types[i] {
				t.Errorf("%s: column %d is %s %v, want %s %v", tt.sql, i, q.Names[i], c.T, tt.names[i], tt.types[i])
			}
		}
	}
}
