package plan

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// The checkers below restate the guarantees the comments of expr.go,
// logical.go and stmt.go give the evaluator and the executor; every test
// applies them to what Bind returns.

// checkTypes checks the operand types of every node of e.
func checkTypes(e Expr) error {
	return checkExpr(e, false)
}

// sameKindType is the type identity of expr.go's guarantees (VARCHAR
// lengths aside).
func sameKindType(a, b types.Type) bool {
	return a == b || a.Kind == types.KindVarchar && b.Kind == types.KindVarchar
}

func validType(t types.Type) error {
	switch {
	case t.Kind == types.KindInvalid || t.Kind > types.KindInterval:
		return fmt.Errorf("invalid type %v", t)
	case t.Kind == types.KindDecimal:
		if _, err := types.Decimal(t.Precision, t.Scale); err != nil {
			return err
		}
	case t.Kind != types.KindVarchar && (t.Precision != 0 || t.Scale != 0 || t.Max != 0):
		return fmt.Errorf("type %v with parameters", t)
	}
	return nil
}

// checkExpr checks e; intervalOK is set for the one place an INTERVAL
// may appear (the constant second argument of timestamp ± interval).
func checkExpr(e Expr, intervalOK bool) error {
	if e == nil {
		return fmt.Errorf("nil expression")
	}
	t := e.Type()
	if err := validType(t); err != nil {
		return fmt.Errorf("%v: %w", e, err)
	}
	if t.Kind == types.KindInterval {
		if _, ok := e.(*Const); !ok || !intervalOK {
			return fmt.Errorf("%v: INTERVAL outside a constant operand of timestamp arithmetic", e)
		}
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%v: %s", e, fmt.Sprintf(format, args...))
	}
	isBool := func(x Expr) bool { return x.Type().Kind == types.KindBoolean }
	isText := func(x Expr) bool { return x.Type().Kind == types.KindVarchar }
	switch x := e.(type) {
	case *aggExpr:
		return fail("aggregate call left in an expression")
	case *ColRef:
		if x.Index < 0 {
			return fail("negative column index")
		}
	case *Const:
		v := x.Value
		if !v.Null {
			switch t.Phys() {
			case types.PhysInt64:
				lo, hi := t.IntRange()
				if (t.IsInteger() || t.Kind == types.KindDecimal) && (v.Int < lo || v.Int > hi) {
					return fail("constant out of its type's range")
				}
			}
		}
	case *Arith:
		lt, rt := x.L.Type(), x.R.Type()
		switch {
		case lt.IsInteger() || rt.IsInteger():
			if lt != rt || x.T != lt {
				return fail("integer arithmetic on %v %v -> %v", lt, rt, x.T)
			}
		case lt.IsFloat() || rt.IsFloat():
			if lt != types.Double || rt != types.Double || x.T != types.Double {
				return fail("float arithmetic on %v %v -> %v", lt, rt, x.T)
			}
		case lt.Kind == types.KindDecimal && rt.Kind == types.KindDecimal:
			if x.Op == vector.Div {
				return fail("decimal division")
			}
			want, err := types.DecimalResult(x.Op.String(), lt, rt)
			if err != nil || want != x.T {
				return fail("decimal result %v, want %v (%v)", x.T, want, err)
			}
		default:
			return fail("arithmetic on %v %v", lt, rt)
		}
	case *Neg:
		if u := x.X.Type(); !u.IsInteger() && u.Kind != types.KindDecimal && u.Kind != types.KindDouble {
			return fail("negating %v", x.X.Type())
		}
	case *Compare:
		if err := sameOperands(x.L, x.R); err != nil {
			return fail("%v", err)
		}
	case *Distinct:
		if err := sameOperands(x.L, x.R); err != nil {
			return fail("%v", err)
		}
	case *And:
		if len(x.Args) < 2 {
			return fail("AND of %d", len(x.Args))
		}
		for _, a := range x.Args {
			if !isBool(a) {
				return fail("AND of %v", a.Type())
			}
			if _, nested := a.(*And); nested {
				return fail("nested AND not flattened")
			}
		}
	case *Or:
		if len(x.Args) < 2 {
			return fail("OR of %d", len(x.Args))
		}
		for _, a := range x.Args {
			if !isBool(a) {
				return fail("OR of %v", a.Type())
			}
			if _, nested := a.(*Or); nested {
				return fail("nested OR not flattened")
			}
		}
	case *IsNull:
	case *Not:
		if !isBool(x.X) {
			return fail("NOT of %v", x.X.Type())
		}
	case *In:
		if len(x.List) == 0 {
			return fail("empty IN list")
		}
		for _, l := range x.List {
			if !sameKindType(l.Type(), x.X.Type()) {
				return fail("IN element %v of %v", l.Type(), x.X.Type())
			}
		}
	case *Like:
		if !isText(x.X) {
			return fail("LIKE on %v", x.X.Type())
		}
	case *Case:
		if len(x.Whens) == 0 || x.Else == nil {
			return fail("CASE without WHEN or ELSE")
		}
		for _, w := range x.Whens {
			if !isBool(w.Cond) {
				return fail("WHEN of %v", w.Cond.Type())
			}
			if !sameKindType(w.Result.Type(), x.T) {
				return fail("THEN of %v in CASE of %v", w.Result.Type(), x.T)
			}
		}
		if !sameKindType(x.Else.Type(), x.T) {
			return fail("ELSE of %v in CASE of %v", x.Else.Type(), x.T)
		}
	case *Cast:
		if x.X.Type() == x.To {
			return fail("cast to its own type")
		}
		if _, ok := x.X.(*Const); ok {
			return fail("cast of a constant not folded")
		}
	case *Coalesce:
		if len(x.Args) == 0 {
			return fail("empty COALESCE")
		}
		for _, a := range x.Args {
			if !sameKindType(a.Type(), x.T) {
				return fail("COALESCE argument %v of %v", a.Type(), x.T)
			}
		}
	case *Func:
		if err := checkFunc(x); err != nil {
			return fail("%v", err)
		}
		for i, a := range x.Args {
			ok := i == 1 && (x.Fn == FnTimestampAddInterval || x.Fn == FnTimestampSubInterval)
			if err := checkExpr(a, ok); err != nil {
				return err
			}
		}
		return nil
	default:
		return fail("unknown node %T", e)
	}
	for _, c := range Children(e) {
		if err := checkExpr(c, false); err != nil {
			return err
		}
	}
	return nil
}

func sameOperands(l, r Expr) error {
	lt, rt := l.Type(), r.Type()
	if sameKindType(lt, rt) || lt.Kind == types.KindDecimal && rt.Kind == types.KindDecimal {
		return nil
	}
	return fmt.Errorf("operands of %v and %v", lt, rt)
}

// checkFunc checks a function's arguments against FuncID's list.
func checkFunc(f *Func) error {
	kinds := func(ks ...types.Kind) error {
		if len(f.Args) != len(ks) {
			return fmt.Errorf("%v takes %d arguments, has %d", f.Fn, len(ks), len(f.Args))
		}
		for i, k := range ks {
			if f.Args[i].Type().Kind != k {
				return fmt.Errorf("%v argument %d is %v, want %v", f.Fn, i, f.Args[i].Type(), k)
			}
		}
		return nil
	}
	result := func(t types.Type) error {
		if !sameKindType(f.T, t) {
			return fmt.Errorf("%v gives %v, want %v", f.Fn, f.T, t)
		}
		return nil
	}
	firstOf := func(n int, ks ...types.Kind) error {
		if len(f.Args) < n || len(f.Args) > len(ks) {
			return fmt.Errorf("%v with %d arguments", f.Fn, len(f.Args))
		}
		return kinds(ks[:len(f.Args)]...)
	}
	const (
		V  = types.KindVarchar
		B  = types.KindBigInt
		I  = types.KindInteger
		D  = types.KindDate
		TS = types.KindTimestamp
		IV = types.KindInterval
	)
	var err error
	switch f.Fn {
	case FnLower, FnUpper:
		err = firstOf(1, V)
		if err == nil {
			err = result(types.Text)
		}
	case FnLength:
		if err = kinds(V); err == nil {
			err = result(types.BigInt)
		}
	case FnSubstring:
		if err = firstOf(2, V, B, B); err == nil {
			err = result(types.Text)
		}
	case FnTrim, FnLTrim, FnRTrim:
		if err = firstOf(1, V, V); err == nil {
			err = result(types.Text)
		}
	case FnConcat:
		if len(f.Args) == 0 {
			return fmt.Errorf("concat()")
		}
		for _, a := range f.Args {
			if a.Type().Kind != V {
				return fmt.Errorf("concat of %v", a.Type())
			}
		}
		err = result(types.Text)
	case FnConcatOp:
		if err = kinds(V, V); err == nil {
			err = result(types.Text)
		}
	case FnReplace:
		if err = kinds(V, V, V); err == nil {
			err = result(types.Text)
		}
	case FnStartsWith:
		if err = kinds(V, V); err == nil {
			err = result(types.Boolean)
		}
	case FnAbs, FnFloor, FnCeil, FnRound:
		n := 1
		if f.Fn == FnRound {
			n = 2
		}
		if len(f.Args) < 1 || len(f.Args) > n {
			return fmt.Errorf("%v with %d arguments", f.Fn, len(f.Args))
		}
		t := f.Args[0].Type()
		ok := t.Kind == types.KindDecimal || t.Kind == types.KindDouble
		if f.Fn == FnAbs || f.Fn == FnRound {
			ok = ok || t.IsInteger()
		}
		if !ok || f.T != t {
			return fmt.Errorf("%v of %v gives %v", f.Fn, t, f.T)
		}
		if len(f.Args) == 2 && f.Args[1].Type().Kind != I {
			return fmt.Errorf("round digits of %v", f.Args[1].Type())
		}
	case FnExtract:
		if err = kinds(V, TS); err != nil {
			return err
		}
		c, ok := f.Args[0].(*Const)
		if !ok || c.Value.Null {
			return fmt.Errorf("extract field not a constant")
		}
		if _, err := types.Extract(c.Value.Str, 0); err != nil || extractFields[c.Value.Str] != c.Value.Str {
			return fmt.Errorf("extract field %q", c.Value.Str)
		}
		want := types.BigInt
		if c.Value.Str == "epoch" {
			want = types.Double
		}
		err = result(want)
	case FnDateTrunc:
		if len(f.Args) != 2 {
			return fmt.Errorf("date_trunc with %d arguments", len(f.Args))
		}
		c, ok := f.Args[0].(*Const)
		if !ok || c.Value.Null || c.Value.Type.Kind != V {
			return fmt.Errorf("date_trunc unit not a constant")
		}
		if _, err := types.DateTrunc(c.Value.Str, 0); err != nil {
			return fmt.Errorf("date_trunc unit %q", c.Value.Str)
		}
		switch f.Args[1].Type().Kind {
		case D:
			if !truncUnits[c.Value.Str].days {
				return fmt.Errorf("date_trunc of a DATE to %q", c.Value.Str)
			}
			err = result(types.Date)
		case TS:
			err = result(types.Timestamp)
		default:
			err = fmt.Errorf("date_trunc of %v", f.Args[1].Type())
		}
	case FnDateAddDays, FnDateSubDays:
		if err = kinds(D, B); err == nil {
			err = result(types.Date)
		}
	case FnDateDiff:
		if err = kinds(D, D); err == nil {
			err = result(types.BigInt)
		}
	case FnTimestampAddInterval, FnTimestampSubInterval:
		if err = kinds(TS, IV); err == nil {
			err = result(types.Timestamp)
		}
		if _, ok := f.Args[1].(*Const); !ok {
			err = fmt.Errorf("interval operand not a constant")
		}
	case FnGreatest, FnLeast:
		if len(f.Args) == 0 {
			return fmt.Errorf("%v()", f.Fn)
		}
		for _, a := range f.Args {
			if !sameKindType(a.Type(), f.T) {
				return fmt.Errorf("%v argument %v of %v", f.Fn, a.Type(), f.T)
			}
		}
	default:
		err = fmt.Errorf("unknown function %v", f.Fn)
	}
	return err
}

// checkRefs checks that every column reference of e reads a column of
// cols, with its type.
func checkRefs(e Expr, cols []Column) error {
	var err error
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*ColRef); ok && err == nil {
			switch {
			case c.Index >= len(cols):
				err = fmt.Errorf("%v: column %d of %d", e, c.Index, len(cols))
			case c.T != cols[c.Index].T:
				err = fmt.Errorf("%v: column %d is %v, reference says %v", e, c.Index, cols[c.Index].T, c.T)
			}
		}
		return err == nil
	})
	return err
}

func checkOver(e Expr, cols []Column) error {
	if err := checkTypes(e); err != nil {
		return err
	}
	return checkRefs(e, cols)
}

// checkPlan checks every node of a plan and its expressions.
func checkPlan(n Node) error {
	for _, in := range n.Inputs() {
		if err := checkPlan(in); err != nil {
			return err
		}
	}
	var in []Column
	if ins := n.Inputs(); len(ins) == 1 {
		in = ins[0].Columns()
	}
	switch x := n.(type) {
	case *Scan:
		for _, c := range x.Cols {
			if c < 0 || c >= len(x.Table.Columns) {
				return fmt.Errorf("scan column %d of %d", c, len(x.Table.Columns))
			}
		}
		for _, f := range x.Filters {
			if err := checkOver(f, x.Columns()); err != nil {
				return err
			}
			if f.Type().Kind != types.KindBoolean {
				return fmt.Errorf("filter %v of %v", f, f.Type())
			}
			if _, ok := f.(*And); ok {
				return fmt.Errorf("filter %v not split into conjuncts", f)
			}
		}
	case *OneRow:
	case *Values:
		for _, r := range x.Rows {
			if len(r) != len(x.Cols) {
				return fmt.Errorf("values row of %d, %d columns", len(r), len(x.Cols))
			}
			for i, e := range r {
				if err := checkTypes(e); err != nil {
					return err
				}
				if e.Type() != x.Cols[i].T {
					return fmt.Errorf("value %v of %v for column of %v", e, e.Type(), x.Cols[i].T)
				}
				if err := checkRefs(e, nil); err != nil {
					return err
				}
			}
		}
	case *Filter:
		if err := checkOver(x.Cond, in); err != nil {
			return err
		}
		if x.Cond.Type().Kind != types.KindBoolean {
			return fmt.Errorf("filter %v of %v", x.Cond, x.Cond.Type())
		}
	case *Project:
		if len(x.Names) != len(x.Exprs) {
			return fmt.Errorf("project of %d expressions, %d names", len(x.Exprs), len(x.Names))
		}
		for _, e := range x.Exprs {
			if err := checkOver(e, in); err != nil {
				return err
			}
		}
	case *Aggregate:
		if len(x.Names) != len(x.Groups)+len(x.Aggs) {
			return fmt.Errorf("aggregate of %d columns, %d names", len(x.Groups)+len(x.Aggs), len(x.Names))
		}
		for _, g := range x.Groups {
			if err := checkOver(g, in); err != nil {
				return err
			}
		}
		for _, a := range x.Aggs {
			if err := checkAgg(a, in); err != nil {
				return err
			}
		}
	case *Sort:
		if len(x.Keys) == 0 || x.Limit < -1 || x.Offset < 0 || x.Limit < 0 && x.Offset != 0 {
			return fmt.Errorf("sort of %d keys, limit %d offset %d", len(x.Keys), x.Limit, x.Offset)
		}
		for _, k := range x.Keys {
			if err := checkOver(k.Expr, in); err != nil {
				return err
			}
		}
	case *Limit:
		if x.Count < -1 || x.Offset < 0 {
			return fmt.Errorf("limit %d offset %d", x.Count, x.Offset)
		}
		if s, ok := x.Input.(*Sort); ok && s.Limit >= 0 && (s.Limit != x.Count || s.Offset != x.Offset) {
			return fmt.Errorf("top-%d offset %d under limit %d offset %d", s.Limit, s.Offset, x.Count, x.Offset)
		}
	default:
		return fmt.Errorf("unknown node %T", n)
	}
	return nil
}

func checkAgg(a AggCall, in []Column) error {
	if a.Func == AggCountStar {
		if a.Arg != nil || a.T != types.BigInt {
			return fmt.Errorf("%v of %v", a, a.T)
		}
		return nil
	}
	if a.Arg == nil {
		return fmt.Errorf("%v without an argument", a.Func)
	}
	if err := checkOver(a.Arg, in); err != nil {
		return err
	}
	t := a.Arg.Type()
	var want types.Type
	switch {
	case a.Func == AggCount:
		want = types.BigInt
	case a.Func == AggMin || a.Func == AggMax:
		want = t
	case a.Func == AggSum && t.IsInteger():
		want = types.BigInt
	case a.Func == AggSum && t.Kind == types.KindDecimal:
		want = types.MustDecimal(18, t.Scale)
	case a.Func == AggSum && t.IsFloat(), a.Func == AggAvg && t.IsNumeric():
		want = types.Double
	default:
		return fmt.Errorf("%v of %v", a.Func, t)
	}
	if a.T != want {
		return fmt.Errorf("%v gives %v, want %v", a, a.T, want)
	}
	return nil
}

// checkStmt checks a bound statement.
func checkStmt(s Stmt) error {
	tableTypes := func(t *TableInfo, n Node) error {
		cols := n.Columns()
		if len(cols) != len(t.Columns) {
			return fmt.Errorf("source of %d columns for a table of %d", len(cols), len(t.Columns))
		}
		for i, c := range cols {
			if c.T != t.Columns[i].T {
				return fmt.Errorf("column %d is %v, table has %v", i, c.T, t.Columns[i].T)
			}
		}
		return nil
	}
	switch x := s.(type) {
	case *Query:
		if err := checkPlan(x.Root); err != nil {
			return err
		}
		cols := x.Root.Columns()
		if len(cols) != len(x.Names) {
			return fmt.Errorf("query of %d columns, %d names", len(cols), len(x.Names))
		}
		for i, c := range cols {
			if c.Name != x.Names[i] {
				return fmt.Errorf("column %d named %q, query says %q", i, c.Name, x.Names[i])
			}
		}
	case *Explain:
		return checkStmt(x.Stmt)
	case *Insert:
		if err := checkPlan(x.Source); err != nil {
			return err
		}
		return tableTypes(x.Table, x.Source)
	case *Update:
		if err := checkPlan(x.Source); err != nil {
			return err
		}
		p, ok := x.Source.(*Project)
		if !ok {
			return fmt.Errorf("update source %T", x.Source)
		}
		if sc, ok := p.Input.(*Scan); !ok || !sc.RowID {
			return fmt.Errorf("update project over %T", p.Input)
		}
		n := len(x.Table.Columns)
		if len(p.Exprs) != n+1 || p.Exprs[n].Type() != types.BigInt {
			return fmt.Errorf("update project of %d", len(p.Exprs))
		}
		for i := 0; i < n; i++ {
			if p.Exprs[i].Type() != x.Table.Columns[i].T {
				return fmt.Errorf("update column %d of %v", i, p.Exprs[i].Type())
			}
		}
	case *Delete:
		if err := checkPlan(x.Source); err != nil {
			return err
		}
		cols := x.Source.Columns()
		if len(cols) != 1 || cols[0].T != types.BigInt {
			return fmt.Errorf("delete source of %v", cols)
		}
	case *Copy:
		if x.Query != nil {
			return checkStmt(x.Query)
		}
	case *CreateTable:
		for _, c := range x.Table.Columns {
			if err := validType(c.T); err != nil || c.T.Kind == types.KindInterval {
				return fmt.Errorf("column %s of %v", c.Name, c.T)
			}
		}
	}
	return nil
}
