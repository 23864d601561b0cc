package hashagg

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// dictVector builds a string vector (nil = NULL) that carries dictionary
// codes, as a window of a dictionary-encoded chunk does.
func dictVector(vals []*string) *vector.Vector {
	v := vector.New(types.Text)
	v.Reset(types.Text, len(vals))
	index := map[string]uint32{}
	v.DictOffsets = []uint32{0}
	v.Codes = make([]uint32, len(vals))
	for i, s := range vals {
		x := ""
		if s != nil {
			x = *s
		}
		code, ok := index[x]
		if !ok {
			code = uint32(len(index))
			index[x] = code
			v.DictBytes = append(v.DictBytes, x...)
			v.DictOffsets = append(v.DictOffsets, uint32(len(v.DictBytes)))
		}
		v.Codes[i] = code
		v.AppendStr(i, []byte(x))
		if s == nil {
			v.SetNull(i)
		}
	}
	return v
}

// TestDictPath: grouping by string keys that carry dictionary codes gives
// what grouping the same values without codes gives, with NULL keys,
// selections, two keys and several batches (whose dictionaries differ).
func TestDictPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	spec := Spec{
		Groups: []types.Type{types.Text, types.Text},
		Aggs: []Agg{
			{Func: plan.AggCountStar, T: types.BigInt},
			{Func: plan.AggSum, Arg: types.BigInt, T: types.BigInt},
		},
	}
	withCodes, without := NewLocal(spec), NewLocal(spec)
	for batch := 0; batch < 6; batch++ {
		n := 1 + rng.IntN(vector.Size)
		var cols [2]*vector.Vector
		for k := range cols {
			words := []string{"A", "N", "R", "longer value", fmt.Sprintf("b%d", batch)}
			vals := make([]*string, n)
			for i := range vals {
				if batch < 3 || rng.IntN(9) > 0 { // NULLs from batch 3 on
					vals[i] = &words[rng.IntN(len(words)-k)]
				}
			}
			cols[k] = dictVector(vals)
		}
		arg := vector.New(types.BigInt)
		arg.Reset(types.BigInt, n)
		for i := 0; i < n; i++ {
			arg.Ints[i] = rng.Int64N(100)
		}
		var sel []uint16
		if batch%2 == 1 {
			for i := 0; i < n; i++ {
				if rng.IntN(3) > 0 {
					sel = append(sel, uint16(i))
				}
			}
			if sel == nil {
				sel = []uint16{}
			}
		}
		a, b := *cols[0], *cols[1]
		if !a.HasDict() || !b.HasDict() {
			t.Fatal("no codes")
		}
		if err := withCodes.Add(&vector.Batch{Cols: []*vector.Vector{&a, &b, arg}, Len: n, Sel: sel}); err != nil {
			t.Fatal(err)
		}
		a2, b2 := a, b
		a2.Codes, b2.Codes = nil, nil
		if err := without.Add(&vector.Batch{Cols: []*vector.Vector{&a2, &b2, arg}, Len: n, Sel: sel}); err != nil {
			t.Fatal(err)
		}
	}
	r1, err := Merge([]*Local{withCodes}, 1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Merge([]*Local{without}, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, want := sortedRows(collect(t, r1)), sortedRows(collect(t, r2))
	if !slices.Equal(got, want) {
		t.Fatalf("with codes:\n%v\nwithout:\n%v", got, want)
	}
	if len(got) < 10 {
		t.Fatalf("only %d groups: the test is too weak", len(got))
	}
}
