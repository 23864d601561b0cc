package tpch

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Version is the generator's version. It changes whenever the bytes written
// for a given seed and scale factor change; caches of the output are keyed
// by it.
const Version = 1

// BlockOrders is how many orders one PCG stream generates.
const BlockOrders = 4096

// MaxScaleFactor bounds the scale factor (SF 1000 is about 6 billion lines).
const MaxScaleFactor = 1000

// Columns are lineitem's columns, in file order.
var Columns = []string{
	"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber",
	"l_quantity", "l_extendedprice", "l_discount", "l_tax",
	"l_returnflag", "l_linestatus",
	"l_shipdate", "l_commitdate", "l_receiptdate",
	"l_shipinstruct", "l_shipmode", "l_comment",
}

// Dates, in days since 1970-01-01.
var (
	startDate = epochDays(1992, 1, 1)
	endDate   = epochDays(1998, 12, 31)
	// CurrentDate is the spec's CURRENTDATE, 1995-06-17: it decides
	// l_returnflag and l_linestatus.
	CurrentDate = epochDays(1995, 6, 17)
	// lastOrderDate is ENDDATE minus 151 days, 1998-08-02.
	lastOrderDate = endDate - 151
)

func epochDays(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dateText holds "YYYY-MM-DD" for every day from startDate to endDate (the
// latest receipt date is lastOrderDate + 121 + 30 = endDate).
var dateText = func() []string {
	t := make([]string, endDate-startDate+1)
	for i := range t {
		t[i] = time.Unix(int64(startDate+i)*86400, 0).UTC().Format(time.DateOnly)
	}
	return t
}()

// Instructions and Modes are the spec's lists for l_shipinstruct and
// l_shipmode.
var (
	Instructions = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	Modes        = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
)

// words is dbgen's vocabulary (nouns, verbs, adjectives, adverbs,
// prepositions, auxiliaries, terminators without punctuation), single
// words only; comments are drawn from it uniformly.
var words = []string{
	"foxes", "ideas", "theodolites", "pinto", "beans", "instructions",
	"dependencies", "excuses", "platelets", "asymptotes", "courts",
	"dolphins", "multipliers", "sauternes", "warthogs", "frets", "dinos",
	"attainments", "somas", "Tiresias", "patterns", "forges", "braids",
	"hockey", "players", "frays", "warhorses", "dugouts", "notornis",
	"epitaphs", "pearls", "tithes", "waters", "orbits", "gifts", "sheaves",
	"depths", "sentiments", "decoys", "realms", "pains", "grouches",
	"escapades", "packages", "requests", "accounts", "deposits",
	"sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost",
	"affix", "detect", "integrate", "maintain", "nod", "was", "lose",
	"sublate", "solve", "thrash", "promise", "engage", "hinder", "print",
	"x-ray", "breach", "eat", "grow", "impress", "mold", "poach", "serve",
	"run", "dazzle", "snooze", "doze", "unwind", "kindle", "play", "hang",
	"believe", "doubt",
	"furious", "sly", "careful", "blithe", "quick", "fluffy", "slow",
	"quiet", "ruthless", "thin", "close", "dogged", "daring", "brave",
	"stealthy", "permanent", "enticing", "idle", "busy", "regular",
	"final", "ironic", "even", "bold", "silent", "special", "express",
	"pending", "unusual",
	"sometimes", "always", "never", "furiously", "slyly", "carefully",
	"blithely", "quickly", "fluffily", "slowly", "quietly", "ruthlessly",
	"thinly", "closely", "doggedly", "daringly", "bravely", "stealthily",
	"permanently", "enticingly", "idly", "busily", "regularly", "finally",
	"ironically", "evenly", "boldly", "silently",
	"about", "above", "according", "to", "across", "after", "against",
	"along", "alongside", "of", "among", "around", "at", "atop", "before",
	"behind", "beneath", "beside", "besides", "between", "beyond", "by",
	"despite", "during", "except", "for", "from", "in", "place", "inside",
	"instead", "into", "near", "on", "outside", "over", "past", "since",
	"through", "throughout", "toward", "under", "until", "up", "upon",
	"without", "with", "within",
	"do", "may", "might", "shall", "will", "would", "can", "could",
	"should", "ought", "must", "have", "be", "the",
}

// Comment lengths, inclusive.
const (
	commentMin = 10
	commentMax = 43
)

// Scale is the table sizes at a scale factor.
type Scale struct {
	// Orders is the number of orders (SF·1,500,000).
	Orders int64
	// Parts is the number of parts (SF·200,000): l_partkey is in 1 … Parts.
	Parts int64
	// Suppliers is the number of suppliers (SF·10,000).
	Suppliers int64
}

// ScaleOf returns the sizes at scale factor sf, rounded, at least 1 each.
func ScaleOf(sf float64) (Scale, error) {
	if !(sf > 0) || sf > MaxScaleFactor {
		return Scale{}, fmt.Errorf("tpch: scale factor %v: want 0 < SF ≤ %d", sf, MaxScaleFactor)
	}
	n := func(base float64) int64 { return max(1, int64(math.Round(base*sf))) }
	return Scale{Orders: n(1_500_000), Parts: n(200_000), Suppliers: n(10_000)}, nil
}

// RetailPriceCents is p_retailprice of a part, in cents (the spec's
// formula).
func RetailPriceCents(partkey int64) int64 {
	return 90000 + (partkey/10)%20001 + 100*(partkey%1000)
}

// OrderKey is the key of order i (from 0): the spec's sparse keys, the
// first 8 of every 32.
func OrderKey(i int64) int64 { return (i/8)*32 + i%8 + 1 }

// SuppKey is the supplier of the i-th (0 … 3) supplier of partkey, among
// s suppliers (the spec's formula).
func SuppKey(partkey, i, s int64) int64 {
	return (partkey+i*(s/4+(partkey-1)/s))%s + 1
}

// WriteLineitem writes lineitem at scale factor sf, generated from seed, to
// w as `|`-delimited lines (no trailing delimiter), and returns the number
// of lines. Up to workers goroutines generate blocks of orders; the bytes
// do not depend on workers.
func WriteLineitem(w io.Writer, sf float64, seed uint64, workers int) (rows int64, err error) {
	sc, err := ScaleOf(sf)
	if err != nil {
		return 0, err
	}
	workers = max(1, workers)
	blocks := (sc.Orders + BlockOrders - 1) / BlockOrders

	type result struct {
		buf  []byte
		rows int64
	}
	// futures carries, in block order, the channel each block's result
	// arrives on; its capacity bounds the blocks in flight.
	futures := make(chan chan result, 2*workers)
	sem := make(chan struct{}, workers)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// Wait for the last generators, so none outlives the call.
			for range workers {
				sem <- struct{}{}
			}
		}()
		defer close(futures)
		for b := int64(0); b < blocks; b++ {
			select {
			case sem <- struct{}{}:
			case <-stop:
				return
			}
			// Every future handed out has a generator: the consumer may
			// wait on it.
			f := make(chan result, 1)
			go func() {
				defer func() { <-sem }()
				buf, n := genBlock(nil, b, sc, seed)
				f <- result{buf, n}
			}()
			select {
			case futures <- f:
			case <-stop:
				return
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 1<<20)
	for f := range futures {
		r := <-f
		if err != nil {
			continue
		}
		if _, werr := bw.Write(r.buf); werr != nil {
			err = fmt.Errorf("tpch: write lineitem: %w", werr)
			close(stop)
		}
		rows += r.rows
	}
	<-done
	if err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("tpch: write lineitem: %w", err)
	}
	return rows, nil
}

// errShortLine is returned by SplitLine for a line without 16 fields.
var errShortLine = errors.New("tpch: line does not have 16 fields")

// SplitLine splits one line of the file into its 16 fields, in place
// (the fields alias line).
func SplitLine(line []byte, fields *[16][]byte) error {
	n := 0
	start := 0
	for i, c := range line {
		if c == '|' {
			if n == 15 {
				return errShortLine
			}
			fields[n] = line[start:i]
			n++
			start = i + 1
		}
	}
	if n != 15 {
		return errShortLine
	}
	fields[15] = line[start:]
	return nil
}

// genBlock appends the lines of block b's orders to dst.
func genBlock(dst []byte, b int64, sc Scale, seed uint64) ([]byte, int64) {
	rng := rand.New(rand.NewPCG(seed, uint64(b)))
	first := b * BlockOrders
	last := min(first+BlockOrders, sc.Orders)
	var rows int64
	for i := first; i < last; i++ {
		okey := OrderKey(i)
		odate := startDate + rng.IntN(lastOrderDate-startDate+1)
		lines := 1 + rng.IntN(7)
		for ln := 1; ln <= lines; ln++ {
			partkey := 1 + rng.Int64N(sc.Parts)
			suppkey := SuppKey(partkey, rng.Int64N(4), sc.Suppliers)
			qty := int64(1 + rng.IntN(50))
			priceCents := qty * RetailPriceCents(partkey)
			discount := int64(rng.IntN(11))
			tax := int64(rng.IntN(9))
			ship := odate + 1 + rng.IntN(121)
			commit := odate + 30 + rng.IntN(61)
			receipt := ship + 1 + rng.IntN(30)
			returnflag := byte('N')
			if receipt <= CurrentDate {
				returnflag = "RA"[rng.IntN(2)]
			}
			linestatus := byte('F')
			if ship > CurrentDate {
				linestatus = 'O'
			}
			instruct := Instructions[rng.IntN(len(Instructions))]
			mode := Modes[rng.IntN(len(Modes))]

			dst = strconv.AppendInt(dst, okey, 10)
			dst = append(dst, '|')
			dst = strconv.AppendInt(dst, partkey, 10)
			dst = append(dst, '|')
			dst = strconv.AppendInt(dst, suppkey, 10)
			dst = append(dst, '|')
			dst = strconv.AppendInt(dst, int64(ln), 10)
			dst = append(dst, '|')
			dst = appendCents(dst, qty*100)
			dst = append(dst, '|')
			dst = appendCents(dst, priceCents)
			dst = append(dst, '|')
			dst = appendCents(dst, discount)
			dst = append(dst, '|')
			dst = appendCents(dst, tax)
			dst = append(dst, '|', returnflag, '|', linestatus, '|')
			dst = append(dst, dateText[ship-startDate]...)
			dst = append(dst, '|')
			dst = append(dst, dateText[commit-startDate]...)
			dst = append(dst, '|')
			dst = append(dst, dateText[receipt-startDate]...)
			dst = append(dst, '|')
			dst = append(dst, instruct...)
			dst = append(dst, '|')
			dst = append(dst, mode...)
			dst = append(dst, '|')
			dst = appendComment(dst, rng)
			dst = append(dst, '\n')
			rows++
		}
	}
	return dst, rows
}

// appendCents appends c/100 with two decimals (c ≥ 0).
func appendCents(dst []byte, c int64) []byte {
	dst = strconv.AppendInt(dst, c/100, 10)
	r := c % 100
	return append(dst, '.', byte('0'+r/10), byte('0'+r%10))
}

// appendComment appends commentMin … commentMax characters of words
// separated by single spaces; the last word may be cut. It never starts or
// ends with a space.
func appendComment(dst []byte, rng *rand.Rand) []byte {
	n := commentMin + rng.IntN(commentMax-commentMin+1)
	start := len(dst)
	for len(dst)-start < n {
		w := words[rng.IntN(len(words))]
		if len(dst) > start {
			if n-(len(dst)-start) < 2 {
				// No room for a space and a letter: end on this letter.
				dst = append(dst, w[0])
				break
			}
			dst = append(dst, ' ')
		}
		dst = append(dst, w[:min(len(w), n-(len(dst)-start))]...)
	}
	return dst
}
