package hashagg

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

func TestValidate(t *testing.T) {
	good := []Spec{
		{},
		{Groups: []types.Type{types.Text, types.Boolean, types.Date}},
		{Aggs: []Agg{agg(plan.AggSum, types.SmallInt, true), agg(plan.AggSum, types.MustDecimal(7, 3), false), agg(plan.AggSum, types.Real, false)}},
		{Aggs: []Agg{agg(plan.AggAvg, types.MustDecimal(4, 4), false), agg(plan.AggMin, types.Varchar(3), false), agg(plan.AggMax, types.Timestamp, true)}},
		{Aggs: []Agg{agg(plan.AggCount, types.Boolean, true), agg(plan.AggCountStar, types.Type{}, false)}},
	}
	for i, s := range good {
		if err := s.Validate(); err != nil {
			t.Errorf("good spec %d: %v", i, err)
		}
	}
	bad := []struct {
		s    Spec
		want string
	}{
		{Spec{Groups: []types.Type{types.Interval}}, "group key 0 of type INTERVAL"},
		{Spec{Groups: []types.Type{{}}}, "group key 0"},
		{Spec{Aggs: []Agg{{Func: plan.AggCountStar, Arg: types.BigInt, T: types.BigInt}}}, "count(*) takes no argument"},
		{Spec{Aggs: []Agg{{Func: plan.AggCountStar, Distinct: true, T: types.BigInt}}}, "count(*) takes no argument and no DISTINCT"},
		{Spec{Aggs: []Agg{{Func: plan.AggCount, T: types.BigInt}}}, "count of type INVALID"},
		{Spec{Aggs: []Agg{{Func: plan.AggCount, Arg: types.Text, T: types.Integer}}}, "yields BIGINT, not INTEGER"},
		{Spec{Aggs: []Agg{{Func: plan.AggSum, Arg: types.Text, T: types.Text}}}, "sum of type VARCHAR"},
		{Spec{Aggs: []Agg{{Func: plan.AggSum, Arg: types.Date, T: types.Date}}}, "sum of type DATE"},
		{Spec{Aggs: []Agg{{Func: plan.AggSum, Arg: types.Integer, T: types.Integer}}}, "yields BIGINT, not INTEGER"},
		{Spec{Aggs: []Agg{{Func: plan.AggSum, Arg: types.MustDecimal(9, 2), T: types.MustDecimal(9, 2)}}}, "yields DECIMAL(18,2), not DECIMAL(9,2)"},
		{Spec{Aggs: []Agg{{Func: plan.AggSum, Arg: types.Real, T: types.Real}}}, "yields DOUBLE, not REAL"},
		{Spec{Aggs: []Agg{{Func: plan.AggAvg, Arg: types.Boolean, T: types.Double}}}, "avg of type BOOLEAN"},
		{Spec{Aggs: []Agg{{Func: plan.AggAvg, Arg: types.BigInt, T: types.MustDecimal(18, 0)}}}, "yields DOUBLE"},
		{Spec{Aggs: []Agg{{Func: plan.AggMin, Arg: types.Interval, T: types.Interval}}}, "min of type INTERVAL"},
		{Spec{Aggs: []Agg{{Func: plan.AggMax, Arg: types.Integer, T: types.BigInt}}}, "yields INTEGER, not BIGINT"},
		{Spec{Aggs: []Agg{{Func: plan.AggFunc(99), Arg: types.Integer, T: types.BigInt}}}, "unknown function AggFunc(99)"},
		{Spec{Aggs: []Agg{{}}}, "aggregate 0"},
	}
	for _, c := range bad {
		err := c.s.Validate()
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want ErrSpec with %q", c.s, err, c.want)
			continue
		}
		// A Local of an invalid spec reports the error, never panics.
		l := NewLocal(c.s)
		if err := l.Add(&vector.Batch{}); !errors.Is(err, ErrSpec) {
			t.Errorf("%+v: Add: %v", c.s, err)
		}
		if _, err := Merge([]*Local{l}, 2); !errors.Is(err, ErrSpec) {
			t.Errorf("%+v: Merge: %v", c.s, err)
		}
		if l.Bytes() <= 0 {
			t.Errorf("Bytes %d", l.Bytes())
		}
	}
}

func TestAddErrors(t *testing.T) {
	s := Spec{
		Groups: []types.Type{types.Text, types.BigInt},
		Aggs:   []Agg{agg(plan.AggSum, dec102, false), agg(plan.AggCountStar, types.Type{}, false), agg(plan.AggMin, types.Double, false)},
	}
	good := func() *vector.Batch {
		return batchOf(2, batchTypes(s), [][]types.Value{strs("a", "b"), ints(types.BigInt, 1, 2), ints(dec102, 1, 2), floats(1, 2)}, nil)
	}
	cases := []struct {
		name   string
		mutate func(b *vector.Batch) *vector.Batch
		want   string
	}{
		{"nil batch", func(*vector.Batch) *vector.Batch { return nil }, "nil batch"},
		{"columns", func(b *vector.Batch) *vector.Batch { b.Cols = b.Cols[:3]; return b }, "3 columns, want 4"},
		{"rows", func(b *vector.Batch) *vector.Batch { b.Len = vector.Size + 1; return b }, "2049 rows"},
		{"negative rows", func(b *vector.Batch) *vector.Batch { b.Len = -1; return b }, "-1 rows"},
		{"selection", func(b *vector.Batch) *vector.Batch { b.Sel = []uint16{0, 2}; return b }, "selection of 2 rows ending at 2 over 2 rows"},
		{"nil column", func(b *vector.Batch) *vector.Batch { b.Cols[1] = nil; return b }, "column 1 is nil"},
		{"type", func(b *vector.Batch) *vector.Batch { b.Cols[1] = vecOf(types.Double, floats(1, 2)); return b }, "column 1 has type DOUBLE, want BIGINT"},
		{"scale", func(b *vector.Batch) *vector.Batch {
			b.Cols[2] = vecOf(types.MustDecimal(10, 3), ints(dec102, 1, 2))
			return b
		}, "column 2 has type DECIMAL(10,3), want DECIMAL(10,2)"},
		{"length", func(b *vector.Batch) *vector.Batch { b.Cols[3].Len = 1; return b }, "column 3 has 1 rows, the batch 2"},
		{"short ints", func(b *vector.Batch) *vector.Batch { b.Cols[1].Ints = b.Cols[1].Ints[:1]; return b }, "column 1: buffers shorter than 2 rows"},
		{"short offsets", func(b *vector.Batch) *vector.Batch { b.Cols[0].Offsets = b.Cols[0].Offsets[:2]; return b }, "column 0: buffers"},
		{"offsets past bytes", func(b *vector.Batch) *vector.Batch { b.Cols[0].Bytes = b.Cols[0].Bytes[:1]; return b }, "column 0: buffers"},
		{"short validity", func(*vector.Batch) *vector.Batch {
			b := batchOf(65, batchTypes(s), [][]types.Value{
				make([]types.Value, 65), make([]types.Value, 65), make([]types.Value, 65), null(make([]types.Value, 65), 64),
			}, nil)
			b.Cols[3].Valid = b.Cols[3].Valid[:1]
			return b
		}, "column 3: buffers shorter than 65 rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := NewLocal(s)
			err := l.Add(c.mutate(good()))
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrInput with %q", err, c.want)
			}
			// The local is still usable.
			if err := l.Add(good()); err != nil {
				t.Fatal(err)
			}
			r, err := Merge([]*Local{l}, 1)
			if err != nil || r.Len() != 2 {
				t.Fatalf("merge: %v, %v", r, err)
			}
		})
	}
}

func TestMergeErrors(t *testing.T) {
	s1 := Spec{Groups: []types.Type{types.BigInt}}
	s2 := Spec{Groups: []types.Type{types.Integer}}
	if _, err := Merge(nil, 1); !errors.Is(err, ErrInput) {
		t.Errorf("no locals: %v", err)
	}
	if _, err := Merge([]*Local{NewLocal(s1), nil}, 1); !errors.Is(err, ErrInput) {
		t.Errorf("nil local: %v", err)
	}
	if _, err := Merge([]*Local{NewLocal(s1), NewLocal(s2)}, 1); !errors.Is(err, ErrInput) {
		t.Errorf("other spec: %v", err)
	}
	s3 := Spec{Groups: s1.Groups, Aggs: []Agg{agg(plan.AggCount, types.BigInt, false)}}
	s4 := Spec{Groups: s1.Groups, Aggs: []Agg{agg(plan.AggCount, types.BigInt, true)}}
	if _, err := Merge([]*Local{NewLocal(s3), NewLocal(s4)}, 1); !errors.Is(err, ErrInput) {
		t.Errorf("other aggregates: %v", err)
	}
	l := NewLocal(s1)
	if _, err := Merge([]*Local{l, l}, 1); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "twice") {
		t.Errorf("twice: %v", err)
	}
	l = NewLocal(s1)
	if _, err := Merge([]*Local{l}, 0); err != nil {
		t.Fatalf("workers 0: %v", err)
	}
	if err := l.Add(batchOf(1, s1.Groups, [][]types.Value{ints(types.BigInt, 1)}, nil)); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "already merged") {
		t.Errorf("add after merge: %v", err)
	}
	if _, err := Merge([]*Local{l}, 1); !errors.Is(err, ErrInput) {
		t.Errorf("merge twice: %v", err)
	}
}

// TestSumOverflowAcrossLocals: a sum that fits in each local but not
// merged is an error; one that overflows in a local and comes back after
// merging is not.
func TestSumOverflowAcrossLocals(t *testing.T) {
	for _, workers := range []int{1, 4} {
		s := Spec{Groups: []types.Type{types.BigInt}, Aggs: []Agg{agg(plan.AggSum, types.BigInt, false)}}
		b := func(k int64, xs ...int64) *vector.Batch {
			keys := make([]types.Value, len(xs))
			for i := range keys {
				keys[i] = types.IntValue(types.BigInt, k)
			}
			return batchOf(len(xs), batchTypes(s), [][]types.Value{keys, ints(types.BigInt, xs...)}, nil)
		}
		_, err := runSpec(t, s, []*vector.Batch{b(1, 1<<62), b(1, 1<<62)}, 2, workers)
		if !errors.Is(err, types.ErrOutOfRange) {
			t.Errorf("workers %d: error %v", workers, err)
		}
		rows, err := runSpec(t, s, []*vector.Batch{b(1, 1<<62, 1<<62), b(1, -(1 << 62), -(1 << 62)), b(2, 5)}, 2, workers)
		if err != nil || len(rows) != 2 {
			t.Errorf("workers %d: %v %v", workers, rows, err)
		}
	}
}

// TestStrWord: a string's word and hash do not depend on where its bytes
// sit (the inline load needs 8 readable bytes, the fallback does not).
func TestStrWord(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "abcdefg", "abcdefgh", "\x00", "\x00\x00", "a\x00", "\xff\xff\xff\xff\xff\xff\xff"} {
		// At the end of its vector, and followed by other bytes.
		end := vecOf(types.Text, strs("zzzzzzzzzzzz", s))
		mid := vecOf(types.Text, strs(s, "zzzzzzzzzzzz"))
		var we, wm, he, hm, in [2]uint64
		hashCol(end, []uint16{1}, we[:], in[:])
		he[1] = in[1]
		hashCol(mid, []uint16{0}, wm[:], in[:])
		hm[0] = in[0]
		if we[1] != wm[0] || he[1] != hm[0] {
			t.Errorf("%q: words %x %x, hash inputs %x %x", s, we[1], wm[0], he[1], hm[0])
		}
		if (len(s) > 7) != (we[1] == longStr) {
			t.Errorf("%q: word %x", s, we[1])
		}
	}
	// Distinct short strings have distinct words.
	seen := map[uint64]string{}
	for _, s := range []string{"", "\x00", "\x00\x00", "a", "a\x00", "\x00a", "abcdefg"} {
		w := strWord([]byte(s), 0, len(s))
		if o, ok := seen[w]; ok {
			t.Errorf("%q and %q share word %x", s, o, w)
		}
		seen[w] = s
	}
}

// TestStringArenaCompaction: a string max that keeps growing leaves
// garbage in the arena, which compaction reclaims without changing
// results.
func TestStringArenaCompaction(t *testing.T) {
	defer func(c int) { compactSlackBytes = c }(compactSlackBytes)
	compactSlackBytes = 0
	s := Spec{Groups: []types.Type{types.Integer}, Aggs: []Agg{agg(plan.AggMax, types.Text, false), agg(plan.AggMin, types.Text, false)}}
	l := NewLocal(s)
	for i := range 300 {
		str := strings.Repeat("x", i) + fmt.Sprint(i%7)
		keys := ints(types.Integer, int64(i%3), int64(i%3))
		b := batchOf(2, batchTypes(s), [][]types.Value{keys, strs(str, str), strs(str, "y"+str)}, nil)
		if err := l.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	p := l.parts[0]
	for a := range p.aggs {
		// Garbage stays under the live bytes plus the last value.
		if st := &p.aggs[a]; len(st.arena) > 2*st.live+compactSlackBytes+300 {
			t.Errorf("aggregate %d: arena %d bytes for %d live", a, len(st.arena), st.live)
		}
	}
	r, err := Merge([]*Local{l}, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows := collect(t, r)
	for _, row := range rows {
		k := row[0].Int
		last := 297 + k // the last i with i%3 == k
		if want := strings.Repeat("x", int(last)) + fmt.Sprint(last%7); row[1].Str != want {
			t.Errorf("group %d: max %.20q…, want %.20q…", k, row[1].Str, want)
		}
		first := k
		if want := strings.Repeat("x", int(first)) + fmt.Sprint(first%7); row[2].Str != want {
			t.Errorf("group %d: min %q, want %q", k, row[2].Str, want)
		}
	}
}

// TestDistinctStringsGrow: count(DISTINCT) of many strings over a few
// groups and locals.
func TestDistinctStringsGrow(t *testing.T) {
	s := Spec{Groups: []types.Type{types.Boolean}, Aggs: []Agg{agg(plan.AggCount, types.Text, true)}}
	var batches []*vector.Batch
	for i := range 6 {
		var keys, vals []types.Value
		for j := range 1000 {
			keys = append(keys, types.BoolValue(j%2 == 0))
			vals = append(vals, types.TextValue(fmt.Sprintf("value number %d", (i*1000+j)%1500)))
		}
		batches = append(batches, batchOf(len(keys), batchTypes(s), [][]types.Value{keys, vals}, nil))
	}
	rows, err := runSpec(t, s, batches, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := sortedRows(rows); len(got) != 2 || got[0] != "Bfalse|I750" || got[1] != "Btrue|I750" {
		t.Fatalf("got %v", got)
	}
}
