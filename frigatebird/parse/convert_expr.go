package parse

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// maxExprDepth bounds expression nesting; PostgreSQL's own stack check
// stops the grammar far below the Go stack's limit, this is the second
// fence.
const maxExprDepth = 10000

var binaryOps = map[string]BinaryOp{
	"+": OpAdd, "-": OpSub, "*": OpMul, "/": OpDiv, "%": OpMod, "||": OpConcat,
	"=": OpEq, "<>": OpNe, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe,
}

// exprName names expression nodes Frigatebird does not evaluate.
var exprName = map[string]string{
	"SubLink": "subqueries are", "A_Indirection": "subscripts and field selection are",
	"RowExpr": "row constructors are", "A_ArrayExpr": "arrays are", "CollateClause": "COLLATE is",
	"GroupingFunc": "GROUPING() is", "SetToDefault": "DEFAULT is", "CurrentOfExpr": "WHERE CURRENT OF is",
	"BooleanTest": "IS [NOT] TRUE, FALSE and UNKNOWN are", "XmlExpr": "XML functions are",
	"MultiAssignRef": "multiple-column assignment is", "JsonFuncExpr": "JSON functions are",
}

func (c *converter) expr(n *pg.Node) (Expr, *convError) {
	return c.exprDepth(n, 0)
}

func (c *converter) exprs(ns []*pg.Node, depth int) ([]Expr, *convError) {
	out := make([]Expr, 0, len(ns))
	for _, n := range ns {
		e, err := c.exprDepth(n, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (c *converter) exprDepth(n *pg.Node, depth int) (Expr, *convError) {
	if depth > maxExprDepth {
		return nil, errUnsupported(-1, fmt.Sprintf("nesting expressions deeper than %d levels is", maxExprDepth))
	}
	depth++
	switch x := n.GetNode().(type) {
	case nil:
		return nil, errInvalid(-1, "missing expression")
	case *pg.Node_ColumnRef:
		return columnRef(x.ColumnRef)
	case *pg.Node_AConst:
		return constant(x.AConst)
	case *pg.Node_ParamRef:
		return &Param{At: int(x.ParamRef.Location), Index: int(x.ParamRef.Number)}, nil
	case *pg.Node_AExpr:
		return c.aExpr(x.AExpr, depth)
	case *pg.Node_BoolExpr:
		b := x.BoolExpr
		args, err := c.exprs(b.Args, depth)
		if err != nil {
			return nil, err
		}
		if len(args) == 0 {
			return nil, errInvalid(b.Location, "empty boolean expression")
		}
		if b.Boolop == pg.BoolExprType_NOT_EXPR {
			return &Unary{At: int(b.Location), Op: OpNot, X: args[0]}, nil
		}
		op := OpAnd
		if b.Boolop == pg.BoolExprType_OR_EXPR {
			op = OpOr
		}
		e := args[0]
		for _, a := range args[1:] {
			e = &Binary{At: int(b.Location), Op: op, L: e, R: a}
		}
		return e, nil
	case *pg.Node_NullTest:
		nt := x.NullTest
		arg, err := c.exprDepth(nt.Arg, depth)
		if err != nil {
			return nil, err
		}
		return &IsNull{At: int(nt.Location), X: arg, Not: nt.Nulltesttype == pg.NullTestType_IS_NOT_NULL}, nil
	case *pg.Node_CaseExpr:
		ce := x.CaseExpr
		e := &Case{At: int(ce.Location)}
		var err *convError
		if ce.Arg != nil {
			if e.Operand, err = c.exprDepth(ce.Arg, depth); err != nil {
				return nil, err
			}
		}
		for _, w := range ce.Args {
			cw := w.GetCaseWhen()
			if cw == nil {
				return nil, errInvalid(ce.Location, "unexpected CASE branch")
			}
			cond, err := c.exprDepth(cw.Expr, depth)
			if err != nil {
				return nil, err
			}
			res, err := c.exprDepth(cw.Result, depth)
			if err != nil {
				return nil, err
			}
			e.Whens = append(e.Whens, When{Cond: cond, Result: res})
		}
		if ce.Defresult != nil {
			if e.Else, err = c.exprDepth(ce.Defresult, depth); err != nil {
				return nil, err
			}
		}
		return e, nil
	case *pg.Node_TypeCast:
		return c.typeCast(x.TypeCast, depth)
	case *pg.Node_CoalesceExpr:
		args, err := c.exprs(x.CoalesceExpr.Args, depth)
		if err != nil {
			return nil, err
		}
		return &Func{At: int(x.CoalesceExpr.Location), Name: "coalesce", Args: args}, nil
	case *pg.Node_MinMaxExpr:
		args, err := c.exprs(x.MinMaxExpr.Args, depth)
		if err != nil {
			return nil, err
		}
		name := "greatest"
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_LEAST {
			name = "least"
		}
		return &Func{At: int(x.MinMaxExpr.Location), Name: name, Args: args}, nil
	case *pg.Node_SqlvalueFunction:
		f := x.SqlvalueFunction
		switch f.Op {
		case pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
			return &Func{At: int(f.Location), Name: "current_date"}, nil
		case pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:
			return &Func{At: int(f.Location), Name: "current_timestamp"}, nil
		}
		return nil, errUnsupported(f.Location, strings.TrimPrefix(f.Op.String(), "SVFOP_")+" is")
	case *pg.Node_FuncCall:
		return c.funcCall(x.FuncCall, depth)
	}
	name := strings.TrimPrefix(fmt.Sprintf("%T", n.GetNode()), "*pg_query.Node_")
	what, ok := exprName[name]
	if !ok {
		what = "expression " + name + " is"
	}
	return nil, errUnsupported(nodeLocation(n), what)
}

// nodeLocation digs the location out of any node that has one, for errors
// on nodes the converter does not know: every generated oneof wrapper holds
// one message, and most messages have GetLocation.
func nodeLocation(n *pg.Node) int32 {
	if ind := n.GetAIndirection(); ind != nil {
		return nodeLocation(ind.Arg)
	}
	w := reflect.ValueOf(n.GetNode())
	if !w.IsValid() || w.Kind() != reflect.Pointer || w.IsNil() || w.Elem().Kind() != reflect.Struct || w.Elem().NumField() != 1 {
		return -1
	}
	if l, ok := w.Elem().Field(0).Interface().(interface{ GetLocation() int32 }); ok {
		return l.GetLocation()
	}
	return -1
}

func columnRef(cr *pg.ColumnRef) (Expr, *convError) {
	var parts []string
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
			return nil, errUnsupported(cr.Location, "* outside the select list and count(*) is")
		}
		parts = append(parts, f.GetString_().GetSval())
	}
	switch len(parts) {
	case 1:
		return &ColumnRef{At: int(cr.Location), Column: parts[0]}, nil
	case 2:
		return &ColumnRef{At: int(cr.Location), Table: parts[0], Column: parts[1]}, nil
	}
	return nil, errUnsupported(cr.Location, "names with more than two parts are")
}

func constant(k *pg.A_Const) (Expr, *convError) {
	at := int(k.Location)
	if k.Isnull {
		return &Literal{At: at, Kind: LitNull}, nil
	}
	switch v := k.Val.(type) {
	case *pg.A_Const_Ival:
		return &Literal{At: at, Kind: LitInt, Int: int64(v.Ival.Ival)}, nil
	case *pg.A_Const_Fval:
		return numeric(v.Fval.Fval, k.Location)
	case *pg.A_Const_Boolval:
		return &Literal{At: at, Kind: LitBool, Bool: v.Boolval.Boolval}, nil
	case *pg.A_Const_Sval:
		return &Literal{At: at, Kind: LitString, Text: v.Sval.Sval}, nil
	case *pg.A_Const_Bsval:
		return nil, errUnsupported(k.Location, "bit-string literals are")
	}
	return nil, errInvalid(k.Location, "constant without a value")
}

// numeric converts the text of a number PostgreSQL did not store as a
// 32-bit integer: an integer up to 64 bits is LitInt, a number with an
// exponent is LitFloat, any other is LitDecimal (exact) unless it has more
// digits than a DECIMAL holds, then LitFloat.
func numeric(text string, loc int32) (Expr, *convError) {
	at := int(loc)
	s := strings.ReplaceAll(text, "_", "")
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	lower := strings.ToLower(body)
	if strings.HasPrefix(lower, "0x") || strings.HasPrefix(lower, "0o") || strings.HasPrefix(lower, "0b") {
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return nil, errInvalid(loc, "integer literal %s is out of range", text)
		}
		return &Literal{At: at, Kind: LitInt, Int: v}, nil
	}
	if strings.ContainsAny(body, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !math.IsInf(f, 0) {
			return nil, errInvalid(loc, "invalid number %s", text)
		}
		if math.IsInf(f, 0) {
			return nil, errInvalid(loc, "number %s is out of range", text)
		}
		return &Literal{At: at, Kind: LitFloat, Float: f}, nil
	}
	intPart, frac, hasPoint := strings.Cut(body, ".")
	if !hasPoint {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return &Literal{At: at, Kind: LitInt, Int: v}, nil
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	digits := len(strings.TrimLeft(intPart+frac, "0"))
	if digits > maxDecimalPrecision {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, errInvalid(loc, "number %s is out of range", text)
		}
		return &Literal{At: at, Kind: LitFloat, Float: f}, nil
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return &Literal{At: at, Kind: LitDecimal, Text: out, Scale: len(frac)}, nil
}

func (c *converter) aExpr(a *pg.A_Expr, depth int) (Expr, *convError) {
	at := int(a.Location)
	var op string
	if len(a.Name) == 1 {
		op = a.Name[0].GetString_().GetSval()
	} else {
		return nil, errUnsupported(a.Location, "OPERATOR() syntax is")
	}
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		r, err := c.exprDepth(a.Rexpr, depth)
		if err != nil {
			return nil, err
		}
		if a.Lexpr == nil {
			switch op {
			case "-":
				return &Unary{At: at, Op: OpNeg, X: r}, nil
			case "+":
				return r, nil
			}
			return nil, errUnsupported(a.Location, fmt.Sprintf("prefix operator %s is", op))
		}
		bop, ok := binaryOps[op]
		if !ok {
			return nil, errUnsupported(a.Location, fmt.Sprintf("operator %s is", op))
		}
		l, err := c.exprDepth(a.Lexpr, depth)
		if err != nil {
			return nil, err
		}
		return &Binary{At: at, Op: bop, L: l, R: r}, nil
	case pg.A_Expr_Kind_AEXPR_DISTINCT, pg.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		l, r, err := c.pair(a, depth)
		if err != nil {
			return nil, err
		}
		bop := OpIsDistinct
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_DISTINCT {
			bop = OpIsNotDistinct
		}
		return &Binary{At: at, Op: bop, L: l, R: r}, nil
	case pg.A_Expr_Kind_AEXPR_NULLIF:
		l, r, err := c.pair(a, depth)
		if err != nil {
			return nil, err
		}
		return &Func{At: at, Name: "nullif", Args: []Expr{l, r}}, nil
	case pg.A_Expr_Kind_AEXPR_IN:
		x, err := c.exprDepth(a.Lexpr, depth)
		if err != nil {
			return nil, err
		}
		list := a.Rexpr.GetList()
		if list == nil {
			return nil, errUnsupported(a.Location, "IN without a list is")
		}
		items, err := c.exprs(list.Items, depth)
		if err != nil {
			return nil, err
		}
		return &In{At: at, X: x, List: items, Not: op == "<>"}, nil
	case pg.A_Expr_Kind_AEXPR_LIKE, pg.A_Expr_Kind_AEXPR_ILIKE:
		if f := a.Rexpr.GetFuncCall(); f != nil && len(f.Funcname) == 2 && f.Funcname[1].GetString_().GetSval() == "like_escape" {
			return nil, errUnsupported(f.Location, "LIKE ... ESCAPE is")
		}
		l, r, err := c.pair(a, depth)
		if err != nil {
			return nil, err
		}
		return &Like{At: at, X: l, Pattern: r, Not: strings.HasPrefix(op, "!"),
			CaseInsensitive: a.Kind == pg.A_Expr_Kind_AEXPR_ILIKE}, nil
	case pg.A_Expr_Kind_AEXPR_BETWEEN, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		x, err := c.exprDepth(a.Lexpr, depth)
		if err != nil {
			return nil, err
		}
		bounds := a.Rexpr.GetList().GetItems()
		if len(bounds) != 2 {
			return nil, errInvalid(a.Location, "BETWEEN needs two bounds")
		}
		lo, err := c.exprDepth(bounds[0], depth)
		if err != nil {
			return nil, err
		}
		hi, err := c.exprDepth(bounds[1], depth)
		if err != nil {
			return nil, err
		}
		return &Between{At: at, X: x, Lo: lo, Hi: hi, Not: a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN}, nil
	case pg.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		return nil, errUnsupported(a.Location, "BETWEEN SYMMETRIC is")
	case pg.A_Expr_Kind_AEXPR_SIMILAR:
		return nil, errUnsupported(a.Location, "SIMILAR TO is")
	case pg.A_Expr_Kind_AEXPR_OP_ANY, pg.A_Expr_Kind_AEXPR_OP_ALL:
		return nil, errUnsupported(a.Location, "ANY and ALL are")
	}
	return nil, errUnsupported(a.Location, "this operator is")
}

func (c *converter) pair(a *pg.A_Expr, depth int) (l, r Expr, err *convError) {
	if l, err = c.exprDepth(a.Lexpr, depth); err != nil {
		return nil, nil, err
	}
	if r, err = c.exprDepth(a.Rexpr, depth); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// intervalFields maps the field mask of INTERVAL '3' DAY (PostgreSQL's
// INTERVAL_MASK) onto the unit appended to the literal's text.
var intervalFields = map[int]string{
	1 << 2: "year", 1 << 1: "month", 1 << 3: "day",
	1 << 10: "hour", 1 << 11: "minute", 1 << 12: "second",
}

// intervalFullRange is INTERVAL_FULL_RANGE: no field restriction.
const intervalFullRange = 0x7FFF

func (c *converter) typeCast(tc *pg.TypeCast, depth int) (Expr, *convError) {
	typ, err := convertType(tc.TypeName)
	if err != nil {
		return nil, err
	}
	x, err := c.exprDepth(tc.Arg, depth)
	if err != nil {
		return nil, err
	}
	lit, isLit := x.(*Literal)
	if !isLit || lit.Kind != LitString {
		if typ.Kind == TypeInterval && len(tc.TypeName.Typmods) > 0 {
			return nil, errUnsupported(tc.TypeName.Location, "INTERVAL fields on a non-literal are")
		}
		return &Cast{At: int(tc.Location), X: x, Type: typ}, nil
	}
	// DATE '2024-01-01' and '2024-01-01'::date are typed literals. The
	// literal starts at whichever comes first, type name or string.
	at := lit.At
	if typ.At >= 0 && typ.At < at {
		at = typ.At
	}
	switch typ.Kind {
	case TypeDate:
		return &Literal{At: at, Kind: LitDate, Text: lit.Text}, nil
	case TypeTimestamp:
		return &Literal{At: at, Kind: LitTimestamp, Text: lit.Text}, nil
	case TypeInterval:
		text := lit.Text
		mods, err := typmods(tc.TypeName)
		if err != nil {
			return nil, err
		}
		if len(mods) > 0 && mods[0] != intervalFullRange {
			unit, ok := intervalFields[mods[0]]
			if !ok {
				return nil, errUnsupported(tc.TypeName.Location, "INTERVAL field ranges are")
			}
			if len(mods) > 1 {
				return nil, errUnsupported(tc.TypeName.Location, "INTERVAL precision is")
			}
			if _, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err != nil {
				return nil, errInvalid(int32(lit.At), "INTERVAL %s with a field needs a plain number", quoteString(text))
			}
			text = strings.TrimSpace(text) + " " + unit
		}
		return &Literal{At: at, Kind: LitInterval, Text: text}, nil
	}
	return &Cast{At: int(tc.Location), X: x, Type: typ}, nil
}

func (c *converter) funcCall(f *pg.FuncCall, depth int) (Expr, *convError) {
	var names []string
	for _, n := range f.Funcname {
		names = append(names, n.GetString_().GetSval())
	}
	if len(names) == 2 && names[0] == "pg_catalog" {
		names = names[1:]
	}
	if len(names) != 1 {
		return nil, errUnsupported(f.Location, "schema-qualified function names are")
	}
	name := strings.ToLower(names[0])
	switch {
	case f.Over != nil:
		return nil, errUnsupported(int32(c.findWord(int(f.Location), "over")), "window functions are")
	case f.AggFilter != nil:
		return nil, errUnsupported(f.Location, "aggregate FILTER is")
	case f.AggWithinGroup:
		return nil, errUnsupported(f.Location, "WITHIN GROUP is")
	case len(f.AggOrder) > 0:
		return nil, errUnsupported(f.Location, "ORDER BY inside an aggregate is")
	case f.FuncVariadic:
		return nil, errUnsupported(f.Location, "VARIADIC is")
	}
	if f.Funcformat == pg.CoercionForm_COERCE_SQL_SYNTAX && name == "btrim" {
		name = "trim"
	}
	args, err := c.exprs(f.Args, depth)
	if err != nil {
		return nil, err
	}
	return &Func{At: int(f.Location), Name: name, Args: args, Distinct: f.AggDistinct, Star: f.AggStar}, nil
}
