package plan

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reefdb/reef/frigatebird/parse"
)

var randomSeed = flag.Uint64("plan.seed", 0, "seed of TestRandomQueries (0: from the clock)")

// TestRandomQueries binds random queries built from a small grammar over
// table t: whatever binds must keep every guarantee (checkStmt), and
// every error must be well-formed. Byte-level fuzzing rarely gets past
// the parser; this reaches the type rules.
func TestRandomQueries(t *testing.T) {
	seed := *randomSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -plan.seed=%d)", seed, seed)
	g := &queryGen{r: rand.New(rand.NewPCG(seed, seed))}
	n := 3000
	if testing.Short() {
		n = 500
	}
	cat := newTestCatalog()
	bound := 0
	for i := 0; i < n; i++ {
		sql := g.query()
		stmts, err := parse.Parse(sql)
		if err != nil {
			continue
		}
		s, err := Bind(cat, sql, stmts[0])
		if err != nil {
			checkError(t, sql, err)
			continue
		}
		bound++
		if err := checkStmt(s); err != nil {
			t.Fatalf("seed %d: %s\n%v\n%s", seed, sql, err, FormatStmt(s))
		}
	}
	t.Logf("%d of %d bound", bound, n)
	if bound < n/10 {
		t.Errorf("only %d of %d random queries bound: the generator tests little", bound, n)
	}
}

type queryGen struct {
	r *rand.Rand
}

func (g *queryGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *queryGen) query() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if g.r.IntN(5) == 0 {
		b.WriteString("DISTINCT ")
	}
	grouped := g.r.IntN(3) == 0
	var groups []string
	if grouped {
		for i := 0; i <= g.r.IntN(2); i++ {
			groups = append(groups, g.pick("a", "b", "d", "g", "k", "a + 1", "lower(b)"))
		}
	}
	items := 1 + g.r.IntN(3)
	for i := 0; i < items; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case grouped && g.r.IntN(2) == 0:
			b.WriteString(groups[g.r.IntN(len(groups))])
		case grouped:
			b.WriteString(g.agg(2))
		default:
			b.WriteString(g.expr(3))
		}
		if g.r.IntN(4) == 0 {
			fmt.Fprintf(&b, " AS x%d", i)
		}
	}
	b.WriteString(" FROM t")
	if g.r.IntN(2) == 0 {
		b.WriteString(" WHERE " + g.typed(kBool, 3))
	}
	if grouped {
		b.WriteString(" GROUP BY " + strings.Join(groups, ", "))
		if g.r.IntN(3) == 0 {
			b.WriteString(" HAVING " + g.agg(2) + " > " + g.literal())
		}
	}
	if g.r.IntN(2) == 0 {
		b.WriteString(" ORDER BY ")
		switch g.r.IntN(3) {
		case 0:
			fmt.Fprintf(&b, "%d", 1+g.r.IntN(items))
		case 1:
			b.WriteString(g.expr(1))
		default:
			b.WriteString("x0")
		}
		b.WriteString(g.pick("", " DESC", " ASC NULLS FIRST", " DESC NULLS LAST"))
	}
	if g.r.IntN(3) == 0 {
		fmt.Fprintf(&b, " LIMIT %d", g.r.IntN(10))
	}
	if g.r.IntN(5) == 0 {
		fmt.Fprintf(&b, " OFFSET %d", g.r.IntN(10))
	}
	return b.String()
}

func (g *queryGen) agg(depth int) string {
	switch g.r.IntN(6) {
	case 0:
		return "count(*)"
	default:
		d := g.pick("", "DISTINCT ")
		return g.pick("count", "sum", "avg", "min", "max") + "(" + d + g.expr(depth) + ")"
	}
}

func (g *queryGen) literal() string {
	return g.pick("1", "0", "-7", "3000000000", "1.50", "0.005", "2.5e3", "'x'", "'2024-01-01'", "'1'",
		"NULL", "TRUE", "DATE '2024-02-29'", "TIMESTAMP '2024-01-01 10:00'", "INTERVAL '1 day'")
}

// kinds of generated expressions; kAny picks one at random (and now and
// then a wrong one, so errors are generated too).
const (
	kAny = iota
	kNum
	kText
	kBool
	kTime
)

func (g *queryGen) expr(depth int) string { return g.typed(kAny, depth) }

func (g *queryGen) typed(k, depth int) string {
	if k == kAny || g.r.IntN(20) == 0 {
		k = kNum + g.r.IntN(4)
	}
	x := func(k int) string { return g.typed(k, depth-1) }
	if depth <= 0 || g.r.IntN(4) == 0 {
		switch k {
		case kNum:
			return g.pick("a", "c", "e", "f", "g", "j", "t.a", "1", "-7", "0", "3000000000", "1.50", "0.005", "2.5e3", "NULL", "'1'")
		case kText:
			return g.pick("b", "k", "'x'", "'abcdef'", "NULL")
		case kBool:
			return g.pick("i", "TRUE", "NULL", "'t'")
		}
		return g.pick("d", "h", "DATE '2024-02-29'", "TIMESTAMP '2024-01-01 10:00'", "'2024-01-01'", "NULL")
	}
	// Shared forms.
	switch g.r.IntN(8) {
	case 0:
		return "CASE WHEN " + x(kBool) + " THEN " + x(k) + " ELSE " + x(k) + " END"
	case 1:
		return "CASE " + x(k) + " WHEN " + x(k) + " THEN " + x(k) + " END"
	case 2:
		return g.pick("coalesce", "nullif", "greatest", "least") + "(" + x(k) + ", " + x(k) + ")"
	}
	switch k {
	case kNum:
		switch g.r.IntN(8) {
		case 0, 1:
			return "(" + x(kNum) + " " + g.pick("+", "-", "*", "/", "%") + " " + x(kNum) + ")"
		case 2:
			return "-(" + x(kNum) + ")"
		case 3:
			return g.pick("abs", "round", "floor", "ceil") + "(" + x(kNum) + ")"
		case 4:
			return g.pick("length(", "char_length(") + x(kText) + ")"
		case 5:
			return "extract(" + g.pick("year", "month", "epoch", "dow", "hour") + " FROM " + x(kTime) + ")"
		case 6:
			return "(" + g.pick("d", "DATE '2024-01-01'") + " - " + g.pick("d", "DATE '2023-01-01'") + ")"
		}
		return "CAST(" + x(g.pick2(kNum, kText)) + " AS " + g.pick("INTEGER", "BIGINT", "SMALLINT", "DOUBLE", "REAL", "DECIMAL(10,2)") + ")"
	case kText:
		switch g.r.IntN(6) {
		case 0:
			return "(" + x(kText) + " || " + x(kAny) + ")"
		case 1:
			return g.pick("lower", "upper", "trim", "ltrim") + "(" + x(kText) + ")"
		case 2:
			return "substring(" + x(kText) + ", " + x(kNum) + ")"
		case 3:
			return "concat(" + x(kAny) + ", " + x(kAny) + ")"
		case 4:
			return "replace(" + x(kText) + ", " + x(kText) + ", " + x(kText) + ")"
		}
		return "CAST(" + x(kAny) + " AS " + g.pick("VARCHAR", "VARCHAR(3)", "TEXT") + ")"
	case kBool:
		switch g.r.IntN(9) {
		case 0, 1:
			k2 := kNum + g.r.IntN(4)
			return "(" + x(k2) + " " + g.pick("=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM") + " " + x(k2) + ")"
		case 2:
			return "(" + x(kBool) + " " + g.pick("AND", "OR") + " " + x(kBool) + ")"
		case 3:
			return "NOT (" + x(kBool) + ")"
		case 4:
			return "(" + x(kAny) + g.pick(" IS NULL", " IS NOT NULL") + ")"
		case 5:
			k2 := kNum + g.r.IntN(4)
			return "(" + x(k2) + g.pick(" BETWEEN ", " NOT BETWEEN ") + x(k2) + " AND " + x(k2) + ")"
		case 6:
			k2 := kNum + g.r.IntN(4)
			return "(" + x(k2) + g.pick(" IN (", " NOT IN (") + x(k2) + ", " + x(k2) + "))"
		case 7:
			return "(" + x(kText) + g.pick(" LIKE 'a%'", " NOT ILIKE '%b'", " LIKE NULL") + ")"
		}
		return "starts_with(" + x(kText) + ", " + x(kText) + ")"
	}
	switch g.r.IntN(5) {
	case 0:
		return "(" + x(kTime) + g.pick(" + ", " - ") + g.pick("1", "a", "g", "INTERVAL '1 month'", "'1 day'") + ")"
	case 1:
		return "(" + g.pick("INTERVAL '2 hours'", "1") + " + " + x(kTime) + ")"
	case 2:
		return "date_trunc(" + g.pick("'month'", "'hour'", "'week'", "'DAY'") + ", " + x(kTime) + ")"
	case 3:
		return "CAST(" + x(kTime) + " AS " + g.pick("DATE", "TIMESTAMP") + ")"
	}
	return x(kTime)
}

func (g *queryGen) pick2(a, b int) int {
	if g.r.IntN(2) == 0 {
		return a
	}
	return b
}
