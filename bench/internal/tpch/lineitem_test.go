package tpch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func generate(t *testing.T, sf float64, seed uint64, workers int) ([]byte, int64) {
	t.Helper()
	var b bytes.Buffer
	n, err := WriteLineitem(&b, sf, seed, workers)
	if err != nil {
		t.Fatalf("WriteLineitem(sf %v, seed %d, workers %d): %v", sf, seed, workers, err)
	}
	return b.Bytes(), n
}

func TestDeterminism(t *testing.T) {
	a, na := generate(t, 0.003, 7, 1)
	b, nb := generate(t, 0.003, 7, 4)
	if na != nb || !bytes.Equal(a, b) {
		t.Fatalf("seed 7: 1 worker gave %d rows (sha256 %x), 4 workers %d rows (sha256 %x)",
			na, sha256.Sum256(a), nb, sha256.Sum256(b))
	}
	if lines := int64(bytes.Count(a, []byte{'\n'})); lines != na {
		t.Fatalf("%d lines written, %d reported", lines, na)
	}
	c, _ := generate(t, 0.003, 8, 2)
	if bytes.Equal(a, c) {
		t.Fatal("seeds 7 and 8 gave the same bytes")
	}
}

func TestScaleOf(t *testing.T) {
	sc, err := ScaleOf(1)
	if err != nil || sc != (Scale{Orders: 1_500_000, Parts: 200_000, Suppliers: 10_000}) {
		t.Fatalf("ScaleOf(1) = %+v, %v", sc, err)
	}
	sc, err = ScaleOf(0.00001)
	if err != nil || sc.Parts != 2 || sc.Suppliers != 1 || sc.Orders != 15 {
		t.Fatalf("ScaleOf(0.00001) = %+v, %v", sc, err)
	}
	for _, sf := range []float64{0, -1, MaxScaleFactor + 1} {
		if _, err := ScaleOf(sf); err == nil {
			t.Errorf("ScaleOf(%v): no error", sf)
		}
	}
}

func TestSplitLine(t *testing.T) {
	var f [16][]byte
	line := []byte("1|2|3|4|5.00|6.00|0.01|0.02|N|O|1996-03-13|1996-02-12|1996-03-22|NONE|AIR|a b")
	if err := SplitLine(line, &f); err != nil {
		t.Fatal(err)
	}
	if string(f[0]) != "1" || string(f[14]) != "AIR" || string(f[15]) != "a b" {
		t.Fatalf("fields %q", f)
	}
	for _, bad := range []string{"1|2", "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17", ""} {
		if err := SplitLine([]byte(bad), &f); !errors.Is(err, errShortLine) {
			t.Errorf("SplitLine(%q) = %v, want errShortLine", bad, err)
		}
	}
}

func date(t *testing.T, s []byte) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, string(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func cents(t *testing.T, s []byte) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(string(s), ".")
	if !ok || len(frac) != 2 {
		t.Fatalf("%q: not a number with two decimals", s)
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("%q: not a number", s)
	}
	return w*100 + f
}

func integer(t *testing.T, s []byte) int64 {
	t.Helper()
	v, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDistributions checks every rule of the spec that the generator
// follows, and the selectivities Q1 and Q6 depend on, at SF 0.01.
func TestDistributions(t *testing.T) {
	const sf = 0.01
	data, rows := generate(t, sf, 1, 2)
	sc, _ := ScaleOf(sf)
	// 1 … 7 lines per order, 4 on average.
	if want := 4 * sc.Orders; rows < want*98/100 || rows > want*102/100 {
		t.Fatalf("%d rows, want about %d", rows, want)
	}
	current := time.Date(1995, 6, 17, 0, 0, 0, 0, time.UTC)
	firstShip := time.Date(1992, 1, 2, 0, 0, 0, 0, time.UTC)
	lastReceipt := time.Date(1998, 12, 31, 0, 0, 0, 0, time.UTC)
	q6Lo := time.Date(1994, 1, 1, 0, 0, 0, 0, time.UTC)
	q6Hi := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
	q1Hi := time.Date(1998, 9, 2, 0, 0, 0, 0, time.UTC)
	var (
		f                       [16][]byte
		q6, q1, r, a, n         int64
		prevOrder, prevLine     int64
		modes, instructs, flags = map[string]int64{}, map[string]int64{}, map[string]int64{}
		disc, tax               = map[int64]int64{}, map[int64]int64{}
		minPart, maxPart        = int64(1 << 62), int64(0)
	)
	sc2 := bufio.NewScanner(bytes.NewReader(data))
	for sc2.Scan() {
		line := sc2.Bytes()
		if err := SplitLine(line, &f); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		order, part, supp, ln := integer(t, f[0]), integer(t, f[1]), integer(t, f[2]), integer(t, f[3])
		qty, price, d, x := cents(t, f[4]), cents(t, f[5]), cents(t, f[6]), cents(t, f[7])
		ship, commit, receipt := date(t, f[10]), date(t, f[11]), date(t, f[12])
		switch {
		case order == prevOrder && ln != prevLine+1, order != prevOrder && ln != 1, ln > 7:
			t.Fatalf("%q: line number %d after order %d line %d", line, ln, prevOrder, prevLine)
		case order != prevOrder && order <= prevOrder:
			t.Fatalf("%q: order keys not increasing", line)
		case (order-1)%32 >= 8:
			t.Fatalf("%q: order key %d not among the first 8 of 32", line, order)
		case part < 1 || part > sc.Parts:
			t.Fatalf("%q: part key out of 1 … %d", line, sc.Parts)
		case qty%100 != 0 || qty < 100 || qty > 5000:
			t.Fatalf("%q: quantity", line)
		case price != qty/100*RetailPriceCents(part):
			t.Fatalf("%q: extended price is not quantity × retail price", line)
		case d < 0 || d > 10 || x < 0 || x > 8:
			t.Fatalf("%q: discount or tax out of range", line)
		case ship.Before(firstShip) || receipt.After(lastReceipt):
			t.Fatalf("%q: dates out of range", line)
		case receipt.Sub(ship) < 24*time.Hour || receipt.Sub(ship) > 30*24*time.Hour:
			t.Fatalf("%q: receipt date not ship date + 1 … 30", line)
		case len(f[15]) < commentMin || len(f[15]) > commentMax || f[15][0] == ' ' || f[15][len(f[15])-1] == ' ':
			t.Fatalf("%q: comment", line)
		}
		ok := false
		for i := int64(0); i < 4; i++ {
			ok = ok || supp == SuppKey(part, i, sc.Suppliers)
		}
		if !ok {
			t.Fatalf("%q: supplier %d is not one of part %d's", line, supp, part)
		}
		_ = commit
		// The spec's rules for the flags.
		switch rf := string(f[8]); {
		case !receipt.After(current) && rf != "R" && rf != "A",
			receipt.After(current) && rf != "N":
			t.Fatalf("%q: return flag %s with receipt date %s", line, rf, f[12])
		case rf == "R":
			r++
		case rf == "A":
			a++
		default:
			n++
		}
		if ls := string(f[9]); (ship.After(current) && ls != "O") || (!ship.After(current) && ls != "F") {
			t.Fatalf("%q: line status %s with ship date %s", line, ls, f[10])
		}
		if !ship.Before(q6Lo) && ship.Before(q6Hi) && d >= 5 && d <= 7 && qty < 2400 {
			q6++
		}
		if !ship.After(q1Hi) {
			q1++
		}
		modes[string(f[14])]++
		instructs[string(f[13])]++
		flags[string(f[8])+string(f[9])]++
		disc[d]++
		tax[x]++
		minPart, maxPart = min(minPart, part), max(maxPart, part)
		prevOrder, prevLine = order, ln
	}
	if len(modes) != 7 || len(instructs) != 4 || len(disc) != 11 || len(tax) != 9 {
		t.Fatalf("%d modes, %d instructions, %d discounts, %d taxes", len(modes), len(instructs), len(disc), len(tax))
	}
	// TPC-H Q1 groups: A F, N F, N O, R F.
	if len(flags) != 4 || flags["AF"] == 0 || flags["NF"] == 0 || flags["NO"] == 0 || flags["RF"] == 0 {
		t.Fatalf("return flag × line status groups %v", flags)
	}
	if sel := float64(q6) / float64(rows); sel < 0.01 || sel > 0.03 {
		t.Fatalf("Q6 selects %.4f of the rows, want about 0.019", sel)
	}
	if sel := float64(q1) / float64(rows); sel < 0.96 || sel > 0.995 {
		t.Fatalf("Q1 selects %.4f of the rows, want about 0.98", sel)
	}
	// R and A at even odds; about half the lines are N.
	if ratio := float64(r) / float64(a); ratio < 0.95 || ratio > 1.05 {
		t.Fatalf("R/A = %d/%d", r, a)
	}
	if share := float64(n) / float64(rows); share < 0.45 || share > 0.55 {
		t.Fatalf("N is %.3f of the rows", share)
	}
	if minPart > 10 || maxPart < sc.Parts-10 {
		t.Fatalf("part keys span %d … %d of 1 … %d", minPart, maxPart, sc.Parts)
	}
	t.Logf("SF %v: %d rows, Q6 %.4f, Q1 %.4f, flags %v", sf, rows, float64(q6)/float64(rows), float64(q1)/float64(rows), flags)
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	_, err := WriteLineitem(&failWriter{after: 3 << 20}, 0.01, 1, 3)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("WriteLineitem into a failing writer: %v", err)
	}
}

func BenchmarkWriteLineitem(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var w countWriter
		if _, err := WriteLineitem(&w, 0.01, 1, 2); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(w))
	}
}

type countWriter int

func (w *countWriter) Write(p []byte) (int, error) { *w += countWriter(len(p)); return len(p), nil }
