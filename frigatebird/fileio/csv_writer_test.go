package fileio

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

func TestCSVWriterFormat(t *testing.T) {
	ts := []types.Type{types.Integer, types.Text, types.MustDecimal(15, 2), types.Date, types.Timestamp, types.Double, types.Real, types.Boolean}
	null := func(t types.Type) types.Value { return types.NullValue(t) }
	str := types.TextValue
	iv := types.IntValue
	rows := table{
		{iv(ts[0], 1), str("plain"), iv(ts[2], 1250), iv(ts[3], 0), iv(ts[4], 1), types.DoubleValue(0.1), {Type: types.Real, Float: float64(float32(1.5))}, types.BoolValue(true)},
		{iv(ts[0], -2), str(""), iv(ts[2], -5), iv(ts[3], types.DaysFromCivil(0, 3, 1)), iv(ts[4], -1), types.DoubleValue(math.NaN()), {Type: types.Real, Float: math.Inf(-1)}, types.BoolValue(false)},
		{null(ts[0]), str(`a,"b"`), null(ts[2]), null(ts[3]), null(ts[4]), types.DoubleValue(1e20), null(ts[6]), null(ts[7])},
		{iv(ts[0], 3), str(" pad"), iv(ts[2], 0), iv(ts[3], 1), iv(ts[4], 0), types.DoubleValue(100), {Type: types.Real}, types.BoolValue(true)},
		{iv(ts[0], 4), str("line\nbreak"), iv(ts[2], 0), iv(ts[3], 1), iv(ts[4], 0), types.DoubleValue(math.Copysign(0, -1)), {Type: types.Real}, types.BoolValue(true)},
		{iv(ts[0], 5), str("NULL"), iv(ts[2], 0), iv(ts[3], 1), iv(ts[4], 0), types.DoubleValue(2), {Type: types.Real}, types.BoolValue(true)},
	}
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf, []string{"id", "the note", "price", "d", "ts", "x", "r", "ok,?"}, ts, CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	b := makeBatch(ts, rows)
	b.Sel = []uint16{0, 1, 2, 3, 4, 5}
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `id,the note,price,d,ts,x,r,"ok,?"
1,plain,12.50,1970-01-01,1970-01-01 00:00:00.000001,0.1,1.5,true
-2,"",-0.05,0001-03-01 (BC),1969-12-31 23:59:59.999999,nan,-inf,false
,"a,""b""",,,,1e+20,,
3," pad",0.00,1970-01-02,1970-01-01 00:00:00,100.0,0.0,true
4,"line
break",0.00,1970-01-02,1970-01-01 00:00:00,-0.0,0.0,true
5,NULL,0.00,1970-01-02,1970-01-01 00:00:00,2.0,0.0,true
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	// Every non-NULL field is Value.String's text.
	for _, row := range rows[:2] {
		for _, v := range row {
			if !bytes.Contains([]byte(want), []byte(v.String())) {
				t.Fatalf("%s not in the output", v.String())
			}
		}
	}

	// With a NULL text, a string equal to it is quoted.
	buf.Reset()
	w, _ = NewCSVWriter(&buf, nil, ts[:2], CSVOptions{Null: "NULL", Delimiter: '|'})
	if err := w.Write(makeBatch(ts[:2], table{{null(ts[0]), str("NULL")}, {iv(ts[0], 1), null(ts[1])}})); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got, want := buf.String(), "NULL|\"NULL\"\n1|NULL\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCSVWriterErrors(t *testing.T) {
	ts := []types.Type{types.Integer}
	if _, err := NewCSVWriter(&bytes.Buffer{}, nil, ts, CSVOptions{Header: true}); !errors.Is(err, ErrOptions) {
		t.Fatalf("header without names: %v", err)
	}
	if _, err := NewCSVWriter(&bytes.Buffer{}, nil, ts, CSVOptions{Delimiter: '\n'}); !errors.Is(err, ErrOptions) {
		t.Fatalf("newline delimiter: %v", err)
	}
	if _, err := NewCSVWriter(&bytes.Buffer{}, nil, []types.Type{types.Interval}, CSVOptions{}); !errors.Is(err, ErrOptions) {
		t.Fatalf("interval column: %v", err)
	}
	w, _ := NewCSVWriter(failWriter{}, nil, ts, CSVOptions{})
	if err := w.Write(&vector.Batch{Cols: []*vector.Vector{vector.New(types.Text), vector.New(types.Text)}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("wrong column count: %v", err)
	}
	if err := w.Write(makeBatch(ts, table{{types.IntValue(ts[0], 1)}})); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); !errors.Is(err, errDisk) {
		t.Fatalf("flush: %v", err)
	}
	if err := w.Write(makeBatch(ts, table{{types.IntValue(ts[0], 1)}})); !errors.Is(err, errDisk) {
		t.Fatalf("write after a failed flush: %v", err)
	}
}

var errDisk = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }
