package exec

import (
	"bytes"
	"math"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// pruner decides from a zone map alone that no row of a row group can
// pass one filter. It must never say "no" when a row could pass.
type pruner struct {
	col int // table column
	// test reports whether some row may pass, given the column's zone map.
	test func(z *chunk.ZoneMap) bool
}

func (p pruner) mayMatch(s Snapshot, rg int) bool {
	z, ok := s.ZoneMap(rg, p.col)
	return !ok || p.test(&z)
}

// makePruner recognises filters of the forms col op const, const op col,
// col IN (consts) and col IS [NOT] NULL (integer widening casts of the
// column are looked through: they keep the stored value).
func makePruner(f plan.Expr, scan *plan.Scan) (pruner, bool) {
	switch f := f.(type) {
	case *plan.Compare:
		op, l, r := f.Op, f.L, f.R
		if _, ok := l.(*plan.Const); ok {
			op, l, r = op.Swap(), r, l
		}
		col, t, ok := scanColumn(l, scan)
		c, cok := r.(*plan.Const)
		if !ok || !cok {
			return pruner{}, false
		}
		if c.Value.Null {
			return pruner{col: col, test: func(*chunk.ZoneMap) bool { return false }}, true
		}
		test, ok := compareTest(op, t, c.Value)
		return pruner{col: col, test: test}, ok
	case *plan.IsNull:
		col, _, ok := scanColumn(f.X, scan)
		if !ok {
			return pruner{}, false
		}
		if f.Not {
			return pruner{col: col, test: func(z *chunk.ZoneMap) bool { return z.Nulls < z.Rows }}, true
		}
		return pruner{col: col, test: func(z *chunk.ZoneMap) bool { return z.Nulls > 0 }}, true
	case *plan.In:
		if f.Not {
			return pruner{}, false
		}
		col, t, ok := scanColumn(f.X, scan)
		if !ok {
			return pruner{}, false
		}
		var tests []func(*chunk.ZoneMap) bool
		for _, e := range f.List {
			c, ok := e.(*plan.Const)
			if !ok {
				return pruner{}, false
			}
			if c.Value.Null {
				continue
			}
			test, ok := compareTest(vector.Eq, t, c.Value)
			if !ok {
				return pruner{}, false
			}
			tests = append(tests, test)
		}
		return pruner{col: col, test: func(z *chunk.ZoneMap) bool {
			for _, t := range tests {
				if t(z) {
					return true
				}
			}
			return false
		}}, true
	}
	return pruner{}, false
}

// scanColumn returns the table column and type an expression reads when it
// is a scanned column, possibly under integer widening casts.
func scanColumn(e plan.Expr, scan *plan.Scan) (int, types.Type, bool) {
	for {
		c, ok := e.(*plan.Cast)
		if !ok || !c.To.IsInteger() || !c.X.Type().IsInteger() {
			break
		}
		e = c.X
	}
	ref, ok := e.(*plan.ColRef)
	if !ok || ref.Index >= len(scan.Cols) {
		return 0, types.Type{}, false
	}
	col := scan.Cols[ref.Index]
	return col, scan.Table.Columns[col].T, true
}

// compareTest returns a zone-map test for "column (of type t) op c".
func compareTest(op vector.CmpOp, t types.Type, c types.Value) (func(*chunk.ZoneMap) bool, bool) {
	switch t.Phys() {
	case types.PhysInt64:
		v := c.Int
		if t.Kind == types.KindDecimal {
			if c.Type.Kind != types.KindDecimal || c.Type.Scale > t.Scale {
				return nil, false
			}
			r, err := types.Rescale(v, c.Type.Scale, t.Scale)
			if err != nil {
				return nil, false
			}
			v = r
		} else if c.Type.Phys() != types.PhysInt64 || c.Type.Kind == types.KindDecimal || (c.Type.Kind == types.KindTimestamp) != (t.Kind == types.KindTimestamp) {
			return nil, false
		}
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		switch op {
		case vector.Eq:
			lo, hi = v, v
		case vector.Lt:
			if v == math.MinInt64 {
				return func(*chunk.ZoneMap) bool { return false }, true
			}
			hi = v - 1
		case vector.Le:
			hi = v
		case vector.Gt:
			if v == math.MaxInt64 {
				return func(*chunk.ZoneMap) bool { return false }, true
			}
			lo = v + 1
		case vector.Ge:
			lo = v
		case vector.Ne:
			return func(z *chunk.ZoneMap) bool {
				return z.HasMinMax && !(z.MinInt == v && z.MaxInt == v)
			}, true
		}
		return func(z *chunk.ZoneMap) bool { return z.HasMinMax && z.MayContainIntRange(lo, hi) }, true
	case types.PhysFloat64:
		if c.Type.Phys() != types.PhysFloat64 {
			return nil, false
		}
		v := c.Float
		if math.IsNaN(v) {
			return nil, false
		}
		switch op {
		case vector.Eq:
			return func(z *chunk.ZoneMap) bool { return z.MayContainFloat(v) }, true
		case vector.Lt:
			return func(z *chunk.ZoneMap) bool { return z.HasMinMax && z.MinFloat < v }, true
		case vector.Le:
			return func(z *chunk.ZoneMap) bool { return z.HasMinMax && z.MinFloat <= v }, true
		case vector.Gt:
			return func(z *chunk.ZoneMap) bool { return z.HasNaN || z.HasMinMax && z.MaxFloat > v }, true
		case vector.Ge:
			return func(z *chunk.ZoneMap) bool { return z.HasNaN || z.HasMinMax && z.MaxFloat >= v }, true
		}
		return nil, false
	case types.PhysBytes:
		if c.Type.Phys() != types.PhysBytes {
			return nil, false
		}
		v := []byte(c.Str)
		switch op {
		case vector.Eq:
			return func(z *chunk.ZoneMap) bool { return z.MayContainBytes(v) }, true
		case vector.Lt: // MinBytes is <= the true minimum even when cut
			return func(z *chunk.ZoneMap) bool { return z.HasMinMax && bytes.Compare(z.MinBytes, v) < 0 }, true
		case vector.Le:
			return func(z *chunk.ZoneMap) bool { return z.HasMinMax && bytes.Compare(z.MinBytes, v) <= 0 }, true
		case vector.Gt: // a cut MaxBytes is > every value; an exact one is the maximum
			return func(z *chunk.ZoneMap) bool {
				return z.HasMinMax && (z.MaxUnbounded || bytes.Compare(z.MaxBytes, v) > 0)
			}, true
		case vector.Ge:
			return func(z *chunk.ZoneMap) bool {
				if !z.HasMinMax {
					return false
				}
				if z.MaxUnbounded {
					return true
				}
				cmp := bytes.Compare(z.MaxBytes, v)
				return cmp > 0 || cmp == 0 && !z.MaxTruncated
			}, true
		}
		return nil, false
	case types.PhysBool:
		if c.Type.Phys() != types.PhysBool || op != vector.Eq {
			return nil, false
		}
		b := int64(0)
		if c.Bool {
			b = 1
		}
		return func(z *chunk.ZoneMap) bool { return z.HasMinMax && z.MayContainInt(b) }, true
	}
	return nil, false
}
