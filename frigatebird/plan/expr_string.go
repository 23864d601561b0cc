package plan

import (
	"strconv"
	"strings"

	"github.com/reefdb/reef/frigatebird/types"
)

func (e *ColRef) String() string {
	if e.Name != "" {
		return e.Name
	}
	return "#" + strconv.Itoa(e.Index)
}

func (e *Const) String() string {
	v := e.Value
	switch {
	case v.Null:
		return "NULL"
	case v.Type.Kind == types.KindVarchar:
		return "'" + strings.ReplaceAll(v.Str, "'", "''") + "'"
	case v.Type.Kind == types.KindDate || v.Type.Kind == types.KindTimestamp || v.Type.Kind == types.KindInterval:
		return v.Type.Kind.String() + " '" + v.String() + "'"
	}
	return v.String()
}

func (e *Arith) String() string {
	return "(" + e.L.String() + " " + e.Op.String() + " " + e.R.String() + ")"
}
func (e *Neg) String() string { return "(-" + e.X.String() + ")" }
func (e *Compare) String() string {
	return "(" + e.L.String() + " " + e.Op.String() + " " + e.R.String() + ")"
}

func (e *Distinct) String() string {
	op := " IS DISTINCT FROM "
	if e.Not {
		op = " IS NOT DISTINCT FROM "
	}
	return "(" + e.L.String() + op + e.R.String() + ")"
}

func (e *And) String() string { return "(" + joinExprs(e.Args, " AND ") + ")" }
func (e *Or) String() string  { return "(" + joinExprs(e.Args, " OR ") + ")" }
func (e *Not) String() string { return "(NOT " + e.X.String() + ")" }

func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

func (e *In) String() string {
	op := " IN ("
	if e.Not {
		op = " NOT IN ("
	}
	return "(" + e.X.String() + op + joinExprs(e.List, ", ") + "))"
}

func (e *Like) String() string {
	op := " LIKE "
	if e.Fold {
		op = " ILIKE "
	}
	if e.Not {
		op = " NOT" + op
	}
	return "(" + e.X.String() + op + "'" + strings.ReplaceAll(e.Pattern, "'", "''") + "')"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *Cast) String() string     { return "CAST(" + e.X.String() + " AS " + e.To.String() + ")" }
func (e *Coalesce) String() string { return "coalesce(" + joinExprs(e.Args, ", ") + ")" }

func (e *Func) String() string {
	if e.Fn == FnConcatOp && len(e.Args) == 2 {
		return "(" + e.Args[0].String() + " || " + e.Args[1].String() + ")"
	}
	return e.Fn.String() + "(" + joinExprs(e.Args, ", ") + ")"
}

func joinExprs(es []Expr, sep string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, sep)
}
