package frigatebird_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/types"
)

var (
	diffSeeds   = flag.Int("frigatebird.diff-seeds", defaultDiffSeeds, "tables the SQLite differential test generates")
	diffQueries = flag.Int("frigatebird.diff-queries", 60, "queries per table")
	diffSeed    = flag.Int64("frigatebird.diff-seed", 0, "run only this seed (0: all)")
)

// TestDifferentialSQLite generates random tables and single-table queries
// from a seed, runs them on Frigatebird and on SQLite (modernc.org/sqlite)
// and compares the results as multisets of rows (or as sequences when the
// query orders every output column).
//
// The generator stays inside the SQL both engines define the same way.
// Documented exceptions, kept out of the generated queries:
//   - division and modulo (SQLite answers NULL for division by zero,
//     Frigatebird an error, as PostgreSQL and DuckDB do);
//   - integer overflow (SQLite switches to floating point): values are small;
//   - LIKE is run with PRAGMA case_sensitive_like = ON (SQLite's default
//     LIKE ignores ASCII case; PostgreSQL's and Frigatebird's does not);
//   - booleans compare as 0/1 (SQLite has no boolean type);
//   - floats compare with a relative tolerance of 1e-9 (summation order);
//   - DECIMAL, DATE and TIMESTAMP columns are not generated (SQLite stores
//     them as floats or text); decimal literals such as 1.5 compare as floats;
//   - strings are ASCII (SQLite's upper and lower fold ASCII only).
func TestDifferentialSQLite(t *testing.T) {
	ctx := context.Background()
	lite, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	lite.SetMaxOpenConns(1)
	if _, err := lite.Exec("PRAGMA case_sensitive_like = ON"); err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= int64(*diffSeeds); seed++ {
		if *diffSeed != 0 && seed != *diffSeed {
			continue
		}
		g := newGen(seed)
		db, err := frigatebird.OpenMemory(&frigatebird.Options{Workers: 1 + int(seed%3)})
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range append([]string{"DROP TABLE IF EXISTS t"}, g.table()...) {
			if _, err := lite.Exec(stmt); err != nil {
				t.Fatalf("seed %d: sqlite: %v\n%s", seed, err, stmt)
			}
			if strings.HasPrefix(stmt, "DROP") {
				continue
			}
			if _, err := db.Exec(ctx, stmt); err != nil {
				t.Fatalf("seed %d: frigatebird: %v\n%s", seed, err, stmt)
			}
		}
		for q := 0; q < *diffQueries; q++ {
			query, ordered := g.query()
			want, werr := sqliteRows(lite, query)
			rows, gerr := db.Query(ctx, query)
			if werr != nil || gerr != nil {
				if werr == nil || gerr == nil {
					t.Fatalf("seed %d query %d: sqlite error %v, frigatebird error %v\n%s", seed, q, werr, gerr, query)
				}
				continue
			}
			got := frigateRows(rows)
			if !ordered {
				sortRows(got)
				sortRows(want)
			}
			if msg := compareRows(got, want); msg != "" {
				t.Fatalf("seed %d query %d: %s\n%s\n(replay: -frigatebird.diff-seed %d)", seed, q, msg, query, seed)
			}
		}
		db.Close()
	}
}

// gen makes a random table and queries over it.
type gen struct {
	rng  *rand.Rand
	cols []genCol
}

type genCol struct {
	name string
	kind string // "int", "float", "text", "bool"
}

func newGen(seed int64) *gen {
	return &gen{rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
}

func (g *gen) table() []string {
	kinds := []string{"int", "int", "float", "text", "text", "bool"}
	n := 2 + g.rng.IntN(5)
	var defs []string
	for i := 0; i < n; i++ {
		c := genCol{name: fmt.Sprintf("c%d", i), kind: kinds[g.rng.IntN(len(kinds))]}
		g.cols = append(g.cols, c)
		typ := map[string]string{"int": "BIGINT", "float": "DOUBLE", "text": "VARCHAR", "bool": "BOOLEAN"}[c.kind]
		if c.kind == "int" && g.rng.IntN(2) == 0 {
			typ = "INTEGER"
		}
		defs = append(defs, c.name+" "+typ)
	}
	out := []string{"CREATE TABLE t (" + strings.Join(defs, ", ") + ")"}
	rows := g.rng.IntN(300)
	if g.rng.IntN(8) == 0 {
		rows = 3000 + g.rng.IntN(3000) // several vectors
	}
	for at := 0; at < rows; {
		k := min(rows-at, 1+g.rng.IntN(400))
		var vals []string
		for r := 0; r < k; r++ {
			var row []string
			for _, c := range g.cols {
				row = append(row, g.literal(c.kind, true))
			}
			vals = append(vals, "("+strings.Join(row, ", ")+")")
		}
		out = append(out, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
		at += k
	}
	return out
}

var words = []string{"", "a", "b", "ab", "abc", "B", "Abc", "zz", "hello", "world", "hello!", "x y", "a%b", "a_b"}

func (g *gen) literal(kind string, nulls bool) string {
	if nulls && g.rng.IntN(6) == 0 {
		return "NULL"
	}
	switch kind {
	case "int":
		return strconv.Itoa(g.rng.IntN(41) - 20)
	case "float":
		return strconv.FormatFloat(float64(g.rng.IntN(2001)-1000)/8, 'f', -1, 64)
	case "text":
		return "'" + strings.ReplaceAll(words[g.rng.IntN(len(words))], "'", "''") + "'"
	}
	if g.rng.IntN(2) == 0 {
		return "TRUE"
	}
	return "FALSE"
}

func (g *gen) colOf(kind string) (genCol, bool) {
	var cs []genCol
	for _, c := range g.cols {
		if c.kind == kind {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return genCol{}, false
	}
	return cs[g.rng.IntN(len(cs))], true
}

// scalar returns an expression of the kind, nesting up to depth.
func (g *gen) scalar(kind string, depth int) string {
	if depth <= 0 || g.rng.IntN(3) == 0 {
		if c, ok := g.colOf(kind); ok && g.rng.IntN(4) != 0 {
			return c.name
		}
		return g.literal(kind, g.rng.IntN(8) == 0)
	}
	switch kind {
	case "int":
		switch g.rng.IntN(7) {
		case 0, 1:
			return "(" + g.scalar("int", depth-1) + " " + []string{"+", "-", "*"}[g.rng.IntN(3)] + " " + g.scalar("int", depth-1) + ")"
		case 2:
			return "length(" + g.scalar("text", depth-1) + ")"
		case 3:
			return "CASE WHEN " + g.pred(depth-1) + " THEN " + g.scalar("int", depth-1) + " ELSE " + g.scalar("int", depth-1) + " END"
		case 4:
			return "coalesce(" + g.scalar("int", depth-1) + ", " + g.scalar("int", depth-1) + ")"
		case 5:
			return "abs(" + g.scalar("int", depth-1) + ")"
		}
		return "nullif(" + g.scalar("int", depth-1) + ", " + g.scalar("int", depth-1) + ")"
	case "float":
		switch g.rng.IntN(3) {
		case 0:
			return "(" + g.scalar("float", depth-1) + " " + []string{"+", "-", "*"}[g.rng.IntN(3)] + " " + g.scalar("int", depth-1) + ")"
		case 1:
			return "(" + g.scalar("float", depth-1) + " + " + g.scalar("float", depth-1) + ")"
		}
		return "CAST(" + g.scalar("int", depth-1) + " AS DOUBLE)"
	case "text":
		switch g.rng.IntN(6) {
		case 0:
			return "lower(" + g.scalar("text", depth-1) + ")"
		case 1:
			return "upper(" + g.scalar("text", depth-1) + ")"
		case 2:
			return "(" + g.scalar("text", depth-1) + " || " + g.scalar("text", depth-1) + ")"
		case 3:
			return "substr(" + g.scalar("text", depth-1) + ", " + strconv.Itoa(1+g.rng.IntN(3)) + ", " + strconv.Itoa(g.rng.IntN(4)) + ")"
		case 4:
			return "replace(" + g.scalar("text", depth-1) + ", 'a', 'xy')"
		}
		return "CASE WHEN " + g.pred(depth-1) + " THEN " + g.scalar("text", depth-1) + " END"
	}
	return g.pred(depth - 1)
}

// pred returns a boolean expression.
func (g *gen) pred(depth int) string {
	kinds := []string{"int", "int", "float", "text"}
	k := kinds[g.rng.IntN(len(kinds))]
	if depth <= 0 {
		return g.scalar(k, 0) + " " + []string{"=", "<>", "<", "<=", ">", ">="}[g.rng.IntN(6)] + " " + g.literal(k, false)
	}
	switch g.rng.IntN(10) {
	case 0:
		return "(" + g.pred(depth-1) + " AND " + g.pred(depth-1) + ")"
	case 1:
		return "(" + g.pred(depth-1) + " OR " + g.pred(depth-1) + ")"
	case 2:
		return "NOT (" + g.pred(depth-1) + ")"
	case 3:
		return g.scalar(k, depth-1) + " IS NULL"
	case 4:
		return g.scalar(k, depth-1) + " IS NOT NULL"
	case 5:
		return g.scalar(k, depth-1) + " BETWEEN " + g.literal(k, false) + " AND " + g.literal(k, false)
	case 6:
		return g.scalar(k, depth-1) + " IN (" + g.literal(k, true) + ", " + g.literal(k, false) + ", " + g.literal(k, false) + ")"
	case 7:
		if c, ok := g.colOf("text"); ok {
			pats := []string{"a%", "%b", "%b%", "_", "a_c", "%", "h%o"}
			not := ""
			if g.rng.IntN(3) == 0 {
				not = "NOT "
			}
			return c.name + " " + not + "LIKE '" + pats[g.rng.IntN(len(pats))] + "'"
		}
	case 8:
		if c, ok := g.colOf("bool"); ok {
			return c.name
		}
	}
	return g.scalar(k, depth-1) + " " + []string{"=", "<>", "<", "<=", ">", ">="}[g.rng.IntN(6)] + " " + g.scalar(k, depth-1)
}

// query returns a SELECT and whether its order is fully determined.
func (g *gen) query() (string, bool) {
	where := ""
	if g.rng.IntN(3) != 0 {
		where = " WHERE " + g.pred(2)
	}
	if g.rng.IntN(2) == 0 {
		// Aggregate query.
		var groups []string
		for i := g.rng.IntN(3); i > 0; i-- {
			c := g.cols[g.rng.IntN(len(g.cols))]
			groups = append(groups, c.name)
		}
		items := append([]string(nil), groups...)
		for i := 1 + g.rng.IntN(3); i > 0; i-- {
			items = append(items, g.aggregate())
		}
		q := "SELECT " + strings.Join(items, ", ") + " FROM t" + where
		if len(groups) > 0 {
			q += " GROUP BY " + strings.Join(groups, ", ")
			if g.rng.IntN(3) == 0 {
				q += " HAVING count(*) > " + strconv.Itoa(g.rng.IntN(3))
			}
		}
		return q, false
	}
	var items []string
	for i := 1 + g.rng.IntN(3); i > 0; i-- {
		k := []string{"int", "float", "text", "bool"}[g.rng.IntN(4)]
		items = append(items, g.scalar(k, 2))
	}
	distinct := ""
	if g.rng.IntN(5) == 0 {
		distinct = "DISTINCT "
	}
	q := "SELECT " + distinct + strings.Join(items, ", ") + " FROM t" + where
	if g.rng.IntN(2) == 0 {
		// Order by every output column: the order is then determined.
		var keys []string
		for i := range items {
			dir := []string{" ASC", " DESC"}[g.rng.IntN(2)]
			nulls := []string{" NULLS FIRST", " NULLS LAST"}[g.rng.IntN(2)]
			keys = append(keys, strconv.Itoa(i+1)+dir+nulls)
		}
		q += " ORDER BY " + strings.Join(keys, ", ")
		if g.rng.IntN(2) == 0 {
			q += " LIMIT " + strconv.Itoa(g.rng.IntN(20))
			if g.rng.IntN(2) == 0 {
				q += " OFFSET " + strconv.Itoa(g.rng.IntN(10))
			}
		}
		return q, true
	}
	return q, false
}

func (g *gen) aggregate() string {
	switch g.rng.IntN(7) {
	case 0:
		return "count(*)"
	case 1:
		c := g.cols[g.rng.IntN(len(g.cols))]
		return "count(" + c.name + ")"
	case 2:
		c := g.cols[g.rng.IntN(len(g.cols))]
		return "count(DISTINCT " + c.name + ")"
	case 3:
		if c, ok := g.colOf("int"); ok {
			return "sum(" + c.name + ")"
		}
	case 4:
		if c, ok := g.colOf("float"); ok {
			return "avg(" + c.name + ")"
		}
	}
	c := g.cols[g.rng.IntN(len(g.cols))]
	if c.kind == "bool" {
		return "count(" + c.name + ")"
	}
	return []string{"min", "max"}[g.rng.IntN(2)] + "(" + c.name + ")"
}

// A cell is a value in the form both engines are compared in: NULL, an
// integer (booleans as 0/1), a float, or text.
type cell struct {
	null bool
	kind byte // 'i', 'f', 's'
	i    int64
	f    float64
	s    string
}

func (c cell) String() string {
	switch {
	case c.null:
		return "NULL"
	case c.kind == 'i':
		return strconv.FormatInt(c.i, 10)
	case c.kind == 'f':
		return strconv.FormatFloat(c.f, 'g', -1, 64)
	}
	return strconv.Quote(c.s)
}

func sqliteRows(db *sql.DB, q string) ([][]cell, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]cell
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]cell, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				row[i] = cell{null: true}
			case int64:
				row[i] = cell{kind: 'i', i: v}
			case float64:
				row[i] = cell{kind: 'f', f: v}
			case string:
				row[i] = cell{kind: 's', s: v}
			case []byte:
				row[i] = cell{kind: 's', s: string(v)}
			case bool:
				row[i] = cell{kind: 'i', i: map[bool]int64{false: 0, true: 1}[v]}
			default:
				return nil, fmt.Errorf("sqlite value %T", v)
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func frigateRows(r *frigatebird.Rows) [][]cell {
	out := make([][]cell, r.Len())
	for i := range out {
		row := make([]cell, len(r.Columns()))
		for j := range row {
			v := r.Value(i, j)
			switch {
			case v.Null:
				row[j] = cell{null: true}
			case v.Type.Kind == types.KindBoolean:
				row[j] = cell{kind: 'i', i: map[bool]int64{false: 0, true: 1}[v.Bool]}
			case v.Type.IsInteger():
				row[j] = cell{kind: 'i', i: v.Int}
			case v.Type.IsFloat():
				row[j] = cell{kind: 'f', f: v.Float}
			case v.Type.Kind == types.KindDecimal: // a literal such as 1.5
				row[j] = cell{kind: 'f', f: types.DecimalToFloat(v.Int, v.Type.Scale)}
			default:
				row[j] = cell{kind: 's', s: v.String()}
			}
		}
		out[i] = row
	}
	return out
}

func sortRows(rows [][]cell) {
	slices.SortFunc(rows, func(a, b []cell) int {
		for i := range a {
			if c := strings.Compare(a[i].sortKey(), b[i].sortKey()); c != 0 {
				return c
			}
		}
		return 0
	})
}

// sortKey orders cells so that equal values (within float tolerance,
// mostly) sort together: numbers by value, then text.
func (c cell) sortKey() string {
	switch {
	case c.null:
		return "0"
	case c.kind == 'i':
		return "1" + strconv.FormatFloat(float64(c.i), 'e', 6, 64)
	case c.kind == 'f':
		return "1" + strconv.FormatFloat(c.f+0, 'e', 6, 64) // +0 turns -0 into 0
	}
	return "2" + c.s
}

func compareRows(got, want [][]cell) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows, SQLite %d\ngot  %v\nwant %v", len(got), len(want), clip(got), clip(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Sprintf("row %d: %d columns, SQLite %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !sameCell(got[i][j], want[i][j]) {
				return fmt.Sprintf("row %d column %d: %v, SQLite %v\ngot  %v\nwant %v", i, j, got[i][j], want[i][j], got[i], want[i])
			}
		}
	}
	return ""
}

func clip(rows [][]cell) [][]cell {
	if len(rows) > 10 {
		return rows[:10]
	}
	return rows
}

func sameCell(a, b cell) bool {
	if a.null || b.null {
		return a.null == b.null
	}
	if a.kind == 's' || b.kind == 's' {
		return a.kind == b.kind && a.s == b.s
	}
	x, y := a.f, b.f
	if a.kind == 'i' {
		x = float64(a.i)
	}
	if b.kind == 'i' {
		y = float64(b.i)
	}
	if a.kind == 'i' && b.kind == 'i' {
		return a.i == b.i
	}
	return x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
}
