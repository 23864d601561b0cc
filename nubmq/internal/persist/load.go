package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/reefdb/reef/walrus"
)

// loadReadBytes bounds one Walrus read while loading.
const loadReadBytes = 16 << 20

// recover reads (or creates) the MANIFEST, deletes what it does not name,
// and finds the next sequence number from the tail of the log.
func (a *AOF) recover() error {
	m, err := readManifest(a.fs, a.dir)
	if errors.Is(err, fs.ErrNotExist) {
		m, err = a.create()
	}
	if err != nil {
		return err
	}
	a.man = m
	for _, t := range m.topics {
		if _, err := a.topic(t.gen); err != nil {
			return err
		}
	}
	if m.base != 0 {
		fi, err := a.fs.Stat(a.snapPath(m.base))
		if err != nil {
			return fmt.Errorf("%w: manifest names base snapshot %s: %w", ErrCorrupt, snapName(m.base), err)
		}
		a.baseBytes.Store(fi.Size())
	}
	if err := a.removeUnnamed(); err != nil {
		return err
	}
	return a.findTail()
}

// create starts a fresh AOF: generation 1, no base. Empty aof topics left
// by an earlier create that crashed before its MANIFEST are removed; a
// non-empty one means the MANIFEST was lost, and nothing is touched.
func (a *AOF) create() (manifest, error) {
	for _, name := range a.log.Topics() {
		if _, ok := parseGen(name, topicPrefix, ""); !ok {
			continue
		}
		t, err := a.log.Topic(name)
		if err != nil {
			return manifest{}, fmt.Errorf("persist: open %s: %w", a.dir, err)
		}
		if _, next := t.Bounds(); next > 0 {
			return manifest{}, fmt.Errorf("%w: %s has no MANIFEST but aof topic %s holds %d entries", ErrCorrupt, a.dir, name, next)
		}
		if err := a.log.DeleteTopic(name); err != nil {
			return manifest{}, fmt.Errorf("persist: open %s: %w", a.dir, err)
		}
	}
	m := manifest{topics: []manifestTopic{{gen: 1, startSeq: 1}}}
	if err := a.log.CreateTopic(topicName(1)); err != nil {
		return manifest{}, fmt.Errorf("persist: open %s: %w", a.dir, err)
	}
	if err := writeManifest(a.fs, a.dir, m); err != nil {
		return manifest{}, fmt.Errorf("persist: open %s: %w", a.dir, err)
	}
	a.opts.Logger.Info("aof created", "dir", a.dir)
	return m, nil
}

// removeUnnamed deletes the topics and snapshots an interrupted rewrite
// left behind (everything the MANIFEST does not name) and temporary files.
func (a *AOF) removeUnnamed() error {
	for _, name := range a.log.Topics() {
		if gen, ok := parseGen(name, topicPrefix, ""); ok && !a.man.has(gen) {
			a.opts.Logger.Info("removing aof topic not in the manifest", "topic", name)
			if err := a.log.DeleteTopic(name); err != nil {
				return fmt.Errorf("persist: open %s: %w", a.dir, err)
			}
		}
	}
	names, err := a.fs.List(a.dir)
	if err != nil {
		return fmt.Errorf("persist: open %s: %w", a.dir, err)
	}
	for _, name := range names {
		gen, isSnap := parseGen(name, snapPrefix, snapSuffix)
		if strings.HasSuffix(name, tmpSuffix) || (isSnap && gen != a.man.base) {
			a.opts.Logger.Info("removing file not in the manifest", "file", name)
			if err := a.fs.Remove(filepath.Join(a.dir, name)); err != nil {
				return fmt.Errorf("persist: open %s: %w", a.dir, err)
			}
		}
	}
	return nil
}

// findTail sets the next sequence number from the last entry of the last
// non-empty topic. A split command cut short by a crash gets an abort
// marker, durably, before anything else is appended after its pieces.
func (a *AOF) findTail() error {
	m := a.man
	last := len(m.topics) - 1
	next := m.topics[last].startSeq
	for i := last; i >= 0; i-- {
		t, err := a.topic(m.topics[i].gen)
		if err != nil {
			return err
		}
		first, end := t.Bounds()
		if first != 0 {
			return fmt.Errorf("%w: aof topic %s starts at offset %d", ErrCorrupt, t.Name(), first)
		}
		if end == 0 {
			continue
		}
		es, err := t.Read(end-1, 1, 0)
		if err == nil && len(es) != 1 {
			err = fmt.Errorf("read %d entries at %d, want 1", len(es), end-1)
		}
		if err != nil {
			return loadErr(t.Name(), err)
		}
		e, err := decodeEntry(es[0].Value)
		if err != nil {
			return fmt.Errorf("persist: open: topic %s: %w", t.Name(), err)
		}
		switch e.kind {
		case entryWhole:
			n, err := countCommands(e.payload)
			if err != nil {
				return fmt.Errorf("persist: open: topic %s: %w", t.Name(), err)
			}
			next = e.seq + n
		case entryEnd:
			next = e.seq + 1
		case entryAbort:
			next = e.seq
		case entryBegin, entryPart:
			if i != last {
				return fmt.Errorf("%w: aof topic %s ends inside command %d but is not the last", ErrCorrupt, t.Name(), e.seq)
			}
			a.opts.Logger.Warn("aof ends inside a command cut by a crash; discarding it", "topic", t.Name(), "seq", e.seq)
			if _, err := t.Append(appendEntryHeader(nil, entryAbort, e.seq)); err != nil {
				return fmt.Errorf("persist: open: abort command %d: %w", e.seq, err)
			}
			if err := t.Sync(); err != nil {
				return fmt.Errorf("persist: open: abort command %d: %w", e.seq, err)
			}
			a.stats.truncatedTails++
			next = e.seq
		}
		if i < last && next != m.topics[i+1].startSeq {
			return fmt.Errorf("%w: aof topic %s ends before command %d, but %s starts at %d", ErrCorrupt,
				t.Name(), next, topicName(m.topics[i+1].gen), m.topics[i+1].startSeq)
		}
		break
	}
	a.nextSeq, a.acked = next, next-1
	a.gen.Store(m.topics[last].gen)
	cur, err := a.topic(m.topics[last].gen)
	a.cur = cur
	return err
}

// loadErr wraps an error from reading a topic; Walrus corruption is also
// ErrCorrupt.
func loadErr(topic string, err error) error {
	if errors.Is(err, walrus.ErrCorrupt) {
		return fmt.Errorf("%w: aof topic %s: %w", ErrCorrupt, topic, err)
	}
	return fmt.Errorf("persist: read aof topic %s: %w", topic, err)
}

// Load rebuilds the keyspace: it streams the base snapshot (if any) into
// applySnap, then replays every command of the AOF topics, in order, into
// apply. Call it once, after Open and before the first Append (else
// ErrLoadOrder), and before any Rewrite.
//
// apply's args are valid only during the call (they alias read buffers);
// copy what you keep. A Record's slices may be kept. apply must treat a
// command that cannot apply to the key's current type as a no-op (not an
// error): after a rewrite, the base snapshot can hold a later state of a key
// than the commands replayed on it (see the package doc), and a later
// command of the log always restores the type.
//
// Errors from apply and applySnap are returned wrapped, and stop the load.
// A log with a hole, a bad entry or a corrupt snapshot returns an error
// wrapping ErrCorrupt. On any error the keyspace is partly built: discard it.
func (a *AOF) Load(apply func(args [][]byte) error, applySnap func(Record) error) error {
	a.mu.Lock()
	switch {
	case a.closing:
		a.mu.Unlock()
		return ErrClosed
	case a.loaded || a.appended:
		a.mu.Unlock()
		return ErrLoadOrder
	}
	a.loaded = true
	next := a.nextSeq
	a.mu.Unlock()
	a.manifestMu.Lock()
	m := a.man.clone()
	a.manifestMu.Unlock()

	var records uint64
	if m.base != 0 {
		err := ReadSnapshot(a.fs, a.snapPath(m.base), func(r Record) error {
			records++
			return applySnap(r)
		})
		if err != nil {
			return fmt.Errorf("persist: load: %w", err)
		}
	}
	r := &replayer{apply: apply, expect: m.topics[0].startSeq}
	for i, mt := range m.topics {
		t, err := a.topic(mt.gen)
		if err != nil {
			return err
		}
		if r.open {
			return fmt.Errorf("%w: aof topic %s ends inside command %d", ErrCorrupt, topicName(m.topics[i-1].gen), r.openSeq)
		}
		if r.expect != mt.startSeq {
			return fmt.Errorf("%w: aof topic %s starts at command %d, the log before it ends at %d", ErrCorrupt, t.Name(), mt.startSeq, r.expect)
		}
		_, end := t.Bounds()
		for from := uint64(0); from < end; {
			es, err := t.Read(from, 0, loadReadBytes)
			if err == nil && len(es) == 0 {
				err = fmt.Errorf("no entries readable at %d of %d", from, end)
			}
			if err != nil {
				return loadErr(t.Name(), err)
			}
			for _, e := range es {
				if err := r.entry(e.Value); err != nil {
					return fmt.Errorf("persist: load: aof topic %s offset %d: %w", t.Name(), e.Offset, err)
				}
			}
			from = es[len(es)-1].Offset + 1
		}
	}
	if r.open {
		// Open appends an abort marker after a cut command, so this is
		// only reached if that failed silently: still, never apply it.
		a.opts.Logger.Warn("aof ends inside a command; discarding it", "seq", r.openSeq)
		r.expect = r.openSeq
	}
	if r.expect != next {
		return fmt.Errorf("%w: aof replay ends before command %d, but the log's tail says %d", ErrCorrupt, r.expect, next)
	}
	s := &a.stats
	s.Lock()
	s.loadedRecords, s.loadedCommands = records, r.commands
	s.Unlock()
	a.opts.Logger.Info("aof loaded", "records", records, "commands", r.commands, "aborted", r.aborted, "topics", len(m.topics))
	return nil
}
