package eval

import (
	"fmt"
	"strings"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// check verifies the operand types of every node of e against the
// binder's guarantees (plan/expr.go), so compile can rely on them. It
// never calls String on a node (which would panic on a nil operand).
func check(e plan.Expr, depth int) error {
	return checkExpr(e, depth, false)
}

func invalid(what, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidExpr, what, fmt.Sprintf(format, args...))
}

// validType reports whether t is a well-formed type a vector can hold
// (INTERVAL is not: it only exists as a constant).
func validType(t types.Type) bool {
	switch t.Kind {
	case types.KindBoolean, types.KindSmallInt, types.KindInteger, types.KindBigInt,
		types.KindReal, types.KindDouble, types.KindDate, types.KindTimestamp:
		return t.Precision == 0 && t.Scale == 0 && t.Max == 0
	case types.KindDecimal:
		_, err := types.Decimal(t.Precision, t.Scale)
		return err == nil && t.Max == 0
	case types.KindVarchar:
		return t.Precision == 0 && t.Scale == 0 && t.Max >= 0
	}
	return false
}

// sameType reports whether a and b are the same type up to a VARCHAR's
// length (which changes no value and no operation).
func sameType(a, b types.Type) bool {
	return a == b || (a.Kind == types.KindVarchar && b.Kind == types.KindVarchar)
}

// comparable reports whether values of a and b compare without a cast:
// the same type, or integers of any widths, floats of either width, or
// decimals of any scales.
func comparable(a, b types.Type) bool {
	return sameType(a, b) || (a.IsInteger() && b.IsInteger()) || (a.IsFloat() && b.IsFloat()) ||
		(a.Kind == types.KindDecimal && b.Kind == types.KindDecimal)
}

// isNil reports whether e is nil or a typed nil pointer.
func isNil(e plan.Expr) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *plan.ColRef:
		return e == nil
	case *plan.Const:
		return e == nil
	case *plan.Arith:
		return e == nil
	case *plan.Neg:
		return e == nil
	case *plan.Compare:
		return e == nil
	case *plan.Distinct:
		return e == nil
	case *plan.And:
		return e == nil
	case *plan.Or:
		return e == nil
	case *plan.Not:
		return e == nil
	case *plan.IsNull:
		return e == nil
	case *plan.In:
		return e == nil
	case *plan.Like:
		return e == nil
	case *plan.Case:
		return e == nil
	case *plan.Cast:
		return e == nil
	case *plan.Coalesce:
		return e == nil
	case *plan.Func:
		return e == nil
	}
	return false
}

func checkExpr(e plan.Expr, depth int, intervalOK bool) error {
	if depth > MaxDepth {
		return invalid("expression", "deeper than %d levels", MaxDepth)
	}
	if isNil(e) {
		return invalid("expression", "nil operand")
	}
	d := depth + 1
	sub := func(xs ...plan.Expr) error {
		for _, x := range xs {
			if err := checkExpr(x, d, false); err != nil {
				return err
			}
		}
		return nil
	}
	switch e := e.(type) {
	case *plan.ColRef:
		if e.Index < 0 {
			return invalid("column "+e.Name, "negative index %d", e.Index)
		}
		if !validType(e.T) {
			return invalid("column "+e.Name, "type %s", e.T)
		}
		return nil
	case *plan.Const:
		if e.Value.Type.Kind == types.KindInterval && intervalOK {
			return nil
		}
		if !validType(e.Value.Type) {
			return invalid("constant", "type %s", e.Value.Type)
		}
		return nil
	case *plan.Arith:
		if err := sub(e.L, e.R); err != nil {
			return err
		}
		return checkArith(e)
	case *plan.Neg:
		if err := sub(e.X); err != nil {
			return err
		}
		if t := e.X.Type(); !t.IsInteger() && t.Kind != types.KindDecimal && t.Kind != types.KindDouble {
			return invalid("negation", "operand %s", t)
		}
		return nil
	case *plan.Compare:
		if err := sub(e.L, e.R); err != nil {
			return err
		}
		if e.Op > vector.Ge {
			return invalid("comparison", "operator %d", e.Op)
		}
		if !comparable(e.L.Type(), e.R.Type()) {
			return invalid("comparison", "operands %s and %s", e.L.Type(), e.R.Type())
		}
		return nil
	case *plan.Distinct:
		if err := sub(e.L, e.R); err != nil {
			return err
		}
		if !comparable(e.L.Type(), e.R.Type()) {
			return invalid("IS DISTINCT FROM", "operands %s and %s", e.L.Type(), e.R.Type())
		}
		return nil
	case *plan.And:
		return checkBools("AND", e.Args, d)
	case *plan.Or:
		return checkBools("OR", e.Args, d)
	case *plan.Not:
		return checkBools("NOT", []plan.Expr{e.X}, d)
	case *plan.IsNull:
		return sub(e.X)
	case *plan.In:
		if err := sub(e.X); err != nil {
			return err
		}
		if len(e.List) == 0 {
			return invalid("IN", "empty list")
		}
		for _, x := range e.List {
			if err := sub(x); err != nil {
				return err
			}
			if !comparable(e.X.Type(), x.Type()) {
				return invalid("IN", "element %s for %s", x.Type(), e.X.Type())
			}
		}
		return nil
	case *plan.Like:
		if err := sub(e.X); err != nil {
			return err
		}
		if e.X.Type().Kind != types.KindVarchar {
			return invalid("LIKE", "operand %s", e.X.Type())
		}
		return nil
	case *plan.Case:
		if !validType(e.T) {
			return invalid("CASE", "type %s", e.T)
		}
		for _, w := range e.Whens {
			if err := checkBools("CASE WHEN", []plan.Expr{w.Cond}, d); err != nil {
				return err
			}
			if err := sub(w.Result); err != nil {
				return err
			}
			if !sameType(w.Result.Type(), e.T) {
				return invalid("CASE", "THEN of type %s in a CASE of %s", w.Result.Type(), e.T)
			}
		}
		if e.Else != nil { // absent ELSE: NULL
			if err := sub(e.Else); err != nil {
				return err
			}
			if !sameType(e.Else.Type(), e.T) {
				return invalid("CASE", "ELSE of type %s in a CASE of %s", e.Else.Type(), e.T)
			}
		}
		return nil
	case *plan.Cast:
		if err := sub(e.X); err != nil {
			return err
		}
		from := e.X.Type()
		if e.To.Kind == types.KindInterval && intervalOK && from.Kind == types.KindVarchar {
			return nil
		}
		if !validType(e.To) {
			return invalid("CAST", "to %s", e.To)
		}
		if !castable(from, e.To) {
			return invalid("CAST", "no cast from %s to %s", from, e.To)
		}
		return nil
	case *plan.Coalesce:
		if len(e.Args) == 0 {
			return invalid("COALESCE", "no arguments")
		}
		if !validType(e.T) {
			return invalid("COALESCE", "type %s", e.T)
		}
		for _, a := range e.Args {
			if err := sub(a); err != nil {
				return err
			}
			if !sameType(a.Type(), e.T) {
				return invalid("COALESCE", "argument of type %s in a COALESCE of %s", a.Type(), e.T)
			}
		}
		return nil
	case *plan.Func:
		for i, a := range e.Args {
			ok := i == 1 && (e.Fn == plan.FnTimestampAddInterval || e.Fn == plan.FnTimestampSubInterval)
			if err := checkExpr(a, d, ok); err != nil {
				return err
			}
			if ok && readsColumn(a) {
				return invalid(e.Fn.String(), "the interval must be constant")
			}
		}
		return checkFunc(e)
	}
	return invalid("expression", "unknown node %T", e)
}

func checkBools(what string, args []plan.Expr, depth int) error {
	if len(args) == 0 {
		return invalid(what, "no operands")
	}
	for _, a := range args {
		if err := checkExpr(a, depth, false); err != nil {
			return err
		}
		if a.Type().Kind != types.KindBoolean {
			return invalid(what, "operand of type %s", a.Type())
		}
	}
	return nil
}

func checkArith(e *plan.Arith) error {
	l, r, t := e.L.Type(), e.R.Type(), e.T
	if e.Op > vector.Mod {
		return invalid("arithmetic", "operator %d", e.Op)
	}
	switch {
	case t.IsInteger():
		if l != t || r != t {
			return invalid("arithmetic", "%s %s %s giving %s (integer operands must have the result type)", l, e.Op, r, t)
		}
	case t.Kind == types.KindDouble:
		if l != t || r != t {
			return invalid("arithmetic", "%s %s %s giving %s (float operands must be DOUBLE)", l, e.Op, r, t)
		}
	case t.Kind == types.KindDecimal:
		if l.Kind != types.KindDecimal || r.Kind != types.KindDecimal || e.Op == vector.Div {
			return invalid("arithmetic", "%s %s %s giving %s", l, e.Op, r, t)
		}
		if !validType(t) {
			return invalid("arithmetic", "result type %s", t)
		}
		// ArithDecimal rescales both operands up to the result scale, and
		// a product's scale is the sum of the operands'.
		if e.Op == vector.Mul && t.Scale != l.Scale+r.Scale ||
			e.Op != vector.Mul && (t.Scale < l.Scale || t.Scale < r.Scale) {
			return invalid("arithmetic", "%s %s %s giving %s (scale)", l, e.Op, r, t)
		}
	default:
		return invalid("arithmetic", "%s %s %s giving %s", l, e.Op, r, t)
	}
	return nil
}

// castable reports whether types.Cast converts from to to for some
// values (the table of cast.go).
func castable(from, to types.Type) bool {
	if from == to || to.Kind == types.KindVarchar {
		return true
	}
	switch {
	case from.Kind == types.KindVarchar:
		return true // parsed
	case from.Kind == types.KindBoolean:
		return to.IsInteger() || to.IsFloat()
	case from.IsNumeric():
		return to.IsNumeric() || to.Kind == types.KindBoolean
	case from.Kind == types.KindDate:
		return to.Kind == types.KindTimestamp
	case from.Kind == types.KindTimestamp:
		return to.Kind == types.KindDate
	}
	return false
}

// checkFunc checks a function's argument count and types and its result
// type against the FuncID's comment.
func checkFunc(e *plan.Func) error {
	name := e.Fn.String()
	n := len(e.Args)
	arg := func(i int) types.Type { return e.Args[i].Type() }
	isText := func(t types.Type) bool { return t.Kind == types.KindVarchar }
	argc := func(lo, hi int) error {
		if n < lo || n > hi {
			return invalid(name, "%d arguments", n)
		}
		return nil
	}
	want := func(ok bool) error {
		if !ok {
			ts := make([]string, n)
			for i := range ts {
				ts[i] = arg(i).String()
			}
			return invalid(name, "arguments %v giving %s", ts, e.T)
		}
		return nil
	}
	allText := func() bool {
		for i := 0; i < n; i++ {
			if !isText(arg(i)) {
				return false
			}
		}
		return true
	}
	constText := func(i int) (string, bool) {
		c, ok := e.Args[i].(*plan.Const)
		if !ok || !isText(c.Value.Type) {
			return "", false
		}
		return c.Value.Str, true // NULL gives NULL
	}
	switch e.Fn {
	case plan.FnLower, plan.FnUpper:
		if err := argc(1, 1); err != nil {
			return err
		}
		return want(allText() && isText(e.T))
	case plan.FnLength:
		if err := argc(1, 1); err != nil {
			return err
		}
		return want(allText() && e.T == types.BigInt)
	case plan.FnSubstring:
		if err := argc(2, 3); err != nil {
			return err
		}
		ok := isText(arg(0)) && arg(1).IsInteger() && isText(e.T)
		if n == 3 {
			ok = ok && arg(2).IsInteger()
		}
		return want(ok)
	case plan.FnTrim, plan.FnLTrim, plan.FnRTrim:
		if err := argc(1, 2); err != nil {
			return err
		}
		return want(allText() && isText(e.T))
	case plan.FnConcat:
		if err := argc(1, 1<<16); err != nil {
			return err
		}
		return want(allText() && isText(e.T))
	case plan.FnConcatOp:
		if err := argc(2, 2); err != nil {
			return err
		}
		return want(allText() && isText(e.T))
	case plan.FnReplace:
		if err := argc(3, 3); err != nil {
			return err
		}
		return want(allText() && isText(e.T))
	case plan.FnStartsWith:
		if err := argc(2, 2); err != nil {
			return err
		}
		return want(allText() && e.T == types.Boolean)
	case plan.FnAbs:
		if err := argc(1, 1); err != nil {
			return err
		}
		t := arg(0)
		return want(t == e.T && (t.IsInteger() || t.Kind == types.KindDecimal || t.Kind == types.KindDouble))
	case plan.FnRound:
		if err := argc(1, 2); err != nil {
			return err
		}
		t := arg(0)
		ok := t == e.T && (t.IsInteger() || t.Kind == types.KindDecimal || t.Kind == types.KindDouble)
		if n == 2 {
			ok = ok && arg(1).IsInteger()
		}
		return want(ok)
	case plan.FnFloor, plan.FnCeil:
		if err := argc(1, 1); err != nil {
			return err
		}
		t := arg(0)
		return want(t == e.T && (t.Kind == types.KindDecimal || t.Kind == types.KindDouble))
	case plan.FnExtract:
		if err := argc(2, 2); err != nil {
			return err
		}
		field, ok := constText(0)
		if !ok {
			return invalid(name, "the field must be a VARCHAR constant")
		}
		v, err := types.Extract(field, 0)
		if err != nil && !e.Args[0].(*plan.Const).Value.Null {
			return invalid(name, "field %q", field)
		}
		rt := types.BigInt
		if err == nil {
			rt = v.Type
		}
		return want(arg(1).Kind == types.KindTimestamp && e.T == rt)
	case plan.FnDateTrunc:
		if err := argc(2, 2); err != nil {
			return err
		}
		unit, ok := constText(0)
		if !ok {
			return invalid(name, "the unit must be a VARCHAR constant")
		}
		if _, err := types.DateTrunc(unit, 0); err != nil && !e.Args[0].(*plan.Const).Value.Null {
			return invalid(name, "unit %q", unit)
		}
		switch arg(1).Kind {
		case types.KindTimestamp:
			return want(e.T == types.Timestamp)
		case types.KindDate:
			if !e.Args[0].(*plan.Const).Value.Null && !dayOrMore(unit) {
				return invalid(name, "unit %q on a DATE", unit)
			}
			return want(e.T == types.Date)
		}
		return want(false)
	case plan.FnDateAddDays, plan.FnDateSubDays:
		if err := argc(2, 2); err != nil {
			return err
		}
		return want(arg(0) == types.Date && arg(1).IsInteger() && e.T == types.Date)
	case plan.FnDateDiff:
		if err := argc(2, 2); err != nil {
			return err
		}
		return want(arg(0) == types.Date && arg(1) == types.Date && e.T == types.BigInt)
	case plan.FnTimestampAddInterval, plan.FnTimestampSubInterval:
		if err := argc(2, 2); err != nil {
			return err
		}
		return want(arg(0) == types.Timestamp && arg(1).Kind == types.KindInterval && e.T == types.Timestamp)
	case plan.FnGreatest, plan.FnLeast:
		if err := argc(1, 1<<16); err != nil {
			return err
		}
		if !validType(e.T) {
			return want(false)
		}
		for i := 0; i < n; i++ {
			if !sameType(arg(i), e.T) {
				return want(false)
			}
		}
		return nil
	}
	return invalid("function", "unknown FuncID %d", e.Fn)
}

// dayOrMore reports whether a date_trunc unit keeps a DATE a DATE.
func dayOrMore(unit string) bool {
	switch strings.ToLower(unit) {
	case "millennium", "century", "decade", "year", "years", "quarter", "month", "months", "week", "weeks", "day", "days":
		return true
	}
	return false
}

// readsColumn reports whether e reads a column.
func readsColumn(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(*plan.ColRef); ok {
			found = true
		}
		return !found
	})
	return found
}
