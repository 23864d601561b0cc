package persist

import (
	"fmt"
)

// Rewrite compacts the AOF (BGREWRITEAOF): it switches appends to a new
// topic generation, writes a snapshot of the keyspace from the records
// iterate emits, then makes that snapshot the base and the new topic the
// only one to replay, and deletes the old topics and snapshot. It returns
// ErrRewriteInProgress while another rewrite runs, and ErrClosed if Close
// interrupts it, and ErrLoadOrder before Load (a rewrite snapshots the
// keyspace, which must hold what the log held). Appends and Syncs go on
// meanwhile; they wait only for one MANIFEST write the flusher makes at the
// switch.
//
// iterate is called once the switch is in place, and emits every key, each
// read under the lock its writers Append under, while writes go on (a fuzzy
// snapshot; the package doc says why it is correct). It runs on the calling
// goroutine; run Rewrite in its own goroutine for a background rewrite.
//
// A failed rewrite leaves a valid AOF: the base snapshot and every topic
// since are kept until a rewrite succeeds.
func (a *AOF) Rewrite(iterate func(emit func(Record) error) error) error {
	if !a.rewriting.CompareAndSwap(false, true) {
		return ErrRewriteInProgress
	}
	defer a.rewriting.Store(false)
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		return ErrClosed
	}
	if a.err != nil {
		err := a.err
		a.mu.Unlock()
		return err
	}
	if !a.loaded {
		a.mu.Unlock()
		return ErrLoadOrder
	}
	a.rewriteWG.Add(1)
	a.mu.Unlock()
	defer a.rewriteWG.Done()

	start := a.opts.Now()
	a.stats.Lock()
	a.stats.rewriteStarted = start
	a.stats.Unlock()
	err := a.rewrite(iterate)
	end := a.opts.Now()
	a.stats.Lock()
	a.stats.lastRewriteErr = err
	a.stats.lastRewriteTime = end
	a.stats.lastRewriteDuration = end.Sub(start)
	if err != nil {
		a.stats.rewriteFailures++
	} else {
		a.stats.rewrites++
	}
	a.stats.Unlock()
	if err != nil {
		a.opts.Logger.Warn("aof rewrite failed", "err", err)
	} else {
		a.rewriteBase.Store(a.Size())
		a.opts.Logger.Info("aof rewritten", "gen", a.gen.Load(), "size", a.Size(), "duration", end.Sub(start))
	}
	return err
}

func (a *AOF) rewrite(iterate func(emit func(Record) error) error) error {
	a.manifestMu.Lock()
	gen := a.man.last().gen + 1
	a.manifestMu.Unlock()
	name := topicName(gen)
	if err := a.log.CreateTopic(name); err != nil {
		return fmt.Errorf("persist: rewrite: create topic %s: %w", name, err)
	}
	t, err := a.log.Topic(name)
	if err != nil {
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	a.callHook("created")

	// The switch point: every command appended before it goes to the old
	// topics, every later one to the new topic. iterate starts after it.
	sw := &switchReq{gen: gen, topic: t, done: make(chan error, 1)}
	a.mu.Lock()
	if a.closing || a.err != nil {
		err := a.err
		a.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		a.dropTopic(name)
		return err
	}
	sw.startSeq = a.nextSeq
	a.ents = append(a.ents, pendingEntry{start: len(a.buf), end: len(a.buf), sw: sw})
	a.openWhole = false
	a.kickLocked()
	a.mu.Unlock()
	if err := <-sw.done; err != nil {
		return fmt.Errorf("persist: rewrite: switch to generation %d: %w", gen, err)
	}
	a.callHook("switched")

	path := a.snapPath(gen)
	err = WriteSnapshot(a.fs, path, func(emit func(Record) error) error {
		return iterate(func(r Record) error {
			if a.closingFlag.Load() {
				return ErrClosed
			}
			return emit(r)
		})
	})
	if err != nil {
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	a.callHook("snapshot")

	// The snapshot may hold effects of commands not yet durable in the new
	// topic (appended, applied, read by iterate, not yet written or
	// fdatasync'ed). Once the snapshot is the base, a crash must not leave
	// the log shorter than the snapshot, or the state loaded would be no
	// prefix of the history: make every command appended so far durable,
	// whatever the policy.
	a.mu.Lock()
	end := a.nextSeq - 1
	a.mu.Unlock()
	if err := a.Sync(end); err != nil {
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	if err := t.Sync(); err != nil {
		return fmt.Errorf("persist: rewrite: sync topic %s: %w", name, err)
	}
	a.callHook("log-synced")

	a.manifestMu.Lock()
	old := a.man
	m := manifest{base: gen, topics: []manifestTopic{{gen: gen, startSeq: sw.startSeq}}}
	// Nothing else switches generations while this rewrite runs.
	if old.last().gen != gen {
		panic(fmt.Sprintf("persist: generation %d switched during the rewrite to %d", old.last().gen, gen))
	}
	err = writeManifest(a.fs, a.dir, m)
	if err == nil {
		a.man = m
	}
	a.manifestMu.Unlock()
	if err != nil {
		// The MANIFEST on disk names either list; both are complete, and
		// nothing is deleted until a later rewrite succeeds.
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	a.callHook("manifest")

	fi, err := a.fs.Stat(path)
	if err == nil {
		a.baseBytes.Store(fi.Size())
	}
	for _, t := range old.topics {
		if t.gen != gen {
			a.dropTopic(topicName(t.gen))
		}
	}
	if old.base != 0 {
		if err := a.fs.Remove(a.snapPath(old.base)); err != nil {
			a.opts.Logger.Warn("remove old base snapshot", "file", snapName(old.base), "err", err)
		}
	}
	a.callHook("deleted")
	return nil
}

// dropTopic deletes a topic no MANIFEST needs; a failure only leaves it for
// the next Open to remove.
func (a *AOF) dropTopic(name string) {
	if err := a.log.DeleteTopic(name); err != nil {
		a.opts.Logger.Warn("remove old aof topic", "topic", name, "err", err)
	}
}
