package eval

import (
	"strings"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// fn compiles a function call. Arguments the binder makes constant
// (fields, units, intervals) and constant patterns of string functions
// are taken as scalars; a NULL one makes every row NULL.
func (c *compiler) fn(e *plan.Func) (node, error) {
	args, err := c.list(e.Args)
	if err != nil {
		return nil, err
	}
	base := funcBase{args: args, t: e.T, res: vector.New(e.T), vs: make([]*vector.Vector, len(args))}
	constStr := func(i int) (string, bool, bool) { // value, is constant, is NULL
		if i >= len(args) {
			return "", false, false
		}
		v, ok := constOf(args[i])
		return v.Str, ok, ok && v.Null
	}
	switch e.Fn {
	case plan.FnLower, plan.FnUpper, plan.FnLength:
		return &strMapNode{funcBase: base, fn: e.Fn}, nil
	case plan.FnSubstring:
		return newSubstring(base), nil
	case plan.FnTrim, plan.FnLTrim, plan.FnRTrim:
		n := &trimNode{funcBase: base, left: e.Fn != plan.FnRTrim, right: e.Fn != plan.FnLTrim, chars: " ", constChars: true}
		if len(args) == 2 {
			n.chars, n.constChars, n.nullConst = constStr(1)
		}
		return n, nil
	case plan.FnConcat:
		return &concatNode{funcBase: base}, nil
	case plan.FnConcatOp:
		return &concatOpNode{funcBase: base}, nil
	case plan.FnReplace:
		n := &replaceNode{funcBase: base}
		from, fok, fnull := constStr(1)
		to, tok, tnull := constStr(2)
		n.constArgs, n.nullConst = fok && tok, fnull || tnull
		n.from, n.to = []byte(from), []byte(to)
		return n, nil
	case plan.FnStartsWith:
		n := &startsWithNode{funcBase: base}
		p, ok, null := constStr(1)
		n.prefix, n.constArg, n.nullConst = []byte(p), ok, null
		return n, nil
	case plan.FnAbs:
		return &absNode{funcBase: base}, nil
	case plan.FnRound:
		return newRound(base), nil
	case plan.FnFloor, plan.FnCeil:
		return &floorNode{funcBase: base, ceil: e.Fn == plan.FnCeil}, nil
	case plan.FnExtract:
		field, _, null := constStr(0)
		return &extractNode{funcBase: base, field: strings.ToLower(field), nullConst: null}, nil
	case plan.FnDateTrunc:
		unit, _, null := constStr(0)
		return &truncNode{funcBase: base, unit: strings.ToLower(unit), nullConst: null}, nil
	case plan.FnDateAddDays, plan.FnDateSubDays, plan.FnDateDiff:
		return &dateArithNode{funcBase: base, fn: e.Fn}, nil
	case plan.FnTimestampAddInterval, plan.FnTimestampSubInterval:
		// The interval is a constant; a column-free expression of one
		// (a cast of a string) is evaluated now.
		iv, err := constValue(e.Args[1])
		if err != nil {
			return nil, err
		}
		if iv.Type.Kind != types.KindInterval {
			return nil, invalid(e.Fn.String(), "interval argument of type %s", iv.Type)
		}
		n := &intervalNode{funcBase: base, iv: iv.Interval, nullConst: iv.Null}
		if e.Fn == plan.FnTimestampSubInterval {
			n.iv = types.NegateInterval(n.iv)
		}
		n.args = args[:1]
		return n, nil
	case plan.FnGreatest, plan.FnLeast:
		if len(args) == 1 {
			return evalOnly{args[0]}, nil
		}
		return &extremeNode{args: args, least: e.Fn == plan.FnLeast, t: e.T, res: vector.New(e.T), vs: make([]*vector.Vector, len(args))}, nil
	}
	return nil, invalid("function", "unknown FuncID %d", e.Fn)
}

// funcBase is what function nodes share: their arguments, evaluated
// strictly (every argument on every row), and the result buffer.
type funcBase struct {
	args []node
	t    types.Type
	res  *vector.Vector
	vs   []*vector.Vector
}

func (f *funcBase) typ() types.Type { return f.t }

// evalArgs evaluates every argument on sel into f.vs and returns the AND
// of their validity (in f.res.Valid's storage: set it on f.res after
// Reset).
func (f *funcBase) evalArgs(c *ctx, sel []uint16) ([]uint64, error) {
	for i, a := range f.args {
		v, err := a.eval(c, sel)
		if err != nil {
			return nil, err
		}
		f.vs[i] = v
	}
	valid := f.res.Valid[:0]
	for i, v := range f.vs[:len(f.args)] {
		if i == 0 {
			valid = andValid(valid, v.Valid, nil, c.n)
		} else if len(v.Valid) != 0 {
			if len(valid) == 0 {
				valid = andValid(valid, v.Valid, nil, c.n)
			} else {
				for w := range valid {
					valid[w] &= v.Valid[w]
				}
			}
		}
	}
	return valid, nil
}

// allNull evaluates the arguments (for their errors) and returns a vector
// of NULLs: the result when a constant argument is NULL.
func (f *funcBase) allNull(c *ctx, sel []uint16) (*vector.Vector, error) {
	if _, err := f.evalArgs(c, sel); err != nil {
		return nil, err
	}
	setAllNull(f.res, f.t, c.n)
	return f.res, nil
}
