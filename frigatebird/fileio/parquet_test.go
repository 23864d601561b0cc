package fileio

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// pqSpec is a test column: its Parquet node, the type it reads as, and a
// generator of a Parquet value with the value it must read as.
type pqSpec struct {
	name     string
	node     parquet.Node
	t        types.Type
	optional bool
	gen      func(rng *rand.Rand) (parquet.Value, types.Value)
}

// beBytes is x as an n-byte big-endian two's complement integer.
func beBytes(x *big.Int, n int) []byte {
	m := new(big.Int).Set(x)
	if m.Sign() < 0 {
		m.Add(m, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	}
	b := m.Bytes()
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}

func pqSpecs() []pqSpec {
	ival := func(t types.Type, x int64) types.Value { return types.IntValue(t, x) }
	dec := func(p, s int) types.Type { return types.MustDecimal(p, s) }
	words := []string{"", "a", "hello", "日本語", "with,comma", strings.Repeat("x", 300)}
	specs := []pqSpec{
		{"a_bool", parquet.Leaf(parquet.BooleanType), types.Boolean, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			b := r.IntN(2) == 0
			return parquet.BooleanValue(b), types.BoolValue(b)
		}},
		{"b_int8", parquet.Int(8), types.SmallInt, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int32(r.IntN(256) - 128)
			return parquet.Int32Value(x), ival(types.SmallInt, int64(x))
		}},
		{"c_int16", parquet.Int(16), types.SmallInt, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int32(r.IntN(65536) - 32768)
			return parquet.Int32Value(x), ival(types.SmallInt, int64(x))
		}},
		{"d_int32", parquet.Int(32), types.Integer, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int32(r.Uint32())
			return parquet.Int32Value(x), ival(types.Integer, int64(x))
		}},
		{"e_int64", parquet.Int(64), types.BigInt, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int64(r.Uint64())
			return parquet.Int64Value(x), ival(types.BigInt, x)
		}},
		{"f_uint8", parquet.Uint(8), types.SmallInt, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.IntN(256)
			return parquet.Int32Value(int32(x)), ival(types.SmallInt, int64(x))
		}},
		{"g_uint16", parquet.Uint(16), types.Integer, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.IntN(65536)
			return parquet.Int32Value(int32(x)), ival(types.Integer, int64(x))
		}},
		{"h_uint32", parquet.Uint(32), types.BigInt, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.Uint32()
			return parquet.Int32Value(int32(x)), ival(types.BigInt, int64(x))
		}},
		{"i_plain32", parquet.Leaf(parquet.Int32Type), types.Integer, false, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int32(r.Uint32())
			return parquet.Int32Value(x), ival(types.Integer, int64(x))
		}},
		{"j_plain64", parquet.Leaf(parquet.Int64Type), types.BigInt, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int64(r.Uint64())
			return parquet.Int64Value(x), ival(types.BigInt, x)
		}},
		{"k_float", parquet.Leaf(parquet.FloatType), types.Real, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := float32(r.NormFloat64() * 1e6)
			if r.IntN(20) == 0 {
				x = float32(math.Inf(-1))
			}
			return parquet.FloatValue(x), types.Value{Type: types.Real, Float: float64(x)}
		}},
		{"l_double", parquet.Leaf(parquet.DoubleType), types.Double, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.NormFloat64() * 1e100
			if r.IntN(20) == 0 {
				x = math.NaN()
			}
			return parquet.DoubleValue(x), types.DoubleValue(x)
		}},
		{"m_dec32", parquet.Decimal(2, 9, parquet.Int32Type), dec(9, 2), true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int32(r.IntN(1999999999) - 999999999)
			return parquet.Int32Value(x), ival(dec(9, 2), int64(x))
		}},
		{"n_dec64", parquet.Decimal(2, 15, parquet.Int64Type), dec(15, 2), true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.Int64N(2*999999999999999+1) - 999999999999999
			return parquet.Int64Value(x), ival(dec(15, 2), x)
		}},
		{"o_decflba", parquet.Decimal(3, 18, parquet.FixedLenByteArrayType(9)), dec(18, 3), true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.Int64N(2*999999999999999999+1) - 999999999999999999
			return parquet.FixedLenByteArrayValue(beBytes(big.NewInt(x), 9)), ival(dec(18, 3), x)
		}},
		{"p_decbytes", parquet.Decimal(1, 10, parquet.ByteArrayType), dec(10, 1), true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.Int64N(2*9999999999+1) - 9999999999
			n := 5 + r.IntN(4)
			return parquet.ByteArrayValue(beBytes(big.NewInt(x), n)), ival(dec(10, 1), x)
		}},
		{"q_decwide", parquet.Decimal(4, 30, parquet.FixedLenByteArrayType(13)), types.Double, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := new(big.Int).Mul(big.NewInt(r.Int64N(1<<62)-1<<61), big.NewInt(r.Int64N(1e9)))
			f, _ := new(big.Float).SetInt(x).Float64()
			return parquet.FixedLenByteArrayValue(beBytes(x, 13)), types.DoubleValue(f / 1e4)
		}},
		{"r_string", parquet.String(), types.Text, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			s := words[r.IntN(len(words))]
			return parquet.ByteArrayValue([]byte(s)), types.TextValue(s)
		}},
		{"s_bytes", parquet.Leaf(parquet.ByteArrayType), types.Text, false, func(r *rand.Rand) (parquet.Value, types.Value) {
			s := words[r.IntN(len(words))]
			return parquet.ByteArrayValue([]byte(s)), types.TextValue(s)
		}},
		{"t_dict", parquet.Compressed(parquet.Encoded(parquet.String(), &parquet.RLEDictionary), &parquet.Snappy), types.Text, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			s := words[r.IntN(3)]
			return parquet.ByteArrayValue([]byte(s)), types.TextValue(s)
		}},
		{"u_date", parquet.Date(), types.Date, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			d := int32(r.IntN(5_000_000) - 2_500_000)
			return parquet.Int32Value(d), ival(types.Date, int64(d))
		}},
		{"v_ts_ms", parquet.Timestamp(parquet.Millisecond), types.Timestamp, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.Int64N(1e14) - 5e13
			return parquet.Int64Value(x), ival(types.Timestamp, x*1000)
		}},
		{"w_ts_us", parquet.Timestamp(parquet.Microsecond), types.Timestamp, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := r.Int64N(1e17) - 5e16
			return parquet.Int64Value(x), ival(types.Timestamp, x)
		}},
		{"x_ts_ns", parquet.Timestamp(parquet.Nanosecond), types.Timestamp, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			x := int64(r.Uint64())
			us := x / 1000
			if x%1000 < 0 {
				us--
			}
			return parquet.Int64Value(x), ival(types.Timestamp, us)
		}},
		{"y_int96", parquet.Leaf(parquet.Int96Type), types.Timestamp, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			day := int64(julianEpochDay) + r.Int64N(200000) - 100000
			nanos := r.Int64N(types.MicrosPerDay) * 1000
			q := deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(day)}
			return parquet.Int96Value(q), ival(types.Timestamp, (day-julianEpochDay)*types.MicrosPerDay+nanos/1000)
		}},
		{"z_json", parquet.JSON(), types.Text, true, func(r *rand.Rand) (parquet.Value, types.Value) {
			s := `{"k":` + words[r.IntN(2)] + `1}`
			return parquet.ByteArrayValue([]byte(s)), types.TextValue(s)
		}},
	}
	return specs
}

// writeParquet writes n random rows of specs into a file, starting a row
// group every groupRows rows, and returns the values they read as.
func writeParquet(t testing.TB, path string, specs []pqSpec, n, groupRows int, seed uint64) table {
	t.Helper()
	sort.Slice(specs, func(i, j int) bool { return specs[i].name < specs[j].name })
	group := parquet.Group{}
	for _, s := range specs {
		node := s.node
		if s.optional {
			node = parquet.Optional(node)
		}
		group[s.name] = node
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := parquet.NewWriter(f, parquet.NewSchema("t", group), parquet.PageBufferSize(2048))
	rng := rand.New(rand.NewPCG(seed, 3))
	var want table
	for i := 0; i < n; i++ {
		row := make(parquet.Row, len(specs))
		vals := make([]types.Value, len(specs))
		for c, s := range specs {
			pv, v := s.gen(rng)
			if s.optional && rng.IntN(7) == 0 {
				row[c] = parquet.Value{}.Level(0, 0, c)
				vals[c] = types.NullValue(s.t)
				continue
			}
			def := 0
			if s.optional {
				def = 1
			}
			v.Type = s.t
			row[c], vals[c] = pv.Level(0, def, c), v
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
		want = append(want, vals)
		if (i+1)%groupRows == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

// readParquet reads every batch of r.
func readParquet(t testing.TB, r *ParquetReader, ts []types.Type) table {
	t.Helper()
	var rows table
	var b vector.Batch
	for {
		ok, err := r.Next(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return rows
		}
		if b.Len == 0 || b.Len > vector.Size {
			t.Fatalf("batch of %d rows", b.Len)
		}
		rows = appendBatch(t, rows, &b, ts)
	}
}

func TestParquetRoundTrip(t *testing.T) {
	n := 5000
	if raceEnabled {
		n = 1200
	}
	specs := pqSpecs()
	path := filepath.Join(t.TempDir(), "all.parquet")
	want := writeParquet(t, path, specs, n, 1700, 1)

	names, ts, err := ParquetSchema(path)
	if err != nil {
		t.Fatal(err)
	}
	var wantNames []string
	var wantTypes []types.Type
	for _, s := range specs {
		wantNames = append(wantNames, s.name)
		wantTypes = append(wantTypes, s.t)
	}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(ts, wantTypes) {
		t.Fatalf("schema %v %v, want %v %v", names, ts, wantNames, wantTypes)
	}

	r, err := NewParquetReader(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != int64(n) || !reflect.DeepEqual(r.Types(), ts) {
		t.Fatalf("NumRows %d types %v", r.NumRows(), r.Types())
	}
	compareTables(t, readParquet(t, r, ts), want)
	if ok, err := r.Next(&vector.Batch{}); ok || err != nil {
		t.Fatalf("after the end: %v %v", ok, err)
	}
}

// TestParquetProjection reads a subset of the columns, reordered and
// repeated.
func TestParquetProjection(t *testing.T) {
	specs := pqSpecs()
	path := filepath.Join(t.TempDir(), "p.parquet")
	want := writeParquet(t, path, specs, 3000, 1000, 2)
	cols := []int{20, 0, 17, 17, 13}
	r, err := NewParquetReader(path, cols)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ts := r.Types()
	var proj table
	for _, row := range want {
		var p []types.Value
		for _, j := range cols {
			p = append(p, row[j])
		}
		proj = append(proj, p)
	}
	compareTables(t, readParquet(t, r, ts), proj)

	if _, err := NewParquetReader(path, []int{len(specs)}); !errors.Is(err, ErrOptions) {
		t.Fatalf("column out of range: %v", err)
	}
}

func TestParquetUnsupported(t *testing.T) {
	cases := []struct {
		name string
		node parquet.Node
		want string
	}{
		{"tm", parquet.Time(parquet.Millisecond), `column "tm": type TIME`},
		{"id", parquet.UUID(), `column "id": type UUID`},
		{"big", parquet.Uint(64), `column "big": type INT(64,false)`},
		{"tags", parquet.List(parquet.String()), `column "tags": nested columns are not supported`},
		{"rep", parquet.Repeated(parquet.String()), `column "rep": repeated columns are not supported`},
		{"nest", parquet.Group{"x": parquet.Int(32)}, `column "nest": nested columns are not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "u.parquet")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := parquet.NewWriter(f, parquet.NewSchema("t", parquet.Group{c.name: c.node, "ok": parquet.Int(32)}))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			f.Close()
			_, _, err = ParquetSchema(path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if _, err := NewParquetReader(path, nil); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("reader: %v", err)
			}
		})
	}
}

// TestParquetCorrupt: damaged files are errors, never panics.
func TestParquetCorrupt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.parquet")
	writeParquet(t, path, pqSpecs(), 600, 200, 3)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParquetSchema(filepath.Join(dir, "missing.parquet")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	notParquet := filepath.Join(dir, "n.parquet")
	os.WriteFile(notParquet, []byte("id,name\n1,x\n"), 0o644)
	if _, _, err := ParquetSchema(notParquet); err == nil {
		t.Fatal("csv read as parquet")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	iters := 300
	if raceEnabled {
		iters = 40
	}
	for i := 0; i < iters; i++ {
		bad := append([]byte(nil), data...)
		// Damage the data pages (not the footer, which makes OpenFile fail
		// early) or, one time in four, anywhere.
		for k := 0; k < 1+rng.IntN(8); k++ {
			pos := 4 + rng.IntN(len(bad)/2)
			if rng.IntN(4) == 0 {
				pos = rng.IntN(len(bad))
			}
			bad[pos] ^= byte(1 + rng.IntN(255))
		}
		p := filepath.Join(dir, "bad.parquet")
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := NewParquetReader(p, nil)
		if err != nil {
			continue
		}
		var b vector.Batch
		for {
			ok, err := r.Next(&b)
			if err != nil || !ok {
				break
			}
			if b.Len < 1 || b.Len > vector.Size {
				t.Fatalf("batch of %d rows", b.Len)
			}
		}
		r.Close()
	}
}

func TestBigEndianInt64(t *testing.T) {
	for _, x := range []int64{0, 1, -1, 127, -128, 255, 1 << 40, -(1 << 40), math.MaxInt64, math.MinInt64} {
		for n := 1; n <= 16; n++ {
			if fits := big.NewInt(x).BitLen() < 8*n || x == math.MinInt64 && n >= 8; !fits {
				continue
			}
			b := beBytes(big.NewInt(x), n)
			got, ok := bigEndianInt64(b)
			if !ok || got != x {
				t.Fatalf("%d in %d bytes (% x): got %d %v", x, n, b, got, ok)
			}
		}
	}
	if _, ok := bigEndianInt64([]byte{0, 0x80, 0, 0, 0, 0, 0, 0, 0}); ok {
		t.Fatal("2^63 fits an int64")
	}
	if _, ok := bigEndianInt64([]byte{0xFF, 0x7F, 0, 0, 0, 0, 0, 0, 0}); ok {
		t.Fatal("-2^63-2^56... fits an int64")
	}
}
