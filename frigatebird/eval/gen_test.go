package eval

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// The random generator of well-typed expression trees and batches that
// the model test and FuzzEval share.

// genTypes are the column types; the batch has two columns of each
// (column 2k and 2k+1 have genTypes[k]).
var genTypes = []types.Type{
	types.Boolean, types.SmallInt, types.Integer, types.BigInt, types.Real, types.Double,
	types.MustDecimal(4, 1), types.MustDecimal(9, 2), types.MustDecimal(18, 4), types.MustDecimal(18, 0),
	types.Text, types.Varchar(3), types.Date, types.Timestamp,
}

var decimalTypes = []types.Type{types.MustDecimal(4, 1), types.MustDecimal(9, 2), types.MustDecimal(18, 4), types.MustDecimal(18, 0)}

var genStrs = []string{
	"", "a", "ab", "abc", "abcabc", "A", "ABC", "é", "日本語", "a%b", "_", "Straße", "\xff", "  pad  ", " x",
	"1", "-2", "3.5", " 42 ", "1e3", "99999", "2024-02-29", "2024-01-31 10:20:30", "true", "no", "nan", "inf", "1 day",
}

var genPatterns = []string{"%", "", "a", "a%", "%a", "%b%", "a_c", "_", "__", "%c", "A%", "\\%%", "%\\_%", "é%", "%ß%", "a%c", "%b_%"}

var extractFields = []string{"year", "quarter", "month", "week", "isoyear", "day", "dow", "isodow", "doy", "hour", "minute", "second", "millisecond", "microsecond"}

var truncUnits = []string{"millennium", "century", "decade", "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"}

type gen struct {
	r        *rand.Rand
	maxDepth int
	used     map[int]bool
}

func newGen(r *rand.Rand) *gen {
	return &gen{r: r, maxDepth: 1 + r.IntN(5), used: map[int]bool{}}
}

func (g *gen) pick(n int) int        { return g.r.IntN(n) }
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// value returns a random non-NULL value of t, edges often.
func (g *gen) value(t types.Type) types.Value {
	r := g.r
	v := types.Value{Type: t}
	switch {
	case t.Kind == types.KindBoolean:
		v.Bool = r.IntN(2) == 0
	case t.IsInteger() || t.Kind == types.KindDecimal:
		lo, hi := t.IntRange()
		switch r.IntN(5) {
		case 0:
			edges := []int64{0, 1, -1, lo, hi, lo + 1, hi - 1, 2, 10}
			if t.Kind == types.KindDecimal {
				edges = append(edges, types.Pow10(t.Scale), -types.Pow10(t.Scale), 5*types.Pow10(t.Scale)/10+types.Pow10(t.Scale))
			}
			v.Int = max(lo, min(hi, edges[r.IntN(len(edges))]))
		case 1, 2:
			v.Int = r.Int64N(9) - 4
			if t.Kind == types.KindDecimal && r.IntN(2) == 0 {
				v.Int *= types.Pow10(t.Scale) / 2
			}
		default:
			span := uint64(hi) - uint64(lo)
			v.Int = lo + int64(r.Uint64N(span))
			if r.IntN(2) == 0 {
				v.Int >>= r.IntN(63)
			}
		}
	case t.IsFloat():
		edges := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1.5, -1.5, 0.5, 2.5, -2.5,
			1e300, -1e300, math.MaxFloat64, math.SmallestNonzeroFloat64, 1e20, 123.456, 3e38, 1e10, 2147483647.5, -32768.5}
		switch r.IntN(4) {
		case 0:
			v.Float = edges[r.IntN(len(edges))]
		case 1, 2:
			v.Float = float64(r.IntN(9)-4) / 2
		default:
			v.Float = r.NormFloat64() * math.Pow(10, float64(r.IntN(12)))
		}
		if t.Kind == types.KindReal {
			v.Float = float64(float32(v.Float))
		}
	case t.Kind == types.KindVarchar:
		if r.IntN(3) > 0 {
			v.Str = genStrs[r.IntN(len(genStrs))]
		} else {
			const alpha = "abcAB%_ é1."
			runes := []rune(alpha)
			var b strings.Builder
			for k := r.IntN(6); k > 0; k-- {
				b.WriteRune(runes[r.IntN(len(runes))])
			}
			v.Str = b.String()
		}
		if t.Max > 0 {
			if rs := []rune(v.Str); len(rs) > t.Max {
				v.Str = string(rs[:t.Max])
			}
		}
	case t.Kind == types.KindDate:
		switch r.IntN(5) {
		case 0:
			edges := []int64{0, -1, 1, types.DaysFromCivil(1, 1, 1), types.DaysFromCivil(9999, 12, 31), 1e9, -1e9, 1 << 40, -(1 << 40)}
			v.Int = edges[r.IntN(len(edges))]
		default:
			v.Int = types.DaysFromCivil(1900+r.IntN(200), 1+r.IntN(12), 1+r.IntN(28))
		}
	case t.Kind == types.KindTimestamp:
		switch r.IntN(5) {
		case 0:
			edges := []int64{0, -1, 1, math.MaxInt64 - 1000, math.MinInt64 + 1000, types.DaysFromCivil(1, 1, 1) * types.MicrosPerDay}
			v.Int = edges[r.IntN(len(edges))]
		default:
			v.Int = types.DaysFromCivil(1900+r.IntN(200), 1+r.IntN(12), 1+r.IntN(31))*types.MicrosPerDay + r.Int64N(types.MicrosPerDay)
			if r.IntN(3) == 0 {
				v.Int -= v.Int % types.MicrosPerSecond
			}
		}
	case t.Kind == types.KindInterval:
		v.Interval = types.IntervalValue{Months: int32(r.IntN(49) - 24), Days: int32(r.IntN(81) - 40), Micros: r.Int64N(2*types.MicrosPerDay) - types.MicrosPerDay}
		if r.IntN(6) == 0 {
			v.Interval = types.IntervalValue{Months: math.MaxInt32 / 2, Days: math.MaxInt32}
		}
	}
	return v
}

func (g *gen) constant(t types.Type) *plan.Const {
	if g.chance(0.1) {
		return &plan.Const{Value: types.NullValue(t)}
	}
	return &plan.Const{Value: g.value(t)}
}

// leaf is a column of type t (when there is one) or a constant.
func (g *gen) leaf(t types.Type) plan.Expr {
	for k, ct := range genTypes {
		if ct == t && g.chance(0.65) {
			idx := 2*k + g.pick(2)
			g.used[idx] = true
			return &plan.ColRef{Index: idx, Name: "c" + string(rune('a'+idx%26)), T: t}
		}
	}
	return g.constant(t)
}

// comparableType returns a type whose values compare with t's without a
// cast.
func (g *gen) comparableType(t types.Type) types.Type {
	if g.chance(0.6) {
		return t
	}
	switch {
	case t.IsInteger():
		return []types.Type{types.SmallInt, types.Integer, types.BigInt}[g.pick(3)]
	case t.IsFloat():
		return []types.Type{types.Real, types.Double}[g.pick(2)]
	case t.Kind == types.KindDecimal:
		return decimalTypes[g.pick(len(decimalTypes))]
	case t.Kind == types.KindVarchar:
		return []types.Type{types.Text, types.Varchar(3)}[g.pick(2)]
	}
	return t
}

func (g *gen) anyType() types.Type { return genTypes[g.pick(len(genTypes))] }

func (g *gen) fn(id plan.FuncID, t types.Type, args ...plan.Expr) plan.Expr {
	return &plan.Func{Fn: id, Args: args, T: t}
}

// expr returns a random expression of type t.
func (g *gen) expr(t types.Type, depth int) plan.Expr {
	if depth >= g.maxDepth || g.chance(0.2) {
		return g.leaf(t)
	}
	d := depth + 1
	var cands []func() plan.Expr
	add := func(fs ...func() plan.Expr) { cands = append(cands, fs...) }
	// Any type.
	add(func() plan.Expr {
		c := &plan.Case{T: t}
		for k := 1 + g.pick(3); k > 0; k-- {
			c.Whens = append(c.Whens, plan.When{Cond: g.expr(types.Boolean, d), Result: g.expr(t, d)})
		}
		if g.chance(0.7) {
			c.Else = g.expr(t, d)
		}
		return c
	}, func() plan.Expr {
		c := &plan.Coalesce{T: t}
		for k := 1 + g.pick(3); k > 0; k-- {
			c.Args = append(c.Args, g.expr(t, d))
		}
		return c
	}, func() plan.Expr {
		for {
			from := g.anyType()
			if castable(from, t) {
				return &plan.Cast{X: g.expr(from, d), To: t}
			}
		}
	}, func() plan.Expr {
		id := plan.FnGreatest
		if g.chance(0.5) {
			id = plan.FnLeast
		}
		f := &plan.Func{Fn: id, T: t}
		for k := 1 + g.pick(3); k > 0; k-- {
			f.Args = append(f.Args, g.expr(t, d))
		}
		return f
	})
	text := func() types.Type { return []types.Type{types.Text, types.Varchar(3)}[g.pick(2)] }
	switch {
	case t.Kind == types.KindBoolean:
		add(func() plan.Expr {
			lt := g.anyType()
			return &plan.Compare{Op: vector.CmpOp(g.pick(6)), L: g.expr(lt, d), R: g.expr(g.comparableType(lt), d)}
		}, func() plan.Expr {
			lt := g.anyType()
			return &plan.Compare{Op: vector.CmpOp(g.pick(6)), L: g.leaf(lt), R: g.constant(g.comparableType(lt))}
		}, func() plan.Expr {
			lt := g.anyType()
			return &plan.Distinct{L: g.expr(lt, d), R: g.expr(g.comparableType(lt), d), Not: g.chance(0.5)}
		}, func() plan.Expr {
			a := &plan.And{}
			for k := 2 + g.pick(2); k > 0; k-- {
				a.Args = append(a.Args, g.expr(types.Boolean, d))
			}
			return a
		}, func() plan.Expr {
			a := &plan.Or{}
			for k := 2 + g.pick(2); k > 0; k-- {
				a.Args = append(a.Args, g.expr(types.Boolean, d))
			}
			return a
		}, func() plan.Expr {
			return &plan.Not{X: g.expr(types.Boolean, d)}
		}, func() plan.Expr {
			return &plan.IsNull{X: g.expr(g.anyType(), d), Not: g.chance(0.5)}
		}, func() plan.Expr {
			xt := g.anyType()
			in := &plan.In{X: g.expr(xt, d), Not: g.chance(0.4)}
			for k := 1 + g.pick(9); k > 0; k-- {
				if g.chance(0.8) {
					in.List = append(in.List, g.constant(g.comparableType(xt)))
				} else {
					in.List = append(in.List, g.expr(g.comparableType(xt), d))
				}
			}
			return in
		}, func() plan.Expr {
			return &plan.Like{X: g.expr(text(), d), Pattern: genPatterns[g.pick(len(genPatterns))], Not: g.chance(0.3), Fold: g.chance(0.3)}
		}, func() plan.Expr {
			return g.fn(plan.FnStartsWith, types.Boolean, g.expr(text(), d), g.expr(text(), d))
		}, func() plan.Expr { // BETWEEN
			lt := g.anyType()
			x := g.leaf(lt)
			return &plan.And{Args: []plan.Expr{
				&plan.Compare{Op: vector.Ge, L: x, R: g.constant(g.comparableType(lt))},
				&plan.Compare{Op: vector.Le, L: x, R: g.constant(g.comparableType(lt))},
			}}
		})
	case t.IsInteger():
		add(func() plan.Expr {
			return &plan.Arith{Op: vector.ArithOp(g.pick(5)), L: g.expr(t, d), R: g.expr(t, d), T: t}
		}, func() plan.Expr {
			return &plan.Neg{X: g.expr(t, d)}
		}, func() plan.Expr {
			return g.fn(plan.FnAbs, t, g.expr(t, d))
		}, func() plan.Expr {
			return g.fn(plan.FnRound, t, g.expr(t, d))
		})
		if t == types.BigInt {
			add(func() plan.Expr {
				return g.fn(plan.FnLength, t, g.expr(text(), d))
			}, func() plan.Expr {
				field := extractFields[g.pick(len(extractFields))]
				return g.fn(plan.FnExtract, t, &plan.Const{Value: types.TextValue(field)}, g.expr(types.Timestamp, d))
			}, func() plan.Expr {
				return g.fn(plan.FnDateDiff, t, g.expr(types.Date, d), g.expr(types.Date, d))
			})
		}
	case t.Kind == types.KindDouble:
		add(func() plan.Expr {
			return &plan.Arith{Op: vector.ArithOp(g.pick(5)), L: g.expr(t, d), R: g.expr(t, d), T: t}
		}, func() plan.Expr {
			return &plan.Neg{X: g.expr(t, d)}
		}, func() plan.Expr {
			return g.fn(plan.FnAbs, t, g.expr(t, d))
		}, func() plan.Expr {
			if g.chance(0.5) {
				return g.fn(plan.FnRound, t, g.expr(t, d))
			}
			return g.fn(plan.FnRound, t, g.expr(t, d), g.digits(d))
		}, func() plan.Expr {
			return g.fn([]plan.FuncID{plan.FnFloor, plan.FnCeil}[g.pick(2)], t, g.expr(t, d))
		}, func() plan.Expr {
			return g.fn(plan.FnExtract, t, &plan.Const{Value: types.TextValue("epoch")}, g.expr(types.Timestamp, d))
		})
	case t.Kind == types.KindDecimal:
		add(func() plan.Expr {
			op := []vector.ArithOp{vector.Add, vector.Sub, vector.Mul, vector.Mod}[g.pick(4)]
			a, b := decimalTypes[g.pick(len(decimalTypes))], decimalTypes[g.pick(len(decimalTypes))]
			if g.chance(0.3) {
				a = t
			}
			rt, err := types.DecimalResult(op.String(), a, b)
			if err != nil {
				return g.leaf(t)
			}
			var e plan.Expr = &plan.Arith{Op: op, L: g.expr(a, d), R: g.expr(b, d), T: rt}
			if rt != t {
				e = &plan.Cast{X: e, To: t}
			}
			return e
		}, func() plan.Expr {
			return &plan.Neg{X: g.expr(t, d)}
		}, func() plan.Expr {
			return g.fn(plan.FnAbs, t, g.expr(t, d))
		}, func() plan.Expr {
			if g.chance(0.3) {
				return g.fn(plan.FnRound, t, g.expr(t, d))
			}
			return g.fn(plan.FnRound, t, g.expr(t, d), g.digits(d))
		}, func() plan.Expr {
			return g.fn([]plan.FuncID{plan.FnFloor, plan.FnCeil}[g.pick(2)], t, g.expr(t, d))
		})
	case t.Kind == types.KindVarchar:
		wrap := func(e plan.Expr) plan.Expr {
			if t != types.Text {
				return &plan.Cast{X: e, To: t}
			}
			return e
		}
		add(func() plan.Expr {
			id := []plan.FuncID{plan.FnLower, plan.FnUpper}[g.pick(2)]
			return wrap(g.fn(id, types.Text, g.expr(text(), d)))
		}, func() plan.Expr {
			args := []plan.Expr{g.expr(text(), d), g.smallInt(d)}
			if g.chance(0.6) {
				args = append(args, g.smallInt(d))
			}
			return wrap(g.fn(plan.FnSubstring, types.Text, args...))
		}, func() plan.Expr {
			id := []plan.FuncID{plan.FnTrim, plan.FnLTrim, plan.FnRTrim}[g.pick(3)]
			if g.chance(0.5) {
				return wrap(g.fn(id, types.Text, g.expr(text(), d)))
			}
			return wrap(g.fn(id, types.Text, g.expr(text(), d), g.expr(text(), d)))
		}, func() plan.Expr {
			f := &plan.Func{Fn: plan.FnConcat, T: types.Text}
			for k := 1 + g.pick(3); k > 0; k-- {
				f.Args = append(f.Args, g.expr(text(), d))
			}
			return wrap(f)
		}, func() plan.Expr {
			return wrap(g.fn(plan.FnConcatOp, types.Text, g.expr(text(), d), g.expr(text(), d)))
		}, func() plan.Expr {
			return wrap(g.fn(plan.FnReplace, types.Text, g.expr(text(), d), g.expr(text(), d), g.expr(text(), d)))
		})
	case t.Kind == types.KindDate:
		add(func() plan.Expr {
			id := []plan.FuncID{plan.FnDateAddDays, plan.FnDateSubDays}[g.pick(2)]
			return g.fn(id, t, g.expr(types.Date, d), g.expr(types.BigInt, d))
		}, func() plan.Expr {
			unit := truncUnits[g.pick(8)] // units of a day or more
			return g.fn(plan.FnDateTrunc, t, &plan.Const{Value: types.TextValue(unit)}, g.expr(types.Date, d))
		})
	case t.Kind == types.KindTimestamp:
		add(func() plan.Expr {
			unit := truncUnits[g.pick(len(truncUnits))]
			return g.fn(plan.FnDateTrunc, t, &plan.Const{Value: types.TextValue(unit)}, g.expr(types.Timestamp, d))
		}, func() plan.Expr {
			id := []plan.FuncID{plan.FnTimestampAddInterval, plan.FnTimestampSubInterval}[g.pick(2)]
			var iv plan.Expr = g.constant(types.Interval)
			if g.chance(0.2) {
				iv = &plan.Cast{X: &plan.Const{Value: types.TextValue([]string{"1 day", "2 months 3 hours", "-1 year", "1000000 years"}[g.pick(4)])}, To: types.Interval}
			}
			return g.fn(id, t, g.expr(types.Timestamp, d), iv)
		})
	}
	return cands[g.pick(len(cands))]()
}

// digits is round's second argument: a small INTEGER, sometimes a column
// or an extreme.
func (g *gen) digits(d int) plan.Expr {
	if g.chance(0.7) {
		v := int64(g.pick(9) - 4)
		if g.chance(0.1) {
			v = []int64{math.MaxInt32, math.MinInt32, 40, -40}[g.pick(4)]
		}
		return &plan.Const{Value: types.IntValue(types.Integer, v)}
	}
	return g.expr(types.Integer, d)
}

// smallInt is a BIGINT position or count for substring.
func (g *gen) smallInt(d int) plan.Expr {
	if g.chance(0.7) {
		v := int64(g.pick(9) - 3)
		if g.chance(0.1) {
			v = []int64{math.MaxInt64, math.MinInt64, 1 << 61, -(1 << 62)}[g.pick(4)]
		}
		return &plan.Const{Value: types.IntValue(types.BigInt, v)}
	}
	return g.expr(types.BigInt, d)
}

// batch returns a random batch of the used columns (the others nil),
// with NULLs, garbage under NULLs and a random selection.
func (g *gen) batch() *vector.Batch {
	r := g.r
	var n int
	switch r.IntN(6) {
	case 0:
		n = r.IntN(3)
	case 1:
		n = vector.Size
	case 2:
		n = 63 + r.IntN(3)
	default:
		n = r.IntN(300)
	}
	b := &vector.Batch{Len: n, Cols: make([]*vector.Vector, 2*len(genTypes))}
	for idx := range b.Cols {
		if !g.used[idx] {
			continue
		}
		t := genTypes[idx/2]
		v := vector.New(t)
		v.Reset(t, n)
		nullRate := []float64{0, 0, 0.1, 0.5, 1}[r.IntN(5)]
		for i := 0; i < n; i++ {
			x := g.value(t)
			isNull := r.Float64() < nullRate
			switch t.Phys() {
			case types.PhysInt64:
				v.Ints[i] = x.Int
				if isNull && r.IntN(2) == 0 {
					v.Ints[i] = []int64{0, -1, math.MinInt64, math.MaxInt64}[r.IntN(4)] // garbage
				}
			case types.PhysFloat64:
				v.Floats[i] = x.Float
				if isNull && r.IntN(2) == 0 {
					v.Floats[i] = 0
				}
			case types.PhysBool:
				v.SetBool(i, x.Bool)
			case types.PhysBytes:
				v.AppendStr(i, []byte(x.Str))
			}
			if isNull {
				v.SetNull(i)
			}
		}
		if nullRate == 0 && r.IntN(4) == 0 {
			v.Valid = allValid(v.Valid, n) // a bitmap without NULLs
		}
		if t.Phys() == types.PhysBytes && r.IntN(3) == 0 {
			// A window of a decoded chunk: offsets need not start at 0.
			pad := "zz\xffz"
			v.Bytes = append([]byte(pad), v.Bytes...)
			for i := range v.Offsets[:n+1] {
				v.Offsets[i] += uint32(len(pad))
			}
		}
		b.Cols[idx] = v
	}
	switch r.IntN(4) {
	case 0: // all rows
	case 1:
		b.Sel = []uint16{}
		if n > 0 && r.IntN(2) == 0 {
			b.Sel = vector.SelectAll(n, nil)
		}
	default:
		keep := r.Float64()
		b.Sel = []uint16{}
		for i := 0; i < n; i++ {
			if r.Float64() < keep {
				b.Sel = append(b.Sel, uint16(i))
			}
		}
	}
	return b
}

// rootType is the type of a generated tree: mostly BOOLEAN (to exercise
// Select), else anything.
func (g *gen) rootType() types.Type {
	if g.chance(0.5) {
		return types.Boolean
	}
	return g.anyType()
}
