package eval

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// extractNode is extract(field FROM ts): the common fields have their
// own loops, the others call types.Extract per row.
type extractNode struct {
	funcBase
	field     string
	nullConst bool
}

func (n *extractNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.args[1].eval(c, sel)
	if err != nil {
		return nil, err
	}
	res := n.res
	valid := andValid(res.Valid[:0], v.Valid, nil, c.n)
	if n.nullConst {
		setAllNull(res, n.t, c.n)
		return res, nil
	}
	res.Reset(n.t, c.n)
	res.Valid = valid
	xs := v.Ints[:c.n]
	switch n.field {
	case "epoch":
		rs := res.Floats[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			rs[i] = float64(xs[i]) / 1e6
		}
	case "year", "years", "month", "months", "day", "days":
		rs := res.Ints[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			y, m, d := types.CivilFromDays(floorDiv(xs[i], types.MicrosPerDay))
			switch n.field[0] {
			case 'y':
				rs[i] = int64(y)
			case 'm':
				rs[i] = int64(m)
			default:
				rs[i] = int64(d)
			}
		}
	case "hour", "hours":
		rs := res.Ints[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			ts := xs[i]
			rs[i] = (ts - floorDiv(ts, types.MicrosPerDay)*types.MicrosPerDay) / types.MicrosPerHour
		}
	default:
		rs := res.Ints[:c.n]
		for _, i := range rowsOf(sel, c.n) {
			r, err := types.Extract(n.field, xs[i])
			if err != nil && validAt(valid, i) {
				return nil, runtimeErr(err)
			}
			rs[i] = r.Int
		}
	}
	return res, nil
}

// truncNode is date_trunc(unit, x) for a TIMESTAMP or a DATE x.
type truncNode struct {
	funcBase
	unit      string
	nullConst bool
}

func (n *truncNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.args[1].eval(c, sel)
	if err != nil {
		return nil, err
	}
	res := n.res
	valid := andValid(res.Valid[:0], v.Valid, nil, c.n)
	if n.nullConst {
		setAllNull(res, n.t, c.n)
		return res, nil
	}
	res.Reset(n.t, c.n)
	res.Valid = valid
	date := n.t.Kind == types.KindDate
	xs, rs := v.Ints[:c.n], res.Ints[:c.n]
	for _, r := range rowsOf(sel, c.n) {
		i := int(r)
		if !validAt(valid, i) {
			continue
		}
		ts := xs[i]
		if date {
			var ok bool
			if ts, ok = types.MulCheck(ts, types.MicrosPerDay); !ok {
				return nil, castFailure(v, i, types.Timestamp)
			}
		}
		r, err := types.DateTrunc(n.unit, ts)
		if err != nil {
			return nil, runtimeErr(err)
		}
		if date {
			r = floorDiv(r, types.MicrosPerDay)
		}
		rs[i] = r
	}
	return res, nil
}

// dateArithNode is date + days, date - days and date - date.
type dateArithNode struct {
	funcBase
	fn plan.FuncID
}

func (n *dateArithNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	a, b, res := n.vs[0], n.vs[1], n.res
	res.Reset(n.t, c.n)
	res.Valid = valid
	xs, ys, rs := a.Ints[:c.n], b.Ints[:c.n], res.Ints[:c.n]
	for _, r := range rowsOf(sel, c.n) {
		i := int(r)
		var r int64
		var ok bool
		if n.fn == plan.FnDateAddDays {
			r, ok = types.AddCheck(xs[i], ys[i])
		} else {
			r, ok = types.SubCheck(xs[i], ys[i])
		}
		if !ok && validAt(valid, i) {
			op := "+"
			if n.fn != plan.FnDateAddDays {
				op = "-"
			}
			return nil, rangeError(fmt.Sprintf("%s %s %s", a.Value(i), op, b.Value(i)), n.t)
		}
		rs[i] = r
	}
	return res, nil
}

// intervalNode is ts + interval (ts - interval is ts + the negated
// interval): months, then days, then microseconds (types.AddInterval).
type intervalNode struct {
	funcBase
	iv        types.IntervalValue
	nullConst bool
}

func (n *intervalNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	res := n.res
	if n.nullConst {
		setAllNull(res, n.t, c.n)
		return res, nil
	}
	v := n.vs[0]
	res.Reset(n.t, c.n)
	res.Valid = valid
	xs, rs := v.Ints[:c.n], res.Ints[:c.n]
	days := int64(n.iv.Days) * types.MicrosPerDay
	for _, i := range rowsOf(sel, c.n) {
		if n.iv.Months == 0 {
			r, ok1 := types.AddCheck(xs[i], days)
			r, ok2 := types.AddCheck(r, n.iv.Micros)
			if ok1 && ok2 {
				rs[i] = r
				continue
			}
		}
		if !validAt(valid, i) {
			continue
		}
		r, err := types.AddInterval(xs[i], n.iv)
		if err != nil {
			return nil, runtimeErr(err)
		}
		rs[i] = r
	}
	return res, nil
}
