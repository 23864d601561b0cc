package vector

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/types"
)

// inHashMin is the list length from which IN uses a hash set instead of
// comparing against each element.
const inHashMin = 8

// InList is a compiled constant list for x IN (...): the non-NULL values
// of one physical type and whether the list held a NULL (then a row that
// matches nothing is NULL, not FALSE, in SQL). Immutable once built.
type InList struct {
	phys    types.Phys
	ints    []int64
	floats  []float64
	strs    []string
	intSet  map[int64]struct{}
	strSet  map[string]struct{}
	HasNull bool
}

// NewInList compiles values, which must share a physical type (cast them
// to the column type first). Float lists compare with SQL equality (NaN
// = NaN, -0.0 = 0.0).
func NewInList(values []types.Value) (*InList, error) {
	l := &InList{phys: types.PhysNone}
	for _, v := range values {
		if v.Null {
			l.HasNull = true
			continue
		}
		p := v.Type.Phys()
		if l.phys == types.PhysNone {
			l.phys = p
		} else if p != l.phys {
			return nil, fmt.Errorf("vector: IN list mixes %s and %s: %w", l.phys, p, types.ErrNoOperator)
		}
		switch p {
		case types.PhysInt64:
			l.ints = append(l.ints, v.Int)
		case types.PhysFloat64:
			l.floats = append(l.floats, v.Float)
		case types.PhysBytes:
			l.strs = append(l.strs, v.Str)
		case types.PhysBool:
			l.ints = append(l.ints, int64(b2i(v.Bool)))
		default:
			return nil, fmt.Errorf("vector: IN list of %s: %w", v.Type, types.ErrNoOperator)
		}
	}
	if len(l.ints) >= inHashMin {
		l.intSet = make(map[int64]struct{}, len(l.ints))
		for _, x := range l.ints {
			l.intSet[x] = struct{}{}
		}
	}
	if len(l.strs) >= inHashMin {
		l.strSet = make(map[string]struct{}, len(l.strs))
		for _, x := range l.strs {
			l.strSet[x] = struct{}{}
		}
	}
	return l, nil
}

func (l *InList) hasInt(x int64) bool {
	if l.intSet != nil {
		_, ok := l.intSet[x]
		return ok
	}
	for _, y := range l.ints {
		if x == y {
			return true
		}
	}
	return false
}

func (l *InList) hasStr(s []byte) bool {
	if l.strSet != nil {
		_, ok := l.strSet[string(s)] // no allocation: map index
		return ok
	}
	for _, y := range l.strs {
		if string(s) == y {
			return true
		}
	}
	return false
}

func (l *InList) hasFloat(x float64) bool {
	for _, y := range l.floats {
		if fEq(x, y) {
			return true
		}
	}
	return false
}

// FilterIn returns the rows of sel where v IN list is TRUE (with not, NOT
// IN is TRUE: never when the list holds a NULL). NULL rows never pass.
func FilterIn(v *Vector, l *InList, not bool, sel, out []uint16) []uint16 {
	if not && l.HasNull {
		return selBuf(out, 0)
	}
	out = filterEach(v.Len, sel, out, func(i uint16) bool {
		var hit bool
		switch v.Type.Phys() {
		case types.PhysInt64:
			hit = l.hasInt(v.Ints[i])
		case types.PhysFloat64:
			hit = l.hasFloat(v.Floats[i])
		case types.PhysBytes:
			hit = l.hasStr(v.Str(int(i)))
		case types.PhysBool:
			hit = l.hasInt(int64(b2i(v.Bool(int(i)))))
		}
		return hit != not
	})
	if len(v.Valid) != 0 {
		out = dropNulls(v.Valid, out)
	}
	return out
}

// FilterBetween returns the rows where lo <= v <= hi is TRUE (NOT BETWEEN
// is the complement among non-NULL rows: use Filter with Lt and Gt). lo
// and hi must be non-NULL and of v's physical type.
func FilterBetween(v *Vector, lo, hi types.Value, sel, out []uint16) ([]uint16, error) {
	out, err := FilterConst(Ge, v, lo, sel, out)
	if err != nil {
		return nil, err
	}
	return FilterConst(Le, v, hi, out, out)
}
