package exec

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Options configures a run.
type Options struct {
	// Workers is the number of worker goroutines per pipeline; default
	// GOMAXPROCS.
	Workers int
}

// Result is a query's output.
type Result struct {
	Columns []plan.Column
	Rows    *vector.Collection
	// Plan is the executed physical plan with its counters (EXPLAIN
	// ANALYZE prints it).
	Plan *Plan
}

// Run executes a logical plan to completion and returns every row.
func Run(ctx context.Context, root plan.Node, opts Options) (*Result, error) {
	p, err := Compile(root, opts)
	if err != nil {
		return nil, err
	}
	defer p.release()
	if err := p.run(ctx); err != nil {
		return nil, err
	}
	return &Result{Columns: root.Columns(), Rows: p.out.rows, Plan: p}, nil
}

// Plan is a physical plan: pipelines in the order they run (each one's
// source reads what earlier ones' sinks built), ending in the result sink.
type Plan struct {
	Pipelines []*Pipeline
	workers   int
	out       *resultSink
	snaps     []Snapshot
	Elapsed   time.Duration
}

// Pipeline is a source, streaming operators and a sink, run by up to
// Workers goroutines, each taking morsels (row groups, result ranges) from
// a shared counter and pushing their batches through its own operator
// states.
type Pipeline struct {
	source  source
	ops     []operator
	sink    sink
	Workers int
	Elapsed time.Duration
	stopped atomic.Bool
	stage   string
	done    atomic.Int64 // morsels finished, for progress
}

// errStop ends a pipeline early: a LIMIT has all its rows.
var errStop = errors.New("frigatebird: exec: stop")

// source produces a pipeline's batches.
type source interface {
	// open prepares the source once its inputs are ready and returns the
	// number of morsels (1 for sources that must be read in order).
	open(ctx context.Context) (int, error)
	newLocal() sourceLocal
	stats() *OpStats
}

type sourceLocal interface {
	// run pushes morsel m's batches to push.
	run(ctx context.Context, p *Pipeline, m int, push func(*vector.Batch) error) error
}

// operator is a streaming operator; each worker gets its own state.
type operator interface {
	newLocal() (opLocal, error)
	stats() *OpStats
}

type opLocal interface {
	push(b *vector.Batch, next func(*vector.Batch) error) error
}

// sink consumes a pipeline's output; finish runs once after every worker
// is done.
type sink interface {
	newLocal() (sinkLocal, error)
	finish(locals []sinkLocal, workers int) error
	stats() *OpStats
}

type sinkLocal interface {
	push(b *vector.Batch, morsel int) error
}

// OpStats are one operator's counters, filled when the plan runs.
type OpStats struct {
	Name    string
	Detail  string
	RowsIn  atomic.Int64
	RowsOut atomic.Int64
	Nanos   atomic.Int64
	// Extra lines (a scan's bytes per column, row groups pruned).
	extra func() []string
}

func (s *OpStats) add(in, out int, since time.Time) {
	s.RowsIn.Add(int64(in))
	s.RowsOut.Add(int64(out))
	s.Nanos.Add(int64(time.Since(since)))
}

func (p *Plan) release() {
	for _, s := range p.snaps {
		s.Release()
	}
	p.snaps = nil
}

func (p *Plan) run(ctx context.Context) error {
	start := time.Now()
	defer func() { p.Elapsed = time.Since(start) }()
	for i, pl := range p.Pipelines {
		pl.stage = "pipeline " + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(p.Pipelines))
		if err := pl.run(ctx, p.workers); err != nil {
			return err
		}
	}
	return nil
}

func (pl *Pipeline) run(ctx context.Context, workers int) error {
	start := time.Now()
	defer func() { pl.Elapsed = time.Since(start) }()
	morsels, err := pl.source.open(ctx)
	if err != nil {
		return err
	}
	n := max(1, min(workers, morsels))
	pl.Workers = n
	locals := make([]sinkLocal, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		sl, err := pl.sink.newLocal()
		if err != nil {
			return err
		}
		locals[w] = sl
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs[w] = pl.work(ctx, sl, &next, morsels, &failed)
			if errs[w] != nil {
				failed.Store(true)
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return pl.sink.finish(locals, workers)
}

// work is one worker: it builds its operator chain and runs morsels
// until none is left, the pipeline stops, or something fails.
func (pl *Pipeline) work(ctx context.Context, sl sinkLocal, next *atomic.Int64, morsels int, failed *atomic.Bool) error {
	src := pl.source.newLocal()
	locals := make([]opLocal, len(pl.ops))
	for i, op := range pl.ops {
		l, err := op.newLocal()
		if err != nil {
			return err
		}
		locals[i] = l
	}
	morsel := 0
	// chain[i] pushes into operator i; chain[len] into the sink.
	chain := make([]func(*vector.Batch) error, len(locals)+1)
	chain[len(locals)] = func(b *vector.Batch) error { return sl.push(b, morsel) }
	for i := len(locals) - 1; i >= 0; i-- {
		l, nxt := locals[i], chain[i+1]
		chain[i] = func(b *vector.Batch) error {
			if b.Active() == 0 {
				return nil
			}
			return l.push(b, nxt)
		}
	}
	for !pl.stopped.Load() && !failed.Load() {
		m := int(next.Add(1) - 1)
		if m >= morsels {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		morsel = m
		err := src.run(ctx, pl, m, chain[0])
		if errors.Is(err, errStop) {
			pl.stopped.Store(true)
			break
		}
		if err != nil {
			return err
		}
		ReportProgress(ctx, Progress{Stage: pl.stage, Done: pl.done.Add(1), Total: int64(morsels)})
	}
	return nil
}

func defaultWorkers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// Discard releases a compiled plan that will not run (EXPLAIN without
// ANALYZE).
func (p *Plan) Discard() { p.release() }
