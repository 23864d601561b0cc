package frigatebird

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/exec"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Rows is a query's result, held in memory in columnar form. Read it with
// Next and Values (or Scan), or by index with Value.
type Rows struct {
	columns []string
	types   []types.Type
	data    *vector.Collection
	cur     int
	// Plan is the executed physical plan (nil for EXPLAIN's own rows).
	Plan *exec.Plan
}

func newRows(names []string, res *exec.Result) *Rows {
	r := &Rows{columns: names, data: res.Rows, cur: -1, Plan: res.Plan}
	for _, c := range res.Columns {
		r.types = append(r.types, c.T)
	}
	return r
}

// textRows is a one-column VARCHAR result (EXPLAIN).
func textRows(column string, lines []string) *Rows {
	c := vector.NewCollection([]types.Type{types.Text})
	v := vector.New(types.Text)
	for _, l := range lines {
		v.Reset(types.Text, 1)
		v.AppendStr(0, []byte(l))
		c.Append(&vector.Batch{Cols: []*vector.Vector{v}, Len: 1})
	}
	return &Rows{columns: []string{column}, types: []types.Type{types.Text}, data: c, cur: -1}
}

// Columns returns the column names.
func (r *Rows) Columns() []string { return r.columns }

// Types returns the column types.
func (r *Rows) Types() []types.Type { return r.types }

// Len returns the number of rows.
func (r *Rows) Len() int { return r.data.Len() }

// Value returns column j of row i.
func (r *Rows) Value(i, j int) types.Value { return r.data.Value(i, j) }

// Next advances to the next row; false after the last.
func (r *Rows) Next() bool {
	if r.cur+1 >= r.data.Len() {
		r.cur = r.data.Len()
		return false
	}
	r.cur++
	return true
}

// Values returns the current row.
func (r *Rows) Values() []types.Value {
	out := make([]types.Value, len(r.types))
	for j := range out {
		out[j] = r.data.Value(r.cur, j)
	}
	return out
}

// Scan copies the current row into dest: *int64, *float64, *bool,
// *string, *types.Value or *any (nil for NULL). A NULL into anything but
// *types.Value, *any or a pointer to a pointer is an error.
func (r *Rows) Scan(dest ...any) error {
	if r.cur < 0 || r.cur >= r.data.Len() {
		return fmt.Errorf("frigatebird: Scan without a current row")
	}
	if len(dest) != len(r.types) {
		return fmt.Errorf("frigatebird: Scan into %d values, the row has %d", len(dest), len(r.types))
	}
	for j, d := range dest {
		v := r.data.Value(r.cur, j)
		if err := scanValue(v, d); err != nil {
			return fmt.Errorf("frigatebird: column %s: %w", r.columns[j], err)
		}
	}
	return nil
}

func scanValue(v types.Value, dest any) error {
	switch d := dest.(type) {
	case *types.Value:
		*d = v
		return nil
	case *any:
		*d = GoValue(v)
		return nil
	}
	if v.Null {
		return fmt.Errorf("NULL cannot be scanned into %T", dest)
	}
	switch d := dest.(type) {
	case *int64:
		if v.Type.Phys() != types.PhysInt64 || v.Type.Kind == types.KindDecimal {
			return fmt.Errorf("%s cannot be scanned into *int64", v.Type)
		}
		*d = v.Int
	case *float64:
		switch {
		case v.Type.Phys() == types.PhysFloat64:
			*d = v.Float
		case v.Type.Kind == types.KindDecimal:
			*d = types.DecimalToFloat(v.Int, v.Type.Scale)
		case v.Type.IsInteger():
			*d = float64(v.Int)
		default:
			return fmt.Errorf("%s cannot be scanned into *float64", v.Type)
		}
	case *bool:
		if v.Type.Kind != types.KindBoolean {
			return fmt.Errorf("%s cannot be scanned into *bool", v.Type)
		}
		*d = v.Bool
	case *string:
		*d = v.String()
	default:
		return fmt.Errorf("cannot scan into %T", dest)
	}
	return nil
}

// GoValue converts a value to the Go value database/sql drivers use:
// nil, int64, float64, bool or string (DECIMAL, DATE and TIMESTAMP as
// their text).
func GoValue(v types.Value) any {
	if v.Null {
		return nil
	}
	switch {
	case v.Type.IsInteger():
		return v.Int
	case v.Type.Phys() == types.PhysFloat64:
		return v.Float
	case v.Type.Kind == types.KindBoolean:
		return v.Bool
	case v.Type.Kind == types.KindVarchar:
		return v.Str
	}
	return v.String()
}
