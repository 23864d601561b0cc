package fileio

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// fuzzTypeLists are the column types FuzzCSVReader reads its input as.
var fuzzTypeLists = [][]types.Type{
	{types.Integer, types.Text},
	{types.Text},
	{types.MustDecimal(15, 2), types.Date, types.Boolean},
	{types.Double, types.Timestamp, types.BigInt, types.Real},
	{types.SmallInt, types.Varchar(3), types.Text},
}

// FuzzCSVReader reads arbitrary bytes as CSV: it must never panic; the
// result (rows or error) must not depend on how the input is split into
// reads nor on how ReadCSVFile cuts the file among workers; and what
// reads must write back and read again as the same rows.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("1,a\n2,b\n"), uint8(0))
	f.Add([]byte("x,y\n1,\"a\nb\"\n\"\",\"\"\"\"\r\n"), uint8(8))
	f.Add([]byte("12.50|1992-01-02|true\n-0.5|0001-01-01 (BC)|f|\n"), uint8(2|4))
	f.Add([]byte("nan,2024-01-02 03:04:05,1,1e5\n"), uint8(3))
	f.Add([]byte("\ufeff7,abc,\"\"\n,NULL,x"), uint8(4|16))
	f.Add([]byte("1,\"a,b\"c\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, sel uint8) {
		ts := fuzzTypeLists[int(sel)%len(fuzzTypeLists)]
		opts := CSVOptions{Header: sel&8 != 0}
		if sel&4 != 0 {
			opts.Delimiter = '|'
		}
		if sel&16 != 0 {
			opts.Null = "NULL"
		}
		whole, errWhole := readAll(t, NewCSVReader(bytes.NewReader(data), ts, opts), ts)
		rng := rand.New(rand.NewPCG(uint64(len(data)), uint64(sel)))
		pieces, errPieces := readAll(t, NewCSVReader(&chunkReader{data: data, rng: rng, max: 7}, ts, opts), ts)
		if (errWhole == nil) != (errPieces == nil) || errWhole != nil && errWhole.Error() != errPieces.Error() {
			t.Fatalf("whole: %v; in pieces: %v", errWhole, errPieces)
		}
		if errWhole != nil {
			whole, pieces = nil, nil
		}
		compareTables(t, pieces, whole)

		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		par, _, errPar := readFileParallel(t, path, ts, opts, 3, 0)
		if (errWhole == nil) != (errPar == nil) || errWhole != nil && errWhole.Error() != errPar.Error() {
			t.Fatalf("sequential: %v; parallel: %v", errWhole, errPar)
		}
		if errWhole != nil {
			return
		}
		compareTables(t, par, whole)

		// Valid input round-trips.
		var buf bytes.Buffer
		w, err := NewCSVWriter(&buf, make([]string, len(ts)), ts, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(whole); i += vector.Size {
			if err := w.Write(makeBatch(ts, whole[i:min(i+vector.Size, len(whole))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		again, err := readAll(t, NewCSVReader(&buf, ts, opts), ts)
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		compareTables(t, again, whole)
	})
}
