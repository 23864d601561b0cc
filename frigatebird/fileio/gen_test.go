package fileio

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// allTypes are the column types CSV and Parquet read.
var allTypes = []types.Type{
	types.Boolean, types.SmallInt, types.Integer, types.BigInt, types.Real, types.Double,
	types.MustDecimal(15, 2), types.MustDecimal(18, 0), types.MustDecimal(4, 4), types.MustDecimal(18, 9),
	types.Text, types.Date, types.Timestamp,
}

// Dates of years 9999 BC to 9999 AD: the ones whose text reads back.
var (
	minDay = types.DaysFromCivil(-9998, 1, 1)
	maxDay = types.DaysFromCivil(9999, 12, 31)
)

// randString draws strings made to hurt a CSV parser.
func randString(rng *rand.Rand) string {
	pieces := []string{"a", "b", "xyz", ",", "|", ";", "\t", `"`, `""`, "\n", "\r\n", "\r", " ", "NULL", `\N`, "é", "日本", "\ufeff", "0", "-1", "'"}
	switch rng.IntN(10) {
	case 0:
		return ""
	case 1:
		return pieces[rng.IntN(len(pieces))]
	}
	var sb strings.Builder
	for n := rng.IntN(8); n >= 0; n-- {
		sb.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return sb.String()
}

// randValue draws a value of t, NULL with probability nullRate.
func randValue(rng *rand.Rand, t types.Type, nullRate float64) types.Value {
	if rng.Float64() < nullRate {
		return types.NullValue(t)
	}
	v := types.Value{Type: t}
	switch t.Kind {
	case types.KindBoolean:
		v.Bool = rng.IntN(2) == 0
	case types.KindSmallInt, types.KindInteger, types.KindBigInt, types.KindDecimal:
		lo, hi := t.IntRange()
		switch rng.IntN(6) {
		case 0:
			v.Int = lo
		case 1:
			v.Int = hi
		case 2:
			v.Int = rng.Int64N(201) - 100
		default:
			if span := uint64(hi-lo) + 1; span == 0 {
				v.Int = int64(rng.Uint64())
			} else {
				v.Int = lo + int64(rng.Uint64N(span))
			}
		}
	case types.KindReal, types.KindDouble:
		specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 1e300, -1e-300, 5e-324, 0.1, 12.5}
		if rng.IntN(3) == 0 {
			v.Float = specials[rng.IntN(len(specials))]
		} else {
			v.Float = math.Float64frombits(rng.Uint64())
			if rng.IntN(2) == 0 {
				v.Float = (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(40)-20))
			}
		}
		if t.Kind == types.KindReal {
			v.Float = float64(float32(v.Float))
		}
	case types.KindVarchar:
		v.Str = randString(rng)
	case types.KindDate:
		v.Int = minDay + rng.Int64N(maxDay-minDay+1)
	case types.KindTimestamp:
		day := minDay + rng.Int64N(maxDay-minDay+1)
		tod := rng.Int64N(types.MicrosPerDay)
		if rng.IntN(2) == 0 {
			tod -= tod % types.MicrosPerSecond
		}
		v.Int = day*types.MicrosPerDay + tod
	}
	return v
}

// table is rows of values, the reference the tests compare against.
type table [][]types.Value

func randTable(rng *rand.Rand, ts []types.Type, n int, nullRate float64) table {
	rows := make(table, n)
	for i := range rows {
		rows[i] = make([]types.Value, len(ts))
		for j, t := range ts {
			rows[i][j] = randValue(rng, t, nullRate)
		}
	}
	return rows
}

// batches cuts rows into batches of random sizes (up to vector.Size),
// some with a selection vector that skips rows (returned as the rows that
// are active).
func batches(rng *rand.Rand, ts []types.Type, rows table) ([]*vector.Batch, table) {
	var out []*vector.Batch
	var active table
	for i := 0; i < len(rows); {
		n := min(len(rows)-i, 1+rng.IntN(vector.Size))
		b := makeBatch(ts, rows[i:i+n])
		if rng.IntN(4) == 0 {
			b.Sel = []uint16{}
			for r := 0; r < n; r++ {
				if rng.IntN(3) != 0 {
					b.Sel = append(b.Sel, uint16(r))
					active = append(active, rows[i+r])
				}
			}
		} else {
			active = append(active, rows[i:i+n]...)
		}
		out = append(out, b)
		i += n
	}
	return out, active
}

// makeBatch builds a batch holding rows.
func makeBatch(ts []types.Type, rows table) *vector.Batch {
	b := &vector.Batch{Len: len(rows)}
	for j, t := range ts {
		v := vector.New(t)
		v.Reset(t, len(rows))
		for i, row := range rows {
			x := row[j]
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
			if x.Null {
				v.SetNull(i)
			}
		}
		b.Cols = append(b.Cols, v)
	}
	return b
}

// appendBatch appends the active rows of b to rows, checking the batch's
// shape.
func appendBatch(t testing.TB, rows table, b *vector.Batch, ts []types.Type) table {
	t.Helper()
	if len(b.Cols) != len(ts) {
		t.Fatalf("batch has %d columns, want %d", len(b.Cols), len(ts))
	}
	for j, v := range b.Cols {
		if v.Len != b.Len || v.Type != ts[j] {
			t.Fatalf("column %d: len %d type %s, batch len %d type %s", j, v.Len, v.Type, b.Len, ts[j])
		}
		if v.Type.Phys() == types.PhysBytes && (len(v.Offsets) != v.Len+1 || int(v.Offsets[v.Len]) != len(v.Bytes)) {
			t.Fatalf("column %d: %d offsets ending at %d for %d rows and %d bytes", j, len(v.Offsets), v.Offsets[len(v.Offsets)-1], v.Len, len(v.Bytes))
		}
	}
	for i := 0; i < b.Len; i++ {
		if b.Sel != nil {
			t.Fatal("reader batch with a selection")
		}
		row := make([]types.Value, len(b.Cols))
		for j, v := range b.Cols {
			row[j] = v.Value(i)
		}
		rows = append(rows, row)
	}
	return rows
}

// sameValue compares two values exactly (floats by bits, any NaN equal).
func sameValue(a, b types.Value) bool {
	if a.Null || b.Null {
		return a.Null == b.Null
	}
	switch a.Type.Phys() {
	case types.PhysFloat64:
		if math.IsNaN(a.Float) || math.IsNaN(b.Float) {
			return math.IsNaN(a.Float) && math.IsNaN(b.Float)
		}
		return math.Float64bits(a.Float) == math.Float64bits(b.Float)
	case types.PhysInt64:
		return a.Int == b.Int
	case types.PhysBool:
		return a.Bool == b.Bool
	case types.PhysBytes:
		return a.Str == b.Str
	}
	return false
}

// compareTables fails on the first difference.
func compareTables(t testing.TB, got, want table) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !sameValue(got[i][j], want[i][j]) {
				t.Fatalf("row %d column %d: got %s, want %s", i, j+1, show(got[i][j]), show(want[i][j]))
			}
		}
	}
}

func show(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	return fmt.Sprintf("%q (%s)", v.String(), v.Type)
}

// chunkReader returns its data in pieces of random sizes (some empty), to
// move record boundaries across reads.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
	max  int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), c.rng.IntN(c.max+1))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// readAll reads every batch of r.
func readAll(t testing.TB, r *CSVReader, ts []types.Type) (table, error) {
	t.Helper()
	var rows table
	var b vector.Batch
	for {
		ok, err := r.Next(&b)
		if err != nil {
			return rows, err
		}
		if !ok {
			return rows, nil
		}
		rows = appendBatch(t, rows, &b, ts)
	}
}
