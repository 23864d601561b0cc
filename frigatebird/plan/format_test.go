package plan

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

func TestFormatValuesBound(t *testing.T) {
	rows := make([]string, 20)
	for i := range rows {
		rows[i] = "(1, 'x', NULL)"
	}
	s := mustBind(t, "INSERT INTO u VALUES "+strings.Join(rows, ", "))
	got := FormatStmt(s)
	want := "Insert u\n  Values [x, y, z] rows=[" + strings.Repeat("(1, 'x', NULL), ", 8) + "… 12 more]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatNodes(t *testing.T) {
	info := &TableInfo{Name: "t", Columns: []TableColumn{{Name: "a", T: types.Integer}}}
	scan := NewScan(info, "x", []int{0}, true)
	a := &ColRef{Index: 0, Name: "a", T: types.Integer}
	n := &Limit{Count: -1, Offset: 4, Input: &Sort{Limit: 3, Offset: 4, Keys: []SortKey{{Expr: a, Desc: true}},
		Input: &Filter{Cond: &IsNull{X: a}, Input: &Aggregate{Groups: []Expr{a}, Names: []string{"g"}, Input: scan}}}}
	want := `Limit ALL offset 4
  Sort [a DESC NULLS LAST] top 3 offset 4
    Filter (a IS NULL)
      Aggregate groups=[a AS g]
        Scan t AS x [a, rowid]`
	if got := Format(n); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Format(&Aggregate{Input: &OneRow{}}); got != "Aggregate\n  OneRow" {
		t.Errorf("empty aggregate: %q", got)
	}
}
