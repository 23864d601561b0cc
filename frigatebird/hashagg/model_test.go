package hashagg

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

var (
	flagSeeds = flag.Int("hashagg.seeds", 0, "number of random cases TestModel runs (0: 200, 25 under -race or -short)")
	flagSeed  = flag.Uint64("hashagg.seed", 0, "first seed of TestModel (0: random); replay one case with -hashagg.seed=N -hashagg.seeds=1")
)

// TestModel compares the aggregation with a dumb reference (rows grouped
// in a map, sums in big.Int, distinct values in maps) over random specs,
// data, batch shapes and selections, numbers of locals and workers, and
// partitioning thresholds. Each case is a seed; a failure names it.
func TestModel(t *testing.T) {
	n := 200
	if raceEnabled || testing.Short() {
		n = 25
	}
	if *flagSeeds > 0 {
		n = *flagSeeds
	}
	base := *flagSeed
	if base == 0 {
		base = rand.Uint64() >> 1
	}
	t.Logf("seeds %d..%d (replay one with -hashagg.seed=N -hashagg.seeds=1)", base, base+uint64(n)-1)
	for i := range n {
		seed := base + uint64(i)
		if err := runModel(t, seed); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

var modelTypes = []types.Type{
	types.Boolean, types.SmallInt, types.Integer, types.BigInt, types.Real, types.Double,
	types.MustDecimal(18, 2), types.MustDecimal(9, 0), types.MustDecimal(4, 4), types.Text, types.Varchar(5),
	types.Date, types.Timestamp,
}

var modelNumeric = []types.Type{
	types.SmallInt, types.Integer, types.BigInt, types.Real, types.Double,
	types.MustDecimal(18, 2), types.MustDecimal(9, 0), types.MustDecimal(4, 4),
}

var modelStrs = []string{"", "a", "b", "ab", "é", "\xff", "A", "abcdefghij", "abcdefghik", "日本"}

// colGen draws a column's values: from a pool of card values (so groups
// and duplicates recur), NULL with probability nulls. big draws integers
// and decimals over their whole range (sums may overflow).
type colGen struct {
	t     types.Type
	nulls float64
	big   bool
	pool  []types.Value
}

func newColGen(r *rand.Rand, t types.Type, card int, nulls float64, big bool) *colGen {
	g := &colGen{t: t, nulls: nulls, big: big}
	for range card {
		g.pool = append(g.pool, g.fresh(r))
	}
	return g
}

func (g *colGen) fresh(r *rand.Rand) types.Value {
	t := g.t
	v := types.Value{Type: t}
	switch t.Phys() {
	case types.PhysInt64:
		lo, hi := t.IntRange()
		switch {
		case g.big && r.IntN(4) == 0:
			v.Int = []int64{lo, hi, lo + 1, hi - 1}[r.IntN(4)]
		case g.big:
			v.Int = lo + int64(r.Uint64N(uint64(hi-lo)))
		case t.Kind == types.KindTimestamp:
			v.Int = r.Int64N(1<<50) - 1<<49
		default:
			v.Int = max(lo, min(hi, r.Int64N(201)-100))
		}
	case types.PhysFloat64:
		// Quarters of small integers sum exactly in any order; NaN
		// (two bit patterns), infinities and -0.0 test SQL equality.
		switch r.IntN(10) {
		case 0:
			v.Float = []float64{math.NaN(), nan2, math.Inf(1), math.Inf(-1), 0, negZ}[r.IntN(6)]
		default:
			v.Float = float64(r.IntN(8001)-4000) / 4
		}
	case types.PhysBool:
		v.Bool = r.IntN(2) == 0
	case types.PhysBytes:
		if r.IntN(3) == 0 {
			b := make([]byte, r.IntN(30))
			for i := range b {
				b[i] = byte('a' + r.IntN(3))
			}
			v.Str = string(b)
		} else {
			v.Str = modelStrs[r.IntN(len(modelStrs))]
		}
	}
	return v
}

func (g *colGen) draw(r *rand.Rand) types.Value {
	if g.nulls > 0 && r.Float64() < g.nulls {
		return types.NullValue(g.t)
	}
	return g.pool[r.IntN(len(g.pool))]
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// randSpec returns a random valid spec with a generator per batch column.
func randSpec(r *rand.Rand) (Spec, []*colGen) {
	var s Spec
	var gens []*colGen
	for range pick(r, 0, 1, 1, 1, 2, 2, 3) {
		t := pick(r, modelTypes...)
		s.Groups = append(s.Groups, t)
		gens = append(gens, newColGen(r, t, pick(r, 1, 2, 5, 40, 300, 3000), pick(r, 0, 0, 0.1, 0.5), false))
	}
	nAggs := pick(r, 1, 2, 3, 4, 6)
	if len(s.Groups) > 0 && r.IntN(8) == 0 {
		nAggs = 0
	}
	funcs := []plan.AggFunc{plan.AggCount, plan.AggCountStar, plan.AggSum, plan.AggAvg, plan.AggMin, plan.AggMax}
	for range nAggs {
		f := pick(r, funcs...)
		var arg types.Type
		switch f {
		case plan.AggCountStar:
		case plan.AggSum, plan.AggAvg:
			arg = pick(r, modelNumeric...)
		default:
			arg = pick(r, modelTypes...)
		}
		a := agg(f, arg, f != plan.AggCountStar && r.IntN(4) == 0)
		s.Aggs = append(s.Aggs, a)
		if f != plan.AggCountStar {
			gens = append(gens, newColGen(r, arg, pick(r, 1, 3, 50, 1000), pick(r, 0, 0, 0.2, 1), r.IntN(12) == 0))
		}
	}
	return s, gens
}

// refAgg is the reference state of one aggregate in one group.
type refAgg struct {
	n    int64
	sum  big.Int
	fsum float64
	ext  types.Value
	seen map[string]types.Value
}

type refGroup struct {
	key  []types.Value
	aggs []refAgg
}

func (a *refAgg) add(f plan.AggFunc, distinct bool, v types.Value) {
	if f == plan.AggCountStar {
		a.n++
		return
	}
	if v.Null {
		return
	}
	if distinct && f != plan.AggMin && f != plan.AggMax {
		if a.seen == nil {
			a.seen = map[string]types.Value{}
		}
		k := valueKey(v)
		if _, ok := a.seen[k]; ok {
			return
		}
		if v.Type.Phys() == types.PhysFloat64 && v.Float == 0 {
			v.Float = 0 // the distinct set keeps -0.0 as 0.0
		}
		a.seen[k] = v
	}
	a.n++
	switch f {
	case plan.AggSum, plan.AggAvg:
		if v.Type.Phys() == types.PhysFloat64 {
			a.fsum += v.Float
		} else {
			a.sum.Add(&a.sum, big.NewInt(v.Int))
		}
	case plan.AggMin, plan.AggMax:
		if a.n == 1 {
			a.ext = v
			return
		}
		c, _ := types.Compare(v, a.ext)
		if (f == plan.AggMin && c < 0) || (f == plan.AggMax && c > 0) {
			a.ext = v
		}
	}
}

// result returns the reference value, and whether a sum overflows.
func (a *refAgg) result(ag Agg) (types.Value, bool) {
	v := types.Value{Type: ag.T}
	switch ag.Func {
	case plan.AggCount, plan.AggCountStar:
		v.Int = a.n
		return v, false
	}
	if a.n == 0 {
		return types.NullValue(ag.T), false
	}
	switch {
	case ag.Func == plan.AggMin || ag.Func == plan.AggMax:
		return a.ext, false
	case ag.Arg.Phys() == types.PhysFloat64 && ag.Func == plan.AggSum:
		v.Float = a.fsum
	case ag.Arg.Phys() == types.PhysFloat64:
		v.Float = a.fsum / float64(a.n)
	case ag.Func == plan.AggSum:
		lo, hi := ag.T.IntRange()
		if !a.sum.IsInt64() || a.sum.Int64() < lo || a.sum.Int64() > hi {
			return v, true
		}
		v.Int = a.sum.Int64()
	default:
		unit := big.NewInt(1)
		if ag.Arg.Kind == types.KindDecimal {
			unit = big.NewInt(types.Pow10(ag.Arg.Scale))
		}
		q := new(big.Rat).SetFrac(&a.sum, unit.Mul(unit, big.NewInt(a.n)))
		v.Float, _ = q.Float64()
	}
	return v, false
}

func runModel(t *testing.T, seed uint64) (err error) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	defer func(p, d, v, c int, m uint64) {
		partitionAfterGroups, directMergeGroups, maxVectorBytes, compactSlackBytes, tagMask = p, d, v, c, m
	}(partitionAfterGroups, directMergeGroups, maxVectorBytes, compactSlackBytes, tagMask)
	tagMask = pick(r, 0, 1, 7, tagMask, tagMask)
	partitionAfterGroups = pick(r, 2, 8, 64, 4096)
	directMergeGroups = pick(r, 0, 16, 16384)
	maxVectorBytes = pick(r, 16, 200, maxVectorBytes, maxVectorBytes)
	compactSlackBytes = pick(r, 0, 64, compactSlackBytes)
	s, gens := randSpec(r)
	if err := s.Validate(); err != nil {
		return fmt.Errorf("random spec invalid: %v", err)
	}
	ts := batchTypes(s)
	nRows := pick(r, 0, 1, 10, 300, 2000, 6000)
	if raceEnabled {
		nRows = min(nRows, 2000)
	}
	nLocals, workers := 1+r.IntN(4), 1+r.IntN(5)
	desc := fmt.Sprintf("spec %+v, %d rows, %d locals, %d workers, partition after %d, direct up to %d, vector bytes %d, arena slack %d, tag mask %#x",
		s, nRows, nLocals, workers, partitionAfterGroups, directMergeGroups, maxVectorBytes, compactSlackBytes, tagMask)

	// Reference.
	groups := map[string]*refGroup{}
	var order []string
	newGroup := func(key []types.Value) *refGroup {
		k := rowKey(key)
		g := groups[k]
		if g == nil {
			g = &refGroup{key: key, aggs: make([]refAgg, len(s.Aggs))}
			groups[k] = g
			order = append(order, k)
		}
		return g
	}
	if len(s.Groups) == 0 {
		newGroup(nil)
	}

	locals := make([]*Local, nLocals)
	for i := range locals {
		locals[i] = NewLocal(s)
	}
	for done := 0; done < nRows || r.IntN(8) == 0; {
		n := pick(r, 1, 7, 64, 65, 700, vector.Size, vector.Size)
		cols := make([][]types.Value, len(ts))
		var sel []uint16
		useSel := r.IntN(2) == 0
		if !useSel && n > nRows-done {
			// Without a selection every row counts: stop at nRows, or
			// send garbage rows none of which is selected.
			if n = nRows - done; n == 0 {
				n, useSel = 1+r.IntN(100), true
			}
		}
		for i := range n {
			active := done < nRows && (!useSel || r.IntN(3) != 0)
			row := make([]types.Value, len(ts))
			for j, g := range gens {
				if active {
					row[j] = g.draw(r)
				} else {
					row[j] = g.fresh(r) // garbage outside the selection
					if r.IntN(4) == 0 {
						row[j] = types.NullValue(g.t)
					}
				}
				cols[j] = append(cols[j], row[j])
			}
			if !active {
				continue
			}
			done++
			if useSel {
				sel = append(sel, uint16(i))
			}
			g := newGroup(row[:len(s.Groups)])
			c := len(s.Groups)
			for a, ag := range s.Aggs {
				var v types.Value
				if ag.Func != plan.AggCountStar {
					v = row[c]
					c++
				}
				g.aggs[a].add(ag.Func, ag.Distinct, v)
			}
		}
		if useSel && sel == nil {
			sel = []uint16{}
		}
		b := batchOf(n, ts, cols, sel)
		if err := locals[r.IntN(nLocals)].Add(b); err != nil {
			return fmt.Errorf("%s: add: %v", desc, err)
		}
	}
	for _, l := range locals {
		if l.Bytes() <= 0 {
			return fmt.Errorf("Bytes %d", l.Bytes())
		}
	}

	// Expected rows and error.
	want := map[string][]types.Value{}
	overflow := false
	for _, k := range order {
		g := groups[k]
		row := slices.Clone(g.key)
		for a, ag := range s.Aggs {
			v, of := g.aggs[a].result(ag)
			overflow = overflow || of
			row = append(row, v)
		}
		want[k] = row
	}

	res, err := Merge(locals, workers)
	if overflow {
		if !errors.Is(err, types.ErrOutOfRange) {
			return fmt.Errorf("%s: merge error %v, want a sum out of range", desc, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: merge: %v", desc, err)
	}
	rows := collect(t, res)
	if len(rows) != len(want) {
		return fmt.Errorf("%s: %d groups, want %d", desc, len(rows), len(want))
	}
	for _, row := range rows {
		k := rowKey(row[:len(s.Groups)])
		w, ok := want[k]
		if !ok {
			return fmt.Errorf("%s: unexpected group %s", desc, k)
		}
		for j := range row {
			var wt types.Type
			if j >= len(s.Groups) {
				wt = s.Aggs[j-len(s.Groups)].T
			} else {
				wt = s.Groups[j]
			}
			if row[j].Type != wt {
				return fmt.Errorf("%s: group %s column %d has type %s, want %s", desc, k, j, row[j].Type, wt)
			}
			if j < len(s.Groups) {
				if valueKey(row[j]) != valueKey(w[j]) {
					return fmt.Errorf("%s: group %s key %d is %v", desc, k, j, row[j])
				}
				continue
			}
			if !sameValue(row[j], w[j], 1e-12) {
				return fmt.Errorf("%s: group %s: %s = %v, want %v", desc, k, aggText(s.Aggs[j-len(s.Groups)]), row[j], w[j])
			}
		}
	}
	return nil
}

func aggText(a Agg) string {
	var b strings.Builder
	b.WriteString(a.Func.String())
	b.WriteString("(")
	if a.Distinct {
		b.WriteString("DISTINCT ")
	}
	b.WriteString(a.Arg.String())
	b.WriteString(")")
	return b.String()
}
