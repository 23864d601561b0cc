package plan

import (
	"strings"

	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
)

// aggExpr is an aggregate call inside a bound expression, before the
// select is planned: the planner moves each into its Aggregate node and
// puts a ColRef to the aggregate's output in its place, so no aggExpr
// ever leaves the binder.
type aggExpr struct {
	call AggCall
	pos  int
}

func (a *aggExpr) Type() types.Type { return a.call.T }
func (a *aggExpr) String() string   { return a.call.String() }
func (*aggExpr) exprNode()          {}

var aggFuncs = map[string]AggFunc{
	"count": AggCount, "sum": AggSum, "avg": AggAvg, "min": AggMin, "max": AggMax,
}

// param is the kind of one argument of a plain scalar function.
type param uint8

const (
	pText   param = iota + 1 // VARCHAR
	pBigInt                  // any integer, cast to BIGINT
)

// plainFunc is a scalar function whose arguments are fixed: params, the
// last optional ones optional.
type plainFunc struct {
	fn       FuncID
	params   []param
	optional int
	result   types.Type
}

var plainFuncs = map[string]plainFunc{
	"lower":            {FnLower, []param{pText}, 0, types.Text},
	"upper":            {FnUpper, []param{pText}, 0, types.Text},
	"length":           {FnLength, []param{pText}, 0, types.BigInt},
	"char_length":      {FnLength, []param{pText}, 0, types.BigInt},
	"character_length": {FnLength, []param{pText}, 0, types.BigInt},
	"substring":        {FnSubstring, []param{pText, pBigInt, pBigInt}, 1, types.Text},
	"substr":           {FnSubstring, []param{pText, pBigInt, pBigInt}, 1, types.Text},
	"trim":             {FnTrim, []param{pText, pText}, 1, types.Text},
	"btrim":            {FnTrim, []param{pText, pText}, 1, types.Text},
	"ltrim":            {FnLTrim, []param{pText, pText}, 1, types.Text},
	"rtrim":            {FnRTrim, []param{pText, pText}, 1, types.Text},
	"replace":          {FnReplace, []param{pText, pText, pText}, 0, types.Text},
	"starts_with":      {FnStartsWith, []param{pText, pText}, 0, types.Boolean},
}

// extractFields are types.Extract's fields; plurals map to the singular.
var extractFields = map[string]string{
	"year": "year", "years": "year", "quarter": "quarter", "month": "month", "months": "month",
	"week": "week", "weeks": "week", "isoyear": "isoyear", "day": "day", "days": "day",
	"dow": "dow", "isodow": "isodow", "doy": "doy", "hour": "hour", "hours": "hour",
	"minute": "minute", "minutes": "minute", "second": "second", "seconds": "second",
	"millisecond": "millisecond", "milliseconds": "millisecond",
	"microsecond": "microsecond", "microseconds": "microsecond", "epoch": "epoch",
}

// truncUnits are types.DateTrunc's units; true for a day or more (a DATE
// truncates to a DATE).
var truncUnits = map[string]struct {
	unit string
	days bool
}{
	"millennium": {"millennium", true}, "century": {"century", true}, "decade": {"decade", true},
	"year": {"year", true}, "years": {"year", true}, "quarter": {"quarter", true},
	"month": {"month", true}, "months": {"month", true}, "week": {"week", true}, "weeks": {"week", true},
	"day": {"day", true}, "days": {"day", true}, "hour": {"hour", false}, "hours": {"hour", false},
	"minute": {"minute", false}, "minutes": {"minute", false}, "second": {"second", false},
	"seconds": {"second", false}, "millisecond": {"millisecond", false}, "milliseconds": {"millisecond", false},
}

// call binds a function call: an aggregate, or a scalar function.
func (b *binder) call(p *parse.Func) (Expr, error) {
	if fn, ok := aggFuncs[p.Name]; ok {
		return b.aggregate(p, fn)
	}
	if p.Star {
		return nil, b.errorf(ErrType, p.At, "function %s(*) does not exist", p.Name)
	}
	if p.Distinct {
		return nil, b.errorf(ErrType, p.At, "DISTINCT specified, but %s is not an aggregate function", p.Name)
	}
	switch p.Name {
	case "current_date", "current_timestamp", "now", "localtimestamp", "transaction_timestamp", "statement_timestamp":
		// The executor will supply the clock (one value per statement);
		// until then these would make results depend on the planner's.
		return nil, b.errorf(ErrUnsupported, p.At, "%s is not supported yet", p.Name)
	}
	args := make([]Expr, len(p.Args))
	for i, a := range p.Args {
		e, err := b.expr(a)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	if f, ok := plainFuncs[p.Name]; ok {
		return b.plainCall(p, f, args)
	}
	switch p.Name {
	case "concat":
		return b.concatCall(p, args)
	case "abs", "round", "floor", "ceil", "ceiling":
		return b.numericCall(p, args)
	case "extract", "date_part":
		return b.extractCall(p, args)
	case "date_trunc":
		return b.dateTruncCall(p, args)
	case "coalesce", "greatest", "least":
		if len(args) == 0 {
			return nil, b.noFunction(p, args)
		}
		name := strings.ToUpper(p.Name)
		args, t, err := b.unifyN(args, argPos(p), func(a, c types.Type) string {
			return name + " types " + lowerType(a) + " and " + lowerType(c) + " cannot be matched"
		})
		if err != nil {
			return nil, err
		}
		switch p.Name {
		case "coalesce":
			return &Coalesce{Args: args, T: t}, nil
		case "greatest":
			return &Func{Fn: FnGreatest, Args: args, T: t}, nil
		}
		return &Func{Fn: FnLeast, Args: args, T: t}, nil
	case "nullif":
		return b.nullif(p, args)
	}
	return nil, b.noFunction(p, args)
}

func argPos(p *parse.Func) []int {
	pos := make([]int, len(p.Args))
	for i, a := range p.Args {
		pos[i] = a.Pos()
	}
	return pos
}

// noFunction is PostgreSQL's "function lower(integer) does not exist".
func (b *binder) noFunction(p *parse.Func, args []Expr) error {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = b.typeName(a)
	}
	return b.errorf(ErrType, p.At, "function %s(%s) does not exist", p.Name, strings.Join(names, ", "))
}

func (b *binder) plainCall(p *parse.Func, f plainFunc, args []Expr) (Expr, error) {
	if len(args) > len(f.params) || len(args) < len(f.params)-f.optional {
		return nil, b.noFunction(p, args)
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		var err error
		switch t := a.Type(); {
		case f.params[i] == pText && (b.isUntyped(a) || t.Kind == types.KindVarchar):
			out[i], err = b.coerce(a, types.Text, p.Args[i].Pos())
		case f.params[i] == pBigInt && (b.isUntyped(a) || t.IsInteger()):
			out[i], err = b.coerce(a, types.BigInt, p.Args[i].Pos())
		default:
			return nil, b.noFunction(p, args)
		}
		if err != nil {
			return nil, err
		}
	}
	return &Func{Fn: f.fn, Args: out, T: f.result}, nil
}

// concatCall is concat(...): every argument as VARCHAR.
func (b *binder) concatCall(p *parse.Func, args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, b.noFunction(p, args)
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if out[i], err = b.coerce(a, types.Text, p.Args[i].Pos()); err != nil {
			return nil, err
		}
	}
	return &Func{Fn: FnConcat, Args: out, T: types.Text}, nil
}

// numericCall binds abs, round, floor and ceil. REAL computes as DOUBLE
// and is cast back, as Arith does; floor and ceil of an integer are the
// integer.
func (b *binder) numericCall(p *parse.Func, args []Expr) (Expr, error) {
	maxArgs := 1
	if p.Name == "round" {
		maxArgs = 2
	}
	if len(args) < 1 || len(args) > maxArgs || b.isUntyped(args[0]) && !b.isUntypedNull(args[0]) || !args[0].Type().IsNumeric() {
		return nil, b.noFunction(p, args)
	}
	x := args[0]
	t := x.Type()
	fn := map[string]FuncID{"abs": FnAbs, "round": FnRound, "floor": FnFloor, "ceil": FnCeil, "ceiling": FnCeil}[p.Name]
	if t.IsInteger() && (fn == FnFloor || fn == FnCeil) {
		return x, nil
	}
	var err error
	if t.Kind == types.KindReal {
		if x, err = b.coerce(x, types.Double, p.Args[0].Pos()); err != nil {
			return nil, err
		}
	}
	out := []Expr{x}
	if len(args) == 2 {
		d := args[1]
		if !b.isUntyped(d) && !d.Type().IsInteger() {
			return nil, b.noFunction(p, args)
		}
		if d, err = b.coerce(d, types.Integer, p.Args[1].Pos()); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	var e Expr = &Func{Fn: fn, Args: out, T: x.Type()}
	if t.Kind == types.KindReal {
		return b.castTo(e, types.Real, p.At)
	}
	return e, nil
}

// fieldArg reads the constant field or unit argument of extract,
// date_part and date_trunc, lowercased.
func (b *binder) fieldArg(p *parse.Func, args []Expr) (string, error) {
	c, ok := args[0].(*Const)
	switch {
	case ok && c.Value.Null:
		return "", b.errorf(ErrType, p.Args[0].Pos(), "the first argument of %s must not be NULL", p.Name)
	case !ok && args[0].Type().Kind == types.KindVarchar:
		return "", b.errorf(ErrUnsupported, p.Args[0].Pos(), "the first argument of %s must be a constant string", p.Name)
	case !ok || c.Value.Type.Kind != types.KindVarchar:
		return "", b.noFunction(p, args)
	}
	return strings.ToLower(strings.TrimSpace(c.Value.Str)), nil
}

// timestampArg converts the date or timestamp argument of extract and
// date_trunc; an untyped literal reads as a TIMESTAMP.
func (b *binder) timestampArg(p *parse.Func, args []Expr) (Expr, bool, error) {
	x := args[1]
	if b.isUntyped(x) {
		x, err := b.coerce(x, types.Timestamp, p.Args[1].Pos())
		return x, true, err
	}
	switch x.Type().Kind {
	case types.KindDate, types.KindTimestamp:
		return x, true, nil
	}
	return nil, false, nil
}

func (b *binder) extractCall(p *parse.Func, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, b.noFunction(p, args)
	}
	f, err := b.fieldArg(p, args)
	if err != nil {
		return nil, err
	}
	x, ok, err := b.timestampArg(p, args)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, b.noFunction(p, args)
	}
	field, ok := extractFields[f]
	if !ok {
		return nil, b.errorf(ErrType, p.Args[0].Pos(), "%s field %q is not recognized", p.Name, f)
	}
	if x, err = b.coerce(x, types.Timestamp, p.Args[1].Pos()); err != nil {
		return nil, err
	}
	t := types.BigInt
	if field == "epoch" {
		t = types.Double
	}
	return &Func{Fn: FnExtract, Args: []Expr{&Const{Value: types.TextValue(field)}, x}, T: t}, nil
}

func (b *binder) dateTruncCall(p *parse.Func, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, b.noFunction(p, args)
	}
	f, err := b.fieldArg(p, args)
	if err != nil {
		return nil, err
	}
	x, ok, err := b.timestampArg(p, args)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, b.noFunction(p, args)
	}
	u, ok := truncUnits[f]
	if !ok {
		return nil, b.errorf(ErrType, p.Args[0].Pos(), "date_trunc unit %q is not recognized", f)
	}
	unit := &Const{Value: types.TextValue(u.unit)}
	if x.Type().Kind == types.KindDate && u.days {
		return &Func{Fn: FnDateTrunc, Args: []Expr{unit, x}, T: types.Date}, nil
	}
	if x, err = b.coerce(x, types.Timestamp, p.Args[1].Pos()); err != nil {
		return nil, err
	}
	return &Func{Fn: FnDateTrunc, Args: []Expr{unit, x}, T: types.Timestamp}, nil
}

// nullif(a, b) is CASE WHEN a = b THEN NULL ELSE a END, of a's type.
func (b *binder) nullif(p *parse.Func, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, b.noFunction(p, args)
	}
	if err := b.reuse(args[0], 1, p.At); err != nil {
		return nil, err
	}
	l, r, err := b.unify2(args[0], args[1], p.Args[0].Pos(), p.Args[1].Pos(), p.At, "=", true)
	if err != nil {
		return nil, err
	}
	res := args[0]
	if b.isUntyped(res) {
		res = l // as the comparison settled it
	}
	t := res.Type()
	e := &Case{
		Whens: []When{{Cond: &Compare{Op: cmpOps[parse.OpEq], L: l, R: r}, Result: &Const{Value: types.NullValue(t)}}},
		Else:  res,
		T:     t,
	}
	return e, nil
}

// aggregate binds an aggregate call; result types as AggFunc documents.
func (b *binder) aggregate(p *parse.Func, fn AggFunc) (Expr, error) {
	if b.aggClause != "" {
		return nil, b.errorf(ErrGrouping, p.At, "aggregate functions are not allowed in %s", b.aggClause)
	}
	if b.inAgg {
		return nil, b.errorf(ErrGrouping, p.At, "aggregate function calls cannot be nested")
	}
	if p.Star {
		if fn != AggCount || p.Distinct || len(p.Args) > 0 {
			return nil, b.errorf(ErrType, p.At, "function %s(*) does not exist", p.Name)
		}
		return &aggExpr{call: AggCall{Func: AggCountStar, T: types.BigInt}, pos: p.At}, nil
	}
	if len(p.Args) != 1 {
		args := make([]Expr, 0, len(p.Args))
		for _, a := range p.Args {
			b.inAgg = true
			e, err := b.expr(a)
			b.inAgg = false
			if err != nil {
				return nil, err
			}
			args = append(args, e)
		}
		return nil, b.noFunction(p, args)
	}
	b.inAgg = true
	arg, err := b.expr(p.Args[0])
	b.inAgg = false
	if err != nil {
		return nil, err
	}
	t := arg.Type()
	call := AggCall{Func: fn, Arg: arg, Distinct: p.Distinct}
	switch {
	case fn == AggCount:
		call.T = types.BigInt
	case fn == AggMin || fn == AggMax:
		if b.isUntyped(arg) && !b.isUntypedNull(arg) {
			// min('x'): PostgreSQL reads the literal as text.
			arg = &Const{Value: arg.(*Const).Value}
			call.Arg = arg
		}
		call.T = t
	case b.isUntyped(arg) && !b.isUntypedNull(arg):
		return nil, b.noFunction(p, []Expr{arg})
	case fn == AggSum && t.IsInteger():
		call.T = types.BigInt
	case fn == AggSum && t.Kind == types.KindDecimal:
		call.T = types.MustDecimal(types.MaxDecimalPrecision, t.Scale)
	case fn == AggSum && t.IsFloat():
		call.T = types.Double
	case fn == AggAvg && t.IsNumeric():
		call.T = types.Double
	default:
		return nil, b.noFunction(p, []Expr{arg})
	}
	return &aggExpr{call: call, pos: p.At}, nil
}
