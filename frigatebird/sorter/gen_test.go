package sorter

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

var (
	flagSeeds = flag.String("sorter.seeds", "", "comma-separated seeds for the randomized tests to replay (default: fresh random seeds)")
	flagRuns  = flag.Int("sorter.runs", 0, "number of random seeds per randomized test (default 300; 30 with -short or -race)")
)

// seeds returns the seeds a randomized test runs.
func seeds(t *testing.T) []uint64 {
	if *flagSeeds != "" {
		var out []uint64
		for _, f := range strings.Split(*flagSeeds, ",") {
			s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("-sorter.seeds: %v", err)
			}
			out = append(out, s)
		}
		return out
	}
	n := *flagRuns
	if n <= 0 {
		n = 300
		if raceEnabled || testing.Short() {
			n = 30
		}
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = rand.Uint64()
	}
	return out
}

// withTuning sets the internal bounds for the rest of the test.
func withTuning(t testing.TB, tu tuning) {
	t.Helper()
	old := tune
	tune = tu
	t.Cleanup(func() { tune = old })
}

// cmpRows is the reference order: the SQL rules written row at a time.
func cmpRows(keys []Key, a, b []types.Value) int {
	for _, k := range keys {
		x, y := a[k.Col], b[k.Col]
		var c int
		switch {
		case x.Null && y.Null:
			continue
		case x.Null:
			c = 1
			if k.NullsFirst {
				c = -1
			}
			return c
		case y.Null:
			c = -1
			if k.NullsFirst {
				c = 1
			}
			return c
		}
		c, err := types.Compare(x, y)
		if err != nil {
			panic(err)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// rowString identifies a row bit-exactly (float bits, not values).
func rowString(row []types.Value) string {
	var sb strings.Builder
	for _, v := range row {
		switch {
		case v.Null:
			sb.WriteString("N")
		case v.Type.Phys() == types.PhysFloat64:
			fmt.Fprintf(&sb, "f%x", math.Float64bits(v.Float))
		case v.Type.Phys() == types.PhysBytes:
			fmt.Fprintf(&sb, "s%q", v.Str)
		case v.Type.Phys() == types.PhysBool:
			fmt.Fprintf(&sb, "b%v", v.Bool)
		default:
			fmt.Fprintf(&sb, "i%d", v.Int)
		}
		sb.WriteByte('|')
	}
	return sb.String()
}

// makeBatch builds a batch of rows (row-major values of types ts).
func makeBatch(ts []types.Type, rows [][]types.Value) *vector.Batch {
	b := &vector.Batch{Len: len(rows)}
	for j, t := range ts {
		v := vector.New(t)
		v.Reset(t, len(rows))
		for i, row := range rows {
			x := row[j]
			if x.Null {
				v.SetNull(i)
				if t.Phys() == types.PhysBytes {
					v.AppendStr(i, nil)
				}
				continue
			}
			switch t.Phys() {
			case types.PhysInt64:
				v.Ints[i] = x.Int
			case types.PhysFloat64:
				v.Floats[i] = x.Float
			case types.PhysBool:
				v.SetBool(i, x.Bool)
			case types.PhysBytes:
				v.AppendStr(i, []byte(x.Str))
			}
		}
		b.Cols = append(b.Cols, v)
	}
	return b
}

// readAll reads every row of a result, reusing one batch.
func readAll(t testing.TB, res *Result, ncols int) [][]types.Value {
	t.Helper()
	var out [][]types.Value
	var b vector.Batch
	for res.Next(&b) {
		if len(b.Cols) != ncols || b.Sel != nil || b.Len == 0 || b.Len > vector.Size {
			t.Fatalf("bad batch: %d columns, %d rows, sel %v", len(b.Cols), b.Len, b.Sel != nil)
		}
		for i := 0; i < b.Len; i++ {
			row := make([]types.Value, ncols)
			for j, v := range b.Cols {
				if v.Len != b.Len {
					t.Fatalf("column %d has %d rows, batch %d", j, v.Len, b.Len)
				}
				row[j] = v.Value(i)
			}
			out = append(out, row)
		}
	}
	if res.Next(&b) {
		t.Fatal("Next after the end returned true")
	}
	return out
}

var allTypes = []types.Type{
	types.BigInt, types.Integer, types.SmallInt, types.MustDecimal(12, 2), types.Date, types.Timestamp,
	types.Double, types.Real, types.Boolean, types.Text, types.Varchar(20),
}

var (
	edgeInts   = []int64{0, 1, -1, math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1, 255, 256, -256, 1 << 32}
	edgeFloats = []float64{0, math.Copysign(0, -1), math.NaN(), -math.NaN(), math.Float64frombits(0x7FF0_0000_0000_0001), math.Inf(1), math.Inf(-1), 1.5, -1.5, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64}
	edgeStrs   = []string{"", "a", "ab", "abc", "abd", "a\x00", "a\x00b", "\x00", "\x00\x00", "\xff", "\xff\xff", "a\xff", "ab\xff", "abcdefgh", "abcdefghi", "abcdefgh\x00", "abcdefghabcdefgh", "abcdefghabcdefghZ", "abcdefghabcdefghA", "Customer#000000001", "Customer#000000002", "Customer#0000000010"}
)

// genColumn draws n values of type t: a small domain (many ties) or a
// wide one, edge values mixed in, NULLs at a random density.
func genColumn(r *rand.Rand, t types.Type, n int) []types.Value {
	small := r.IntN(2) == 0
	nullP := []float64{0, 0, 0.1, 0.5, 1}[r.IntN(5)]
	out := make([]types.Value, n)
	for i := range out {
		if r.Float64() < nullP {
			out[i] = types.NullValue(t)
			continue
		}
		v := types.Value{Type: t}
		switch t.Phys() {
		case types.PhysInt64:
			switch {
			case r.IntN(8) == 0:
				v.Int = edgeInts[r.IntN(len(edgeInts))]
			case small:
				v.Int = r.Int64N(7) - 3
			default:
				v.Int = r.Int64() >> r.IntN(64)
				if r.IntN(2) == 0 {
					v.Int = -v.Int
				}
			}
			if t.Kind != types.KindBigInt {
				lo, hi := t.IntRange()
				v.Int = min(max(v.Int, lo), hi)
			}
		case types.PhysFloat64:
			switch {
			case r.IntN(6) == 0:
				v.Float = edgeFloats[r.IntN(len(edgeFloats))]
			case small:
				v.Float = float64(r.IntN(7)-3) / 2
			default:
				v.Float = r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10))
			}
		case types.PhysBool:
			v.Bool = r.IntN(2) == 0
		case types.PhysBytes:
			switch {
			case r.IntN(3) == 0:
				v.Str = edgeStrs[r.IntN(len(edgeStrs))]
			case small:
				v.Str = string([]byte{"ab\x00\xff"[r.IntN(4)], "ab\x00\xff"[r.IntN(4)]})[:r.IntN(3)]
			default:
				b := make([]byte, r.IntN(24))
				for j := range b {
					b[j] = "abc\x00\xffz"[r.IntN(6)]
				}
				v.Str = "pre" + string(b)
			}
		}
		out[i] = v
	}
	return out
}

// genSel returns nil or a random increasing selection of 0..n-1.
func genSel(r *rand.Rand, n int) []uint16 {
	if r.IntN(3) == 0 {
		return nil
	}
	p := r.Float64()
	sel := make([]uint16, 0, n)
	for i := 0; i < n; i++ {
		if r.Float64() < p {
			sel = append(sel, uint16(i))
		}
	}
	return sel
}

// refSort returns the reference order of rows.
func refSort(keys []Key, rows [][]types.Value) [][]types.Value {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []types.Value) int { return cmpRows(keys, a, b) })
	return out
}
