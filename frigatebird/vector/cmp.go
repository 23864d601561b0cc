package vector

import (
	"bytes"
	"fmt"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
)

// CmpOp is a comparison operator.
type CmpOp uint8

// Comparison operators.
const (
	Eq CmpOp = iota
	Ne
	Lt
	Le
	Gt
	Ge
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (op CmpOp) String() string { return cmpNames[op] }

// ParseCmpOp maps "=", "<>", "!=", "<", "<=", ">", ">=" onto a CmpOp.
func ParseCmpOp(s string) (CmpOp, bool) {
	switch s {
	case "=":
		return Eq, true
	case "<>", "!=":
		return Ne, true
	case "<":
		return Lt, true
	case "<=":
		return Le, true
	case ">":
		return Gt, true
	case ">=":
		return Ge, true
	}
	return 0, false
}

// Swap returns the operator with its operands exchanged (a < b ⇔ b > a).
func (op CmpOp) Swap() CmpOp {
	switch op {
	case Lt:
		return Gt
	case Le:
		return Ge
	case Gt:
		return Lt
	case Ge:
		return Le
	}
	return op
}

// Holds reports whether a three-way comparison result c satisfies op.
func (op CmpOp) Holds(c int) bool {
	switch op {
	case Eq:
		return c == 0
	case Ne:
		return c != 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	case Gt:
		return c > 0
	}
	return c >= 0
}

// ordered is the element type of the plain-operator kernels. For floats
// they are only used where IEEE and SQL order agree (see FilterFloat64Const).
type ordered interface{ ~int64 | ~float64 }

// filterConst appends the rows where xs[i] op c. Gt and Ge are computed
// as NOT(<=) and NOT(<), which for floats puts NaN above a non-NaN c.
func filterConst[T ordered](op CmpOp, xs []T, n int, c T, sel, out []uint16) []uint16 {
	k := 0
	if sel == nil {
		out = selBuf(out, n)
		xs = xs[:n]
		switch op {
		case Eq:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x == c)
			}
		case Ne:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x != c)
			}
		case Lt:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x < c)
			}
		case Le:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x <= c)
			}
		case Gt:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(!(x <= c))
			}
		case Ge:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(!(x < c))
			}
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	switch op {
	case Eq:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] == c)
		}
	case Ne:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] != c)
		}
	case Lt:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] < c)
		}
	case Le:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] <= c)
		}
	case Gt:
		for _, i := range sel {
			out[k] = i
			k += b2i(!(xs[i] <= c))
		}
	case Ge:
		for _, i := range sel {
			out[k] = i
			k += b2i(!(xs[i] < c))
		}
	}
	return out[:k]
}

// filterConstInt64 is filterConst written out for int64: the generic
// instantiation measured ~30% slower on the hot filter benchmark
// (BenchmarkFilterInt64Const vs BenchmarkFilterInt64ConstGeneric), so
// ints get their own copy and the generic serves float64.
func filterConstInt64(op CmpOp, xs []int64, n int, c int64, sel, out []uint16) []uint16 {
	k := 0
	if sel == nil {
		out = selBuf(out, n)
		xs = xs[:n]
		switch op {
		case Eq:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x == c)
			}
		case Ne:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x != c)
			}
		case Lt:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x < c)
			}
		case Le:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x <= c)
			}
		case Gt:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(!(x <= c))
			}
		case Ge:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(!(x < c))
			}
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	switch op {
	case Eq:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] == c)
		}
	case Ne:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] != c)
		}
	case Lt:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] < c)
		}
	case Le:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] <= c)
		}
	case Gt:
		for _, i := range sel {
			out[k] = i
			k += b2i(!(xs[i] <= c))
		}
	case Ge:
		for _, i := range sel {
			out[k] = i
			k += b2i(!(xs[i] < c))
		}
	}
	return out[:k]
}

// FilterInt64Const returns the rows of sel (nil: all of v) where v op c is
// TRUE; NULL rows are dropped. out receives the result (see sel.go).
func FilterInt64Const(op CmpOp, v *Vector, c int64, sel, out []uint16) []uint16 {
	out = filterConstInt64(op, v.Ints, v.Len, c, sel, out)
	if len(v.Valid) != 0 {
		out = dropNulls(v.Valid, out)
	}
	return out
}

// FilterFloat64Const is FilterInt64Const for floats, with SQL's order:
// NaN equals NaN and is above everything else.
func FilterFloat64Const(op CmpOp, v *Vector, c float64, sel, out []uint16) []uint16 {
	if math.IsNaN(c) {
		out = filterNaNConst(op, v.Floats, v.Len, sel, out)
	} else {
		out = filterConst(op, v.Floats, v.Len, c, sel, out)
	}
	if len(v.Valid) != 0 {
		out = dropNulls(v.Valid, out)
	}
	return out
}

// filterNaNConst compares against NaN, the largest float.
func filterNaNConst(op CmpOp, xs []float64, n int, sel, out []uint16) []uint16 {
	out = filterEach(n, sel, out, func(i uint16) bool {
		x := xs[i]
		var r bool
		switch op {
		case Eq, Ge:
			r = x != x
		case Ne, Lt:
			r = x == x
		case Le:
			r = true
		}
		return r
	})
	return out
}

// FilterBytesConst compares strings bytewise (the C collation).
func FilterBytesConst(op CmpOp, v *Vector, c []byte, sel, out []uint16) []uint16 {
	offs, b := v.Offsets, v.Bytes
	if op == Eq || op == Ne {
		if v.HasDict() && v.DictLen() <= 256 {
			out = filterDictEq(v, c, op == Eq, sel, out)
		} else {
			out = filterBytesEq(offs, b, v.Len, c, op == Eq, sel, out)
		}
		if len(v.Valid) != 0 {
			out = dropNulls(v.Valid, out)
		}
		return out
	}
	out = filterEach(v.Len, sel, out, func(i uint16) bool {
		s := b[offs[i]:offs[i+1]]
		var r bool
		if op == Eq || op == Ne {
			r = bytes.Equal(s, c) == (op == Eq)
		} else {
			r = op.Holds(bytes.Compare(s, c))
		}
		return r
	})
	if len(v.Valid) != 0 {
		out = dropNulls(v.Valid, out)
	}
	return out
}

// filterDictEq is filterBytesEq on a vector's dictionary: each entry is
// compared once, then rows keep by their code.
func filterDictEq(v *Vector, c []byte, eq bool, sel, out []uint16) []uint16 {
	var hit [256]bool
	for k := 0; k < v.DictLen(); k++ {
		hit[k] = bytes.Equal(v.DictEntry(k), c) == eq
	}
	codes := v.Codes
	k := 0
	if sel == nil {
		out = selBuf(out, v.Len)
		for i, code := range codes {
			out[k] = uint16(i)
			if hit[code&255] {
				k++
			}
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	for _, i := range sel {
		out[k] = i
		if hit[codes[i]&255] {
			k++
		}
	}
	return out[:k]
}

// filterBytesEq keeps the rows whose string equals c (or differs, when
// !eq): a length test first, then one memory compare, without a closure
// call per row; one-byte constants compare the byte.
func filterBytesEq(offs []uint32, b []byte, n int, c []byte, eq bool, sel, out []uint16) []uint16 {
	cl := uint32(len(c))
	cs := string(c)
	match := func(i int) bool {
		s, e := offs[i], offs[i+1]
		if e-s != cl {
			return false
		}
		if cl == 1 {
			return b[s] == cs[0]
		}
		return string(b[s:e]) == cs
	}
	k := 0
	if sel == nil {
		out = selBuf(out, n)
		for i := 0; i < n; i++ {
			out[k] = uint16(i)
			if match(i) == eq {
				k++
			}
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	for _, i := range sel {
		out[k] = i
		if match(int(i)) == eq {
			k++
		}
	}
	return out[:k]
}

// FilterBoolConst compares booleans (false < true).
func FilterBoolConst(op CmpOp, v *Vector, c bool, sel, out []uint16) []uint16 {
	ci := b2i(c)
	out = filterEach(v.Len, sel, out, func(i uint16) bool {
		x := int(v.Bools[i>>6] >> (i & 63) & 1)
		return op.Holds(x - ci)
	})
	if len(v.Valid) != 0 {
		out = dropNulls(v.Valid, out)
	}
	return out
}

// FilterConst dispatches on v's physical type; c must be non-NULL and of
// the same physical type (cast it first). A NULL constant selects nothing.
func FilterConst(op CmpOp, v *Vector, c types.Value, sel, out []uint16) ([]uint16, error) {
	if c.Null {
		return selBuf(out, 0), nil
	}
	if c.Type.Phys() != v.Type.Phys() {
		return nil, fmt.Errorf("vector: compare %s %s %s: %w", v.Type, op, c.Type, types.ErrNoOperator)
	}
	switch v.Type.Phys() {
	case types.PhysInt64:
		return FilterInt64Const(op, v, c.Int, sel, out), nil
	case types.PhysFloat64:
		return FilterFloat64Const(op, v, c.Float, sel, out), nil
	case types.PhysBool:
		return FilterBoolConst(op, v, c.Bool, sel, out), nil
	case types.PhysBytes:
		return FilterBytesConst(op, v, []byte(c.Str), sel, out), nil
	}
	return nil, fmt.Errorf("vector: compare %s: %w", v.Type, types.ErrNoOperator)
}

// filterVec appends rows where xs[i] op ys[i] for Eq, Ne, Lt, Le with
// plain operators (ints).
func filterVec[T ordered](op CmpOp, xs, ys []T, n int, sel, out []uint16) []uint16 {
	k := 0
	if sel == nil {
		out = selBuf(out, n)
		xs, ys = xs[:n], ys[:n]
		switch op {
		case Eq:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x == ys[i])
			}
		case Ne:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x != ys[i])
			}
		case Lt:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x < ys[i])
			}
		case Le:
			for i, x := range xs {
				out[k] = uint16(i)
				k += b2i(x <= ys[i])
			}
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	switch op {
	case Eq:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] == ys[i])
		}
	case Ne:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] != ys[i])
		}
	case Lt:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] < ys[i])
		}
	case Le:
		for _, i := range sel {
			out[k] = i
			k += b2i(xs[i] <= ys[i])
		}
	}
	return out[:k]
}

// SQL float predicates: NaN = NaN, NaN above all.
func fEq(a, b float64) bool { return a == b || (a != a && b != b) }
func fLt(a, b float64) bool { return a < b || (a == a && b != b) }
func fLe(a, b float64) bool { return a <= b || b != b }

func filterVecFloat(op CmpOp, xs, ys []float64, n int, sel, out []uint16) []uint16 {
	out = filterEach(n, sel, out, func(i uint16) bool {
		x, y := xs[i], ys[i]
		var r bool
		switch op {
		case Eq:
			r = fEq(x, y)
		case Ne:
			r = !fEq(x, y)
		case Lt:
			r = fLt(x, y)
		case Le:
			r = fLe(x, y)
		}
		return r
	})
	return out
}

// Filter returns the rows of sel (nil: all) where a op b is TRUE; a and
// b have the same physical type and length. Rows NULL on either side are
// dropped.
func Filter(op CmpOp, a, b *Vector, sel, out []uint16) ([]uint16, error) {
	if a.Type.Phys() != b.Type.Phys() || a.Len != b.Len {
		return nil, fmt.Errorf("vector: compare %s %s %s: %w", a.Type, op, b.Type, types.ErrNoOperator)
	}
	if op == Gt || op == Ge {
		a, b, op = b, a, op.Swap()
	}
	switch a.Type.Phys() {
	case types.PhysInt64:
		out = filterVec(op, a.Ints, b.Ints, a.Len, sel, out)
	case types.PhysFloat64:
		out = filterVecFloat(op, a.Floats, b.Floats, a.Len, sel, out)
	case types.PhysBool, types.PhysBytes:
		out = filterEach(a.Len, sel, out, func(i uint16) bool {
			var c int
			if a.Type.Phys() == types.PhysBool {
				c = b2i(a.Bool(int(i))) - b2i(b.Bool(int(i)))
			} else {
				c = bytes.Compare(a.Str(int(i)), b.Str(int(i)))
			}
			return op.Holds(c)
		})
	default:
		return nil, fmt.Errorf("vector: compare %s: %w", a.Type, types.ErrNoOperator)
	}
	if len(a.Valid) != 0 {
		out = dropNulls(a.Valid, out)
	}
	if len(b.Valid) != 0 {
		out = dropNulls(b.Valid, out)
	}
	return out, nil
}

// selectedToBool writes a BOOLEAN result: true on the rows of hits, false
// elsewhere; validity is the AND of the operands' (3VL: NULL compared is
// NULL).
func selectedToBool(hits []uint16, n int, va, vb []uint64, res *Vector) {
	valid := andValid(res.Valid[:0], va, vb, n)
	res.Reset(types.Boolean, n)
	res.Valid = valid
	clear(res.Bools)
	for _, i := range hits {
		res.Bools[i>>6] |= 1 << (i & 63)
	}
}

// CompareConst writes v op c for the rows of sel into res as a BOOLEAN
// vector (rows outside sel are FALSE); NULL rows, or a NULL c, give NULL.
// scratch is a selection buffer (cap Size avoids allocation).
func CompareConst(op CmpOp, v *Vector, c types.Value, sel []uint16, res *Vector, scratch []uint16) error {
	if c.Null {
		res.Reset(types.Boolean, v.Len)
		clear(res.Bools)
		for i := 0; i < v.Len; i++ {
			res.SetNull(i)
		}
		return nil
	}
	nv := *v
	nv.Valid = nil
	hits, err := FilterConst(op, &nv, c, sel, scratch)
	if err != nil {
		return err
	}
	selectedToBool(hits, v.Len, v.Valid, nil, res)
	return nil
}

// Compare writes a op b for the rows of sel into res as a BOOLEAN vector
// with SQL NULL propagation.
func Compare(op CmpOp, a, b *Vector, sel []uint16, res *Vector, scratch []uint16) error {
	na, nb := *a, *b
	na.Valid, nb.Valid = nil, nil
	hits, err := Filter(op, &na, &nb, sel, scratch)
	if err != nil {
		return err
	}
	selectedToBool(hits, a.Len, a.Valid, b.Valid, res)
	return nil
}

// FilterTrue returns the rows of sel where a BOOLEAN vector is TRUE (not
// FALSE, not NULL): a WHERE clause keeps only these.
func FilterTrue(v *Vector, sel, out []uint16) []uint16 {
	return FilterBoolConst(Eq, v, true, sel, out)
}
