package parse

import (
	"strconv"
	"strings"
)

// Expr is a scalar expression. String deparses it to SQL that Parse reads
// back to the same tree (positions aside); EXPLAIN and tests print it.
type Expr interface {
	Node
	String() string
	exprNode()
}

// ColumnRef is a column, optionally qualified by its table (or alias).
type ColumnRef struct {
	At     int
	Table  string // "" when unqualified
	Column string
}

// LitKind is the kind of a Literal.
type LitKind uint8

// Literal kinds. Integers that fit int64 are LitInt; larger integers and
// numbers with a decimal point are LitDecimal (exact text); numbers with an
// exponent are LitFloat.
const (
	LitNull LitKind = iota
	LitBool
	LitInt
	LitDecimal
	LitFloat
	LitString
	LitDate      // DATE '2024-01-01'
	LitTimestamp // TIMESTAMP '2024-01-01 10:00:00'
	LitInterval  // INTERVAL '3 days'
)

// Literal is a constant.
type Literal struct {
	At   int
	Kind LitKind
	Bool bool
	Int  int64
	// Float is the value of a LitFloat.
	Float float64
	// Text is the digits of a LitDecimal (such as "-12.50"), the value of a
	// LitString, or the quoted text of a LitDate, LitTimestamp or
	// LitInterval. Parse does not validate dates: the planner does, at At.
	Text string
	// Scale is the number of digits after the point of a LitDecimal.
	Scale int
}

// Param is a positional parameter $n of a prepared statement.
type Param struct {
	At    int
	Index int // 1-based
}

// UnaryOp is a prefix operator.
type UnaryOp uint8

// Unary operators.
const (
	OpNeg UnaryOp = iota + 1 // -x
	OpNot                    // NOT x
)

// Unary is -x or NOT x.
type Unary struct {
	At int
	Op UnaryOp
	X  Expr
}

// BinaryOp is an infix operator.
type BinaryOp uint8

// Binary operators. AND and OR chains fold left: a AND b AND c is
// ((a AND b) AND c).
const (
	OpAdd BinaryOp = iota + 1
	OpSub
	OpMul
	OpDiv
	OpMod
	OpConcat // ||
	OpEq
	OpNe // <> and !=
	OpLt
	OpLe
	OpGt
	OpGe
	OpAnd
	OpOr
	OpIsDistinct    // IS DISTINCT FROM
	OpIsNotDistinct // IS NOT DISTINCT FROM
)

var binaryOpText = map[BinaryOp]string{
	OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%", OpConcat: "||",
	OpEq: "=", OpNe: "<>", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpAnd: "AND", OpOr: "OR",
	OpIsDistinct: "IS DISTINCT FROM", OpIsNotDistinct: "IS NOT DISTINCT FROM",
}

func (op BinaryOp) String() string { return binaryOpText[op] }

// Binary is l op r.
type Binary struct {
	At   int
	Op   BinaryOp
	L, R Expr
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	At  int
	X   Expr
	Not bool
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	At        int
	X, Lo, Hi Expr
	Not       bool
}

// In is x [NOT] IN (list).
type In struct {
	At   int
	X    Expr
	List []Expr
	Not  bool
}

// Like is x [NOT] LIKE pattern, or ILIKE when CaseInsensitive.
type Like struct {
	At              int
	X, Pattern      Expr
	Not             bool
	CaseInsensitive bool
}

// When is one WHEN cond THEN result of a Case.
type When struct {
	Cond, Result Expr
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END. With an Operand
// (simple CASE) each When.Cond is compared to it for equality.
type Case struct {
	At      int
	Operand Expr // nil: searched CASE
	Whens   []When
	Else    Expr // nil: ELSE NULL
}

// Cast is CAST(x AS type) or x::type.
type Cast struct {
	At   int
	X    Expr
	Type Type
}

// Func is a function call, aggregates included. Name is lowercased and
// unqualified. COALESCE, NULLIF, GREATEST and LEAST, CURRENT_DATE and
// CURRENT_TIMESTAMP arrive here too, and so do the SQL-syntax calls:
// extract(field FROM x) is extract('field', x); substring(x FROM a FOR b)
// is substring(x, a, b); trim(x) is trim(x) (PostgreSQL's btrim).
type Func struct {
	At       int
	Name     string
	Args     []Expr
	Distinct bool // count(DISTINCT x)
	Star     bool // count(*); Args is empty
}

func (e *ColumnRef) Pos() int { return e.At }
func (e *Literal) Pos() int   { return e.At }
func (e *Param) Pos() int     { return e.At }
func (e *Unary) Pos() int     { return e.At }
func (e *Binary) Pos() int    { return e.At }
func (e *IsNull) Pos() int    { return e.At }
func (e *Between) Pos() int   { return e.At }
func (e *In) Pos() int        { return e.At }
func (e *Like) Pos() int      { return e.At }
func (e *Case) Pos() int      { return e.At }
func (e *Cast) Pos() int      { return e.At }
func (e *Func) Pos() int      { return e.At }

func (*ColumnRef) exprNode() {}
func (*Literal) exprNode()   {}
func (*Param) exprNode()     {}
func (*Unary) exprNode()     {}
func (*Binary) exprNode()    {}
func (*IsNull) exprNode()    {}
func (*Between) exprNode()   {}
func (*In) exprNode()        {}
func (*Like) exprNode()      {}
func (*Case) exprNode()      {}
func (*Cast) exprNode()      {}
func (*Func) exprNode()      {}

// quoteIdent quotes an identifier when reading it back would change it.
func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && (r >= '0' && r <= '9' || r == '$')) {
			plain = false
			break
		}
	}
	if plain && !reservedWords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// reservedWords are identifiers String must quote to read them back; the
// list covers the keywords a column is likely to be named after.
var reservedWords = map[string]bool{
	"all": true, "and": true, "as": true, "asc": true, "between": true, "by": true,
	"case": true, "cast": true, "check": true, "column": true, "create": true,
	"default": true, "desc": true, "distinct": true, "else": true, "end": true,
	"false": true, "for": true, "from": true, "group": true, "having": true,
	"in": true, "is": true, "like": true, "limit": true, "not": true, "null": true,
	"offset": true, "on": true, "or": true, "order": true, "select": true,
	"table": true, "then": true, "to": true, "true": true, "user": true,
	"when": true, "where": true, "with": true,
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (e *ColumnRef) String() string {
	if e.Table != "" {
		return quoteIdent(e.Table) + "." + quoteIdent(e.Column)
	}
	return quoteIdent(e.Column)
}

func (e *Literal) String() string {
	switch e.Kind {
	case LitNull:
		return "NULL"
	case LitBool:
		if e.Bool {
			return "TRUE"
		}
		return "FALSE"
	case LitInt:
		return strconv.FormatInt(e.Int, 10)
	case LitDecimal:
		return e.Text
	case LitFloat:
		s := strconv.FormatFloat(e.Float, 'e', -1, 64)
		return s
	case LitString:
		return quoteString(e.Text)
	case LitDate:
		return "DATE " + quoteString(e.Text)
	case LitTimestamp:
		return "TIMESTAMP " + quoteString(e.Text)
	case LitInterval:
		return "INTERVAL " + quoteString(e.Text)
	}
	return "?"
}

func (e *Param) String() string { return "$" + strconv.Itoa(e.Index) }

func (e *Unary) String() string {
	if e.Op == OpNot {
		return "(NOT " + e.X.String() + ")"
	}
	return "(- " + e.X.String() + ")"
}

func (e *Binary) String() string {
	return "(" + e.L.String() + " " + e.Op.String() + " " + e.R.String() + ")"
}

func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

func (e *Between) String() string {
	not := ""
	if e.Not {
		not = "NOT "
	}
	return "(" + e.X.String() + " " + not + "BETWEEN " + e.Lo.String() + " AND " + e.Hi.String() + ")"
}

func (e *In) String() string {
	not := ""
	if e.Not {
		not = "NOT "
	}
	return "(" + e.X.String() + " " + not + "IN (" + joinExprs(e.List) + "))"
}

func (e *Like) String() string {
	op := "LIKE"
	if e.CaseInsensitive {
		op = "ILIKE"
	}
	if e.Not {
		op = "NOT " + op
	}
	return "(" + e.X.String() + " " + op + " " + e.Pattern.String() + ")"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if e.Operand != nil {
		b.WriteString(" " + e.Operand.String())
	}
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *Cast) String() string {
	return "CAST(" + e.X.String() + " AS " + e.Type.String() + ")"
}

func (e *Func) String() string {
	switch {
	case e.Star:
		return e.Name + "(*)"
	case e.Distinct:
		return e.Name + "(DISTINCT " + joinExprs(e.Args) + ")"
	case e.Name == "current_date" || e.Name == "current_timestamp":
		if len(e.Args) == 0 {
			return e.Name
		}
	case e.Name == "extract" && len(e.Args) == 2:
		if l, ok := e.Args[0].(*Literal); ok && l.Kind == LitString {
			return "extract(" + l.Text + " FROM " + e.Args[1].String() + ")"
		}
	}
	return quoteFunc(e.Name) + "(" + joinExprs(e.Args) + ")"
}

// quoteFunc quotes function names that would otherwise read back as SQL
// syntax rather than a plain call.
func quoteFunc(name string) string {
	switch name {
	case "extract", "substring", "trim", "position", "overlay", "current_date", "current_timestamp":
		return `"` + name + `"`
	}
	return quoteIdent(name)
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// Conjuncts splits e at its top-level ANDs: a AND (b AND c) gives [a b c].
// A nil e gives nil.
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*Binary); ok && b.Op == OpAnd {
		return append(Conjuncts(b.L), Conjuncts(b.R)...)
	}
	return []Expr{e}
}
