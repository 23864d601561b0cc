package exec

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/eval"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// scanSource reads a table snapshot, one row group per morsel. For each
// row group it first checks the zone maps against the prunable filters,
// then reads only the columns the filters need, evaluates the filters
// window by window, and reads the remaining output columns only when
// some row survived (late materialization: a row group whose rows all
// fail never has its other columns read).
type scanSource struct {
	node  *plan.Scan
	snap  Snapshot
	prune []pruner
	// filterCols are the output positions the filters read; lateCols the
	// others (the row id excluded).
	filterCols, lateCols []int
	st                   OpStats

	groups, pruned, skippedLate atomic.Int64
	bytesRead                   []atomic.Int64 // per output column
	bytesSkipped                atomic.Int64
}

func newScanSource(node *plan.Scan, snap Snapshot) *scanSource {
	s := &scanSource{node: node, snap: snap}
	s.st.Name = "Scan " + node.Table.Name
	s.st.Detail = scanDetail(node)
	used := make([]bool, len(node.Cols))
	for _, f := range node.Filters {
		plan.Walk(f, func(e plan.Expr) bool {
			if c, ok := e.(*plan.ColRef); ok && c.Index < len(used) {
				used[c.Index] = true
			}
			return true
		})
		if p, ok := makePruner(f, node); ok {
			s.prune = append(s.prune, p)
		}
	}
	for i := range node.Cols {
		if used[i] {
			s.filterCols = append(s.filterCols, i)
		} else {
			s.lateCols = append(s.lateCols, i)
		}
	}
	s.bytesRead = make([]atomic.Int64, len(node.Cols))
	s.st.extra = s.extra
	return s
}

func scanDetail(n *plan.Scan) string {
	d := "["
	for i, c := range n.Columns() {
		if i > 0 {
			d += ", "
		}
		d += c.Name
	}
	d += "]"
	if len(n.Filters) > 0 {
		d += " filters=["
		for i, f := range n.Filters {
			if i > 0 {
				d += " AND "
			}
			d += f.String()
		}
		d += "]"
	}
	return d
}

func (s *scanSource) extra() []string {
	out := []string{fmt.Sprintf("row groups: %d scanned, %d pruned by zone maps, %d with no surviving row (late columns not read)",
		s.groups.Load(), s.pruned.Load(), s.skippedLate.Load())}
	line := "bytes read:"
	for i, c := range s.node.Cols {
		line += fmt.Sprintf(" %s=%s", s.node.Table.Columns[c].Name, formatBytes(s.bytesRead[i].Load()))
	}
	out = append(out, line)
	if n := s.bytesSkipped.Load(); n > 0 {
		out = append(out, "bytes not read thanks to zone maps and late materialization: "+formatBytes(n))
	}
	return out
}

func (s *scanSource) open(context.Context) (int, error) { return s.snap.NumRowGroups(), nil }
func (s *scanSource) stats() *OpStats                   { return &s.st }

func (s *scanSource) newLocal() sourceLocal {
	l := &scanLocal{s: s}
	n := len(s.node.Cols)
	l.cols = make([]*chunk.Column, n)
	l.scratch = make([]chunk.Column, n)
	l.vecs = make([]vector.Vector, n)
	width := n
	if s.node.RowID {
		width++
		l.rowid = vector.New(types.BigInt)
	}
	l.batch.Cols = make([]*vector.Vector, width)
	for i := range l.vecs {
		l.batch.Cols[i] = &l.vecs[i]
	}
	if s.node.RowID {
		l.batch.Cols[n] = l.rowid
	}
	for _, f := range s.node.Filters {
		ev, err := eval.New(f)
		if err != nil {
			l.err = err
			break
		}
		l.filters = append(l.filters, ev)
	}
	l.sel = make([]uint16, vector.Size)
	return l
}

type scanLocal struct {
	s       *scanSource
	cols    []*chunk.Column // decoded chunks of the current row group
	scratch []chunk.Column  // decode buffers when the cache does not keep them
	vecs    []vector.Vector
	rowid   *vector.Vector
	batch   vector.Batch
	filters []*eval.Evaluator
	sel     []uint16
	deleted []uint64
	err     error
}

func (l *scanLocal) run(ctx context.Context, p *Pipeline, rg int, push func(*vector.Batch) error) error {
	if l.err != nil {
		return l.err
	}
	s := l.s
	start := time.Now()
	for _, pr := range s.prune {
		if !pr.mayMatch(s.snap, rg) {
			s.pruned.Add(1)
			for _, c := range s.node.Cols {
				s.bytesSkipped.Add(int64(s.snap.ChunkBytes(rg, c)))
			}
			return nil
		}
	}
	s.groups.Add(1)
	rows := s.snap.Rows(rg)
	for _, i := range s.filterCols {
		if err := l.read(rg, i); err != nil {
			return err
		}
	}
	l.deletedBitmap(rg, rows)
	lateRead := len(s.lateCols) == 0
	var in, out int
	elapsed := time.Since(start)
	for at := 0; at < rows; at += vector.Size {
		if p.stopped.Load() {
			return errStop
		}
		t0 := time.Now()
		n := min(vector.Size, rows-at)
		l.batch.Len = n
		l.batch.Sel = nil
		for _, i := range s.filterCols {
			if err := l.window(i, at, n); err != nil {
				return err
			}
		}
		in += n
		if l.deleted != nil {
			l.batch.Sel = l.dropDeleted(at, n)
		}
		for _, f := range l.filters {
			sel, err := f.Select(&l.batch, l.sel[:0])
			if err != nil {
				return err
			}
			l.batch.Sel = sel
			if len(sel) == 0 {
				break
			}
		}
		if l.batch.Active() == 0 {
			elapsed += time.Since(t0)
			continue
		}
		if !lateRead {
			for _, i := range s.lateCols {
				if err := l.read(rg, i); err != nil {
					return err
				}
			}
			lateRead = true
		}
		for _, i := range s.lateCols {
			if err := l.window(i, at, n); err != nil {
				return err
			}
		}
		if s.node.RowID {
			l.rowid.Reset(types.BigInt, n)
			for i := 0; i < n; i++ {
				l.rowid.Ints[i] = RowID(rg, at+i)
			}
		}
		out += l.batch.Active()
		elapsed += time.Since(t0)
		if err := push(&l.batch); err != nil {
			return err
		}
	}
	if !lateRead {
		s.skippedLate.Add(1)
		for _, i := range s.lateCols {
			s.bytesSkipped.Add(int64(s.snap.ChunkBytes(rg, s.node.Cols[i])))
		}
	}
	s.st.RowsIn.Add(int64(in))
	s.st.RowsOut.Add(int64(out))
	s.st.Nanos.Add(int64(elapsed))
	return nil
}

// read decodes output column i of row group rg.
func (l *scanLocal) read(rg, i int) error {
	c := l.s.node.Cols[i]
	col, err := l.s.snap.Column(rg, c, &l.scratch[i])
	if err != nil {
		return fmt.Errorf("frigatebird: scan %s.%s, row group %d: %w", l.s.node.Table.Name, l.s.node.Table.Columns[c].Name, rg, err)
	}
	l.cols[i] = col
	l.s.bytesRead[i].Add(int64(l.s.snap.ChunkBytes(rg, c)))
	return nil
}

// window points output vector i at rows [at, at+n) of its decoded chunk.
func (l *scanLocal) window(i, at, n int) error {
	v, err := vector.FromColumn(l.cols[i], l.s.node.Table.Columns[l.s.node.Cols[i]].T, at, n)
	if err != nil {
		return err
	}
	l.vecs[i] = v
	return nil
}

// deletedBitmap loads row group rg's deleted rows as a bitmap, or nil.
func (l *scanLocal) deletedBitmap(rg, rows int) {
	d := l.s.snap.Deleted(rg)
	if d.Len() == 0 {
		l.deleted = nil
		return
	}
	words := vector.Words(rows)
	if cap(l.deleted) < words {
		l.deleted = make([]uint64, words)
	}
	l.deleted = l.deleted[:words]
	clear(l.deleted)
	for _, r := range d.AppendRows(nil) {
		l.deleted[r>>6] |= 1 << (r & 63)
	}
}

// dropDeleted returns the selection of the window's rows not deleted.
func (l *scanLocal) dropDeleted(at, n int) []uint16 {
	sel := l.sel[:0]
	for i := 0; i < n; i++ {
		r := at + i
		if l.deleted[r>>6]&(1<<(uint(r)&63)) == 0 {
			sel = append(sel, uint16(i))
		}
	}
	return sel // the filters then narrow it in place (eval allows out == b.Sel[:0])
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
