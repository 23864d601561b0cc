package fileio

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// lineitemTypes are TPC-H lineitem's columns.
var lineitemTypes = []types.Type{
	types.Integer, types.Integer, types.Integer, types.Integer, // orderkey, partkey, suppkey, linenumber
	types.MustDecimal(15, 2), types.MustDecimal(15, 2), types.MustDecimal(15, 2), types.MustDecimal(15, 2), // quantity, extendedprice, discount, tax
	types.Varchar(1), types.Varchar(1), // returnflag, linestatus
	types.Date, types.Date, types.Date, // shipdate, commitdate, receiptdate
	types.Varchar(25), types.Varchar(10), types.Varchar(44), // shipinstruct, shipmode, comment
}

// lineitemText generates n deterministic rows in dbgen's .tbl layout ('|'
// after every field), about 130 bytes each.
func lineitemText(n int) []byte {
	rng := rand.New(rand.NewPCG(42, 42))
	words := []string{"furiously", "quickly", "carefully", "blithely", "regular", "final", "express", "pending",
		"ironic", "deposits", "accounts", "packages", "requests", "instructions", "theodolites", "foxes", "even", "bold"}
	instr := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	start := types.DaysFromCivil(1992, 1, 1)
	out := make([]byte, 0, n*135)
	for i := 0; i < n; i++ {
		qty := 1 + rng.Int64N(50)
		price := qty * (90000 + rng.Int64N(10000000)) / 100
		ship := start + rng.Int64N(2500)
		out = strconv.AppendInt(out, int64(i/4+1), 10)
		out = append(out, '|')
		out = strconv.AppendInt(out, 1+rng.Int64N(200000), 10)
		out = append(out, '|')
		out = strconv.AppendInt(out, 1+rng.Int64N(10000), 10)
		out = append(out, '|')
		out = strconv.AppendInt(out, int64(i%4+1), 10)
		out = append(out, '|')
		out = strconv.AppendInt(out, qty, 10)
		out = append(out, '|')
		out = types.AppendDecimal(out, price, 2)
		out = append(out, '|')
		out = types.AppendDecimal(out, rng.Int64N(11), 2)
		out = append(out, '|')
		out = types.AppendDecimal(out, rng.Int64N(9), 2)
		out = append(out, '|')
		out = append(out, "RAN"[rng.IntN(3)], '|', "OF"[rng.IntN(2)], '|')
		out = types.AppendDate(out, ship)
		out = append(out, '|')
		out = types.AppendDate(out, ship+rng.Int64N(60)-30)
		out = append(out, '|')
		out = types.AppendDate(out, ship+1+rng.Int64N(30))
		out = append(out, '|')
		out = append(out, instr[rng.IntN(len(instr))]...)
		out = append(out, '|')
		out = append(out, modes[rng.IntN(len(modes))]...)
		out = append(out, '|')
		clen := 10 + rng.IntN(34)
		c0 := len(out)
		for len(out)-c0 < clen {
			if len(out) > c0 {
				out = append(out, ' ')
			}
			out = append(out, words[rng.IntN(len(words))]...)
		}
		out = out[:c0+clen]
		out = append(out, '|', '\n')
	}
	return out
}

// BenchmarkReadCSVFileLineitem reads ~1M rows of TPC-H lineitem with 1
// and 2 workers (the target: at least 1M rows/s with 2).
func BenchmarkReadCSVFileLineitem(b *testing.B) {
	n := 1 << 20
	if testing.Short() {
		n = 1 << 16
	}
	path := filepath.Join(b.TempDir(), "lineitem.tbl")
	text := lineitemText(n)
	if err := os.WriteFile(path, text, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				var rows atomic.Int64
				got, err := ReadCSVFile(path, lineitemTypes, CSVOptions{Delimiter: '|'}, workers, func(_ int, bt *vector.Batch) error {
					rows.Add(int64(bt.Len))
					return nil
				})
				if err != nil || got != int64(n) || rows.Load() != int64(n) {
					b.Fatalf("%d rows (%d seen), %v", got, rows.Load(), err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
