package exec

import (
	"math"
	"testing"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// TestCompareTest checks zone-map tests against the values a chunk could
// hold: a test may say "maybe" wrongly, never "no" wrongly.
func TestCompareTest(t *testing.T) {
	ints := &chunk.ZoneMap{Type: chunk.TypeInt64, Rows: 10, HasMinMax: true, MinInt: 10, MaxInt: 20}
	for _, c := range []struct {
		op   vector.CmpOp
		v    int64
		want bool
	}{
		{vector.Eq, 9, false}, {vector.Eq, 10, true}, {vector.Eq, 21, false},
		{vector.Lt, 10, false}, {vector.Lt, 11, true}, {vector.Le, 10, true}, {vector.Le, 9, false},
		{vector.Gt, 20, false}, {vector.Gt, 19, true}, {vector.Ge, 20, true}, {vector.Ge, 21, false},
		{vector.Ne, 15, true}, {vector.Lt, math.MinInt64, false}, {vector.Gt, math.MaxInt64, false},
	} {
		test, ok := compareTest(c.op, types.BigInt, types.IntValue(types.BigInt, c.v))
		if !ok {
			t.Fatalf("%v %d: no test", c.op, c.v)
		}
		if got := test(ints); got != c.want {
			t.Errorf("[10,20] %v %d: %v, want %v", c.op, c.v, got, c.want)
		}
	}
	one := &chunk.ZoneMap{Type: chunk.TypeInt64, Rows: 3, HasMinMax: true, MinInt: 5, MaxInt: 5}
	if test, _ := compareTest(vector.Ne, types.BigInt, types.IntValue(types.BigInt, 5)); test(one) {
		t.Error("<> 5 on an all-5 chunk should prune")
	}
	allNull := &chunk.ZoneMap{Type: chunk.TypeInt64, Rows: 3, Nulls: 3}
	if test, _ := compareTest(vector.Ne, types.BigInt, types.IntValue(types.BigInt, 5)); test(allNull) {
		t.Error("an all-NULL chunk matches no comparison")
	}

	// Decimal constants of a smaller scale are rescaled; larger ones are
	// not pruned on.
	dec := types.MustDecimal(10, 2)
	dz := &chunk.ZoneMap{Type: chunk.TypeInt64, Rows: 1, HasMinMax: true, MinInt: 150, MaxInt: 250} // 1.50 .. 2.50
	test, ok := compareTest(vector.Gt, dec, types.IntValue(types.MustDecimal(3, 1), 25))            // > 2.5
	if !ok || test(dz) {
		t.Error("decimal 1.50..2.50 > 2.5 should prune")
	}
	if _, ok := compareTest(vector.Gt, dec, types.IntValue(types.MustDecimal(5, 3), 2500)); ok {
		t.Error("a constant with more decimals than the column must not prune")
	}

	floats := &chunk.ZoneMap{Type: chunk.TypeFloat64, Rows: 4, HasMinMax: true, MinFloat: -1, MaxFloat: 1}
	nan := *floats
	nan.HasNaN = true
	test, _ = compareTest(vector.Gt, types.Double, types.DoubleValue(2))
	if test(floats) || !test(&nan) {
		t.Error("> 2: NaN is above every number, so only the chunk with NaN may match")
	}
	test, _ = compareTest(vector.Lt, types.Double, types.DoubleValue(-1))
	if test(floats) {
		t.Error("< -1 on [-1, 1] should prune")
	}

	strs := &chunk.ZoneMap{Type: chunk.TypeBytes, Rows: 4, HasMinMax: true, MinBytes: []byte("b"), MaxBytes: []byte("d")}
	cut := &chunk.ZoneMap{Type: chunk.TypeBytes, Rows: 4, HasMinMax: true, MinBytes: []byte("b"), MaxBytes: []byte("d"), MaxTruncated: true}
	for _, c := range []struct {
		op       vector.CmpOp
		v        string
		want     bool
		wantTrim bool
	}{
		{vector.Lt, "b", false, false}, {vector.Le, "b", true, true}, {vector.Gt, "d", false, false},
		{vector.Ge, "d", true, false}, {vector.Eq, "c", true, true}, {vector.Eq, "a", false, false},
	} {
		test, _ := compareTest(c.op, types.Text, types.TextValue(c.v))
		if got := test(strs); got != c.want {
			t.Errorf("['b','d'] %v %q: %v, want %v", c.op, c.v, got, c.want)
		}
		if c.op == vector.Ge || c.op == vector.Gt {
			if got := test(cut); got != c.wantTrim {
				t.Errorf("cut max 'd' %v %q: %v, want %v", c.op, c.v, got, c.wantTrim)
			}
		}
	}
}
