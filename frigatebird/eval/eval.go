package eval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// MaxDepth bounds the nesting of an expression tree New accepts (the
// compiler and Fold recurse once per level).
const MaxDepth = 1000

// ErrInvalidExpr is wrapped by New, Fold and Const when a tree breaks the
// binder's contract (plan/expr.go): a nil operand, an operand type the
// node does not take, an unknown FuncID, an INTERVAL outside the interval
// argument of the timestamp functions, a tree deeper than MaxDepth. It is
// also returned by Select for a non-BOOLEAN expression and by Eval and
// Select for a batch whose shape does not match the expression (a missing
// column, a column of another type, a selection past the batch length).
// It always means a bug in the caller, never bad data.
var ErrInvalidExpr = errors.New("eval: invalid expression")

// errDivisionByZero is the error of every division or modulo by zero.
var errDivisionByZero = fmt.Errorf("frigatebird: %w", types.ErrDivisionByZero)

// Evaluator runs one compiled expression over batches. It owns the
// buffers of every intermediate result, so it is not safe for concurrent
// use: make one per worker goroutine (New is cheap).
type Evaluator struct {
	expr plan.Expr
	root node
	c    ctx
	hdr  vector.Vector // the result header when the root's vector is retyped
}

// ctx is the batch being evaluated: what every node reads.
type ctx struct {
	b *vector.Batch
	n int // b.Len
}

// node is a compiled expression. eval computes the node for the rows of
// sel (nil: rows 0..c.n-1; sorted row numbers) into a vector of c.n rows
// of the node's type; the values of other rows are unspecified, and only
// the rows of sel (non-NULL ones) may raise an error. The vector belongs
// to the node (or aliases a batch column, or a child's result) and is
// valid until the node's next eval; callers never write into it.
type node interface {
	eval(c *ctx, sel []uint16) (*vector.Vector, error)
	typ() types.Type
}

// filterer is implemented by BOOLEAN nodes with a faster way to select
// their TRUE rows than evaluating a BOOLEAN vector. filter writes the
// rows of sel where the node is TRUE into out and returns them; out may
// share storage with sel (out = sel[:0]), so implementations read all of
// sel they need before writing out past what they have read.
type filterer interface {
	filter(c *ctx, sel, out []uint16) ([]uint16, error)
}

// filterNode selects the rows of sel where n is TRUE.
func filterNode(n node, c *ctx, sel, out []uint16) ([]uint16, error) {
	if f, ok := n.(filterer); ok {
		return f.filter(c, sel, out)
	}
	v, err := n.eval(c, sel)
	if err != nil {
		return nil, err
	}
	return vector.FilterTrue(v, sel, out), nil
}

// New compiles e: it checks every node's operand types against
// plan/expr.go's guarantees (errors wrap ErrInvalidExpr), folds the
// column-free subtrees that evaluate without error into constants,
// compiles LIKE patterns and constant IN lists, and picks the kernels
// (constant operands, the fast filters of Select).
func New(e plan.Expr) (*Evaluator, error) {
	if err := check(e, 0); err != nil {
		return nil, err
	}
	root, err := compile(e, true)
	if err != nil {
		return nil, err
	}
	return &Evaluator{expr: e, root: root}, nil
}

// Expr returns the expression ev evaluates.
func (ev *Evaluator) Expr() plan.Expr { return ev.expr }

// begin checks b's shape.
func (ev *Evaluator) begin(b *vector.Batch) error {
	if b == nil {
		return fmt.Errorf("%w: nil batch", ErrInvalidExpr)
	}
	if b.Len < 0 || b.Len > vector.Size {
		return fmt.Errorf("%w: batch of %d rows (limit %d)", ErrInvalidExpr, b.Len, vector.Size)
	}
	if len(b.Sel) > b.Len || (len(b.Sel) > 0 && int(b.Sel[len(b.Sel)-1]) >= b.Len) {
		return fmt.Errorf("%w: selection past the batch's %d rows", ErrInvalidExpr, b.Len)
	}
	ev.c = ctx{b: b, n: b.Len}
	return nil
}

// Eval returns the expression's value for each active row of b (b.Sel);
// the values of inactive rows are unspecified. The vector belongs to ev
// and is valid until the next call (it may alias one of b's columns, for
// a bare column reference); its Type is the expression's type. Runtime
// errors (division by zero, overflow, failed casts) come only from active
// rows whose operands are not NULL.
func (ev *Evaluator) Eval(b *vector.Batch) (*vector.Vector, error) {
	if err := ev.begin(b); err != nil {
		return nil, err
	}
	v, err := ev.root.eval(&ev.c, b.Sel)
	ev.c.b = nil
	if err != nil {
		return nil, err
	}
	return retype(v, ev.root.typ(), &ev.hdr), nil
}

// Select writes into out the active rows of b where the BOOLEAN
// expression is TRUE (NULL and FALSE rows drop) and returns them, in
// increasing order; out may be b.Sel[:0] (filtering in place) or nil.
// The result is never nil.
func (ev *Evaluator) Select(b *vector.Batch, out []uint16) ([]uint16, error) {
	if k := ev.root.typ().Kind; k != types.KindBoolean {
		return nil, fmt.Errorf("%w: select needs a BOOLEAN expression, not %s", ErrInvalidExpr, ev.root.typ())
	}
	if err := ev.begin(b); err != nil {
		return nil, err
	}
	res, err := filterNode(ev.root, &ev.c, b.Sel, out)
	ev.c.b = nil
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = []uint16{} // nil would mean every row
	}
	return res, nil
}

// retype returns v with Type t: v itself when it already has it, else a
// header copy in hdr (the types differ only where the physical layout
// agrees: VARCHAR lengths, integer widths, REAL within DOUBLE).
func retype(v *vector.Vector, t types.Type, hdr *vector.Vector) *vector.Vector {
	if v.Type == t {
		return v
	}
	*hdr = *v
	hdr.Type = t
	return hdr
}

// evalError is a runtime error for the user: "frigatebird: <what>",
// unwrapping to the kernel's or types' error (and so to the types
// sentinels).
type evalError struct {
	msg string
	err error
}

func (e *evalError) Error() string { return e.msg }
func (e *evalError) Unwrap() error { return e.err }

// runtimeErr turns an error of a vector kernel or of package types into
// Frigatebird's form: the package prefix replaced by "frigatebird: ".
func runtimeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, types.ErrDivisionByZero) {
		return errDivisionByZero
	}
	var ee *evalError
	if errors.As(err, &ee) {
		return err
	}
	msg := err.Error()
	for _, p := range []string{"vector: ", "types: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return &evalError{msg: "frigatebird: " + msg, err: err}
}

// rangeError reports a value that does not fit type t.
func rangeError(what string, t types.Type) error {
	return &evalError{
		msg: fmt.Sprintf("frigatebird: %s is out of range for %s", what, t),
		err: types.ErrOutOfRange,
	}
}
