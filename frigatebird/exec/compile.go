package exec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Compile turns a logical plan into pipelines, split at the pipeline
// breakers (aggregate, sort): each breaker is the sink of the pipeline
// below it and the source of the one above. Compile takes the table
// snapshots the scans read; Run releases them.
func Compile(root plan.Node, opts Options) (*Plan, error) {
	c := &compiler{p: &Plan{workers: defaultWorkers(opts.Workers)}}
	part, err := c.build(root)
	if err != nil {
		c.p.release()
		return nil, err
	}
	out := &resultSink{}
	out.st.Name = "Result"
	for _, col := range root.Columns() {
		out.types = append(out.types, col.T)
	}
	c.finish(part, out)
	c.p.out = out
	return c.p, nil
}

type compiler struct {
	p *Plan
}

// partial is a pipeline under construction: a source and the streaming
// operators above it so far.
type partial struct {
	source source
	ops    []operator
}

func (c *compiler) finish(p *partial, s sink) {
	c.p.Pipelines = append(c.p.Pipelines, &Pipeline{source: p.source, ops: p.ops, sink: s})
}

func (c *compiler) build(n plan.Node) (*partial, error) {
	switch n := n.(type) {
	case *plan.Scan:
		t, err := tableOf(n.Table.Handle)
		if err != nil {
			return nil, err
		}
		snap, err := t.Snapshot()
		if err != nil {
			return nil, err
		}
		c.p.snaps = append(c.p.snaps, snap)
		return &partial{source: newScanSource(n, snap)}, nil
	case *plan.OneRow:
		s := &oneRowSource{}
		s.st.Name = "OneRow"
		return &partial{source: s}, nil
	case *plan.Values:
		s := &valuesSource{node: n}
		s.st.Name = "Values"
		s.st.Detail = strconv.Itoa(len(n.Rows)) + " rows"
		return &partial{source: s}, nil
	case *plan.Filter:
		p, err := c.build(n.Input)
		if err != nil {
			return nil, err
		}
		op := &filterOp{cond: n.Cond}
		op.st.Name, op.st.Detail = "Filter", n.Cond.String()
		p.ops = append(p.ops, op)
		return p, nil
	case *plan.Project:
		p, err := c.build(n.Input)
		if err != nil {
			return nil, err
		}
		op := &projectOp{exprs: n.Exprs, width: len(n.Input.Columns())}
		op.st.Name = "Project"
		parts := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			parts[i] = e.String()
			if n.Names[i] != "" && n.Names[i] != parts[i] {
				parts[i] += " AS " + n.Names[i]
			}
		}
		op.st.Detail = "[" + strings.Join(parts, ", ") + "]"
		p.ops = append(p.ops, op)
		return p, nil
	case *plan.Limit:
		p, err := c.build(n.Input)
		if err != nil {
			return nil, err
		}
		op := &limitOp{count: n.Count, offset: n.Offset}
		op.st.Name = "Limit"
		op.st.Detail = "count " + itoa(n.Count)
		if n.Offset > 0 {
			op.st.Detail += " offset " + itoa(n.Offset)
		}
		p.ops = append(p.ops, op)
		return p, nil
	case *plan.Aggregate:
		p, err := c.build(n.Input)
		if err != nil {
			return nil, err
		}
		s := newAggSink(n)
		c.finish(p, s)
		src := &resultSource{width: len(n.Groups) + len(n.Aggs)}
		src.st.Name = "Aggregate result"
		src.next = func(b *vector.Batch) bool { return s.result.Next(b) }
		return &partial{source: src}, nil
	case *plan.Sort:
		p, err := c.build(n.Input)
		if err != nil {
			return nil, err
		}
		s := newSortSink(n)
		c.finish(p, s)
		src := &resultSource{width: s.width}
		src.st.Name = "Sorted result"
		src.next = func(b *vector.Batch) bool { return s.result.Next(b) }
		return &partial{source: src}, nil
	}
	return nil, fmt.Errorf("frigatebird: exec: plan node %T is not supported", n)
}

// Format prints the pipelines, one operator per line from source to sink;
// with analyze, each line carries its rows in and out and its time, and a
// scan its row groups and bytes read per column.
func (p *Plan) Format(analyze bool) string {
	var b strings.Builder
	for i, pl := range p.Pipelines {
		fmt.Fprintf(&b, "Pipeline %d", i+1)
		if analyze {
			fmt.Fprintf(&b, " (%d workers, %s)", pl.Workers, fmtDur(pl.Elapsed))
		}
		b.WriteString("\n")
		stats := []*OpStats{pl.source.stats()}
		for _, op := range pl.ops {
			stats = append(stats, op.stats())
		}
		stats = append(stats, pl.sink.stats())
		for _, st := range stats {
			b.WriteString("  " + st.Name)
			if st.Detail != "" {
				b.WriteString(" " + st.Detail)
			}
			if analyze {
				fmt.Fprintf(&b, "  (rows %d → %d, %s)", st.RowsIn.Load(), st.RowsOut.Load(), fmtDur(time.Duration(st.Nanos.Load())))
			}
			b.WriteString("\n")
			if analyze && st.extra != nil {
				for _, line := range st.extra() {
					b.WriteString("    " + line + "\n")
				}
			}
		}
	}
	if analyze {
		fmt.Fprintf(&b, "Total: %s\n", fmtDur(p.Elapsed))
	}
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// columnTypes returns the types of a node's output.
func columnTypes(n plan.Node) []types.Type {
	cols := n.Columns()
	ts := make([]types.Type, len(cols))
	for i, c := range cols {
		ts[i] = c.T
	}
	return ts
}
