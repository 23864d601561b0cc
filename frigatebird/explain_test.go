package frigatebird

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/storage"
)

// TestExplainAnalyze checks that EXPLAIN ANALYZE reports the pipelines,
// rows per operator, zone-map pruning, late materialization and bytes
// read per column, with numbers that follow from the data.
func TestExplainAnalyze(t *testing.T) {
	db, err := OpenMemory(&Options{Storage: storage.Options{RowGroupRows: 1024}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	mustExec(t, db, "CREATE TABLE ev (id BIGINT, kind VARCHAR, payload VARCHAR) ORDER BY (id)")
	var b strings.Builder
	b.WriteString("INSERT INTO ev VALUES ")
	for i := 0; i < 10240; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		kind := "a"
		if i%1024 == 7 && i < 2048 {
			kind = "rare"
		}
		b.WriteString("(" + strconv.Itoa(i) + ", '" + kind + "', 'some payload text " + strconv.Itoa(i) + "')")
	}
	mustExec(t, db, b.String())

	// id < 2048 lives in the first 2 of 10 row groups: 8 are pruned.
	rows, err := db.Query(ctx, "EXPLAIN ANALYZE SELECT count(*), max(payload) FROM ev WHERE id < 2048 AND kind = 'rare'")
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for rows.Next() {
		text = append(text, rows.Values()[0].Str)
	}
	out := strings.Join(text, "\n")
	t.Log("\n" + out)
	for _, want := range []string{
		`(?m)^Pipeline 1 \(\d+ workers`,
		`Scan ev \[id, kind, payload\] filters=\[`,
		`rows 2048 → 2,`,
		`row groups: 2 scanned, 8 pruned by zone maps, 0 with no surviving row`,
		`bytes read: id=\S+ \S+ kind=\S+ \S+ payload=\S+`,
		`Aggregate groups=\[\] aggs=\[count\(\*\), max\(payload\)\]`,
		`bytes not read thanks to zone maps and late materialization`,
		`(?m)^Total: `,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("EXPLAIN ANALYZE lacks %q", want)
		}
	}
	// A filter no row of a group passes leaves its other columns unread.
	rows, err = db.Query(ctx, "EXPLAIN ANALYZE SELECT id FROM ev WHERE payload LIKE '%zzz%'")
	if err != nil {
		t.Fatal(err)
	}
	text = text[:0]
	for rows.Next() {
		text = append(text, rows.Values()[0].Str)
	}
	out = strings.Join(text, "\n")
	if !strings.Contains(out, "10 with no surviving row") || !strings.Contains(out, "id=0 B") {
		t.Errorf("late materialization not shown:\n%s", out)
	}
	// Plain EXPLAIN shows the plan without running it.
	rows, err = db.Query(ctx, "EXPLAIN SELECT kind, count(*) FROM ev GROUP BY kind ORDER BY 2 DESC LIMIT 1")
	if err != nil {
		t.Fatal(err)
	}
	text = text[:0]
	for rows.Next() {
		text = append(text, rows.Values()[0].Str)
	}
	out = strings.Join(text, "\n")
	for _, want := range []string{"Logical plan", "Sort", "top 1", "Pipeline 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, out)
		}
	}
}
