package exec

import (
	"context"
	"sync"
	"time"

	"github.com/reefdb/reef/frigatebird/eval"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// filterOp passes the rows where its condition is TRUE.
type filterOp struct {
	cond plan.Expr
	st   OpStats
}

func (f *filterOp) stats() *OpStats { return &f.st }

func (f *filterOp) newLocal() (opLocal, error) {
	ev, err := eval.New(f.cond)
	if err != nil {
		return nil, err
	}
	return &filterLocal{f: f, ev: ev, sel: make([]uint16, 0, vector.Size)}, nil
}

type filterLocal struct {
	f   *filterOp
	ev  *eval.Evaluator
	sel []uint16
	out vector.Batch
}

func (l *filterLocal) push(b *vector.Batch, next func(*vector.Batch) error) error {
	t0 := time.Now()
	sel, err := l.ev.Select(b, l.sel[:0])
	if err != nil {
		return err
	}
	l.sel = sel
	l.out = vector.Batch{Cols: b.Cols, Len: b.Len, Sel: sel}
	l.f.st.add(b.Active(), len(sel), t0)
	return next(&l.out)
}

// projectOp computes expressions over its input.
type projectOp struct {
	exprs []plan.Expr
	width int // input columns
	st    OpStats
}

func (p *projectOp) stats() *OpStats { return &p.st }

func (p *projectOp) newLocal() (opLocal, error) {
	in, err := newExprLocal(p.exprs, p.width)
	if err != nil {
		return nil, err
	}
	return &projectLocal{p: p, in: in}, nil
}

type projectLocal struct {
	p  *projectOp
	in *exprLocal
}

func (l *projectLocal) push(b *vector.Batch, next func(*vector.Batch) error) error {
	t0 := time.Now()
	out, err := l.in.eval(b)
	if err != nil {
		return err
	}
	l.p.st.add(b.Active(), b.Active(), t0)
	return next(out)
}

// limitOp passes rows [offset, offset+count) of the stream (count < 0: no
// end) and stops the pipeline once it has them all. Workers share one
// counter, so with several workers which rows pass is arbitrary, as SQL
// allows; after a sort the pipeline has one worker and keeps the order.
type limitOp struct {
	count, offset int64
	mu            sync.Mutex
	seen          int64
	st            OpStats
}

func (l *limitOp) stats() *OpStats { return &l.st }

func (l *limitOp) newLocal() (opLocal, error) {
	return &limitLocal{l: l}, nil
}

type limitLocal struct {
	l   *limitOp
	sel []uint16
	out vector.Batch
}

func (ll *limitLocal) push(b *vector.Batch, next func(*vector.Batch) error) error {
	l := ll.l
	n := int64(b.Active())
	l.mu.Lock()
	first := l.seen
	l.seen += n
	l.mu.Unlock()
	end := int64(-1)
	if l.count >= 0 {
		end = l.offset + l.count
	}
	// This batch holds stream rows [first, first+n).
	lo := max(l.offset-first, 0)
	hi := n
	if end >= 0 {
		hi = min(n, end-first)
	}
	if lo < hi {
		ll.sel = ll.sel[:0]
		for k := lo; k < hi; k++ {
			r := uint16(k)
			if b.Sel != nil {
				r = b.Sel[k]
			}
			ll.sel = append(ll.sel, r)
		}
		ll.out = vector.Batch{Cols: b.Cols, Len: b.Len, Sel: ll.sel}
		l.st.RowsIn.Add(n)
		l.st.RowsOut.Add(hi - lo)
		if err := next(&ll.out); err != nil {
			return err
		}
	} else {
		l.st.RowsIn.Add(n)
	}
	if end >= 0 && first+n >= end {
		return errStop
	}
	return nil
}

// resultSink collects the final rows, keeping morsel order so a plain
// scan returns rows in table order.
type resultSink struct {
	types []types.Type
	rows  *vector.Collection
	st    OpStats
}

func (r *resultSink) stats() *OpStats { return &r.st }

func (r *resultSink) newLocal() (sinkLocal, error) {
	return &resultLocal{r: r, parts: map[int]*vector.Collection{}}, nil
}

type resultLocal struct {
	r     *resultSink
	parts map[int]*vector.Collection
}

func (l *resultLocal) push(b *vector.Batch, morsel int) error {
	c := l.parts[morsel]
	if c == nil {
		c = vector.NewCollection(l.r.types)
		l.parts[morsel] = c
	}
	c.Append(b)
	l.r.st.RowsIn.Add(int64(b.Active()))
	return nil
}

func (r *resultSink) finish(locals []sinkLocal, _ int) error {
	all := map[int]*vector.Collection{}
	last := -1
	for _, l := range locals {
		for m, c := range l.(*resultLocal).parts {
			all[m] = c
			last = max(last, m)
		}
	}
	r.rows = vector.NewCollection(r.types)
	var b vector.Batch
	rows := make([]uint32, 0, vector.Size)
	for m := 0; m <= last; m++ {
		c := all[m]
		if c == nil {
			continue
		}
		if len(all) == 1 {
			r.rows = c
			break
		}
		for at := 0; at < c.Len(); at += vector.Size {
			n := min(vector.Size, c.Len()-at)
			rows = c.Read(at, n, &b, rows)
			r.rows.Append(&b)
		}
	}
	r.st.RowsOut.Store(int64(r.rows.Len()))
	return nil
}

// oneRowSource produces one row without columns.
type oneRowSource struct{ st OpStats }

func (s *oneRowSource) open(context.Context) (int, error) { return 1, nil }
func (s *oneRowSource) stats() *OpStats                   { return &s.st }
func (s *oneRowSource) newLocal() sourceLocal             { return s }
func (s *oneRowSource) run(_ context.Context, _ *Pipeline, _ int, push func(*vector.Batch) error) error {
	s.st.RowsOut.Add(1)
	return push(&vector.Batch{Len: 1})
}

// valuesSource produces constant rows.
type valuesSource struct {
	node *plan.Values
	rows *vector.Collection
	st   OpStats
}

func (s *valuesSource) stats() *OpStats { return &s.st }

func (s *valuesSource) open(context.Context) (int, error) {
	ts := make([]types.Type, len(s.node.Cols))
	for i, c := range s.node.Cols {
		ts[i] = c.T
	}
	s.rows = vector.NewCollection(ts)
	b := vector.Batch{Cols: make([]*vector.Vector, len(ts)), Len: 1}
	for i, t := range ts {
		b.Cols[i] = vector.New(t)
	}
	for _, row := range s.node.Rows {
		for i, e := range row {
			v, err := eval.Const(e)
			if err != nil {
				return 0, err
			}
			setValue(b.Cols[i], ts[i], v)
		}
		s.rows.Append(&b)
	}
	return collectionMorsels(s.rows), nil
}

func (s *valuesSource) newLocal() sourceLocal {
	return &collectionLocal{rows: func() *vector.Collection { return s.rows }, st: &s.st}
}

// setValue makes v a one-row vector holding x (cast to t's physical form).
func setValue(v *vector.Vector, t types.Type, x types.Value) {
	v.Reset(t, 1)
	if x.Null {
		if t.Phys() == types.PhysBytes {
			v.AppendStr(0, nil)
		}
		v.SetNull(0)
		return
	}
	switch t.Phys() {
	case types.PhysInt64:
		v.Ints[0] = x.Int
	case types.PhysFloat64:
		v.Floats[0] = x.Float
	case types.PhysBool:
		v.SetBool(0, x.Bool)
	case types.PhysBytes:
		v.AppendStr(0, []byte(x.Str))
	}
}

// collectionMorsels splits a collection into morsels of 16 vectors.
func collectionMorsels(c *vector.Collection) int {
	const rows = 16 * vector.Size
	return (c.Len() + rows - 1) / rows
}

// collectionLocal reads morsels of a collection.
type collectionLocal struct {
	rows  func() *vector.Collection
	st    *OpStats
	b     vector.Batch
	index []uint32
}

func (l *collectionLocal) run(_ context.Context, p *Pipeline, m int, push func(*vector.Batch) error) error {
	c := l.rows()
	const rows = 16 * vector.Size
	end := min(c.Len(), (m+1)*rows)
	for at := m * rows; at < end; at += vector.Size {
		if p.stopped.Load() {
			return errStop
		}
		n := min(vector.Size, end-at)
		l.index = c.Read(at, n, &l.b, l.index)
		l.st.RowsOut.Add(int64(n))
		if err := push(&l.b); err != nil {
			return err
		}
	}
	return nil
}
