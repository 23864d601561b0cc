package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// clusterNodes is the size of every cluster.
	clusterNodes = 3
	// leaderTimeout bounds the wait for a leader after a cluster starts.
	leaderTimeout = 10 * time.Second
	// leaderPoll is how often the leader wait looks at the nodes.
	leaderPoll = time.Millisecond
	// drainTimeout bounds the wait for the proposals in flight when a run
	// ends; past it the cluster is stopped under them and the run fails.
	drainTimeout = 10 * time.Second
	// latenciesCap is each proposer's initial room for latencies.
	latenciesCap = 1024
)

// Timing of both clusters, chosen to be equal: heartbeats every 10 ms,
// elections after 100–200 ms without one, a leader steps down after an
// election timeout without hearing from a quorum.
const (
	// tick is Octopii's TickInterval; elections take electionTicks ticks,
	// heartbeats heartbeatTicks.
	tick           = 10 * time.Millisecond
	electionTicks  = 10
	heartbeatTicks = 1
	// electionTimeout is hashicorp's HeartbeatTimeout, ElectionTimeout and
	// LeaderLeaseTimeout; it sends heartbeats every tenth of it.
	electionTimeout = electionTicks * tick
)

// cluster is one started cluster with a leader.
type cluster interface {
	// Propose replicates cmd and returns once it is committed and applied on
	// the leader. It is called from many goroutines at once.
	Propose(cmd []byte) error
	// Applied returns how many commands the leader's state machine applied.
	Applied() uint64
	// Close stops every node and releases its files and goroutines. It is
	// called once; proposals in flight then fail.
	Close() error
}

// opener starts a cluster whose nodes keep their data under dir, an empty
// directory, and returns once it has a leader.
type opener func(ctx context.Context, dir string) (cluster, error)

// engines are the two sides, by --engine.
var engines = map[string]opener{
	"octopii":   openOctopii,
	"hashicorp": openHashicorp,
}

// Report is what a run prints on stdout.
type Report struct {
	// Ops counts the proposals that returned inside the measured window;
	// their latencies are what --latencies holds.
	Ops uint64 `json:"ops"`
	// ElapsedNs is the length of the measured window.
	ElapsedNs int64 `json:"elapsed_ns"`
	// Acked counts every proposal that succeeded, warm-up included.
	Acked uint64 `json:"acked"`
	// Applied is how many commands the leader's state machine applied; at
	// least Acked.
	Applied uint64 `json:"applied"`
}

// workload is what one run asks of a cluster.
type workload struct {
	// commands are proposed in turn, cyclically.
	commands    [][]byte
	concurrency int
	// warmup runs the proposers unmeasured; window is then measured.
	warmup, window time.Duration
}

// proposer is what one proposer goroutine measured.
type proposer struct {
	acked     uint64
	latencies []time.Duration
	err       error
}

// run starts a cluster in dir, runs the proposers for w.warmup, measures
// them for w.window, stops them and the cluster. It returns the report and
// the latencies of the measured proposals.
func (w workload) run(ctx context.Context, open opener, dir string) (Report, []time.Duration, error) {
	if w.concurrency < 1 || len(w.commands) == 0 {
		return Report{}, nil, fmt.Errorf("kernelrun: %d proposers, %d commands", w.concurrency, len(w.commands))
	}
	c, err := open(ctx, dir)
	if err != nil {
		return Report{}, nil, fmt.Errorf("start cluster: %w", err)
	}
	props := make([]*proposer, w.concurrency)
	var (
		measuring, stop atomic.Bool
		failOnce        sync.Once
		failed          = make(chan struct{})
		wg              sync.WaitGroup
	)
	for i := range props {
		p := &proposer{latencies: make([]time.Duration, 0, latenciesCap)}
		props[i] = p
		// Proposers start at different places in the pool, so concurrent
		// commands carry different bytes.
		first := i * len(w.commands) / w.concurrency
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := first; !stop.Load(); j++ {
				t0 := time.Now()
				err := c.Propose(w.commands[j%len(w.commands)])
				lat := time.Since(t0)
				if err != nil {
					p.err = fmt.Errorf("proposal %d: %w", p.acked, err)
					stop.Store(true)
					failOnce.Do(func() { close(failed) })
					return
				}
				p.acked++
				if measuring.Load() {
					p.latencies = append(p.latencies, lat)
				}
			}
		}()
	}

	// Warm up, measure, stop; an interrupt or a failed proposal cuts it short.
	var elapsed time.Duration
	cut := !wait(ctx, failed, w.warmup)
	if !cut {
		measuring.Store(true)
		start := time.Now()
		cut = !wait(ctx, failed, w.window)
		measuring.Store(false)
		elapsed = time.Since(start)
	}
	stop.Store(true)

	closed := false
	var closeErr error
	if !waitGroup(&wg, drainTimeout) {
		// A wedged cluster: stopping it fails what is in flight.
		closeErr, closed = c.Close(), true
		wg.Wait()
		closeErr = errors.Join(fmt.Errorf("proposals still pending %v after the run ended", drainTimeout), closeErr)
	}
	rep := Report{ElapsedNs: int64(elapsed), Applied: c.Applied()}
	if !closed {
		closeErr = c.Close()
	}
	var lats []time.Duration
	var errs []error
	for _, p := range props {
		lats = append(lats, p.latencies...)
		rep.Acked += p.acked
		errs = append(errs, p.err)
	}
	rep.Ops = uint64(len(lats))
	switch err := errors.Join(errs...); {
	case err != nil:
		return Report{}, nil, errors.Join(err, closeErr)
	case closeErr != nil:
		return Report{}, nil, fmt.Errorf("stop cluster: %w", closeErr)
	case ctx.Err() != nil:
		return Report{}, nil, ctx.Err()
	case cut:
		panic("kernelrun: run cut short with no failed proposal and no interrupt")
	case rep.Ops == 0:
		return Report{}, nil, fmt.Errorf("no proposal returned in %v", w.window)
	case rep.Applied < rep.Acked:
		// Every acknowledged proposal was applied on the leader before it
		// returned, and the state machine saw nothing else.
		return Report{}, nil, fmt.Errorf("leader applied %d commands, %d proposals acknowledged", rep.Applied, rep.Acked)
	}
	return rep, lats, nil
}

// wait waits for d and reports true, or reports false as soon as ctx ends or
// failed closes.
func wait(ctx context.Context, failed <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-failed:
	}
	return false
}

// waitGroup waits for wg and reports true, or false after timeout.
func waitGroup(wg *sync.WaitGroup, timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// waitLeader polls leader until it returns true, ctx ends or leaderTimeout
// passes.
func waitLeader(ctx context.Context, leader func() bool) error {
	deadline := time.Now().Add(leaderTimeout)
	for !leader() {
		if time.Now().After(deadline) {
			return fmt.Errorf("no leader elected within %v", leaderTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(leaderPoll):
		}
	}
	return nil
}
