package eval

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// The reference interpreter: one row at a time over types.Value, written
// from plan/expr.go's comments (and the package's documented laziness)
// without looking at the vectorized code. Scalar definitions from package
// types (Cast, Extract, DateTrunc, AddInterval, Compare, DecimalArith) are
// used as they are the row-at-a-time specification.

// errRef is the reference's error; only its presence is compared.
var errRef = errors.New("reference error")

func refErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errRef}, args...)...)
}

// refRow is one row of a batch.
type refRow struct {
	cols []*vector.Vector
	row  int
}

func null(t types.Type) types.Value { return types.NullValue(t) }

func bigOf(x int64) *big.Int { return big.NewInt(x) }

// fitInt returns r as an int64 value of type t or an error.
func fitInt(r *big.Int, t types.Type) (types.Value, error) {
	lo, hi := t.IntRange()
	if !r.IsInt64() || r.Int64() < lo || r.Int64() > hi {
		return types.Value{}, refErr("%s out of range for %s", r, t)
	}
	return types.IntValue(t, r.Int64()), nil
}

func refEval(e plan.Expr, r refRow) (types.Value, error) {
	switch e := e.(type) {
	case *plan.ColRef:
		v := r.cols[e.Index].Value(r.row)
		v.Type = e.T
		return v, nil
	case *plan.Const:
		return e.Value, nil
	case *plan.Arith:
		l, err := refEval(e.L, r)
		if err != nil {
			return l, err
		}
		rv, err := refEval(e.R, r)
		if err != nil {
			return rv, err
		}
		if l.Null || rv.Null {
			return null(e.T), nil
		}
		return refArith(e.Op, l, rv, e.T)
	case *plan.Neg:
		x, err := refEval(e.X, r)
		if err != nil || x.Null {
			return x, err
		}
		switch t := e.X.Type(); {
		case t.Kind == types.KindDouble:
			return types.DoubleValue(-x.Float), nil
		case t.Kind == types.KindDecimal:
			return types.IntValue(t, -x.Int), nil
		default:
			return fitInt(new(big.Int).Neg(bigOf(x.Int)), t)
		}
	case *plan.Compare:
		l, err := refEval(e.L, r)
		if err != nil {
			return l, err
		}
		rv, err := refEval(e.R, r)
		if err != nil {
			return rv, err
		}
		if l.Null || rv.Null {
			return null(types.Boolean), nil
		}
		c, err := types.Compare(l, rv)
		if err != nil {
			return types.Value{}, err
		}
		return types.BoolValue(e.Op.Holds(c)), nil
	case *plan.Distinct:
		l, err := refEval(e.L, r)
		if err != nil {
			return l, err
		}
		rv, err := refEval(e.R, r)
		if err != nil {
			return rv, err
		}
		var same bool
		switch {
		case l.Null || rv.Null:
			same = l.Null && rv.Null
		default:
			c, err := types.Compare(l, rv)
			if err != nil {
				return types.Value{}, err
			}
			same = c == 0
		}
		return types.BoolValue(same == e.Not), nil
	case *plan.And, *plan.Or:
		// Short-circuit: later operands only while undecided.
		isAnd := false
		var args []plan.Expr
		if a, ok := e.(*plan.And); ok {
			isAnd, args = true, a.Args
		} else {
			args = e.(*plan.Or).Args
		}
		sawNull := false
		for _, a := range args {
			v, err := refEval(a, r)
			if err != nil {
				return v, err
			}
			if v.Null {
				sawNull = true
				continue
			}
			if v.Bool != isAnd { // FALSE for AND, TRUE for OR decides
				return types.BoolValue(!isAnd), nil
			}
		}
		if sawNull {
			return null(types.Boolean), nil
		}
		return types.BoolValue(isAnd), nil
	case *plan.Not:
		v, err := refEval(e.X, r)
		if err != nil || v.Null {
			return v, err
		}
		return types.BoolValue(!v.Bool), nil
	case *plan.IsNull:
		v, err := refEval(e.X, r)
		if err != nil {
			return v, err
		}
		return types.BoolValue(v.Null != e.Not), nil
	case *plan.In:
		x, err := refEval(e.X, r)
		if err != nil {
			return x, err
		}
		match, sawNull := false, x.Null
		for _, el := range e.List {
			v, err := refEval(el, r)
			if err != nil {
				return v, err
			}
			if v.Null {
				sawNull = true
				continue
			}
			if x.Null {
				continue
			}
			c, err := types.Compare(x, v)
			if err != nil {
				return types.Value{}, err
			}
			match = match || c == 0
		}
		switch {
		case x.Null:
			return null(types.Boolean), nil
		case match:
			return types.BoolValue(!e.Not), nil
		case sawNull:
			return null(types.Boolean), nil
		}
		return types.BoolValue(e.Not), nil
	case *plan.Like:
		x, err := refEval(e.X, r)
		if err != nil || x.Null {
			return null(types.Boolean), err
		}
		return types.BoolValue(refLike(x.Str, e.Pattern, e.Fold) != e.Not), nil
	case *plan.Case:
		for _, w := range e.Whens {
			ok, err := refWhere(w.Cond, r)
			if err != nil {
				return types.Value{}, err
			}
			if ok {
				return refEval(w.Result, r)
			}
		}
		if e.Else == nil {
			return null(e.T), nil
		}
		return refEval(e.Else, r)
	case *plan.Cast:
		x, err := refEval(e.X, r)
		if err != nil {
			return x, err
		}
		return types.Cast(x, e.To)
	case *plan.Coalesce:
		for _, a := range e.Args {
			v, err := refEval(a, r)
			if err != nil || !v.Null {
				return v, err
			}
		}
		return null(e.T), nil
	case *plan.Func:
		args := make([]types.Value, len(e.Args))
		anyNull := false
		for i, a := range e.Args {
			v, err := refEval(a, r)
			if err != nil {
				return v, err
			}
			args[i] = v
			anyNull = anyNull || v.Null
		}
		switch e.Fn {
		case plan.FnConcat:
			var b strings.Builder
			for _, a := range args {
				if !a.Null {
					b.WriteString(a.Str)
				}
			}
			return types.Value{Type: e.T, Str: b.String()}, nil
		case plan.FnGreatest, plan.FnLeast:
			best := null(e.T)
			for _, a := range args {
				if a.Null {
					continue
				}
				if best.Null {
					best = a
					continue
				}
				c, err := types.Compare(a, best)
				if err != nil {
					return types.Value{}, err
				}
				if (c > 0 && e.Fn == plan.FnGreatest) || (c < 0 && e.Fn == plan.FnLeast) {
					best = a
				}
			}
			best.Type = e.T
			return best, nil
		}
		if anyNull {
			return null(e.T), nil
		}
		return refFunc(e, args)
	}
	return types.Value{}, refErr("unknown node %T", e)
}

// refWhere is what a WHERE clause (Select, a CASE condition) makes of e:
// AND and OR look at each operand only while every earlier one passed
// (did not pass); everything else is "evaluates to TRUE".
func refWhere(e plan.Expr, r refRow) (bool, error) {
	switch e := e.(type) {
	case *plan.And:
		for _, a := range e.Args {
			ok, err := refWhere(a, r)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case *plan.Or:
		for _, a := range e.Args {
			ok, err := refWhere(a, r)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	v, err := refEval(e, r)
	if err != nil {
		return false, err
	}
	return !v.Null && v.Bool, nil
}

func refArith(op vector.ArithOp, l, r types.Value, t types.Type) (types.Value, error) {
	switch {
	case t.Kind == types.KindDouble:
		x, y := l.Float, r.Float
		switch op {
		case vector.Add:
			return types.DoubleValue(x + y), nil
		case vector.Sub:
			return types.DoubleValue(x - y), nil
		case vector.Mul:
			return types.DoubleValue(x * y), nil
		}
		if y == 0 {
			return types.Value{}, refErr("division by zero")
		}
		if op == vector.Div {
			return types.DoubleValue(x / y), nil
		}
		return types.DoubleValue(math.Mod(x, y)), nil
	case t.Kind == types.KindDecimal:
		v, err := types.DecimalArith(op.String(), l.Int, l.Type.Scale, r.Int, r.Type.Scale, t)
		if err != nil {
			return types.Value{}, err
		}
		return types.IntValue(t, v), nil
	}
	x, y := bigOf(l.Int), bigOf(r.Int)
	res := new(big.Int)
	switch op {
	case vector.Add:
		res.Add(x, y)
	case vector.Sub:
		res.Sub(x, y)
	case vector.Mul:
		res.Mul(x, y)
	case vector.Div, vector.Mod:
		if y.Sign() == 0 {
			return types.Value{}, refErr("division by zero")
		}
		if op == vector.Div {
			res.Quo(x, y) // truncated
		} else {
			res.Rem(x, y) // sign of the dividend
		}
	}
	return fitInt(res, t)
}

// refLike matches s against a LIKE pattern by recursion over runes.
func refLike(s, pattern string, fold bool) bool {
	type tok struct {
		any, one bool
		r        rune
	}
	var toks []tok
	pr := []rune(pattern)
	for i := 0; i < len(pr); i++ {
		switch pr[i] {
		case '%':
			toks = append(toks, tok{any: true})
		case '_':
			toks = append(toks, tok{one: true})
		case '\\':
			if i+1 < len(pr) {
				i++
			}
			toks = append(toks, tok{r: pr[i]})
		default:
			toks = append(toks, tok{r: pr[i]})
		}
	}
	sr := []rune(s)
	lower := func(r rune) rune {
		if fold {
			return unicode.ToLower(r)
		}
		return r
	}
	memo := map[[2]int]bool{}
	var match func(ti, si int) bool
	match = func(ti, si int) bool {
		key := [2]int{ti, si}
		if v, ok := memo[key]; ok {
			return v
		}
		var ok bool
		switch {
		case ti == len(toks):
			ok = si == len(sr)
		case toks[ti].any:
			ok = match(ti+1, si) || (si < len(sr) && match(ti, si+1))
		case si == len(sr):
			ok = false
		case toks[ti].one:
			ok = match(ti+1, si+1)
		default:
			ok = lower(toks[ti].r) == lower(sr[si]) && match(ti+1, si+1)
		}
		memo[key] = ok
		return ok
	}
	return match(0, 0)
}

// mapKeepInvalid maps the runes of s, keeping invalid bytes as they are.
func mapKeepInvalid(s string, f func(rune) rune) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i])
		} else {
			b.WriteRune(f(r))
		}
		i += size
	}
	return b.String()
}

func refFunc(e *plan.Func, a []types.Value) (types.Value, error) {
	t := e.T
	text := func(s string) (types.Value, error) { return types.Value{Type: t, Str: s}, nil }
	switch e.Fn {
	case plan.FnLower:
		return text(mapKeepInvalid(a[0].Str, unicode.ToLower))
	case plan.FnUpper:
		return text(mapKeepInvalid(a[0].Str, unicode.ToUpper))
	case plan.FnLength:
		return types.IntValue(t, int64(utf8.RuneCountInString(a[0].Str))), nil
	case plan.FnSubstring:
		from := bigOf(a[1].Int)
		var end *big.Int // exclusive; nil: none
		if len(a) == 3 {
			if a[2].Int < 0 {
				return types.Value{}, refErr("negative substring length")
			}
			end = new(big.Int).Add(from, bigOf(a[2].Int))
		}
		var b strings.Builder
		pos := int64(1)
		for i := 0; i < len(a[0].Str); pos++ {
			_, size := utf8.DecodeRuneInString(a[0].Str[i:])
			p := bigOf(pos)
			if p.Cmp(from) >= 0 && (end == nil || p.Cmp(end) < 0) {
				b.WriteString(a[0].Str[i : i+size])
			}
			i += size
		}
		return text(b.String())
	case plan.FnTrim, plan.FnLTrim, plan.FnRTrim:
		chars := " "
		if len(a) == 2 {
			chars = a[1].Str
		}
		switch e.Fn {
		case plan.FnTrim:
			return text(strings.Trim(a[0].Str, chars))
		case plan.FnLTrim:
			return text(strings.TrimLeft(a[0].Str, chars))
		}
		return text(strings.TrimRight(a[0].Str, chars))
	case plan.FnConcatOp:
		return text(a[0].Str + a[1].Str)
	case plan.FnReplace:
		if a[1].Str == "" {
			return text(a[0].Str)
		}
		return text(strings.ReplaceAll(a[0].Str, a[1].Str, a[2].Str))
	case plan.FnStartsWith:
		return types.BoolValue(strings.HasPrefix(a[0].Str, a[1].Str)), nil
	case plan.FnAbs:
		switch {
		case t.Kind == types.KindDouble:
			return types.DoubleValue(math.Abs(a[0].Float)), nil
		case t.Kind == types.KindDecimal:
			return types.IntValue(t, max(a[0].Int, -a[0].Int)), nil
		}
		return fitInt(new(big.Int).Abs(bigOf(a[0].Int)), t)
	case plan.FnRound:
		var d int64
		if len(a) == 2 {
			d = a[1].Int
		}
		switch t.Kind {
		case types.KindDouble:
			return types.DoubleValue(refRoundFloat(a[0].Float, d)), nil
		case types.KindDecimal:
			if d >= int64(t.Scale) {
				return a[0], nil
			}
			if int64(t.Scale)-d > 40 {
				return fitInt(big.NewInt(0), t)
			}
			u := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)-d), nil)
			q := roundHalfAway(bigOf(a[0].Int), u)
			return fitInt(q.Mul(q, u), t)
		}
		return a[0], nil
	case plan.FnFloor, plan.FnCeil:
		if t.Kind == types.KindDouble {
			if e.Fn == plan.FnFloor {
				return types.DoubleValue(math.Floor(a[0].Float)), nil
			}
			return types.DoubleValue(math.Ceil(a[0].Float)), nil
		}
		u := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil)
		x := bigOf(a[0].Int)
		q, m := new(big.Int).DivMod(x, u, new(big.Int)) // Euclidean: floor for u > 0
		if e.Fn == plan.FnCeil && m.Sign() != 0 {
			q.Add(q, big.NewInt(1))
		}
		return fitInt(q.Mul(q, u), t)
	case plan.FnExtract:
		v, err := types.Extract(a[0].Str, a[1].Int)
		v.Type = t
		return v, err
	case plan.FnDateTrunc:
		ts := a[1].Int
		if a[1].Type.Kind == types.KindDate {
			r, ok := types.MulCheck(ts, types.MicrosPerDay)
			if !ok {
				return types.Value{}, refErr("date out of range")
			}
			ts = r
		}
		r, err := types.DateTrunc(a[0].Str, ts)
		if err != nil {
			return types.Value{}, err
		}
		if t.Kind == types.KindDate {
			r = new(big.Int).Div(bigOf(r), bigOf(types.MicrosPerDay)).Int64() // Euclidean = floor
		}
		return types.IntValue(t, r), nil
	case plan.FnDateAddDays:
		return fitInt(new(big.Int).Add(bigOf(a[0].Int), bigOf(a[1].Int)), t)
	case plan.FnDateSubDays, plan.FnDateDiff:
		return fitInt(new(big.Int).Sub(bigOf(a[0].Int), bigOf(a[1].Int)), t)
	case plan.FnTimestampAddInterval, plan.FnTimestampSubInterval:
		iv := a[1].Interval
		if e.Fn == plan.FnTimestampSubInterval {
			iv = types.NegateInterval(iv)
		}
		r, err := types.AddInterval(a[0].Int, iv)
		return types.IntValue(t, r), err
	}
	return types.Value{}, refErr("unknown function %s", e.Fn)
}

// roundHalfAway returns x/u rounded half away from zero (u > 0).
func roundHalfAway(x, u *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(x, u, new(big.Int))
	r.Abs(r).Mul(r, big.NewInt(2))
	if r.Cmp(u) >= 0 {
		if x.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// refRoundFloat is DuckDB's round(double, digits).
func refRoundFloat(x float64, d int64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	if d >= 0 {
		m := math.Pow(10, float64(d))
		r := math.Round(x*m) / m
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return x
		}
		return r
	}
	m := math.Pow(10, float64(-d))
	r := math.Round(x/m) * m
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return 0
	}
	return r
}
