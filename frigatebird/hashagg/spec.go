package hashagg

import (
	"errors"
	"fmt"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
)

// ErrSpec is wrapped by every error about an invalid Spec (returned by
// Spec.Validate, and by Add and Merge of a Local built from one).
var ErrSpec = errors.New("invalid aggregation")

// ErrInput is wrapped by Add when a batch does not match the Spec (column
// count or types, vector lengths, selection).
var ErrInput = errors.New("batch does not match the aggregation")

// errSumRange is the SQL error of an integer or decimal sum that does not
// fit its result type: "frigatebird: sum out of range".
var errSumRange = fmt.Errorf("frigatebird: sum %w", types.ErrOutOfRange)

// Agg is one aggregate of a Spec.
type Agg struct {
	Func plan.AggFunc
	// Arg is the argument's type; the zero Type for count(*).
	Arg types.Type
	// Distinct aggregates the distinct non-NULL values only. It changes
	// nothing for min and max, and is invalid for count(*).
	Distinct bool
	// T is the result type, which must be the one plan.AggFunc documents:
	// count → BIGINT; sum of an integer → BIGINT, of DECIMAL(p,s) →
	// DECIMAL(18,s), of a float → DOUBLE; avg → DOUBLE; min, max → Arg.
	T types.Type
}

// Spec describes a grouped aggregation: the group key types, then the
// aggregates. A batch passed to Local.Add has the group key columns
// first, then one column per Agg with an argument (count(*) has none).
// The result has the group columns, then one column per Agg.
type Spec struct {
	Groups []types.Type
	Aggs   []Agg
}

// Validate checks the types: group keys and arguments must have a
// physical representation (not INTERVAL), sum and avg need numeric
// arguments, and every result type must be the documented one. The
// error wraps ErrSpec.
func (s Spec) Validate() error {
	for i, t := range s.Groups {
		if t.Phys() == types.PhysNone {
			return fmt.Errorf("hashagg: group key %d of type %s: %w", i, t, ErrSpec)
		}
	}
	for i, a := range s.Aggs {
		want, err := resultType(a)
		if err != nil {
			return fmt.Errorf("hashagg: aggregate %d: %w", i, err)
		}
		if a.T != want {
			return fmt.Errorf("hashagg: aggregate %d: %s(%s) yields %s, not %s: %w", i, a.Func, a.Arg, want, a.T, ErrSpec)
		}
	}
	return nil
}

// resultType returns the type a's function yields for a's argument.
func resultType(a Agg) (types.Type, error) {
	if a.Func == plan.AggCountStar {
		if a.Arg != (types.Type{}) || a.Distinct {
			return types.Type{}, fmt.Errorf("count(*) takes no argument and no DISTINCT: %w", ErrSpec)
		}
		return types.BigInt, nil
	}
	if a.Arg.Phys() == types.PhysNone {
		return types.Type{}, fmt.Errorf("%s of type %s: %w", a.Func, a.Arg, ErrSpec)
	}
	switch a.Func {
	case plan.AggCount:
		return types.BigInt, nil
	case plan.AggSum:
		switch {
		case a.Arg.IsInteger():
			return types.BigInt, nil
		case a.Arg.Kind == types.KindDecimal:
			return types.Type{Kind: types.KindDecimal, Precision: types.MaxDecimalPrecision, Scale: a.Arg.Scale}, nil
		case a.Arg.IsFloat():
			return types.Double, nil
		}
	case plan.AggAvg:
		if a.Arg.IsNumeric() {
			return types.Double, nil
		}
	case plan.AggMin, plan.AggMax:
		return a.Arg, nil
	default:
		return types.Type{}, fmt.Errorf("unknown function %s: %w", a.Func, ErrSpec)
	}
	return types.Type{}, fmt.Errorf("%s of type %s: %w", a.Func, a.Arg, ErrSpec)
}

// kind is the state layout and kernel family of an aggregate.
type kind uint8

const (
	kCount    kind = iota // count(*), count(x): []int64
	kSumInt               // sum, avg of integers and decimals: 128-bit sums
	kSumFloat             // sum, avg of floats
	kMinInt               // min of int64-backed types and booleans (0/1)
	kMaxInt
	kMinFloat
	kMaxFloat
	kMinStr
	kMaxStr
)

// aggPlan is one aggregate compiled from its Agg.
type aggPlan struct {
	Agg
	kind kind
	// col is the batch column of the argument; -1 for count(*).
	col int
	// distinct: the aggregate reads a per-group distinct value set
	// (count, sum, avg with DISTINCT; min and max ignore DISTINCT).
	distinct bool
	avg      bool
	// boolArg: a BOOLEAN min or max, kept as 0/1 in int64 state.
	boolArg bool
	// lo, hi bound a sum's result (BIGINT, or DECIMAL(18,s)'s ±(10^18-1)).
	lo, hi int64
	// unit is 10^scale for an avg of a decimal (1 otherwise).
	unit float64
	// off is the first word of the aggregate's state in a group's row.
	off int
}

// compiled is a validated Spec with its aggregates planned.
type compiled struct {
	spec   Spec
	err    error // Validate's error: Add and Merge return it
	aggs   []aggPlan
	ncols  int  // batch columns expected by Add
	intKey bool // exactly one group key, int64-backed: the fast probe
	ndist  int  // number of distinct aggregates
	// stride is the words of a group's state row; empty is the row of a
	// new group.
	stride int
	empty  []uint64
}

func compile(s Spec) *compiled {
	c := &compiled{spec: Spec{Groups: append([]types.Type(nil), s.Groups...), Aggs: append([]Agg(nil), s.Aggs...)}}
	if c.err = s.Validate(); c.err != nil {
		return c
	}
	c.intKey = len(s.Groups) == 1 && s.Groups[0].Phys() == types.PhysInt64
	col := len(s.Groups)
	for _, a := range s.Aggs {
		p := aggPlan{Agg: a, col: -1, unit: 1}
		if a.Func != plan.AggCountStar {
			p.col = col
			col++
		}
		phys := a.Arg.Phys()
		switch a.Func {
		case plan.AggCount, plan.AggCountStar:
			p.kind = kCount
		case plan.AggSum, plan.AggAvg:
			p.avg = a.Func == plan.AggAvg
			if phys == types.PhysFloat64 {
				p.kind = kSumFloat
			} else {
				p.kind = kSumInt
				p.lo, p.hi = a.T.IntRange()
				if a.Arg.Kind == types.KindDecimal {
					p.unit = float64(types.Pow10(a.Arg.Scale))
				}
			}
		case plan.AggMin, plan.AggMax:
			max := a.Func == plan.AggMax
			switch phys {
			case types.PhysInt64, types.PhysBool:
				p.kind = kMinInt
				p.boolArg = phys == types.PhysBool
			case types.PhysFloat64:
				p.kind = kMinFloat
			case types.PhysBytes:
				p.kind = kMinStr
			}
			if max {
				p.kind++ // kMaxInt, kMaxFloat, kMaxStr follow their min
			}
		}
		p.off = c.stride
		c.stride += stateWords(p.kind)
		p.distinct = a.Distinct && (a.Func == plan.AggCount || a.Func == plan.AggSum || a.Func == plan.AggAvg)
		if p.distinct {
			c.ndist++
		}
		c.aggs = append(c.aggs, p)
	}
	c.ncols = col
	c.empty = make([]uint64, c.stride)
	for _, p := range c.aggs {
		emptyState(p.kind, c.empty[p.off:])
	}
	return c
}

// sameSpec reports whether a and b describe the same aggregation.
func sameSpec(a, b Spec) bool {
	if len(a.Groups) != len(b.Groups) || len(a.Aggs) != len(b.Aggs) {
		return false
	}
	for i := range a.Groups {
		if a.Groups[i] != b.Groups[i] {
			return false
		}
	}
	for i := range a.Aggs {
		if a.Aggs[i] != b.Aggs[i] {
			return false
		}
	}
	return true
}
