package sorter

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// TestModel pushes random batches (random types, keys, NULLs, selections)
// into random numbers of locals, with and without a limit, merges them
// with random numbers of workers under random internal bounds, and
// compares the result with a stable sort of the same rows by a row
// comparator written from the SQL rules: the sequences of keys must be
// equal (ties may reorder rows), and the rows must be the input's (all of
// them without a limit).
func TestModel(t *testing.T) {
	for _, seed := range seeds(t) {
		if err := modelRun(seed); err != nil {
			t.Fatalf("seed %d (replay: go test ./frigatebird/sorter -run TestModel -sorter.seeds=%d): %v", seed, seed, err)
		}
	}
}

func modelRun(seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x5047))
	tu := tuning{
		prefixBytes:          []int{1, 2, 3, 7, 8, 9, 16}[r.IntN(7)],
		radixMinRows:         []int{2, 3, 16, 512}[r.IntN(4)],
		heapLimitMax:         []int64{0, 3, 1 << 16}[r.IntN(3)],
		parallelMergeMinRows: []int{1, 100, 1 << 15}[r.IntN(3)],
		samplesPerPart:       []int{1, 3, 64}[r.IntN(3)],
	}
	old := tune
	tune = tu
	defer func() { tune = old }()

	ncols := 1 + r.IntN(5)
	ts := make([]types.Type, ncols)
	for j := range ts {
		ts[j] = allTypes[r.IntN(len(allTypes))]
	}
	keys := make([]Key, 1+r.IntN(3))
	for i := range keys {
		keys[i] = Key{Col: r.IntN(ncols), Desc: r.IntN(2) == 0, NullsFirst: r.IntN(2) == 0}
	}
	nlocals := 1 + r.IntN(4)
	workers := r.IntN(5)
	nbatches := r.IntN(8)
	maxRows := []int{3, 40, 300, vector.Size}[r.IntN(4)]
	if raceEnabled && maxRows > 300 {
		maxRows = 300
	}
	limit := int64(-1)
	if r.IntN(2) == 0 {
		limit = r.Int64N(int64(nbatches*maxRows/2 + 3))
	}
	desc := fmt.Sprintf("types %v keys %+v locals %d workers %d limit %d tuning %+v", ts, keys, nlocals, workers, limit, tu)

	locals := make([]*Local, nlocals)
	for i := range locals {
		l, err := NewLocal(ts, keys, limit)
		if err != nil {
			return fmt.Errorf("%s: %v", desc, err)
		}
		locals[i] = l
	}
	var input [][]types.Value
	for range nbatches {
		n := r.IntN(maxRows + 1)
		cols := make([][]types.Value, ncols)
		for j, t := range ts {
			cols[j] = genColumn(r, t, n)
		}
		rows := make([][]types.Value, n)
		for i := range rows {
			rows[i] = make([]types.Value, ncols)
			for j := range cols {
				rows[i][j] = cols[j][i]
			}
		}
		b := makeBatch(ts, rows)
		b.Sel = genSel(r, n)
		if b.Sel == nil {
			input = append(input, rows...)
		} else {
			for _, i := range b.Sel {
				input = append(input, rows[i])
			}
		}
		if err := locals[r.IntN(nlocals)].Add(b); err != nil {
			return fmt.Errorf("%s: add: %v", desc, err)
		}
		// The caller reuses its batch: scribble over it.
		for _, v := range b.Cols {
			clear(v.Ints)
			clear(v.Floats)
			clear(v.Bytes)
		}
	}
	for _, l := range locals {
		if l.Bytes() < 0 {
			return fmt.Errorf("%s: negative Bytes", desc)
		}
	}
	res, err := Merge(locals, workers)
	if err != nil {
		return fmt.Errorf("%s: merge: %v", desc, err)
	}
	want := refSort(keys, input)
	if limit >= 0 && int64(len(want)) > limit {
		want = want[:limit]
	}
	if res.Len() != len(want) {
		return fmt.Errorf("%s: Len %d, want %d", desc, res.Len(), len(want))
	}
	var got [][]types.Value
	var b vector.Batch
	if r.IntN(2) == 0 { // a batch with stale contents must be overwritten
		b = *makeBatch(ts, input[:min(len(input), 5)])
	}
	for res.Next(&b) {
		for i := 0; i < b.Len; i++ {
			row := make([]types.Value, ncols)
			for j, v := range b.Cols {
				row[j] = v.Value(i)
			}
			got = append(got, row)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%s: read %d rows, want %d", desc, len(got), len(want))
	}
	for i := range got {
		if cmpRows(keys, got[i], want[i]) != 0 {
			lo, hi := max(0, i-3), min(len(got), i+3)
			return fmt.Errorf("%s: row %d differs: rows %d..%d\ngot  %s\nwant %s", desc, i, lo, hi, keysString(keys, got[lo:hi]), keysString(keys, want[lo:hi]))
		}
	}
	// Rows are copies of input rows, bit for bit: all of them without a
	// limit, a sub-multiset with one.
	count := map[string]int{}
	for _, row := range input {
		count[rowString(row)]++
	}
	for i, row := range got {
		s := rowString(row)
		if count[s] == 0 {
			return fmt.Errorf("%s: row %d %v is not an input row (or repeats)", desc, i, row)
		}
		count[s]--
	}
	if limit < 0 {
		for s, c := range count {
			if c != 0 {
				return fmt.Errorf("%s: input row %s missing", desc, s)
			}
		}
	}
	// And the merged locals are consumed.
	if len(locals) > 0 {
		if err := locals[0].Add(makeBatch(ts, nil)); err == nil {
			return fmt.Errorf("%s: Add after Merge succeeded", desc)
		}
	}
	return nil
}

// keysString formats the keys of rows.
func keysString(keys []Key, rows [][]types.Value) string {
	var out []string
	for _, row := range rows {
		var ks []string
		for _, k := range keys {
			v := row[k.Col]
			if v.Type.Phys() == types.PhysBytes && !v.Null {
				ks = append(ks, fmt.Sprintf("%q", v.Str))
			} else {
				ks = append(ks, v.String())
			}
		}
		out = append(out, "("+strings.Join(ks, ",")+")")
	}
	return strings.Join(out, " ")
}
