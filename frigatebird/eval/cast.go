package eval

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Casts follow types.Cast exactly (the model test compares them row by
// row). The common pairs have typed loops; the rare ones (parsing text,
// BOOLEAN to and from numbers) call types.Cast per row. A failing row's
// error is types.Cast's own for that value, so messages name it:
// "frigatebird: cannot cast 'abc' to INTEGER".

type castKind uint8

const (
	castSame         castKind = iota // the values do not change: retype
	castIntRange                     // integer to a narrower integer
	castIntToDec                     // integer to DECIMAL
	castDecToInt                     // DECIMAL to integer, half away from zero
	castDecToDec                     // DECIMAL rescale
	castIntToFloat                   // integer to REAL or DOUBLE
	castDecToFloat                   // DECIMAL to REAL or DOUBLE
	castFloatToInt                   // REAL or DOUBLE to integer, half to even
	castFloatToDec                   // REAL or DOUBLE to DECIMAL
	castDoubleToReal                 // DOUBLE to REAL, range checked
	castToText                       // anything to VARCHAR, formatted as types.Value.String
	castDateToTs                     // DATE to TIMESTAMP
	castTsToDate                     // TIMESTAMP to DATE (floor)
	castRow                          // types.Cast per row
)

type castNode struct {
	x        node
	from, to types.Type
	kind     castKind
	res      *vector.Vector
	hdr      vector.Vector
	w        strWriter
}

func newCast(x node, to types.Type) *castNode {
	from := x.typ()
	n := &castNode{x: x, from: from, to: to, res: vector.New(to), kind: castRow}
	lo, hi := from.IntRange()
	tlo, thi := to.IntRange()
	switch {
	case from == to:
		n.kind = castSame
	case to.Kind == types.KindVarchar:
		n.kind = castToText
		if from.Kind == types.KindVarchar && (to.Max == 0 || (from.Max > 0 && from.Max <= to.Max)) {
			n.kind = castSame
		}
	case from.IsInteger() && to.IsInteger():
		n.kind = castIntRange
		if tlo <= lo && hi <= thi {
			n.kind = castSame
		}
	case from.IsInteger() && to.Kind == types.KindDecimal:
		n.kind = castIntToDec
	case from.Kind == types.KindDecimal && to.IsInteger():
		n.kind = castDecToInt
	case from.Kind == types.KindDecimal && to.Kind == types.KindDecimal:
		n.kind = castDecToDec
		if from.Scale == to.Scale && from.Precision <= to.Precision {
			n.kind = castSame
		}
	case from.IsInteger() && to.IsFloat():
		n.kind = castIntToFloat
	case from.Kind == types.KindDecimal && to.IsFloat():
		n.kind = castDecToFloat
	case from.IsFloat() && to.IsInteger():
		n.kind = castFloatToInt
	case from.IsFloat() && to.Kind == types.KindDecimal:
		n.kind = castFloatToDec
	case from.Kind == types.KindReal && to.Kind == types.KindDouble:
		n.kind = castSame
	case from.Kind == types.KindDouble && to.Kind == types.KindReal:
		n.kind = castDoubleToReal
	case from.Kind == types.KindDate && to.Kind == types.KindTimestamp:
		n.kind = castDateToTs
	case from.Kind == types.KindTimestamp && to.Kind == types.KindDate:
		n.kind = castTsToDate
	}
	return n
}

func (n *castNode) typ() types.Type { return n.to }

// castFailure returns the error of casting row i of v.
func castFailure(v *vector.Vector, i int, to types.Type) error {
	_, err := types.Cast(v.Value(i), to)
	if err == nil { // a typed loop disagrees with types.Cast: a bug
		err = fmt.Errorf("%w: cannot cast %s to %s", types.ErrCast, v.Value(i), to)
	}
	return runtimeErr(err)
}

func (n *castNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.x.eval(c, sel)
	if err != nil {
		return nil, err
	}
	if n.kind == castSame {
		return retype(v, n.to, &n.hdr), nil
	}
	nrows := c.n
	res := n.res
	if n.kind == castToText {
		return res, n.toText(v, sel, nrows)
	}
	valid := andValid(res.Valid[:0], v.Valid, nil, nrows)
	res.Reset(n.to, nrows)
	res.Valid = valid
	fail := -1
	switch n.kind {
	case castIntRange:
		lo, hi := n.to.IntRange()
		xs, rs := v.Ints[:nrows], res.Ints[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			x := xs[i]
			if (x < lo || x > hi) && validAt(valid, i) {
				fail = int(i)
				break
			}
			rs[i] = x
		}
	case castIntToDec:
		m := types.Pow10(n.to.Scale)
		lo, hi := n.to.IntRange()
		xs, rs := v.Ints[:nrows], res.Ints[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			r, ok := types.MulCheck(xs[i], m)
			if (!ok || r < lo || r > hi) && validAt(valid, i) {
				fail = int(i)
				break
			}
			rs[i] = r
		}
	case castDecToInt, castDecToDec:
		lo, hi := n.to.IntRange()
		ts := 0
		if n.kind == castDecToDec {
			ts = n.to.Scale
		}
		fs := n.from.Scale
		xs, rs := v.Ints[:nrows], res.Ints[:nrows]
		if ts >= fs {
			m := types.Pow10(ts - fs)
			for _, i := range rowsOf(sel, nrows) {
				r, ok := types.MulCheck(xs[i], m)
				if (!ok || r < lo || r > hi) && validAt(valid, i) {
					fail = int(i)
					break
				}
				rs[i] = r
			}
		} else {
			d := types.Pow10(fs - ts)
			for _, i := range rowsOf(sel, nrows) {
				r := divRound(xs[i], d)
				if (r < lo || r > hi) && validAt(valid, i) {
					fail = int(i)
					break
				}
				rs[i] = r
			}
		}
	case castIntToFloat:
		xs, rs := v.Ints[:nrows], res.Floats[:nrows]
		if n.to.Kind == types.KindReal {
			for _, i := range rowsOf(sel, nrows) {
				rs[i] = float64(float32(xs[i]))
			}
		} else if sel == nil {
			for i, x := range xs {
				rs[i] = float64(x)
			}
		} else {
			for _, i := range sel {
				rs[i] = float64(xs[i])
			}
		}
	case castDecToFloat:
		d := float64(types.Pow10(n.from.Scale))
		xs, rs := v.Ints[:nrows], res.Floats[:nrows]
		real := n.to.Kind == types.KindReal
		for _, i := range rowsOf(sel, nrows) {
			f := float64(xs[i]) / d // types.DecimalToFloat
			if real {
				f = float64(float32(f))
			}
			rs[i] = f
		}
	case castFloatToInt:
		lo, hi := n.to.IntRange()
		xs, rs := v.Floats[:nrows], res.Ints[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			r := math.RoundToEven(xs[i]) // NaN fails every test below
			if !(r >= float64(lo) && r < -float64(lo) && r <= float64(hi)) && validAt(valid, i) {
				fail = int(i)
				break
			}
			rs[i] = int64(r)
		}
	case castFloatToDec:
		xs, rs := v.Floats[:nrows], res.Ints[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			if !validAt(valid, i) {
				continue
			}
			r, err := types.FloatToDecimal(xs[i], n.to.Precision, n.to.Scale)
			if err != nil {
				fail = int(i)
				break
			}
			rs[i] = r
		}
	case castDoubleToReal:
		xs, rs := v.Floats[:nrows], res.Floats[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			f := xs[i]
			if math.Abs(f) > math.MaxFloat32 && !math.IsInf(f, 0) && validAt(valid, i) {
				fail = int(i)
				break
			}
			rs[i] = float64(float32(f))
		}
	case castDateToTs:
		xs, rs := v.Ints[:nrows], res.Ints[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			r, ok := types.MulCheck(xs[i], types.MicrosPerDay)
			if !ok && validAt(valid, i) {
				fail = int(i)
				break
			}
			rs[i] = r
		}
	case castTsToDate:
		xs, rs := v.Ints[:nrows], res.Ints[:nrows]
		for _, i := range rowsOf(sel, nrows) {
			rs[i] = floorDiv(xs[i], types.MicrosPerDay)
		}
	default:
		return res, n.byRow(v, sel, nrows)
	}
	if fail >= 0 {
		return nil, castFailure(v, fail, n.to)
	}
	return res, nil
}

// byRow casts with types.Cast row by row (no string results: those are
// toText's).
func (n *castNode) byRow(v *vector.Vector, sel []uint16, nrows int) error {
	res := n.res
	if res.Type.Phys() == types.PhysBool {
		clear(res.Bools)
	}
	return forSel(sel, nrows, func(i int) error {
		if !validAt(res.Valid, i) {
			return nil
		}
		out, err := types.Cast(v.Value(i), n.to)
		if err != nil {
			return runtimeErr(err)
		}
		setValue(res, nil, i, out)
		return nil
	})
}

// toText formats every non-NULL row of sel as types.Value.String does,
// checking a VARCHAR(n)'s length.
func (n *castNode) toText(v *vector.Vector, sel []uint16, nrows int) error {
	res := n.res
	valid := andValid(res.Valid[:0], v.Valid, nil, nrows)
	w := &n.w
	w.start(res, n.to, nrows)
	res.Valid = valid
	from := n.from
	err := forSel(sel, nrows, func(i int) error {
		if !validAt(valid, i) {
			return nil
		}
		w.skipTo(i)
		start := len(res.Bytes)
		b := res.Bytes
		switch from.Kind {
		case types.KindSmallInt, types.KindInteger, types.KindBigInt:
			b = strconv.AppendInt(b, v.Ints[i], 10)
		case types.KindDecimal:
			b = types.AppendDecimal(b, v.Ints[i], from.Scale)
		case types.KindReal:
			b = types.AppendFloat(b, float64(float32(v.Floats[i])), 32)
		case types.KindDouble:
			b = types.AppendFloat(b, v.Floats[i], 64)
		case types.KindBoolean:
			if v.Bool(i) {
				b = append(b, "true"...)
			} else {
				b = append(b, "false"...)
			}
		case types.KindDate:
			b = types.AppendDate(b, v.Ints[i])
		case types.KindTimestamp:
			b = types.AppendTimestamp(b, v.Ints[i])
		case types.KindVarchar:
			b = append(b, v.Str(i)...)
		}
		res.Bytes = b
		if n.to.Max > 0 && utf8.RuneCount(b[start:]) > n.to.Max {
			return castFailure(v, i, n.to)
		}
		w.end(i)
		return nil
	})
	if err != nil {
		return err
	}
	return w.finish()
}

// divRound divides by a positive d rounding half away from zero (as
// types.Rescale does).
func divRound(v, d int64) int64 {
	q, r := v/d, v%d
	if r < 0 {
		r = -r
	}
	if uint64(r)*2 >= uint64(d) {
		if v < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// floorDiv is a/b rounded toward minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
