package vector

import (
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

// tv is a three-valued boolean: 0 false, 1 true, 2 NULL.
type tv int

func refAnd(a, b tv) tv {
	switch {
	case a == 0 || b == 0:
		return 0
	case a == 2 || b == 2:
		return 2
	}
	return 1
}

func refOr(a, b tv) tv {
	switch {
	case a == 1 || b == 1:
		return 1
	case a == 2 || b == 2:
		return 2
	}
	return 0
}

func boolVec(vals []tv) *Vector {
	v := New(types.Boolean)
	v.Reset(types.Boolean, len(vals))
	clear(v.Bools)
	for i, x := range vals {
		switch x {
		case 1:
			v.SetBool(i, true)
		case 2:
			v.SetNull(i)
			v.SetBool(i, i%2 == 0) // garbage under NULL
		}
	}
	return v
}

func get(v *Vector, i int) tv {
	if !v.IsValid(i) {
		return 2
	}
	if v.Bool(i) {
		return 1
	}
	return 0
}

func TestThreeValuedTruthTables(t *testing.T) {
	var as, bs []tv
	for a := tv(0); a < 3; a++ {
		for b := tv(0); b < 3; b++ {
			as, bs = append(as, a), append(bs, b)
		}
	}
	a, b := boolVec(as), boolVec(bs)
	and, or, not := New(types.Boolean), New(types.Boolean), New(types.Boolean)
	And(a, b, and)
	Or(a, b, or)
	Not(a, not)
	for i := range as {
		if g, w := get(and, i), refAnd(as[i], bs[i]); g != w {
			t.Errorf("%d AND %d = %d, want %d", as[i], bs[i], g, w)
		}
		if g, w := get(or, i), refOr(as[i], bs[i]); g != w {
			t.Errorf("%d OR %d = %d, want %d", as[i], bs[i], g, w)
		}
		wantNot := map[tv]tv{0: 1, 1: 0, 2: 2}[as[i]]
		if g := get(not, i); g != wantNot {
			t.Errorf("NOT %d = %d, want %d", as[i], g, wantNot)
		}
	}
	// FALSE AND NULL = FALSE; TRUE OR NULL = TRUE, in words.
	if get(and, 0*3+2) != 0 || get(or, 1*3+2) != 1 {
		t.Fatal("3VL dominance broken")
	}
	// In place: res aliases a.
	And(a, b, a)
	for i := range as {
		if g, w := get(a, i), refAnd(as[i], bs[i]); g != w {
			t.Errorf("in place %d AND %d = %d, want %d", as[i], bs[i], g, w)
		}
	}
}

func TestLogicRandom(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		n := randLen(r)
		a, b := randVector(r, types.Boolean, n), randVector(r, types.Boolean, n)
		res := New(types.Boolean)
		And(a, b, res)
		for i := 0; i < n; i++ {
			if g, w := get(res, i), refAnd(get(a, i), get(b, i)); g != w {
				t.Fatalf("row %d AND: %d want %d", i, g, w)
			}
		}
		Or(a, b, res)
		for i := 0; i < n; i++ {
			if g, w := get(res, i), refOr(get(a, i), get(b, i)); g != w {
				t.Fatalf("row %d OR: %d want %d", i, g, w)
			}
		}
		IsNull(a, false, res)
		for i := 0; i < n; i++ {
			if res.Bool(i) != !a.IsValid(i) || !res.IsValid(i) {
				t.Fatalf("row %d IS NULL wrong", i)
			}
		}
		sel := randSel(r, n)
		for _, not := range []bool{false, true} {
			var want []int
			for _, i := range rows(sel, n) {
				if a.IsValid(i) == not {
					want = append(want, i)
				}
			}
			equalSel(t, "FilterNull", FilterNull(a, not, sel, nil), want)
		}
		var want []int
		for _, i := range rows(sel, n) {
			if get(a, i) == 1 {
				want = append(want, i)
			}
		}
		equalSel(t, "FilterTrue", FilterTrue(a, sel, nil), want)
	}
}
