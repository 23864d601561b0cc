package exec

import (
	"context"
	"time"

	"github.com/reefdb/reef/frigatebird/eval"
	"github.com/reefdb/reef/frigatebird/hashagg"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/sorter"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// exprLocal evaluates a list of expressions into one batch: the inputs of
// an aggregate (group keys then arguments), a sort (row then keys) or a
// projection. Subexpressions several of them share are evaluated once
// (shareCommon), into extra columns of the input.
type exprLocal struct {
	shared []*eval.Evaluator
	evs    []*eval.Evaluator
	ext    vector.Batch // the input plus the shared columns
	out    vector.Batch
}

func newExprLocal(exprs []plan.Expr, width int) (*exprLocal, error) {
	shared, exprs := shareCommon(exprs, width)
	l := &exprLocal{evs: make([]*eval.Evaluator, len(exprs)), shared: make([]*eval.Evaluator, len(shared))}
	for i, e := range shared {
		ev, err := eval.New(e)
		if err != nil {
			return nil, err
		}
		l.shared[i] = ev
	}
	for i, e := range exprs {
		ev, err := eval.New(e)
		if err != nil {
			return nil, err
		}
		l.evs[i] = ev
	}
	l.out.Cols = make([]*vector.Vector, len(exprs))
	return l, nil
}

func (l *exprLocal) eval(b *vector.Batch) (*vector.Batch, error) {
	in := b
	if len(l.shared) > 0 {
		l.ext.Cols = append(l.ext.Cols[:0], b.Cols...)
		l.ext.Len, l.ext.Sel = b.Len, b.Sel
		for _, ev := range l.shared {
			v, err := ev.Eval(&l.ext)
			if err != nil {
				return nil, err
			}
			l.ext.Cols = append(l.ext.Cols, v)
		}
		in = &l.ext
	}
	for i, ev := range l.evs {
		v, err := ev.Eval(in)
		if err != nil {
			return nil, err
		}
		l.out.Cols[i] = v
	}
	l.out.Len, l.out.Sel = b.Len, b.Sel
	return &l.out, nil
}

// aggSink is the build side of a hash aggregate: each worker aggregates
// into its own table (partial aggregation); finish merges them.
type aggSink struct {
	node   *plan.Aggregate
	spec   hashagg.Spec
	inputs []plan.Expr
	result *hashagg.Result
	st     OpStats
}

func newAggSink(n *plan.Aggregate) *aggSink {
	s := &aggSink{node: n}
	s.st.Name = "Aggregate"
	s.st.Detail = aggDetail(n)
	for _, g := range n.Groups {
		s.spec.Groups = append(s.spec.Groups, g.Type())
		s.inputs = append(s.inputs, g)
	}
	for _, a := range n.Aggs {
		ag := hashagg.Agg{Func: a.Func, Distinct: a.Distinct, T: a.T}
		if a.Arg != nil {
			ag.Arg = a.Arg.Type()
			s.inputs = append(s.inputs, a.Arg)
		}
		s.spec.Aggs = append(s.spec.Aggs, ag)
	}
	return s
}

func aggDetail(n *plan.Aggregate) string {
	d := "groups=["
	for i, g := range n.Groups {
		if i > 0 {
			d += ", "
		}
		d += g.String()
	}
	d += "] aggs=["
	for i, a := range n.Aggs {
		if i > 0 {
			d += ", "
		}
		d += a.String()
	}
	return d + "]"
}

func (s *aggSink) stats() *OpStats { return &s.st }

func (s *aggSink) newLocal() (sinkLocal, error) {
	if err := s.spec.Validate(); err != nil {
		return nil, err
	}
	in, err := newExprLocal(s.inputs, len(s.node.Input.Columns()))
	if err != nil {
		return nil, err
	}
	return &breakerLocal[*hashagg.Local]{st: &s.st, in: in, local: hashagg.NewLocal(s.spec)}, nil
}

func (s *aggSink) finish(locals []sinkLocal, workers int) error {
	r, err := mergeLocals(&s.st, locals, workers, hashagg.Merge)
	s.result = r
	return err
}

// adder is a breaker's per-worker state: a hashagg.Local or sorter.Local.
type adder interface{ Add(*vector.Batch) error }

// breakerLocal is one worker's side of a breaker: it evaluates the
// breaker's input expressions and adds the result to the worker's state.
type breakerLocal[L adder] struct {
	st    *OpStats
	in    *exprLocal
	local L
}

func (l *breakerLocal[L]) push(b *vector.Batch, _ int) error {
	t0 := time.Now()
	in, err := l.in.eval(b)
	if err != nil {
		return err
	}
	if err := l.local.Add(in); err != nil {
		return err
	}
	l.st.add(b.Active(), 0, t0)
	return nil
}

// mergeLocals merges the workers' states of a breaker, counting the
// result rows and the merge time in st.
func mergeLocals[L adder, R interface{ Len() int }](st *OpStats, locals []sinkLocal, workers int, merge func([]L, int) (R, error)) (R, error) {
	t0 := time.Now()
	ls := make([]L, len(locals))
	for i, l := range locals {
		ls[i] = l.(*breakerLocal[L]).local
	}
	r, err := merge(ls, workers)
	if err != nil {
		return r, err
	}
	st.RowsOut.Store(int64(r.Len()))
	st.Nanos.Add(int64(time.Since(t0)))
	return r, nil
}

// resultSource reads a breaker's result in order, on one worker.
type resultSource struct {
	next func(*vector.Batch) bool
	// width is the number of leading columns passed on (a sort drops its
	// key columns).
	width int
	st    OpStats
}

func (s *resultSource) open(context.Context) (int, error) { return 1, nil }
func (s *resultSource) stats() *OpStats                   { return &s.st }
func (s *resultSource) newLocal() sourceLocal             { return &resultSourceLocal{s: s} }

type resultSourceLocal struct {
	s   *resultSource
	b   vector.Batch
	out vector.Batch
}

func (l *resultSourceLocal) run(_ context.Context, p *Pipeline, _ int, push func(*vector.Batch) error) error {
	for l.s.next(&l.b) {
		if p.stopped.Load() {
			return errStop
		}
		l.out = vector.Batch{Cols: l.b.Cols[:l.s.width], Len: l.b.Len, Sel: l.b.Sel}
		l.s.st.RowsOut.Add(int64(l.out.Active()))
		if err := push(&l.out); err != nil {
			return err
		}
	}
	return nil
}

// sortSink is the build side of ORDER BY (top-N when limited): each
// worker sorts its rows; finish merges the runs.
type sortSink struct {
	node   *plan.Sort
	types  []types.Type
	keys   []sorter.Key
	inputs []plan.Expr
	width  int
	result *sorter.Result
	st     OpStats
}

func newSortSink(n *plan.Sort) *sortSink {
	s := &sortSink{node: n}
	s.st.Name = "Sort"
	s.st.Detail = sortDetail(n)
	in := n.Input.Columns()
	s.width = len(in)
	for i, c := range in {
		s.types = append(s.types, c.T)
		s.inputs = append(s.inputs, &plan.ColRef{Index: i, Name: c.Name, T: c.T})
	}
	for _, k := range n.Keys {
		col := -1
		if ref, ok := k.Expr.(*plan.ColRef); ok {
			col = ref.Index
		} else {
			col = len(s.inputs)
			s.inputs = append(s.inputs, k.Expr)
			s.types = append(s.types, k.Expr.Type())
		}
		s.keys = append(s.keys, sorter.Key{Col: col, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	return s
}

func sortDetail(n *plan.Sort) string {
	d := "["
	for i, k := range n.Keys {
		if i > 0 {
			d += ", "
		}
		d += k.Expr.String()
		if k.Desc {
			d += " DESC"
		}
		if k.NullsFirst {
			d += " NULLS FIRST"
		} else {
			d += " NULLS LAST"
		}
	}
	d += "]"
	if n.Limit >= 0 {
		d += " top " + itoa(n.Offset+n.Limit)
	}
	return d
}

func (s *sortSink) stats() *OpStats { return &s.st }

func (s *sortSink) limit() int64 {
	if s.node.Limit < 0 {
		return -1
	}
	return s.node.Offset + s.node.Limit
}

func (s *sortSink) newLocal() (sinkLocal, error) {
	in, err := newExprLocal(s.inputs, s.width)
	if err != nil {
		return nil, err
	}
	l, err := sorter.NewLocal(s.types, s.keys, s.limit())
	if err != nil {
		return nil, err
	}
	return &breakerLocal[*sorter.Local]{st: &s.st, in: in, local: l}, nil
}

func (s *sortSink) finish(locals []sinkLocal, workers int) error {
	r, err := mergeLocals(&s.st, locals, workers, sorter.Merge)
	s.result = r
	return err
}
