package fileio

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// readString reads text as CSV and returns the rows as text (Value.String).
func readString(t *testing.T, text string, ts []types.Type, opts CSVOptions) ([]string, error) {
	t.Helper()
	rows, err := readAll(t, NewCSVReader(strings.NewReader(text), ts, opts), ts)
	var out []string
	for _, row := range rows {
		var parts []string
		for _, v := range row {
			parts = append(parts, v.String())
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, err
}

func TestCSVReaderCases(t *testing.T) {
	i, s, d := types.Integer, types.Text, types.Date
	dec := types.MustDecimal(15, 2)
	cases := []struct {
		name string
		text string
		ts   []types.Type
		opts CSVOptions
		want []string
	}{
		{"basic", "1,a\n2,b\n", []types.Type{i, s}, CSVOptions{}, []string{"1|a", "2|b"}},
		{"no final newline", "1,a\n2,b", []types.Type{i, s}, CSVOptions{}, []string{"1|a", "2|b"}},
		{"crlf", "1,a\r\n2,b\r\n", []types.Type{i, s}, CSVOptions{}, []string{"1|a", "2|b"}},
		{"crlf no final newline", "1,a\r\n2,b", []types.Type{i, s}, CSVOptions{}, []string{"1|a", "2|b"}},
		{"bom", "\ufeff1,a\n", []types.Type{i, s}, CSVOptions{}, []string{"1|a"}},
		{"bom and header", "\ufeffx,y\n1,a\n", []types.Type{i, s}, CSVOptions{Header: true}, []string{"1|a"}},
		{"header only", "x,y\n", []types.Type{i, s}, CSVOptions{Header: true}, nil},
		{"empty input", "", []types.Type{i, s}, CSVOptions{}, nil},
		{"nulls", "1,\n,b\n", []types.Type{i, s}, CSVOptions{}, []string{"1|NULL", "NULL|b"}},
		{"quoted empty is a string", `1,""` + "\n", []types.Type{i, s}, CSVOptions{}, []string{"1|"}},
		{"quoted empty number is null", `"",x` + "\n", []types.Type{i, s}, CSVOptions{}, []string{"NULL|x"}},
		{"null text", "NULL,NULL\n1,\"NULL\"\n2,\n", []types.Type{i, s}, CSVOptions{Null: "NULL"}, []string{"NULL|NULL", "1|NULL", "2|"}},
		{"quotes", `1,"a,b"` + "\n" + `2,"say ""hi"""` + "\n", []types.Type{i, s}, CSVOptions{}, []string{"1|a,b", `2|say "hi"`}},
		{"quoted newline", "1,\"a\nb\"\n2,\"c\r\nd\"\n", []types.Type{i, s}, CSVOptions{}, []string{"1|a\nb", "2|c\r\nd"}},
		{"quoted number", `"12","x"` + "\n", []types.Type{i, s}, CSVOptions{}, []string{"12|x"}},
		{"pipe and trailing delimiter", "1|a|\n2|b|\n", []types.Type{i, s}, CSVOptions{Delimiter: '|'}, []string{"1|a", "2|b"}},
		{"blank lines skipped", "1,a\n\n\r\n2,b\n\n", []types.Type{i, s}, CSVOptions{}, []string{"1|a", "2|b"}},
		{"one column blank line is null", "1\n\n2\n", []types.Type{i}, CSVOptions{}, []string{"1", "NULL", "2"}},
		{"spaces around numbers", " 12 , 3.5 , 2024-01-02 \n", []types.Type{i, dec, d}, CSVOptions{}, []string{"12|3.50|2024-01-02"}},
		{"spaces kept in text", "1, a \n", []types.Type{i, s}, CSVOptions{}, []string{"1| a "}},
		{"decimals", "12345.67\n-0.5\n.25\n7.\n+3\n1.005\n1e2\n", []types.Type{dec}, CSVOptions{}, []string{"12345.67", "-0.50", "0.25", "7.00", "3.00", "1.01", "100.00"}},
		{"integer extremes", "-9223372036854775808,32767\n9223372036854775807,-32768\n", []types.Type{types.BigInt, types.SmallInt}, CSVOptions{},
			[]string{"-9223372036854775808|32767", "9223372036854775807|-32768"}},
		{"dates", "1992-01-02\n0001-01-01\n9999-12-31\n0001-02-29 (BC)\n2000-02-29\n", []types.Type{d}, CSVOptions{},
			[]string{"1992-01-02", "0001-01-01", "9999-12-31", "0001-02-29 (BC)", "2000-02-29"}},
		{"timestamps", "2024-01-02 03:04:05.5\n2024-01-02T03:04\n0044-03-15 12:00:00 (BC)\n", []types.Type{types.Timestamp}, CSVOptions{},
			[]string{"2024-01-02 03:04:05.5", "2024-01-02 03:04:00", "0044-03-15 12:00:00 (BC)"}},
		{"floats", "1.5,0.25\nnan,inf\n-inf,1e-7\n-0,3.4e38\n", []types.Type{types.Double, types.Real}, CSVOptions{},
			[]string{"1.5|0.25", "nan|inf", "-inf|1e-07", "-0.0|3.4e+38"}},
		{"booleans", "true\nf\nYES\n0\n", []types.Type{types.Boolean}, CSVOptions{}, []string{"true", "false", "true", "false"}},
		{"tab and single quote", "1\t'x'\n", []types.Type{i, s}, CSVOptions{Delimiter: '\t', Quote: '\''}, []string{"1|x"}},
		{"numeric null text", "0,0,0\n1,1.5,2024-01-01\n", []types.Type{i, dec, d}, CSVOptions{Null: "0"}, []string{"NULL|NULL|NULL", "1|1.50|2024-01-01"}},
		{"varchar limit", "abc\nab\n", []types.Type{types.Varchar(3)}, CSVOptions{}, []string{"abc", "ab"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readString(t, c.text, c.ts, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			// The same through a reader returning one byte at a time.
			rows, err := readAll(t, NewCSVReader(iotest.OneByteReader(strings.NewReader(c.text)), c.ts, c.opts), c.ts)
			if err != nil || len(rows) != len(c.want) {
				t.Fatalf("one byte at a time: %d rows, %v", len(rows), err)
			}
		})
	}
}

func TestCSVReaderErrors(t *testing.T) {
	i, s := types.Integer, types.Text
	cases := []struct {
		name string
		text string
		ts   []types.Type
		opts CSVOptions
		want string
		is   error
	}{
		{"syntax", "h\n" + strings.Repeat("1,2,3\n", 10) + "1,2,x\n", []types.Type{i, i, i}, CSVOptions{Header: true},
			`frigatebird: csv line 12, column 3: invalid input syntax for type INTEGER: "x"`, types.ErrCast},
		{"range", "1,40000\n", []types.Type{i, types.SmallInt}, CSVOptions{},
			`frigatebird: csv line 1, column 2: value out of range for type SMALLINT: "40000"`, types.ErrOutOfRange},
		{"bigint overflow", "9223372036854775808\n", []types.Type{types.BigInt}, CSVOptions{},
			`frigatebird: csv line 1, column 1: value out of range for type BIGINT: "9223372036854775808"`, types.ErrOutOfRange},
		{"decimal precision", "1,12345678901234.5\n", []types.Type{i, types.MustDecimal(15, 2)}, CSVOptions{},
			`frigatebird: csv line 1, column 2: value out of range for type DECIMAL(15,2): "12345678901234.5"`, types.ErrOutOfRange},
		{"bad date", "2024-02-30\n", []types.Type{types.Date}, CSVOptions{},
			`frigatebird: csv line 1, column 1: invalid input syntax for type DATE: "2024-02-30"`, types.ErrCast},
		{"too few fields", "1,a\n2\n", []types.Type{i, s}, CSVOptions{},
			`frigatebird: csv line 2: expected 2 fields, found 1`, ErrInvalidCSV},
		{"too many fields", "1,a\n2,b,c,d\n", []types.Type{i, s}, CSVOptions{},
			`frigatebird: csv line 2: expected 2 fields, found 4`, ErrInvalidCSV},
		{"line after quoted newlines", "1,\"a\n\nb\"\n2,x,y\n", []types.Type{i, s}, CSVOptions{},
			`frigatebird: csv line 4: expected 2 fields, found 3`, ErrInvalidCSV},
		{"unterminated", "1,\"abc\n2,x\n", []types.Type{i, s}, CSVOptions{},
			`frigatebird: csv line 1, column 2: unterminated quoted field`, ErrInvalidCSV},
		{"bare quote", "1,ab\"c\n", []types.Type{i, s}, CSVOptions{},
			`frigatebird: csv line 1, column 2: bare quote in unquoted field: "ab\""`, ErrInvalidCSV},
		{"after closing quote", "1,\"ab\"c\n", []types.Type{i, s}, CSVOptions{},
			`frigatebird: csv line 1, column 2: unexpected character after closing quote: "c"`, ErrInvalidCSV},
		{"varchar too long", "abcd\n", []types.Type{types.Varchar(3)}, CSVOptions{},
			`frigatebird: csv line 1, column 1: value too long for type VARCHAR(3): "abcd"`, types.ErrOutOfRange},
		{"bad options", "1\n", []types.Type{i}, CSVOptions{Delimiter: '"'},
			`frigatebird: csv delimiter and quote are both '"': invalid csv options`, ErrOptions},
		{"no columns", "1\n", nil, CSVOptions{}, `frigatebird: csv: no columns: invalid csv options`, ErrOptions},
		{"interval column", "1\n", []types.Type{types.Interval}, CSVOptions{},
			`frigatebird: csv column 1: type INTERVAL cannot be read from csv: invalid csv options`, ErrOptions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readString(t, c.text, c.ts, c.opts)
			if err == nil || err.Error() != c.want || !errors.Is(err, c.is) {
				t.Fatalf("got %v, want %s (wrapping %v)", err, c.want, c.is)
			}
			var ce *CSVError
			if errors.Is(c.is, ErrOptions) != !errors.As(err, &ce) {
				t.Fatalf("%v: CSVError %v", err, errors.As(err, &ce))
			}
		})
	}
}

// TestCSVReaderErrorIsSticky: after an error, Next keeps failing.
func TestCSVReaderErrorIsSticky(t *testing.T) {
	r := NewCSVReader(strings.NewReader("x\n1\n"), []types.Type{types.Integer}, CSVOptions{})
	var b vector.Batch
	_, err1 := r.Next(&b)
	_, err2 := r.Next(&b)
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors %v then %v", err1, err2)
	}
}

func TestCSVReaderLongRecord(t *testing.T) {
	ts := []types.Type{types.Text}
	long := strings.Repeat("x", 5000)
	r := NewCSVReader(strings.NewReader("a\n"+long+"\nb\n"), ts, CSVOptions{})
	r.maxLine = 1024
	_, err := readAll(t, r, ts)
	if want := "frigatebird: csv line 2: record longer than 1024 bytes"; err == nil || err.Error() != want || !errors.Is(err, ErrInvalidCSV) {
		t.Fatalf("got %v, want %s", err, want)
	}
	// Within the bound, a long record spanning many reads is fine.
	r = NewCSVReader(iotest.HalfReader(strings.NewReader("a\n\""+long+"\n"+long+"\"\nb\n")), ts, CSVOptions{})
	rows, err := readAll(t, r, ts)
	if err != nil || len(rows) != 3 || rows[1][0].Str != long+"\n"+long {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

// TestCSVReaderBatches: more rows than a batch, batch sizes vector.Size,
// and vectors reused across batches.
func TestCSVReaderBatches(t *testing.T) {
	var sb strings.Builder
	n := 3*vector.Size + 17
	for k := 0; k < n; k++ {
		sb.WriteString("7,seven\n")
	}
	ts := []types.Type{types.BigInt, types.Text}
	r := NewCSVReader(strings.NewReader(sb.String()), ts, CSVOptions{})
	var b vector.Batch
	var sizes []int
	var first *vector.Vector
	for {
		ok, err := r.Next(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if first == nil {
			first = b.Cols[0]
		} else if b.Cols[0] != first {
			t.Fatal("vector not reused")
		}
		sizes = append(sizes, b.Len)
	}
	if len(sizes) != 4 || sizes[0] != vector.Size || sizes[3] != 17 || r.Rows() != int64(n) {
		t.Fatalf("batch sizes %v, rows %d", sizes, r.Rows())
	}
}

// TestCSVRoundTrip: random typed rows → CSVWriter → CSVReader are equal,
// under random dialects and read sizes.
func TestCSVRoundTrip(t *testing.T) {
	iters := 200
	if raceEnabled || testing.Short() {
		iters = 30
	}
	for it := 0; it < iters; it++ {
		seed := uint64(it)
		rng := rand.New(rand.NewPCG(seed, 7))
		ts := make([]types.Type, 1+rng.IntN(8))
		for j := range ts {
			ts[j] = allTypes[rng.IntN(len(allTypes))]
		}
		opts := CSVOptions{
			Header:    rng.IntN(2) == 0,
			Delimiter: []byte{',', '|', ';', '\t', 0}[rng.IntN(5)],
			Quote:     []byte{'"', '\'', 0}[rng.IntN(3)],
			Null:      []string{"", "", "NULL", `\N`, "0"}[rng.IntN(5)],
		}
		n := rng.IntN(3000)
		if rng.IntN(5) == 0 {
			n = rng.IntN(4)
		}
		rows := randTable(rng, ts, n, []float64{0, 0.1, 0.5, 1}[rng.IntN(4)])
		bs, active := batches(rng, ts, rows)
		names := make([]string, len(ts))
		for j := range names {
			names[j] = randString(rng)
		}
		var buf bytes.Buffer
		w, err := NewCSVWriter(&buf, names, ts, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if err := w.Write(b); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		var src = bytes.NewReader(buf.Bytes())
		r := NewCSVReader(&chunkReader{data: buf.Bytes(), rng: rng, max: 1 + rng.IntN(1<<16)}, ts, opts)
		if rng.IntN(2) == 0 {
			r = NewCSVReader(src, ts, opts)
		}
		got, err := readAll(t, r, ts)
		if err != nil {
			t.Fatalf("seed %d: types %v opts %+v: %v", seed, ts, opts, err)
		}
		func() {
			defer func() {
				if t.Failed() {
					t.Logf("seed %d: types %v opts %+v", seed, ts, opts)
				}
			}()
			compareTables(t, got, active)
		}()
	}
}
