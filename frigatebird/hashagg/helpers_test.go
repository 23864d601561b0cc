package hashagg

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// vecOf returns a vector of type t holding vals (NULLs where Null).
func vecOf(t types.Type, vals []types.Value) *vector.Vector {
	v := vector.New(t)
	v.Reset(t, len(vals))
	if t.Phys() == types.PhysBool {
		clear(v.Bools)
	}
	for i, x := range vals {
		switch t.Phys() {
		case types.PhysInt64:
			v.Ints[i] = x.Int
		case types.PhysFloat64:
			v.Floats[i] = x.Float
		case types.PhysBool:
			v.SetBool(i, x.Bool)
		case types.PhysBytes:
			s := x.Str
			if x.Null {
				s = ""
			}
			v.AppendStr(i, []byte(s))
		}
		if x.Null {
			v.SetNull(i)
		}
	}
	return v
}

// batchOf returns a batch of n rows of columns of the given types and
// values.
func batchOf(n int, ts []types.Type, cols [][]types.Value, sel []uint16) *vector.Batch {
	b := &vector.Batch{Sel: sel, Len: n}
	for j, t := range ts {
		b.Cols = append(b.Cols, vecOf(t, cols[j]))
	}
	return b
}

// batchTypes returns the column types of a batch for s.
func batchTypes(s Spec) []types.Type {
	ts := append([]types.Type(nil), s.Groups...)
	for _, a := range s.Aggs {
		if a.Func != plan.AggCountStar {
			ts = append(ts, a.Arg)
		}
	}
	return ts
}

// collect reads every row of r, checking the batch contract on the way.
func collect(t testing.TB, r *Result) [][]types.Value {
	t.Helper()
	var rows [][]types.Value
	// Stale vectors of other types, and a selection, must be reset.
	out := vector.Batch{Cols: []*vector.Vector{vecOf(types.Text, strs("stale", "x")), nil, vector.New(types.Boolean)}, Len: 2, Sel: []uint16{1}}
	for r.Next(&out) {
		if out.Len < 1 || out.Len > vector.Size || out.Sel != nil {
			t.Fatalf("batch of %d rows, sel %v", out.Len, out.Sel)
		}
		for i := 0; i < out.Len; i++ {
			row := make([]types.Value, len(out.Cols))
			for j, v := range out.Cols {
				if v.Len != out.Len {
					t.Fatalf("column %d has %d rows in a batch of %d", j, v.Len, out.Len)
				}
				row[j] = v.Value(i)
			}
			rows = append(rows, row)
		}
	}
	if len(rows) != r.Len() {
		t.Fatalf("read %d rows, Len %d", len(rows), r.Len())
	}
	if r.Next(&out) {
		t.Fatal("Next after the end reported true")
	}
	return rows
}

// valueKey is a canonical text of a value for grouping in references:
// SQL grouping equality (NULL = NULL, NaN = NaN, -0.0 = 0.0).
func valueKey(v types.Value) string {
	if v.Null {
		return "N"
	}
	switch v.Type.Phys() {
	case types.PhysInt64:
		return "I" + strconv.FormatInt(v.Int, 10)
	case types.PhysFloat64:
		f := v.Float
		switch {
		case math.IsNaN(f):
			return "Fnan"
		case f == 0:
			return "F0"
		}
		return "F" + strconv.FormatFloat(f, 'g', -1, 64)
	case types.PhysBool:
		return "B" + strconv.FormatBool(v.Bool)
	}
	return "S" + strconv.Quote(v.Str)
}

func rowKey(vals []types.Value) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = valueKey(v)
	}
	return strings.Join(parts, "|")
}

// sortedRows returns the rows' canonical texts, sorted.
func sortedRows(rows [][]types.Value) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = rowKey(r)
	}
	slices.Sort(out)
	return out
}

func ints(t types.Type, xs ...int64) []types.Value {
	out := make([]types.Value, len(xs))
	for i, x := range xs {
		out[i] = types.IntValue(t, x)
	}
	return out
}

func floats(xs ...float64) []types.Value {
	out := make([]types.Value, len(xs))
	for i, x := range xs {
		out[i] = types.DoubleValue(x)
	}
	return out
}

func strs(xs ...string) []types.Value {
	out := make([]types.Value, len(xs))
	for i, x := range xs {
		out[i] = types.TextValue(x)
	}
	return out
}

// null returns vals with the listed rows set NULL.
func null(vals []types.Value, rows ...int) []types.Value {
	for _, r := range rows {
		vals[r] = types.NullValue(vals[r].Type)
	}
	return vals
}
