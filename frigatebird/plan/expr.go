package plan

import (
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Expr is a bound, type-checked scalar expression: the contract between
// the binder (which builds it from parse.Expr) and the evaluator
// (frigatebird/eval, which runs it over vector batches).
//
// Binding guarantees what each node documents about its operands' types:
// implicit casts are explicit *Cast nodes, so the evaluator never
// converts on its own. No node yields INTERVAL except a *Const (an
// interval only ever appears as the constant operand of FnTimestampAddInterval
// and FnTimestampSubInterval). VARCHAR(n) and VARCHAR count as one type
// in these guarantees: operands said to have the same type may differ in
// their length bound, which only a *Cast (before a value is stored)
// checks.
//
// String renders the expression for EXPLAIN; it is SQL-like, not
// necessarily parseable.
type Expr interface {
	Type() types.Type
	String() string
	exprNode()
}

// ColRef reads column Index of the input batch (the output columns of the
// node below the expression's operator).
type ColRef struct {
	Index int
	Name  string // for EXPLAIN and error messages
	T     types.Type
}

// Const is a constant (NULL included: Value.Null, with Value.Type set).
type Const struct {
	Value types.Value
}

// Arith is L op R for op in Add, Sub, Mul, Div, Mod.
//
// Operand types after binding:
//   - integers: L, R and T are the same integer type (overflow is checked
//     against T's range);
//   - floats: L, R and T are DOUBLE (REAL is computed as DOUBLE and cast
//     back by an enclosing *Cast when the result type is REAL);
//   - decimals: L and R are DECIMALs (possibly different scales), T is
//     types.DecimalResult(op, L, R); Div never appears with decimal operands
//     (decimal / decimal is DOUBLE: the binder casts both to DOUBLE).
//
// Date and time arithmetic are *Func nodes (FnDateAddDays, ...), never Arith.
type Arith struct {
	Op   vector.ArithOp
	L, R Expr
	T    types.Type
}

// Neg is -X; X is an integer, a DECIMAL or a DOUBLE (a REAL is negated
// as DOUBLE and cast back) and T == X.Type() (overflow of the minimum
// integer is an error).
type Neg struct {
	X Expr
}

// Compare is L op R, BOOLEAN; L and R have the same type (the binder casts
// both to types.Common), except that DECIMALs may differ in scale. NULL
// operands give NULL.
type Compare struct {
	Op   vector.CmpOp
	L, R Expr
}

// Distinct is L IS DISTINCT FROM R (or IS NOT DISTINCT FROM when Not):
// never NULL; two NULLs are not distinct. Operand types as for Compare.
type Distinct struct {
	L, R Expr
	Not  bool
}

// And is the conjunction of Args (two or more BOOLEANs) with SQL
// three-valued logic: FALSE if any is FALSE, else NULL if any is NULL.
type And struct {
	Args []Expr
}

// Or is the disjunction of Args (two or more BOOLEANs): TRUE if any is
// TRUE, else NULL if any is NULL.
type Or struct {
	Args []Expr
}

// Not is NOT X (BOOLEAN; NULL stays NULL).
type Not struct {
	X Expr
}

// IsNull is X IS NULL, or X IS NOT NULL when Not; never NULL.
type IsNull struct {
	X   Expr
	Not bool
}

// In is X [NOT] IN (List). Every element of List has X's type (decimals:
// the same scale). When every element is a *Const the evaluator uses a
// set; otherwise it compares one by one. SQL semantics: TRUE if X equals
// an element; else NULL if X or an element is NULL; else FALSE (NOT IN
// negates, NULL staying NULL).
type In struct {
	X    Expr
	List []Expr
	Not  bool
}

// Like is X [NOT] LIKE Pattern (ILIKE when Fold). X is VARCHAR; the
// pattern is a constant (the binder refuses others), with \ as escape.
// A NULL X gives NULL.
type Like struct {
	X       Expr
	Pattern string
	Not     bool
	Fold    bool
}

// When is one WHEN Cond THEN Result of a Case.
type When struct {
	Cond   Expr // BOOLEAN; NULL counts as not matched
	Result Expr // of the Case's type
}

// Case is a searched CASE (a simple CASE is rewritten into one): the
// Result of the first When whose Cond is TRUE, else Else (a NULL *Const
// when absent). Results and Else all have type T. Only the rows that reach
// a branch are evaluated by it, so CASE WHEN x <> 0 THEN 1 / x END never
// divides by zero.
type Case struct {
	Whens []When
	Else  Expr
	T     types.Type
}

// Cast converts X to To with types.Cast's rules (errors wrap
// types.ErrCast or types.ErrOutOfRange and name the value).
type Cast struct {
	X  Expr
	To types.Type
}

// Coalesce is the first non-NULL of Args (all of type T); later arguments
// are evaluated only for the rows still NULL.
type Coalesce struct {
	Args []Expr
	T    types.Type
}

// Func is a scalar function call; Fn fixes the operand types (see FuncID).
type Func struct {
	Fn   FuncID
	Args []Expr
	T    types.Type
}

// FuncID names a scalar function. The comment on each gives its argument
// types after binding and its result type; any NULL argument gives NULL
// unless said otherwise.
type FuncID uint8

// Scalar functions.
const (
	FnInvalid FuncID = iota

	// Strings. Lengths and positions count characters (UTF-8), as
	// PostgreSQL does.
	FnLower      // (VARCHAR) VARCHAR
	FnUpper      // (VARCHAR) VARCHAR
	FnLength     // (VARCHAR) BIGINT; also char_length, character_length
	FnSubstring  // (VARCHAR, BIGINT [, BIGINT]) VARCHAR; PostgreSQL clipping; negative count is an error
	FnTrim       // (VARCHAR [, VARCHAR chars]) VARCHAR; both ends; chars default ' '
	FnLTrim      // (VARCHAR [, VARCHAR chars]) VARCHAR
	FnRTrim      // (VARCHAR [, VARCHAR chars]) VARCHAR
	FnConcat     // (VARCHAR, ...) VARCHAR: concat(); NULL arguments are skipped, never NULL
	FnConcatOp   // (VARCHAR, VARCHAR) VARCHAR: the || operator; NULL if either is NULL
	FnReplace    // (VARCHAR, VARCHAR from, VARCHAR to) VARCHAR; empty from leaves the string as is
	FnStartsWith // (VARCHAR, VARCHAR) BOOLEAN

	// Numbers.
	FnAbs   // (T) T for an integer, DECIMAL or DOUBLE T; abs of the minimum integer is an error
	FnRound // (T [, INTEGER digits]) T: DOUBLE half away from zero; DECIMAL keeps its type, rounding at digits (default 0); integers unchanged
	FnFloor // (T) T for DOUBLE or DECIMAL (integers are never passed)
	FnCeil  // (T) T for DOUBLE or DECIMAL

	// Dates and times. Field and unit arguments are VARCHAR constants,
	// lowercased by the binder and checked against types.Extract's and
	// types.DateTrunc's lists.
	FnExtract              // (VARCHAR field, TIMESTAMP) BIGINT, or DOUBLE for 'epoch'; DATE arguments are cast to TIMESTAMP
	FnDateTrunc            // (VARCHAR unit, TIMESTAMP) TIMESTAMP; or (VARCHAR unit, DATE) DATE for units of a day or more
	FnDateAddDays          // (DATE, BIGINT days) DATE: date + integer and integer + date
	FnDateSubDays          // (DATE, BIGINT days) DATE: date - integer
	FnDateDiff             // (DATE, DATE) BIGINT: date - date, in days
	FnTimestampAddInterval // (TIMESTAMP, INTERVAL const) TIMESTAMP: months, then days, then µs (types.AddInterval)
	FnTimestampSubInterval // (TIMESTAMP, INTERVAL const) TIMESTAMP

	// Comparison helpers.
	FnGreatest // (T, T, ...) T: the largest non-NULL argument; NULL only if all are NULL
	FnLeast    // (T, T, ...) T: the smallest non-NULL argument
)

var funcNames = [...]string{
	FnInvalid: "invalid", FnLower: "lower", FnUpper: "upper", FnLength: "length",
	FnSubstring: "substring", FnTrim: "trim", FnLTrim: "ltrim", FnRTrim: "rtrim",
	FnConcat: "concat", FnConcatOp: "||", FnReplace: "replace", FnStartsWith: "starts_with",
	FnAbs: "abs", FnRound: "round", FnFloor: "floor", FnCeil: "ceil",
	FnExtract: "extract", FnDateTrunc: "date_trunc", FnDateAddDays: "date_add_days",
	FnDateSubDays: "date_sub_days", FnDateDiff: "date_diff",
	FnTimestampAddInterval: "timestamp_add_interval", FnTimestampSubInterval: "timestamp_sub_interval",
	FnGreatest: "greatest", FnLeast: "least",
}

func (f FuncID) String() string {
	if int(f) < len(funcNames) && funcNames[f] != "" {
		return funcNames[f]
	}
	return "FuncID(?)"
}

// Type implementations.

func (e *ColRef) Type() types.Type   { return e.T }
func (e *Const) Type() types.Type    { return e.Value.Type }
func (e *Arith) Type() types.Type    { return e.T }
func (e *Neg) Type() types.Type      { return e.X.Type() }
func (e *Compare) Type() types.Type  { return types.Boolean }
func (e *Distinct) Type() types.Type { return types.Boolean }
func (e *And) Type() types.Type      { return types.Boolean }
func (e *Or) Type() types.Type       { return types.Boolean }
func (e *Not) Type() types.Type      { return types.Boolean }
func (e *IsNull) Type() types.Type   { return types.Boolean }
func (e *In) Type() types.Type       { return types.Boolean }
func (e *Like) Type() types.Type     { return types.Boolean }
func (e *Case) Type() types.Type     { return e.T }
func (e *Cast) Type() types.Type     { return e.To }
func (e *Coalesce) Type() types.Type { return e.T }
func (e *Func) Type() types.Type     { return e.T }

func (*ColRef) exprNode()   {}
func (*Const) exprNode()    {}
func (*Arith) exprNode()    {}
func (*Neg) exprNode()      {}
func (*Compare) exprNode()  {}
func (*Distinct) exprNode() {}
func (*And) exprNode()      {}
func (*Or) exprNode()       {}
func (*Not) exprNode()      {}
func (*IsNull) exprNode()   {}
func (*In) exprNode()       {}
func (*Like) exprNode()     {}
func (*Case) exprNode()     {}
func (*Cast) exprNode()     {}
func (*Coalesce) exprNode() {}
func (*Func) exprNode()     {}

// Walk calls fn for e and, while fn returns true, for its operands,
// depth first.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, fn)
	}
}

// Children returns e's operands in evaluation order.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Arith:
		return []Expr{e.L, e.R}
	case *Neg:
		return []Expr{e.X}
	case *Compare:
		return []Expr{e.L, e.R}
	case *Distinct:
		return []Expr{e.L, e.R}
	case *And:
		return e.Args
	case *Or:
		return e.Args
	case *Not:
		return []Expr{e.X}
	case *IsNull:
		return []Expr{e.X}
	case *In:
		return append([]Expr{e.X}, e.List...)
	case *Like:
		return []Expr{e.X}
	case *Case:
		out := make([]Expr, 0, 2*len(e.Whens)+1)
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		return append(out, e.Else)
	case *Cast:
		return []Expr{e.X}
	case *Coalesce:
		return e.Args
	case *Func:
		return e.Args
	}
	return nil
}
