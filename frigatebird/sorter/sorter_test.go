package sorter

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// ascending lists, per type, values in strictly increasing SQL order;
// a group (inner slice) holds values SQL holds equal.
var ascending = []struct {
	t      types.Type
	groups [][]types.Value
}{
	{types.BigInt, ints(types.BigInt, math.MinInt64, math.MinInt64+1, -256, -1, 0, 1, 255, 256, 1<<32, math.MaxInt64-1, math.MaxInt64)},
	{types.Integer, ints(types.Integer, math.MinInt32, -1, 0, 7, math.MaxInt32)},
	{types.MustDecimal(15, 2), ints(types.MustDecimal(15, 2), -99999, -1, 0, 1, 12345, 999999999)},
	{types.Date, ints(types.Date, -719162, -1, 0, 19000, 2932896)},
	{types.Timestamp, ints(types.Timestamp, -62135596800000000, -1, 0, 1, 1700000000000000)},
	{types.Double, [][]types.Value{
		{dbl(math.Inf(-1))}, {dbl(-math.MaxFloat64)}, {dbl(-1.5)}, {dbl(-math.SmallestNonzeroFloat64)},
		{dbl(0), dbl(math.Copysign(0, -1))},
		{dbl(math.SmallestNonzeroFloat64)}, {dbl(1.5)}, {dbl(math.MaxFloat64)}, {dbl(math.Inf(1))},
		{dbl(math.NaN()), dbl(-math.NaN()), dbl(math.Float64frombits(0x7FF0_0000_0000_0001))},
	}},
	{types.Boolean, [][]types.Value{{types.BoolValue(false)}, {types.BoolValue(true)}}},
	{types.Text, strs("", "\x00", "\x00\x00", "a", "a\x00", "a\x00b", "ab", "abc", "abcdefgh", "abcdefgh\x00",
		"abcdefghabcdefgh", "abcdefghabcdefgh\x00", "abcdefghabcdefghA", "abcdefghabcdefghAA", "abcdefghabcdefghZ",
		"abd", "ab\xff", "a\xff", "b", "\xff", "\xff\xff")},
}

func ints(t types.Type, vs ...int64) [][]types.Value {
	var out [][]types.Value
	for _, v := range vs {
		out = append(out, []types.Value{types.IntValue(t, v)})
	}
	return out
}

func dbl(f float64) types.Value { return types.DoubleValue(f) }

func strs(ss ...string) [][]types.Value {
	var out [][]types.Value
	for _, s := range ss {
		out = append(out, []types.Value{types.TextValue(s)})
	}
	return out
}

// TestAscendingTables checks the tables themselves against the reference
// comparator, so TestSingleKeyOrder tests the sorter and not the tables.
func TestAscendingTables(t *testing.T) {
	for _, tc := range ascending {
		for g, group := range tc.groups {
			for _, v := range group {
				for _, w := range group {
					if c, _ := types.Compare(v, w); c != 0 {
						t.Errorf("%s: %v and %v in one group", tc.t, v, w)
					}
				}
				if g > 0 {
					if c, _ := types.Compare(tc.groups[g-1][0], v); c >= 0 {
						t.Errorf("%s: %v not above %v", tc.t, v, tc.groups[g-1][0])
					}
					if tc.t.Phys() == types.PhysBytes && bytes.Compare([]byte(tc.groups[g-1][0].Str), []byte(v.Str)) >= 0 {
						t.Errorf("%q not above %q bytewise", v.Str, tc.groups[g-1][0].Str)
					}
				}
			}
		}
	}
}

// TestSingleKeyOrder sorts each type's values (each twice, with NULLs,
// shuffled, over two locals) for ASC/DESC × NULLS FIRST/LAST, full and
// top-N, and checks the exact sequence of groups.
func TestSingleKeyOrder(t *testing.T) {
	for _, tc := range ascending {
		for _, desc := range []bool{false, true} {
			for _, nullsFirst := range []bool{false, true} {
				for _, limit := range []int64{-1, 0, 1, 3, 1000} {
					name := fmt.Sprintf("%s/desc=%v/nullsfirst=%v/limit=%d", tc.t, desc, nullsFirst, limit)
					t.Run(name, func(t *testing.T) {
						testSingleKey(t, tc.t, tc.groups, Key{Col: 1, Desc: desc, NullsFirst: nullsFirst}, limit)
					})
				}
			}
		}
	}
}

func testSingleKey(t *testing.T, typ types.Type, groups [][]types.Value, k Key, limit int64) {
	ts := []types.Type{types.Integer, typ}
	// The payload column 0 names the group (-1 for NULL).
	var rows [][]types.Value
	for g, group := range groups {
		for _, v := range group {
			v.Type = typ
			for range 2 {
				rows = append(rows, []types.Value{types.IntValue(types.Integer, int64(g)), v})
			}
		}
	}
	for range 3 {
		rows = append(rows, []types.Value{types.IntValue(types.Integer, -1), types.NullValue(typ)})
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })

	// The expected sequence of groups.
	var want []int64
	nulls := []int64{-1, -1, -1}
	if k.NullsFirst {
		want = append(want, nulls...)
	}
	for g := range groups {
		if k.Desc {
			g = len(groups) - 1 - g
		}
		for range 2 * len(groups[g]) {
			want = append(want, int64(g))
		}
	}
	if !k.NullsFirst {
		want = append(want, nulls...)
	}
	if limit >= 0 && int64(len(want)) > limit {
		want = want[:limit]
	}

	locals := make([]*Local, 2)
	for i := range locals {
		l, err := NewLocal(ts, []Key{k}, limit)
		if err != nil {
			t.Fatal(err)
		}
		locals[i] = l
	}
	for i := 0; i < len(rows); i += 5 {
		if err := locals[i/5%2].Add(makeBatch(ts, rows[i:min(i+5, len(rows))])); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Merge(locals, 2)
	if err != nil {
		t.Fatal(err)
	}
	out := readAll(t, res, 2)
	var got []int64
	for _, row := range out {
		got = append(got, row[0].Int)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("groups\ngot  %v\nwant %v", got, want)
	}
}

// TestMultiKey: (a ASC NULLS LAST, b DESC NULLS FIRST, c ASC) with ties
// on a and b; strings of the middle key are long (lossy) and short.
func TestMultiKey(t *testing.T) {
	ts := []types.Type{types.Integer, types.Text, types.Double}
	keys := []Key{{Col: 0}, {Col: 1, Desc: true, NullsFirst: true}, {Col: 2}}
	i := func(v int64) types.Value { return types.IntValue(types.Integer, v) }
	s := types.TextValue
	null := func(t types.Type) types.Value { return types.NullValue(t) }
	long := "a long string that does not fit any prefix, "
	want := [][]types.Value{
		{i(1), null(types.Text), dbl(2)},
		{i(1), s("ab"), dbl(0)},
		{i(1), s(long + "b"), dbl(-1)},
		{i(1), s(long + "b"), dbl(3)},
		{i(1), s(long + "a"), dbl(math.Inf(-1))},
		{i(1), s(long + "a"), dbl(math.NaN())},
		{i(1), s(long), dbl(0)},
		{i(1), s("a\x00"), dbl(0)},
		{i(1), s("a"), dbl(-5)},
		{i(1), s("a"), dbl(5)},
		{i(1), s(""), null(types.Double)},
		{i(2), s("z"), dbl(1)},
		{null(types.Integer), s("a"), dbl(1)},
		{null(types.Integer), s("a"), null(types.Double)},
	}
	for _, limit := range []int64{-1, 5, 100} {
		for _, prefix := range []int{1, 16} {
			withTuning(t, tuning{prefixBytes: prefix, radixMinRows: 2, heapLimitMax: 1 << 16, parallelMergeMinRows: 1, samplesPerPart: 2})
			rows := slices.Clone(want)
			rand.New(rand.NewPCG(uint64(limit), 1)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			locals := make([]*Local, 3)
			for k := range locals {
				locals[k], _ = NewLocal(ts, keys, limit)
			}
			for k, row := range rows {
				if err := locals[k%3].Add(makeBatch(ts, [][]types.Value{row})); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Merge(locals, 2)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, res, 3)
			w := want
			if limit >= 0 {
				w = want[:min(len(want), int(limit))]
			}
			if len(got) != len(w) {
				t.Fatalf("limit %d: %d rows, want %d", limit, len(got), len(w))
			}
			for k := range got {
				if rowString(got[k]) != rowString(w[k]) {
					t.Errorf("limit %d prefix %d: row %d is %v, want %v", limit, prefix, k, got[k], w[k])
				}
			}
		}
	}
}

// TestTopNLarge: top-N over many batches (so the heap fills, rejects by
// its cutoff and compacts) against a full sort: a float key, int keys
// with NULLs, an input in reverse order (every row enters the heap), and
// a string key with ties at the cutoff.
func TestTopNLarge(t *testing.T) {
	n := 50_000
	if raceEnabled || testing.Short() {
		n = 10_000
	}
	r := rand.New(rand.NewPCG(7, 7))
	modes := []string{"AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "FOB", "REG AIR"}
	for _, tc := range []struct {
		t     types.Type
		key   Key
		limit int64
		gen   func(i int) types.Value
	}{
		{types.Double, Key{Col: 0}, 10, func(int) types.Value { return dbl(r.NormFloat64()) }},
		{types.Double, Key{Col: 0, Desc: true}, 1, func(int) types.Value { return dbl(r.NormFloat64()) }},
		{types.BigInt, Key{Col: 0, NullsFirst: true}, 100, func(int) types.Value { return types.IntValue(types.BigInt, r.Int64N(1_000_000)) }},
		{types.BigInt, Key{Col: 0, Desc: true}, 5000, func(int) types.Value { return types.IntValue(types.BigInt, r.Int64N(1_000_000)) }},
		{types.BigInt, Key{Col: 0}, 10, func(i int) types.Value { return types.IntValue(types.BigInt, int64(-i)) }},
		{types.Text, Key{Col: 0}, 50, func(int) types.Value {
			if r.IntN(8) == 0 {
				return types.TextValue("a much longer string value, past any prefix " + fmt.Sprint(r.IntN(1000)))
			}
			return types.TextValue(modes[r.IntN(len(modes))])
		}},
	} {
		ts := []types.Type{tc.t, types.BigInt}
		var rows [][]types.Value
		for i := range n {
			v := tc.gen(i)
			if r.IntN(100) == 0 {
				v = types.NullValue(tc.t)
			}
			rows = append(rows, []types.Value{v, types.IntValue(types.BigInt, int64(i))})
		}
		l, err := NewLocal(ts, []Key{tc.key}, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		l2, _ := NewLocal(ts, []Key{tc.key}, tc.limit)
		for i := 0; i < n; i += vector.Size {
			dst := l
			if i/vector.Size%3 == 2 {
				dst = l2
			}
			if err := dst.Add(makeBatch(ts, rows[i:min(i+vector.Size, n)])); err != nil {
				t.Fatal(err)
			}
			if rows := dst.coll.Len(); rows > 2*int(tc.limit)+2*vector.Size {
				t.Fatalf("%s limit %d: the local holds %d rows", tc.t, tc.limit, rows)
			}
		}
		res, err := Merge([]*Local{l, l2}, 2)
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, res, 2)
		want := refSort([]Key{tc.key}, rows)[:tc.limit]
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", tc.t, len(got), len(want))
		}
		for i := range got {
			if cmpRows([]Key{tc.key}, got[i], want[i]) != 0 {
				t.Fatalf("%s %+v limit %d: row %d is %v, want %v", tc.t, tc.key, tc.limit, i, got[i], want[i])
			}
		}
	}
}

// TestLargeParallel sorts enough rows over several locals that radix
// sorting and the partitioned parallel merge run with the default bounds
// and each local spans several collection segments, and checks the order
// row by row.
func TestLargeParallel(t *testing.T) {
	n := 3 * (vector.SegmentRows + 10*vector.Size)
	if raceEnabled || testing.Short() {
		n = 40_000
	}
	r := rand.New(rand.NewPCG(3, 3))
	ts := []types.Type{types.BigInt, types.Text, types.Double}
	keys := []Key{{Col: 0}, {Col: 1, Desc: true}}
	locals := make([]*Local, 3)
	for i := range locals {
		locals[i], _ = NewLocal(ts, keys, -1)
	}
	b := &vector.Batch{Cols: []*vector.Vector{vector.New(ts[0]), vector.New(ts[1]), vector.New(ts[2])}}
	var sum int64
	for done := 0; done < n; done += vector.Size {
		m := min(vector.Size, n-done)
		for j, v := range b.Cols {
			v.Reset(ts[j], m)
		}
		for i := range m {
			b.Cols[0].Ints[i] = r.Int64N(int64(n / 8))
			b.Cols[1].AppendStr(i, fmt.Appendf(nil, "k%d", r.IntN(20)))
			b.Cols[2].Floats[i] = float64(done + i)
			sum += int64(done + i)
		}
		b.Len = m
		if err := locals[done/vector.Size%3].Add(b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Merge(locals, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Len() != n {
		t.Fatalf("Len %d, want %d", res.Len(), n)
	}
	var out vector.Batch
	var prevK int64 = math.MinInt64
	var prevS []byte
	var gotSum int64
	rows := 0
	for res.Next(&out) {
		for i := 0; i < out.Len; i++ {
			k, s := out.Cols[0].Ints[i], out.Cols[1].Str(i)
			if k < prevK || (k == prevK && bytes.Compare(s, prevS) > 0) {
				t.Fatalf("row %d (%d, %q) after (%d, %q)", rows, k, s, prevK, prevS)
			}
			prevK, prevS = k, append(prevS[:0], s...)
			gotSum += int64(out.Cols[2].Floats[i])
			rows++
		}
	}
	if rows != n || gotSum != sum {
		t.Fatalf("read %d rows (payload sum %d), want %d (%d)", rows, gotSum, n, sum)
	}
}

func TestErrors(t *testing.T) {
	ts := []types.Type{types.BigInt, types.Text}
	if _, err := NewLocal(ts, nil, -1); !errors.Is(err, ErrKey) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := NewLocal(ts, []Key{{Col: 2}}, -1); !errors.Is(err, ErrKey) {
		t.Errorf("key past the columns: %v", err)
	}
	if _, err := NewLocal(ts, []Key{{Col: -1}}, -1); !errors.Is(err, ErrKey) {
		t.Errorf("negative key: %v", err)
	}
	if _, err := NewLocal([]types.Type{types.Interval}, []Key{{Col: 0}}, -1); !errors.Is(err, ErrType) {
		t.Errorf("INTERVAL column: %v", err)
	}
	if _, err := NewLocal([]types.Type{types.BigInt, {}}, []Key{{Col: 0}}, -1); !errors.Is(err, ErrType) {
		t.Errorf("invalid column type: %v", err)
	}
	for _, limit := range []int64{-1, 5} {
		l, err := NewLocal(ts, []Key{{Col: 1}}, limit)
		if err != nil {
			t.Fatal(err)
		}
		good := makeBatch(ts, [][]types.Value{{types.IntValue(types.BigInt, 1), types.TextValue("x")}})
		for name, b := range map[string]*vector.Batch{
			"too few columns": {Cols: good.Cols[:1], Len: 1},
			"wrong type":      {Cols: []*vector.Vector{good.Cols[1], good.Cols[0]}, Len: 1},
			"nil column":      {Cols: []*vector.Vector{good.Cols[0], nil}, Len: 1},
			"wrong length":    {Cols: good.Cols, Len: 2},
			"oversized":       {Cols: good.Cols, Len: vector.Size + 1},
		} {
			if err := l.Add(b); !errors.Is(err, ErrBatch) {
				t.Errorf("limit %d, %s: %v", limit, name, err)
			}
		}
		if err := l.Add(good); err != nil {
			t.Fatal(err)
		}
		other, _ := NewLocal(ts, []Key{{Col: 0}}, limit)
		if _, err := Merge([]*Local{l, other}, 1); !errors.Is(err, ErrMismatch) {
			t.Errorf("different keys: %v", err)
		}
		otherTypes, _ := NewLocal([]types.Type{types.Double, types.Text}, []Key{{Col: 1}}, limit)
		if _, err := Merge([]*Local{l, otherTypes}, 1); !errors.Is(err, ErrMismatch) {
			t.Errorf("different types: %v", err)
		}
		otherLimit, _ := NewLocal(ts, []Key{{Col: 1}}, limit+1)
		if _, err := Merge([]*Local{l, otherLimit}, 1); !errors.Is(err, ErrMismatch) {
			t.Errorf("different limits: %v", err)
		}
		if _, err := Merge([]*Local{l, l}, 1); !errors.Is(err, ErrMerged) {
			t.Errorf("a local twice: %v", err)
		}
		if _, err := Merge([]*Local{l, nil}, 1); !errors.Is(err, ErrMerged) {
			t.Errorf("a nil local: %v", err)
		}
		res, err := Merge([]*Local{l}, 1)
		if err != nil || res.Len() != 1 {
			t.Fatalf("merge after refused merges: %v, %d rows", err, res.Len())
		}
		if err := l.Add(good); !errors.Is(err, ErrMerged) {
			t.Errorf("add after merge: %v", err)
		}
		if _, err := Merge([]*Local{l}, 1); !errors.Is(err, ErrMerged) {
			t.Errorf("merge twice: %v", err)
		}
	}
}

func TestEmpty(t *testing.T) {
	res, err := Merge(nil, 4)
	if err != nil || res.Len() != 0 || res.Next(&vector.Batch{}) {
		t.Fatalf("no locals: %v", err)
	}
	ts := []types.Type{types.Double}
	for _, limit := range []int64{-1, 0, 10} {
		a, _ := NewLocal(ts, []Key{{Col: 0}}, limit)
		b, _ := NewLocal(ts, []Key{{Col: 0}}, limit)
		if err := a.Add(&vector.Batch{Cols: []*vector.Vector{vector.New(types.Double)}, Len: 0}); err != nil {
			t.Fatal(err)
		}
		sel := makeBatch(ts, [][]types.Value{{dbl(1)}, {dbl(2)}})
		sel.Sel = []uint16{}
		if err := b.Add(sel); err != nil {
			t.Fatal(err)
		}
		res, err := Merge([]*Local{a, b}, 0)
		if err != nil || res.Len() != 0 || res.Next(&vector.Batch{}) {
			t.Fatalf("limit %d, empty locals: %v, %d rows", limit, err, res.Len())
		}
	}
	// Limit 0 keeps nothing and holds nothing.
	l, _ := NewLocal(ts, []Key{{Col: 0}}, 0)
	for range 10 {
		if err := l.Add(makeBatch(ts, [][]types.Value{{dbl(1)}, {dbl(2)}})); err != nil {
			t.Fatal(err)
		}
	}
	if res, _ := Merge([]*Local{l}, 1); res.Len() != 0 {
		t.Fatalf("limit 0 kept %d rows", res.Len())
	}
}

// TestBytes: a full sort's memory grows with its rows; a top-N's stays
// bounded by its limit.
func TestBytes(t *testing.T) {
	ts := []types.Type{types.BigInt}
	full, _ := NewLocal(ts, []Key{{Col: 0}}, -1)
	top, _ := NewLocal(ts, []Key{{Col: 0}}, 10)
	b := &vector.Batch{Cols: []*vector.Vector{vector.New(types.BigInt)}, Len: vector.Size}
	b.Cols[0].Reset(types.BigInt, vector.Size)
	var topMax int64
	for i := range 200 {
		for k := range vector.Size {
			b.Cols[0].Ints[k] = int64(i*vector.Size + k)
		}
		if err := full.Add(b); err != nil {
			t.Fatal(err)
		}
		if err := top.Add(b); err != nil {
			t.Fatal(err)
		}
		topMax = max(topMax, top.Bytes())
	}
	if got, want := full.Bytes(), int64(200*vector.Size*8); got < want {
		t.Errorf("full sort of %d int64s holds %d bytes", 200*vector.Size, got)
	}
	if topMax > 1<<20 {
		t.Errorf("top-10 held up to %d bytes", topMax)
	}
}

// TestFloatOrd checks the float ordinal against CompareFloat on pairs of
// edge and random values.
func TestFloatOrd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	vals := slices.Clone(edgeFloats)
	for range 200 {
		vals = append(vals, math.Float64frombits(r.Uint64()), r.NormFloat64())
	}
	for _, a := range vals {
		for _, b := range vals {
			if got, want := cmpInt(floatOrd(a), floatOrd(b)), types.CompareFloat(a, b); got != want {
				t.Fatalf("floatOrd order of %v, %v: %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestRadixSort checks radixSort (all its paths: comparison, LSD, MSD
// recursion) against a stable sort on inputs in row order.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	gens := map[string]func() uint64{
		"random":   r.Uint64,
		"few":      func() uint64 { return uint64(r.IntN(5)) << 40 },
		"low byte": func() uint64 { return 0xABCD<<48 | uint64(r.IntN(256)) },
		"skewed": func() uint64 {
			if r.IntN(10) == 0 {
				return r.Uint64()
			}
			return 42
		},
		"spread": func() uint64 { return uint64(r.IntN(1<<20)) << uint(r.IntN(44)) },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 31, 32, 33, 300, radixMSDMinRows - 1, radixMSDMinRows, 50_000} {
			a := make([]entry, n)
			for i := range a {
				a[i] = entry{pre: gen(), row: uint32(i)}
			}
			want := slices.Clone(a)
			slices.SortStableFunc(want, func(x, y entry) int { return cmpInt(x.pre, y.pre) })
			if n > 0 {
				radixSort(a, make([]entry, n))
			}
			if !slices.Equal(a, want) {
				t.Fatalf("%s, %d entries: radixSort differs from a stable sort", name, n)
			}
		}
	}
}

// TestWindow reads collection rows through window: aligned (aliasing)
// and unaligned (copied), in either order.
func TestWindow(t *testing.T) {
	ts := []types.Type{types.BigInt, types.Text}
	c := vector.NewCollection(ts)
	var rows [][]types.Value
	for i := range 3000 {
		rows = append(rows, []types.Value{types.IntValue(types.BigInt, int64(i)), types.TextValue(fmt.Sprint("s", i))})
	}
	c.Append(makeBatch(ts, rows[:2000]))
	c.Append(makeBatch(ts, rows[2000:]))
	var w window
	for _, rng := range [][2]int{{0, 2048}, {3, 100}, {2048, 952}, {65, 7}, {0, 1}} {
		cols := w.read(c, rng[0], rng[1])
		for i := range rng[1] {
			for j := range ts {
				if got, want := cols[j].Value(i), rows[rng[0]+i][j]; got != want {
					t.Fatalf("rows %v: row %d column %d is %v, want %v", rng, i, j, got, want)
				}
			}
		}
	}
}

// TestTopNTies: a top-N whose static keys tie often (a 2-byte string
// prefix, long strings sharing it, small domains for the other keys), so
// candidates are ordered against the cutoff by their full values read
// from the batch.
func TestTopNTies(t *testing.T) {
	withTuning(t, tuning{prefixBytes: 2, radixMinRows: 512, heapLimitMax: 1 << 16, parallelMergeMinRows: 1 << 15, samplesPerPart: 64})
	r := rand.New(rand.NewPCG(11, 11))
	ts := []types.Type{types.BigInt, types.Boolean, types.Double, types.Text}
	for _, keys := range [][]Key{
		{{Col: 0}, {Col: 1}, {Col: 2}, {Col: 3}},
		{{Col: 3, Desc: true}, {Col: 0, Desc: true}, {Col: 1, Desc: true}, {Col: 2}},
		{{Col: 1, NullsFirst: true}, {Col: 3, NullsFirst: true}, {Col: 2, Desc: true}},
	} {
		for _, limit := range []int64{1, 7, 50} {
			var rows [][]types.Value
			for range 3000 {
				row := []types.Value{
					types.IntValue(types.BigInt, r.Int64N(3)),
					types.BoolValue(r.IntN(2) == 0),
					dbl(float64(r.IntN(3))),
					types.TextValue("ab" + []string{"", "c", "cd", "x", "\x00"}[r.IntN(5)]),
				}
				if r.IntN(20) == 0 {
					row[r.IntN(4)] = types.NullValue(ts[r.IntN(4)])
				}
				for j := range row {
					row[j].Type = ts[j]
				}
				rows = append(rows, row)
			}
			l, err := NewLocal(ts, keys, limit)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(rows); i += 97 {
				if err := l.Add(makeBatch(ts, rows[i:min(i+97, len(rows))])); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Merge([]*Local{l}, 1)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, res, len(ts))
			want := refSort(keys, rows)[:limit]
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range got {
				if cmpRows(keys, got[i], want[i]) != 0 {
					t.Fatalf("keys %+v limit %d: row %d is %v, want %v", keys, limit, i, got[i], want[i])
				}
			}
		}
	}
}

// TestAllocs: a top-N rejecting whole batches and a Result filling a
// reused batch allocate nothing.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ts := []types.Type{types.Double, types.BigInt}
	b := &vector.Batch{Cols: []*vector.Vector{vector.New(types.Double), vector.New(types.BigInt)}, Len: vector.Size}
	b.Cols[0].Reset(types.Double, vector.Size)
	b.Cols[1].Reset(types.BigInt, vector.Size)
	for i := range vector.Size {
		b.Cols[0].Floats[i] = float64(i)
	}
	l, _ := NewLocal(ts, []Key{{Col: 0}}, 10)
	if err := l.Add(b); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() {
		if err := l.Add(b); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("top-N Add of a rejected batch: %v allocations", n)
	}

	full, _ := NewLocal(ts, []Key{{Col: 1}}, -1)
	for range 20 {
		if err := full.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Merge([]*Local{full}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out vector.Batch
	res.Next(&out)
	if n := testing.AllocsPerRun(10, func() { res.Next(&out) }); n != 0 {
		t.Errorf("Next: %v allocations", n)
	}
}
