package fileio

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

func TestSniffCSV(t *testing.T) {
	b, i, d, dt, ts, s := types.Boolean, types.BigInt, types.Double, types.Date, types.Timestamp, types.Text
	cases := []struct {
		name   string
		text   string
		opts   CSVOptions
		names  []string
		ts     []types.Type
		delim  byte
		header bool
	}{
		{"types with header", "id,price,day,at,ok,note\n1,12.50,2024-01-02,2024-01-02 03:04:05,true,hello\n2,3,2024-02-03,2024-01-02,FALSE,\n",
			CSVOptions{HeaderAuto: true}, []string{"id", "price", "day", "at", "ok", "note"}, []types.Type{i, d, dt, ts, b, s}, ',', true},
		{"no header", "1,x\n2,y\n", CSVOptions{HeaderAuto: true}, []string{"column0", "column1"}, []types.Type{i, s}, ',', false},
		{"header forced", "1,2\n3,4\n", CSVOptions{Header: true}, []string{"1", "2"}, []types.Type{i, i}, ',', true},
		{"pipe with trailing delimiter", "1|a|2024-01-01|\n2|b|2024-01-02|\n", CSVOptions{}, []string{"column0", "column1", "column2"},
			[]types.Type{i, s, dt}, '|', false},
		{"semicolon", "a;b\n1,5;2\n3,5;4\n", CSVOptions{HeaderAuto: true}, []string{"a", "b"}, []types.Type{s, i}, ';', true},
		{"tab", "x\ty\tz\n1\t2\t3\n", CSVOptions{HeaderAuto: true}, []string{"x", "y", "z"}, []types.Type{i, i, i}, '\t', true},
		{"comma inside quotes", "n,v\n\"a,b\",1\n\"c|d\",2\n", CSVOptions{HeaderAuto: true}, []string{"n", "v"}, []types.Type{s, i}, ',', true},
		{"all text header", "name,city\nann,paris\nbob,paris\n", CSVOptions{HeaderAuto: true}, []string{"name", "city"}, []types.Type{s, s}, ',', true},
		{"empty and duplicate names", "a,,a\n1,2,3\n", CSVOptions{HeaderAuto: true}, []string{"a", "column1", "a_1"}, []types.Type{i, i, i}, ',', true},
		{"nulls and bom", "\ufeffv,w\nNULL,1\n2,NULL\n", CSVOptions{HeaderAuto: true, Null: "NULL"}, []string{"v", "w"}, []types.Type{i, i}, ',', true},
		{"all null column", "a,b\n1,\n2,\n", CSVOptions{HeaderAuto: true}, []string{"a", "b"}, []types.Type{i, s}, ',', true},
		{"big integers are double", "99999999999999999999\n1\n", CSVOptions{}, []string{"column0"}, []types.Type{d}, ',', false},
		{"one and zero are integers", "1\n0\n", CSVOptions{}, []string{"column0"}, []types.Type{i}, ',', false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			names, ts, o, err := SniffCSV(path, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(names, c.names) || !reflect.DeepEqual(ts, c.ts) || o.Delimiter != c.delim || o.Header != c.header || o.HeaderAuto {
				t.Fatalf("got %q %v delim %q header %v, want %q %v %q %v", names, ts, o.Delimiter, o.Header, c.names, c.ts, c.delim, c.header)
			}
			// The sniffed dialect and types read the file.
			if _, err := readString(t, c.text, ts, o); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSniffCSVLineitem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lineitem.tbl")
	if err := os.WriteFile(path, lineitemText(3000), 0o644); err != nil {
		t.Fatal(err)
	}
	names, ts, o, err := SniffCSV(path, CSVOptions{HeaderAuto: true})
	if err != nil {
		t.Fatal(err)
	}
	i, d, dt, s := types.BigInt, types.Double, types.Date, types.Text
	want := []types.Type{i, i, i, i, i, d, d, d, s, s, dt, dt, dt, s, s, s}
	if !reflect.DeepEqual(ts, want) || o.Delimiter != '|' || o.Header || len(names) != 16 {
		t.Fatalf("got %v %v delim %q header %v", names, ts, o.Delimiter, o.Header)
	}
}

func TestSniffCSVErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	if _, _, _, err := SniffCSV(empty, CSVOptions{}); !errors.Is(err, ErrInvalidCSV) {
		t.Fatalf("empty file: %v", err)
	}
	if _, _, _, err := SniffCSV(filepath.Join(dir, "missing.csv"), CSVOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, _, _, err := SniffCSV(empty, CSVOptions{Quote: '\n'}); !errors.Is(err, ErrOptions) {
		t.Fatalf("bad options: %v", err)
	}
	// A sample cut inside a quoted field still sniffs (the records before).
	names, _, _, err := sniff([]byte("a,b\n1,\"x\n"+strings.Repeat("y", 100)), false, CSVOptions{HeaderAuto: true})
	if err != nil || len(names) != 2 {
		t.Fatalf("cut sample: %v %v", names, err)
	}
}
