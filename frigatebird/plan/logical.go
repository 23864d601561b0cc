package plan

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/types"
)

// Column is one output column of a plan node.
type Column struct {
	Name string
	T    types.Type
	// Table is the table (or alias) the column comes from, for qualified
	// references; "" for computed columns.
	Table string
}

// Node is a logical plan operator. Its output is Columns(); the
// expressions of a node refer to its input's columns by index (ColRef).
// Nodes form a tree (one input each today; joins will add two-input
// nodes).
type Node interface {
	Columns() []Column
	Inputs() []Node
	nodeNode()
}

// Scan reads a table. Its output columns are the table columns listed in
// Cols (table column indexes, in output order), then a BIGINT row id when
// RowID is set (the row's address: row group index << 32 | row within the
// group), which DELETE and UPDATE use.
//
// Filters are conjuncts over the scan's output columns; a row is produced
// only when all are TRUE. The executor evaluates them before reading the
// columns only the output needs (late materialization) and uses the ones
// of the form col <op> const, col BETWEEN c1 AND c2, col IN (consts) and
// col IS [NOT] NULL to skip row groups by their zone maps.
type Scan struct {
	Table   *TableInfo
	Alias   string // the name qualified references use; Table.Name when none
	Cols    []int
	RowID   bool
	Filters []Expr
	out     []Column
}

// NewScan returns a Scan of the listed table columns.
func NewScan(t *TableInfo, alias string, cols []int, rowID bool) *Scan {
	if alias == "" {
		alias = t.Name
	}
	s := &Scan{Table: t, Alias: alias, Cols: cols, RowID: rowID}
	for _, c := range cols {
		s.out = append(s.out, Column{Name: t.Columns[c].Name, T: t.Columns[c].T, Table: alias})
	}
	if rowID {
		s.out = append(s.out, Column{Name: "rowid", T: types.BigInt, Table: alias})
	}
	return s
}

// OneRow produces a single row with no columns: the input of a SELECT
// without FROM.
type OneRow struct{}

// Values produces constant rows (INSERT ... VALUES): every row has one
// expression per column, with no column references.
type Values struct {
	Rows [][]Expr
	Cols []Column
}

// Filter passes the rows for which Cond is TRUE.
type Filter struct {
	Input Node
	Cond  Expr
}

// Project computes Exprs over each input row; Names are the output names.
type Project struct {
	Input Node
	Exprs []Expr
	Names []string
}

// AggFunc is an aggregate function.
type AggFunc uint8

// Aggregates. Result types: count → BIGINT; sum of an integer → BIGINT
// (overflow is an error; DuckDB widens to HUGEINT, Frigatebird has no
// 128-bit type), of a DECIMAL(p,s) → DECIMAL(18,s), of a float → DOUBLE;
// avg of an integer or float → DOUBLE, of a DECIMAL(p,s) → DOUBLE; min and
// max → the argument's type. NULL arguments are ignored; over no rows (or
// only NULLs) count is 0 and the others are NULL.
const (
	AggCount     AggFunc = iota + 1 // count(x): non-NULL values
	AggCountStar                    // count(*): rows
	AggSum
	AggAvg
	AggMin
	AggMax
)

var aggNames = [...]string{AggCount: "count", AggCountStar: "count_star", AggSum: "sum", AggAvg: "avg", AggMin: "min", AggMax: "max"}

func (f AggFunc) String() string {
	if int(f) < len(aggNames) && aggNames[f] != "" {
		return aggNames[f]
	}
	return fmt.Sprintf("AggFunc(%d)", f)
}

// AggCall is one aggregate of an Aggregate node.
type AggCall struct {
	Func AggFunc
	// Arg is over the Aggregate's input; nil for count(*).
	Arg Expr
	// Distinct aggregates distinct non-NULL values only.
	Distinct bool
	// T is the result type.
	T types.Type
}

func (a AggCall) String() string {
	switch {
	case a.Func == AggCountStar:
		return "count(*)"
	case a.Distinct:
		return a.Func.String() + "(DISTINCT " + a.Arg.String() + ")"
	}
	return a.Func.String() + "(" + a.Arg.String() + ")"
}

// Aggregate groups its input by Groups and computes Aggs per group. Its
// output is the group expressions' values, then the aggregates' results,
// in order. With no Groups it produces exactly one row, even from no input
// (count 0, other aggregates NULL). DISTINCT is an Aggregate with every
// column a group and no aggregates.
type Aggregate struct {
	Input  Node
	Groups []Expr
	Aggs   []AggCall
	// Names are the output column names (len(Groups)+len(Aggs)).
	Names []string
}

// SortKey is one ORDER BY key.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool // resolved: PostgreSQL's default is NULLS LAST ascending, FIRST descending
}

// Sort orders its input by Keys (stable is not promised). When Limit >= 0
// it is a top-N: only the first Offset+Limit rows are kept.
type Sort struct {
	Input Node
	Keys  []SortKey
	// Limit and Offset are a LIMIT folded into the sort (top-N); Limit < 0
	// means no limit.
	Limit, Offset int64
}

// Limit passes rows [Offset, Offset+Count) of its input; Count < 0 means
// no limit. The executor stops the scan once Count rows have passed.
type Limit struct {
	Input         Node
	Count, Offset int64
}

// Columns implementations.

func (s *Scan) Columns() []Column   { return s.out }
func (*OneRow) Columns() []Column   { return nil }
func (v *Values) Columns() []Column { return v.Cols }
func (f *Filter) Columns() []Column { return f.Input.Columns() }

func (p *Project) Columns() []Column {
	out := make([]Column, len(p.Exprs))
	for i, e := range p.Exprs {
		out[i] = Column{Name: p.Names[i], T: e.Type()}
		if c, ok := e.(*ColRef); ok && c.Index < len(p.Input.Columns()) {
			out[i].Table = p.Input.Columns()[c.Index].Table
		}
	}
	return out
}

func (a *Aggregate) Columns() []Column {
	out := make([]Column, 0, len(a.Groups)+len(a.Aggs))
	for i, g := range a.Groups {
		out = append(out, Column{Name: a.Names[i], T: g.Type()})
	}
	for i, ag := range a.Aggs {
		out = append(out, Column{Name: a.Names[len(a.Groups)+i], T: ag.T})
	}
	return out
}

func (s *Sort) Columns() []Column  { return s.Input.Columns() }
func (l *Limit) Columns() []Column { return l.Input.Columns() }

func (*Scan) Inputs() []Node        { return nil }
func (*OneRow) Inputs() []Node      { return nil }
func (*Values) Inputs() []Node      { return nil }
func (f *Filter) Inputs() []Node    { return []Node{f.Input} }
func (p *Project) Inputs() []Node   { return []Node{p.Input} }
func (a *Aggregate) Inputs() []Node { return []Node{a.Input} }
func (s *Sort) Inputs() []Node      { return []Node{s.Input} }
func (l *Limit) Inputs() []Node     { return []Node{l.Input} }

func (*Scan) nodeNode()      {}
func (*OneRow) nodeNode()    {}
func (*Values) nodeNode()    {}
func (*Filter) nodeNode()    {}
func (*Project) nodeNode()   {}
func (*Aggregate) nodeNode() {}
func (*Sort) nodeNode()      {}
func (*Limit) nodeNode()     {}
