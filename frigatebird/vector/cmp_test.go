package vector

import (
	"math"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

var cmpTypes = []types.Type{types.BigInt, types.Double, types.Text, types.Boolean}

// refCmp is the scalar reference: NULL (ok false) when either is NULL.
func refCmp(op CmpOp, a, b types.Value) (res, ok bool) {
	if a.Null || b.Null {
		return false, false
	}
	c, err := types.Compare(a, b)
	if err != nil {
		panic(err)
	}
	return op.Holds(c), true
}

func TestFilterAgainstScalar(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		typ := cmpTypes[r.IntN(len(cmpTypes))]
		n := randLen(r)
		a, b := randVector(r, typ, n), randVector(r, typ, n)
		sel := randSel(r, n)
		for op := Eq; op <= Ge; op++ {
			// vector-vector
			var want []int
			for _, i := range rows(sel, n) {
				if ok, valid := refCmp(op, a.Value(i), b.Value(i)); ok && valid {
					want = append(want, i)
				}
			}
			got, err := Filter(op, a, b, sel, make([]uint16, 0, Size))
			if err != nil {
				t.Fatal(err)
			}
			equalSel(t, typ.String()+" vec "+op.String(), got, want)
			// vector-constant, the constant drawn from b or an edge.
			if n == 0 {
				continue
			}
			c := b.Value(r.IntN(n))
			if c.Null {
				c.Null = false
			}
			if typ == types.Double && r.IntN(3) == 0 {
				c.Float = edgeFloats[r.IntN(len(edgeFloats))]
			}
			want = want[:0]
			for _, i := range rows(sel, n) {
				if ok, valid := refCmp(op, a.Value(i), c); ok && valid {
					want = append(want, i)
				}
			}
			// In place: out aliases a copy of sel.
			var in []uint16
			if sel != nil {
				in = append(make([]uint16, 0, Size), sel...)
			}
			got, err = FilterConst(op, a, c, in, in[:0:cap(in)])
			if in == nil {
				got, err = FilterConst(op, a, c, nil, make([]uint16, 0, Size))
			}
			if err != nil {
				t.Fatal(err)
			}
			equalSel(t, typ.String()+" const "+op.String()+" "+c.String(), got, want)

			// Projection form.
			res := New(types.Boolean)
			if err := CompareConst(op, a, c, sel, res, nil); err != nil {
				t.Fatal(err)
			}
			for _, i := range rows(sel, n) {
				w, valid := refCmp(op, a.Value(i), c)
				if res.IsValid(i) != valid || (valid && res.Bool(i) != w) {
					t.Fatalf("%s compare const row %d: got %v/%v want %v/%v", typ, i, res.Bool(i), res.IsValid(i), w, valid)
				}
			}
			if err := Compare(op, a, b, sel, res, nil); err != nil {
				t.Fatal(err)
			}
			for _, i := range rows(sel, n) {
				w, valid := refCmp(op, a.Value(i), b.Value(i))
				if res.IsValid(i) != valid || (valid && res.Bool(i) != w) {
					t.Fatalf("%s compare row %d: got %v/%v want %v/%v", typ, i, res.Bool(i), res.IsValid(i), w, valid)
				}
			}
		}
	}
}

func TestFloatSQLOrder(t *testing.T) {
	nan, negz := math.NaN(), math.Copysign(0, -1)
	v := New(types.Double)
	v.Reset(types.Double, 4)
	copy(v.Floats, []float64{nan, 1, negz, math.Inf(1)})
	cases := []struct {
		op   CmpOp
		c    float64
		want []int
	}{
		{Gt, 1, []int{0, 3}},      // NaN above everything
		{Eq, nan, []int{0}},       // NaN = NaN
		{Eq, 0, []int{2}},         // -0 = 0
		{Ge, nan, []int{0}},       // only NaN >= NaN
		{Lt, nan, []int{1, 2, 3}}, // everything else below NaN
		{Le, math.Inf(1), []int{1, 2, 3}},
	}
	for _, c := range cases {
		got := FilterFloat64Const(c.op, v, c.c, nil, nil)
		equalSel(t, c.op.String(), got, c.want)
	}
}

func TestFilterInt64AllocsNothing(t *testing.T) {
	v := New(types.BigInt)
	v.Reset(types.BigInt, Size)
	for i := range v.Ints {
		v.Ints[i] = int64(i)
	}
	out := make([]uint16, 0, Size)
	allocs := testing.AllocsPerRun(100, func() {
		out = FilterInt64Const(Lt, v, 1000, nil, out)
		out = FilterInt64Const(Ge, v, 10, out, out)
	})
	if allocs != 0 {
		t.Fatalf("FilterInt64Const allocates %v times per run", allocs)
	}
	if len(out) != 990 {
		t.Fatalf("got %d rows, want 990", len(out))
	}
}

func TestSelBitmapRoundTrip(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		n := randLen(r)
		sel := randSel(r, n)
		bm := SelToBitmap(sel, n, nil)
		back := BitmapToSel(bm, n, nil)
		equalSel(t, "round trip", back, rows(sel, n))
	}
	if s := BitmapToSel([]uint64{0}, 10, nil); s == nil || len(s) != 0 {
		t.Fatalf("empty selection must be non-nil and empty, got %v", s)
	}
}
