package hashagg

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// resultOf is the documented result type of f over arg (written apart
// from the package's rule, to check it).
func resultOf(f plan.AggFunc, arg types.Type) types.Type {
	switch f {
	case plan.AggCount, plan.AggCountStar:
		return types.BigInt
	case plan.AggAvg:
		return types.Double
	case plan.AggSum:
		switch arg.Kind {
		case types.KindDecimal:
			return types.MustDecimal(18, arg.Scale)
		case types.KindReal, types.KindDouble:
			return types.Double
		}
		return types.BigInt
	}
	return arg
}

func agg(f plan.AggFunc, arg types.Type, distinct bool) Agg {
	if f == plan.AggCountStar {
		arg = types.Type{}
	}
	return Agg{Func: f, Arg: arg, Distinct: distinct, T: resultOf(f, arg)}
}

// runSpec adds the batches round-robin to nLocals locals and merges them
// with workers goroutines.
func runSpec(t testing.TB, s Spec, batches []*vector.Batch, nLocals, workers int) ([][]types.Value, error) {
	t.Helper()
	locals := make([]*Local, nLocals)
	for i := range locals {
		locals[i] = NewLocal(s)
	}
	for i, b := range batches {
		if err := locals[i%nLocals].Add(b); err != nil {
			return nil, err
		}
	}
	r, err := Merge(locals, workers)
	if err != nil {
		return nil, err
	}
	return collect(t, r), nil
}

var (
	dec102 = types.MustDecimal(10, 2)
	dec180 = types.MustDecimal(18, 0)
	nan2   = math.Float64frombits(0x7ff8000000000001) // another NaN
	negZ   = math.Copysign(0, -1)
)

func bools(xs ...bool) []types.Value {
	out := make([]types.Value, len(xs))
	for i, x := range xs {
		out[i] = types.BoolValue(x)
	}
	return out
}

type aggCase struct {
	name     string
	fn       plan.AggFunc
	arg      types.Type
	distinct bool
	vals     []types.Value
	sel      []uint16
	want     types.Value // Type is filled in from the result type
	wantErr  error
}

var aggCases = []aggCase{
	{name: "count star sel", fn: plan.AggCountStar, arg: types.BigInt, vals: null(ints(types.BigInt, 1, 2, 3, 4), 2), sel: []uint16{0, 2, 3}, want: types.Value{Int: 3}},
	{name: "count nulls", fn: plan.AggCount, arg: types.BigInt, vals: null(ints(types.BigInt, 1, 2, 3, 4), 2), sel: []uint16{0, 2, 3}, want: types.Value{Int: 2}},
	{name: "count strings", fn: plan.AggCount, arg: types.Text, vals: null(strs("a", "", "b"), 2), want: types.Value{Int: 2}},
	{name: "count all null", fn: plan.AggCount, arg: types.Double, vals: null(floats(1, 2), 0, 1), want: types.Value{Int: 0}},
	{name: "sum integer", fn: plan.AggSum, arg: types.Integer, vals: null(ints(types.Integer, 1, 2, 100, 40), 2), want: types.Value{Int: 43}},
	{name: "sum sel", fn: plan.AggSum, arg: types.BigInt, vals: ints(types.BigInt, 1, 1000, 2), sel: []uint16{0, 2}, want: types.Value{Int: 3}},
	{name: "sum all null", fn: plan.AggSum, arg: types.SmallInt, vals: null(ints(types.SmallInt, 1, 2), 0, 1), want: types.Value{Null: true}},
	{name: "sum decimal", fn: plan.AggSum, arg: dec102, vals: null(ints(dec102, 125, -50, 7), 2), want: types.Value{Int: 75}},
	{name: "sum double", fn: plan.AggSum, arg: types.Double, vals: null(floats(0.5, 1.5, 99), 2), want: types.Value{Float: 2}},
	{name: "sum real", fn: plan.AggSum, arg: types.Real, vals: []types.Value{{Type: types.Real, Float: 0.5}}, want: types.Value{Float: 0.5}},
	{name: "sum nan", fn: plan.AggSum, arg: types.Double, vals: floats(1, math.NaN(), 2), want: types.Value{Float: math.NaN()}},
	{name: "sum inf", fn: plan.AggSum, arg: types.Double, vals: floats(math.Inf(1), math.Inf(-1)), want: types.Value{Float: math.NaN()}},
	{name: "sum cancelling overflow", fn: plan.AggSum, arg: types.BigInt, vals: ints(types.BigInt, math.MaxInt64, math.MaxInt64, math.MinInt64, math.MinInt64, 5), want: types.Value{Int: 3}},
	{name: "sum overflow", fn: plan.AggSum, arg: types.BigInt, vals: ints(types.BigInt, math.MaxInt64, 1), wantErr: types.ErrOutOfRange},
	{name: "sum negative overflow", fn: plan.AggSum, arg: types.BigInt, vals: ints(types.BigInt, math.MinInt64, -1), wantErr: types.ErrOutOfRange},
	{name: "sum decimal overflow", fn: plan.AggSum, arg: dec180, vals: ints(dec180, 999999999999999999, 1), wantErr: types.ErrOutOfRange},
	{name: "sum decimal at limit", fn: plan.AggSum, arg: dec180, vals: ints(dec180, 999999999999999998, 1), want: types.Value{Int: 999999999999999999}},
	{name: "sum overflow outside sel", fn: plan.AggSum, arg: types.BigInt, vals: ints(types.BigInt, math.MaxInt64, 1), sel: []uint16{0}, want: types.Value{Int: math.MaxInt64}},
	{name: "avg integer", fn: plan.AggAvg, arg: types.Integer, vals: null(ints(types.Integer, 1, 2, 9, 4), 2), want: types.Value{Float: 7.0 / 3}},
	{name: "avg bigint past int64", fn: plan.AggAvg, arg: types.BigInt, vals: ints(types.BigInt, math.MaxInt64, math.MaxInt64), want: types.Value{Float: math.MaxInt64}},
	{name: "avg decimal", fn: plan.AggAvg, arg: dec102, vals: ints(dec102, 125, 50), want: types.Value{Float: 0.875}},
	{name: "avg double", fn: plan.AggAvg, arg: types.Double, vals: floats(1, 2), want: types.Value{Float: 1.5}},
	{name: "avg all null", fn: plan.AggAvg, arg: types.Double, vals: null(floats(1), 0), want: types.Value{Null: true}},
	{name: "min bigint", fn: plan.AggMin, arg: types.BigInt, vals: null(ints(types.BigInt, 3, -7, -100, 10), 2), want: types.Value{Int: -7}},
	{name: "max bigint", fn: plan.AggMax, arg: types.BigInt, vals: null(ints(types.BigInt, 3, -7, 100, 10), 2), want: types.Value{Int: 10}},
	{name: "max bigint extremes", fn: plan.AggMax, arg: types.BigInt, vals: ints(types.BigInt, math.MinInt64), want: types.Value{Int: math.MinInt64}},
	{name: "min bigint extremes", fn: plan.AggMin, arg: types.BigInt, vals: ints(types.BigInt, math.MaxInt64), want: types.Value{Int: math.MaxInt64}},
	{name: "min date", fn: plan.AggMin, arg: types.Date, vals: ints(types.Date, 20000, -5, 300), want: types.Value{Int: -5}},
	{name: "max timestamp sel", fn: plan.AggMax, arg: types.Timestamp, vals: ints(types.Timestamp, 5, 99, 7), sel: []uint16{0, 2}, want: types.Value{Int: 7}},
	{name: "min double nan", fn: plan.AggMin, arg: types.Double, vals: floats(1, math.NaN(), -2), want: types.Value{Float: -2}},
	{name: "max double nan", fn: plan.AggMax, arg: types.Double, vals: floats(1, math.NaN(), -2), want: types.Value{Float: math.NaN()}},
	{name: "min only nan", fn: plan.AggMin, arg: types.Double, vals: floats(math.NaN(), nan2), want: types.Value{Float: math.NaN()}},
	{name: "max -inf", fn: plan.AggMax, arg: types.Double, vals: floats(math.Inf(-1)), want: types.Value{Float: math.Inf(-1)}},
	{name: "min double all null", fn: plan.AggMin, arg: types.Double, vals: null(floats(1), 0), want: types.Value{Null: true}},
	{name: "min string", fn: plan.AggMin, arg: types.Text, vals: null(strs("b", "abc", "ab", "", "zz"), 3), want: types.Value{Str: "ab"}},
	{name: "max string", fn: plan.AggMax, arg: types.Text, vals: null(strs("b", "abc", "ab", "", "zz"), 4), want: types.Value{Str: "b"}},
	{name: "min string empty", fn: plan.AggMin, arg: types.Varchar(3), vals: strs("b", "", "a"), want: types.Value{Str: ""}},
	{name: "max string bytes", fn: plan.AggMax, arg: types.Text, vals: strs("é", "z", "\xff"), want: types.Value{Str: "\xff"}},
	{name: "min bool", fn: plan.AggMin, arg: types.Boolean, vals: bools(true, false, true), want: types.Value{Bool: false}},
	{name: "max bool", fn: plan.AggMax, arg: types.Boolean, vals: bools(false, true, false), want: types.Value{Bool: true}},
	{name: "min bool all true", fn: plan.AggMin, arg: types.Boolean, vals: bools(true, true), want: types.Value{Bool: true}},
	{name: "max bool null", fn: plan.AggMax, arg: types.Boolean, vals: null(bools(true), 0), want: types.Value{Null: true}},
	{name: "count distinct", fn: plan.AggCount, distinct: true, arg: types.BigInt, vals: null(ints(types.BigInt, 1, 1, 2, 9, 2, 3), 3), want: types.Value{Int: 3}},
	{name: "sum distinct", fn: plan.AggSum, distinct: true, arg: types.Integer, vals: ints(types.Integer, 1, 1, 2, 2, 3), want: types.Value{Int: 6}},
	{name: "sum distinct decimal", fn: plan.AggSum, distinct: true, arg: dec102, vals: ints(dec102, 150, 150, -25), want: types.Value{Int: 125}},
	{name: "avg distinct", fn: plan.AggAvg, distinct: true, arg: types.BigInt, vals: ints(types.BigInt, 1, 1, 3), want: types.Value{Float: 2}},
	{name: "count distinct extremes", fn: plan.AggCount, distinct: true, arg: types.BigInt, vals: null(ints(types.BigInt, math.MinInt64, math.MinInt64, 0, math.MaxInt64, 7, 0), 4), want: types.Value{Int: 3}},
	{name: "sum distinct extremes", fn: plan.AggSum, distinct: true, arg: types.BigInt, vals: ints(types.BigInt, math.MinInt64, 5, math.MinInt64, 5), want: types.Value{Int: math.MinInt64 + 5}},
	{name: "count distinct strings", fn: plan.AggCount, distinct: true, arg: types.Text, vals: null(strs("a", "a", "b", "c", ""), 3), want: types.Value{Int: 3}},
	{name: "count distinct doubles", fn: plan.AggCount, distinct: true, arg: types.Double, vals: floats(0, negZ, math.NaN(), nan2, 1), want: types.Value{Int: 3}},
	{name: "sum distinct doubles", fn: plan.AggSum, distinct: true, arg: types.Double, vals: floats(0.5, 0.5, 1), want: types.Value{Float: 1.5}},
	{name: "avg distinct doubles", fn: plan.AggAvg, distinct: true, arg: types.Double, vals: floats(2, 2, 4), want: types.Value{Float: 3}},
	{name: "count distinct bools", fn: plan.AggCount, distinct: true, arg: types.Boolean, vals: bools(true, false, true), want: types.Value{Int: 2}},
	{name: "count distinct all null", fn: plan.AggCount, distinct: true, arg: types.BigInt, vals: null(ints(types.BigInt, 1), 0), want: types.Value{Int: 0}},
	{name: "sum distinct all null", fn: plan.AggSum, distinct: true, arg: types.BigInt, vals: null(ints(types.BigInt, 1), 0), want: types.Value{Null: true}},
	{name: "sum distinct overflow", fn: plan.AggSum, distinct: true, arg: types.BigInt, vals: ints(types.BigInt, math.MaxInt64, math.MaxInt64, 1), wantErr: types.ErrOutOfRange},
	{name: "min distinct", fn: plan.AggMin, distinct: true, arg: types.BigInt, vals: ints(types.BigInt, 4, 2, 2), want: types.Value{Int: 2}},
}

// sameValue compares a result with an expected value: floats by SQL
// equality (NaN = NaN) within rel relative error.
func sameValue(got, want types.Value, rel float64) bool {
	if got.Null || want.Null {
		return got.Null == want.Null
	}
	switch got.Type.Phys() {
	case types.PhysInt64:
		return got.Int == want.Int
	case types.PhysFloat64:
		a, b := got.Float, want.Float
		if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
			return types.CompareFloat(a, b) == 0
		}
		return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
	case types.PhysBool:
		return got.Bool == want.Bool
	}
	return got.Str == want.Str
}

// TestAggregates runs each case without GROUP BY (the register path),
// and as group 1 among many other groups of NULL arguments (the
// per-row path), over one and several locals.
func TestAggregates(t *testing.T) {
	for _, c := range aggCases {
		t.Run(c.name, func(t *testing.T) {
			a := agg(c.fn, c.arg, c.distinct)
			want := c.want
			want.Type = a.T
			for _, grouped := range []bool{false, true} {
				for _, nLocals := range []int{1, 3} {
					s := Spec{Aggs: []Agg{a}}
					var batches []*vector.Batch
					if !grouped {
						for i := range c.vals {
							// One batch per value, with the row's sel.
							if c.sel != nil && !slices.Contains(c.sel, uint16(i)) {
								continue
							}
							batches = append(batches, batchOf(1, batchTypes(s), [][]types.Value{c.vals[i : i+1]}, nil))
						}
						if nLocals == 1 {
							// And all rows in one batch.
							batches = []*vector.Batch{batchOf(len(c.vals), batchTypes(s), [][]types.Value{c.vals}, c.sel)}
						}
					} else {
						s.Groups = []types.Type{types.Integer}
						keys := make([]types.Value, 0, len(c.vals)+40)
						vals := slices.Clone(c.vals)
						for range c.vals {
							keys = append(keys, types.IntValue(types.Integer, 1))
						}
						sel := slices.Clone(c.sel)
						for i := range 40 {
							keys = append(keys, types.IntValue(types.Integer, int64(100+i)))
							vals = append(vals, types.NullValue(c.arg))
							if sel != nil {
								sel = append(sel, uint16(len(keys)-1))
							}
						}
						batches = []*vector.Batch{batchOf(len(keys), batchTypes(s), [][]types.Value{keys, vals}, sel)}
						for range nLocals - 1 {
							batches = append(batches, batchOf(len(keys), batchTypes(s), [][]types.Value{keys, vals}, []uint16{}))
						}
					}
					rows, err := runSpec(t, s, batches, nLocals, 2)
					if c.wantErr != nil {
						if !errors.Is(err, c.wantErr) {
							t.Fatalf("grouped %v, %d locals: error %v, want %v", grouped, nLocals, err, c.wantErr)
						}
						if err.Error() != "frigatebird: sum out of range" {
							t.Fatalf("error text %q", err)
						}
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					var got types.Value
					switch {
					case !grouped:
						if len(rows) != 1 {
							t.Fatalf("%d rows without GROUP BY", len(rows))
						}
						got = rows[0][0]
					default:
						if len(rows) != 41 {
							t.Fatalf("%d groups, want 41", len(rows))
						}
						for _, r := range rows {
							if r[0].Int == 1 {
								got = r[1]
							}
						}
					}
					if got.Type != a.T || !sameValue(got, want, 1e-15) {
						t.Fatalf("grouped %v, %d locals: got %v (%s), want %v (%s)", grouped, nLocals, got, got.Type, want, want.Type)
					}
				}
			}
		})
	}
}

// TestNoGroupsNoRows: without GROUP BY there is one row even with no
// input: count 0, the other aggregates NULL.
func TestNoGroupsNoRows(t *testing.T) {
	s := Spec{Aggs: []Agg{
		agg(plan.AggCountStar, types.Type{}, false), agg(plan.AggCount, types.Text, false), agg(plan.AggCount, types.BigInt, true),
		agg(plan.AggSum, types.BigInt, false), agg(plan.AggSum, types.Double, true), agg(plan.AggAvg, dec102, false),
		agg(plan.AggMin, types.Text, false), agg(plan.AggMax, types.Double, false), agg(plan.AggMax, types.Boolean, false),
	}}
	for _, nLocals := range []int{1, 4} {
		empty := batchOf(0, batchTypes(s), make([][]types.Value, len(batchTypes(s))), nil)
		rows, err := runSpec(t, s, []*vector.Batch{empty}, nLocals, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d rows", len(rows))
		}
		got := rowKey(rows[0])
		if want := "I0|I0|I0|N|N|N|N|N|N"; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	// No aggregates either: one row of no columns.
	rows, err := runSpec(t, Spec{}, nil, 2, 2)
	if err != nil || len(rows) != 1 || len(rows[0]) != 0 {
		t.Fatalf("empty spec: %v %v", rows, err)
	}
	// GROUP BY over no rows: no row.
	rows, err = runSpec(t, Spec{Groups: []types.Type{types.Text}, Aggs: s.Aggs}, nil, 3, 2)
	if err != nil || len(rows) != 0 {
		t.Fatalf("grouped, no rows: %v %v", rows, err)
	}
}

// TestGroupKeys: NULL is a group of its own, -0.0 and 0.0 are one group,
// every NaN is one group; multi-column keys with strings and booleans.
func TestGroupKeys(t *testing.T) {
	cs := agg(plan.AggCountStar, types.Type{}, false)
	cases := []struct {
		name string
		ts   []types.Type
		keys [][]types.Value
		want []string
	}{
		{"int nulls", []types.Type{types.BigInt}, [][]types.Value{null(ints(types.BigInt, 0, 1, 0, 5, 1, 0), 3, 5)},
			[]string{"I0|I2", "I1|I2", "N|I2"}},
		{"floats", []types.Type{types.Double}, [][]types.Value{null(floats(0, negZ, math.NaN(), nan2, math.Inf(1), 2, 0), 6)},
			[]string{"F+Inf|I1", "F0|I2", "F2|I1", "Fnan|I2", "N|I1"}},
		{"strings", []types.Type{types.Text}, [][]types.Value{null(strs("a", "", "a", "b", "x", "", "ab"), 4)},
			[]string{"N|I1", `S""|I2`, `S"a"|I2`, `S"ab"|I1`, `S"b"|I1`}},
		{"bools", []types.Type{types.Boolean}, [][]types.Value{null(bools(true, false, true, true), 3)},
			[]string{"Bfalse|I1", "Btrue|I2", "N|I1"}},
		{"string and int", []types.Type{types.Text, types.Integer}, [][]types.Value{
			null(strs("a", "a", "b", "a", "x", "x"), 4, 5),
			null(ints(types.Integer, 1, 2, 1, 1, 7, 8), 5)},
			[]string{"N|I7|I1", "N|N|I1", `S"a"|I1|I2`, `S"a"|I2|I1`, `S"b"|I1|I1`}},
		{"all null pairs", []types.Type{types.Double, types.Text}, [][]types.Value{
			null(floats(1, 1, 1, 1), 0, 1), null(strs("a", "b", "a", "b"), 0, 2)},
			[]string{`F1|S"b"|I1`, `F1|N|I1`, `N|N|I1`, `N|S"b"|I1`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Spec{Groups: c.ts, Aggs: []Agg{cs}}
			for _, nLocals := range []int{1, 2} {
				// The second local gets an empty batch.
				batches := []*vector.Batch{batchOf(len(c.keys[0]), c.ts, c.keys, nil), batchOf(len(c.keys[0]), c.ts, c.keys, []uint16{})}
				rows, err := runSpec(t, s, batches, nLocals, 2)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(c.want)
				if got := sortedRows(rows); !slices.Equal(got, c.want) {
					t.Fatalf("%d locals: got %q, want %q", nLocals, got, c.want)
				}
			}
		})
	}
}

// TestAddAllocs: adding a batch whose groups exist allocates nothing, on
// each probe path (single int key, word keys, general keys, distinct),
// unsplit and split.
func TestAddAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	specs := []Spec{
		{Groups: []types.Type{types.BigInt}, Aggs: []Agg{agg(plan.AggSum, types.BigInt, false), agg(plan.AggCountStar, types.Type{}, false)}},
		{Groups: []types.Type{types.Text, types.BigInt}, Aggs: []Agg{agg(plan.AggAvg, types.BigInt, false), agg(plan.AggMax, types.BigInt, false)}},
		{Groups: []types.Type{types.Double, types.Text}, Aggs: []Agg{agg(plan.AggMin, types.BigInt, false)}},
		{Groups: []types.Type{types.Text}, Aggs: []Agg{agg(plan.AggCount, types.BigInt, true)}},
		{Aggs: []Agg{agg(plan.AggSum, types.BigInt, true), agg(plan.AggMin, types.BigInt, false)}},
	}
	for i, s := range specs {
		for _, groups := range []int{10, 10000} {
			var batches []*vector.Batch
			for bi := range 5 {
				cols := make([][]types.Value, len(batchTypes(s)))
				for r := range vector.Size {
					for j, ty := range batchTypes(s) {
						k := int64((r + bi*vector.Size) % groups)
						var v types.Value
						switch ty.Phys() {
						case types.PhysInt64:
							v = types.IntValue(ty, k)
						case types.PhysFloat64:
							v = types.DoubleValue(float64(k))
						default:
							v = types.TextValue(fmt.Sprint("key ", k))
						}
						cols[j] = append(cols[j], v)
					}
				}
				batches = append(batches, batchOf(vector.Size, batchTypes(s), cols, nil))
			}
			l := NewLocal(s)
			add := func() {
				for _, b := range batches {
					if err := l.Add(b); err != nil {
						t.Fatal(err)
					}
				}
			}
			for range 3 {
				add()
			}
			if split := len(l.parts) > 1; split != (len(s.Groups) > 0 && groups > partitionAfterGroups) {
				t.Fatalf("spec %d, %d groups: %d partitions", i, groups, len(l.parts))
			}
			if allocs := testing.AllocsPerRun(10, add); allocs != 0 {
				t.Errorf("spec %d, %d groups (%d partitions): %.1f allocations per Add", i, groups, len(l.parts), allocs)
			}
		}
	}
}
