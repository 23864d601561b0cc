//go:build !reefonly

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The walrus suite: appends to one topic of Reef's Walrus against the same
// appends to Pebble used as a log and to etcd's WAL, at equal durability.
//
// Parameters: entry size (128 B, 1 KiB) × producers (1, 4, 16) × durability
// (sync, interval, none). Each producer is a goroutine that appends seeded
// random values as fast as it can until the run's time is up, timing every
// append into its own histogram.
//
// Metrics: appends_per_s and mb_per_s (payload bytes, MB = 10^6 bytes) over
// the wall time from the start signal until the last producer returned;
// p50_ms, p99_ms and p999_ms of the per-append latency, merged across
// producers. Opening and closing the engine is not timed.

func init() {
	registerSuite(&Suite{
		Name:    "walrus",
		Summary: "Walrus appends vs Pebble and etcd's WAL: appends/s, MB/s, p50/p99/p99.9 latency per durability and concurrency",
		Cases:   walrusCases,
	})
}

// durability is the promise an acknowledged append carries, the same on every
// side of a case.
type durability int

const (
	// durSync: an append returns after its bytes were fsynced.
	durSync durability = iota
	// durInterval: an append returns before any fsync; a background fsync
	// every walrusSyncInterval bounds what a power loss can take.
	durInterval
	// durNone: no fsync at all while appending.
	durNone
)

func (d durability) String() string {
	switch d {
	case durSync:
		return "sync"
	case durInterval:
		return "interval"
	case durNone:
		return "none"
	}
	return fmt.Sprintf("durability(%d)", int(d))
}

// walrusSyncInterval is the fsync period of interval durability, on every side.
const walrusSyncInterval = 100 * time.Millisecond

// walrusTopic is the one topic every run appends to.
const walrusTopic = "bench"

// walrusPoolEntries is how many distinct values each payload pool holds (512
// KiB of 128 B values, 4 MiB of 1 KiB values): more than any cache line
// trick could exploit, little enough to stay out of the measurement.
const walrusPoolEntries = 4096

// walrusLog is one engine opened as an append-only log for one run.
type walrusLog interface {
	// Appender returns a handle for one producer goroutine; handles are not
	// shared between goroutines.
	Appender() walrusAppender
	// Close stops the engine's background work and closes it. It is called
	// once, after every producer returned.
	Close() error
}

// walrusDrainer is implemented by engines whose acknowledgement can come
// before their bytes reach the OS; Drain writes what they buffer (no fsync).
type walrusDrainer interface {
	Drain() error
}

type walrusAppender interface {
	// Append appends value and returns its offset once the value is as
	// durable as the log's durability promises. It must not retain value
	// after returning.
	Append(value []byte) (offset uint64, err error)
}

// walrusOpener opens an engine in dir, an empty directory, with a durability.
type walrusOpener func(dir string, d durability) (walrusLog, error)

// walrusEngine is one side of the suite.
type walrusEngine struct {
	name string
	open walrusOpener
}

// walrusPeers are the peers in the order they run after Reef in each round.
var walrusPeers = []walrusEngine{
	{name: pebbleName, open: openPebbleLog},
	{name: etcdWALName, open: openEtcdWAL},
}

var walrusMetrics = []Metric{
	{"appends_per_s", Higher},
	{"mb_per_s", Higher},
	{"p50_ms", Lower},
	{"p99_ms", Lower},
	{"p999_ms", Lower},
}

// walrusTimes are the durations of a measured run and of a warm-up run.
func walrusTimes(quick bool) (run, warmup time.Duration) {
	if quick {
		return 300 * time.Millisecond, 100 * time.Millisecond
	}
	return 2 * time.Second, 500 * time.Millisecond
}

func walrusCases(cfg Config) ([]Case, error) {
	runTime, warmupTime := walrusTimes(cfg.Quick)
	sizes := []struct {
		name      string
		sizeBytes int
	}{{"128B", 128}, {"1KiB", 1024}}
	pools := make(map[int]*Payloads)
	for _, s := range sizes {
		pools[s.sizeBytes] = NewPayloads(cfg.Seed, s.sizeBytes, walrusPoolEntries)
	}
	var cases []Case
	for _, d := range []durability{durSync, durInterval, durNone} {
		for _, s := range sizes {
			for _, producers := range []int{1, 4, 16} {
				w := walrusWorkload{
					durability: d,
					payloads:   pools[s.sizeBytes],
					producers:  producers,
					runTime:    runTime,
					warmupTime: warmupTime,
				}
				c := Case{
					Name:    fmt.Sprintf("%s %s p%d", d, s.name, producers),
					Metrics: walrusMetrics,
					Reef:    w.side(walrusEngine{name: "reef", open: openReefWalrus}),
				}
				for _, p := range walrusPeers {
					c.Peers = append(c.Peers, w.side(p))
				}
				cases = append(cases, c)
			}
		}
	}
	return cases, nil
}

// walrusWorkload is what one case asks of every side.
type walrusWorkload struct {
	durability durability
	payloads   *Payloads
	producers  int
	runTime    time.Duration
	warmupTime time.Duration
}

func (w walrusWorkload) side(e walrusEngine) Side {
	return Side{
		Name: e.name,
		Run: func(ctx context.Context, r Run) (Sample, error) {
			d := w.runTime
			if r.Warmup {
				d = w.warmupTime
			}
			return w.run(ctx, e, r.Dir, d)
		},
	}
}

// producerResult is what one producer goroutine measured.
type producerResult struct {
	appends uint64
	hist    Histogram
	err     error
}

// run opens the engine, lets the producers append for runTime, and closes it.
func (w walrusWorkload) run(ctx context.Context, e walrusEngine, dir string, runTime time.Duration) (Sample, error) {
	l, err := e.open(dir, w.durability)
	if err != nil {
		return nil, fmt.Errorf("%s: open: %w", e.name, err)
	}
	results := make([]*producerResult, w.producers)
	for i := range results {
		results[i] = &producerResult{}
	}
	var (
		stop     atomic.Bool
		startGun = make(chan struct{})
		wg       sync.WaitGroup
	)
	for i := 0; i < w.producers; i++ {
		app := l.Appender()
		res := results[i]
		// Producers start at different places in the pool, so concurrent
		// appends carry different values.
		first := i * (walrusPoolEntries / w.producers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			w.produce(app, first, &stop, res)
		}()
	}
	timer := time.AfterFunc(runTime, func() { stop.Store(true) })
	cancelled := context.AfterFunc(ctx, func() { stop.Store(true) })
	start := time.Now()
	close(startGun)
	wg.Wait()
	// An engine that acknowledges before handing bytes to the OS pays for
	// handing over what it still buffers inside the timed region.
	if d, ok := l.(walrusDrainer); ok {
		if err := d.Drain(); err != nil {
			l.Close()
			return nil, fmt.Errorf("%s: drain: %w", e.name, err)
		}
	}
	elapsed := time.Since(start)
	timer.Stop()
	cancelled()

	closeErr := l.Close()
	var total Histogram
	var appends uint64
	var errs []error
	for _, r := range results {
		total.Merge(&r.hist)
		appends += r.appends
		errs = append(errs, r.err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", e.name, err)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("%s: close: %w", e.name, closeErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if appends == 0 {
		return nil, fmt.Errorf("%s: no append completed in %v", e.name, runTime)
	}
	secs := elapsed.Seconds()
	ms := func(q float64) float64 { return float64(total.Quantile(q)) / float64(time.Millisecond) }
	return Sample{
		"appends_per_s": float64(appends) / secs,
		"mb_per_s":      float64(appends) * float64(w.payloads.SizeBytes()) / 1e6 / secs,
		"p50_ms":        ms(0.50),
		"p99_ms":        ms(0.99),
		"p999_ms":       ms(0.999),
	}, nil
}

// produce appends until stop is set, timing each append. It also checks that
// the offsets one producer receives increase, which holds for any log.
func (w walrusWorkload) produce(app walrusAppender, first int, stop *atomic.Bool, res *producerResult) {
	var last uint64
	for i := first; !stop.Load(); i++ {
		v := w.payloads.At(i)
		t0 := time.Now()
		off, err := app.Append(v)
		lat := time.Since(t0)
		if err != nil {
			res.err = fmt.Errorf("append %d: %w", res.appends, err)
			return
		}
		if res.appends > 0 && off <= last {
			res.err = fmt.Errorf("append %d: offset %d after offset %d", res.appends, off, last)
			return
		}
		last = off
		res.hist.Record(lat)
		res.appends++
	}
}
