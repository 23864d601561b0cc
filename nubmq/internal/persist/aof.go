package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/walrus"
)

const (
	logDir      = "aof" // the Walrus log, under Options.Dir
	topicPrefix = "aof-"
	snapPrefix  = "base-"
	snapSuffix  = ".snap"
	tmpSuffix   = ".tmp"
)

func topicName(gen uint64) string { return fmt.Sprintf("%s%06d", topicPrefix, gen) }
func snapName(gen uint64) string  { return fmt.Sprintf("%s%06d%s", snapPrefix, gen, snapSuffix) }

// parseGen returns the generation in a name made by topicName or snapName.
func parseGen(name, prefix, suffix string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, suffix); !ok || s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	g, err := strconv.ParseUint(s, 10, 64)
	return g, err == nil && g > 0
}

// AOF is Nubmq's append-only file: effects appended in memory, written to
// Walrus by a background flusher, replayed by Load, compacted by Rewrite.
// All methods are safe for concurrent use.
//
// Lock order: manifestMu → mu. mu is never held across I/O or a wait on
// Walrus; the flusher takes it only to swap buffers and move watermarks.
type AOF struct {
	opts Options
	fs   vfs.FS
	dir  string
	log  *walrus.Log

	// mu guards the append side: the pending buffer, sequence numbers and
	// the acknowledgement watermark.
	mu        sync.Mutex
	buf       []byte         // encoded entries not yet taken by the flusher
	ents      []pendingEntry // the entries in buf, in order
	openWhole bool           // the last of ents is a whole entry that takes more commands
	spareBuf  []byte
	spareEnts []pendingEntry
	inflight  int    // bytes the flusher is writing
	nextSeq   uint64 // sequence number of the next Append
	acked     uint64 // every command up to it is written per the Fsync policy
	err       error  // sticky: a failed write stops the AOF
	closing   bool
	done      bool // the flusher has exited
	appended  bool
	loaded    bool
	spaceCond sync.Cond // Append waits for buffer space
	doneCond  sync.Cond // Sync waits for acked
	kickCh    chan struct{}
	kickBytes int // pending size at which Append wakes the flusher

	// Owned by the flusher once Open returns.
	cur   *walrus.Topic
	batch [][]byte

	// manifestMu guards man and orders manifest writes.
	manifestMu sync.Mutex
	man        manifest

	closingFlag atomic.Bool // closing, readable without mu
	rewriting   atomic.Bool
	rewriteWG   sync.WaitGroup
	wg          sync.WaitGroup // the flusher

	gen         atomic.Uint64 // generation Append writes to (as the flusher has switched)
	baseBytes   atomic.Int64  // size of the base snapshot
	rewriteBase atomic.Int64  // Size() after the last rewrite, or at Open
	stats       struct {
		sync.Mutex
		rewriteStarted      time.Time
		rewrites            uint64
		rewriteFailures     uint64
		lastRewriteErr      error
		lastRewriteTime     time.Time
		lastRewriteDuration time.Duration
		loadedCommands      uint64
		loadedRecords       uint64
		truncatedTails      uint64
	}

	// hook, when set by a test, is called at each step of a rewrite and of
	// a generation switch, to crash there.
	hook func(step string)
}

// pendingEntry is one Walrus entry encoded in AOF.buf, or a generation
// switch (sw != nil, no bytes).
type pendingEntry struct {
	start, end int
	done       uint64 // every command up to it is complete once this entry is written
	sw         *switchReq
}

// switchReq asks the flusher to move to a new topic generation.
type switchReq struct {
	gen      uint64
	startSeq uint64
	topic    *walrus.Topic
	done     chan error
}

// Open opens (creating if needed) the AOF in o.Dir and recovers it: it reads
// the MANIFEST, removes what an interrupted rewrite left behind, and finds
// where the log ends. If a crash cut a split command short, Open appends an
// abort marker after its pieces (logged; Redis's aof-load-truncated), so the
// log can grow again. Call Load next to rebuild the keyspace.
func Open(o Options) (*AOF, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	fs := o.FS
	if err := fs.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("persist: create %s: %w", o.Dir, err)
	}
	for _, d := range []string{filepath.Dir(filepath.Clean(o.Dir)), o.Dir} {
		if err := vfs.SyncDir(fs, d); err != nil {
			return nil, fmt.Errorf("persist: open %s: %w", o.Dir, err)
		}
	}
	// Walrus's directory lock keeps a second process out of o.Dir too:
	// nothing else is read or written before it is taken.
	l, err := walrus.Open(filepath.Join(o.Dir, logDir), o.walrusOptions())
	if err != nil {
		return nil, fmt.Errorf("persist: open %s: %w", o.Dir, err)
	}
	a := &AOF{
		opts:      o,
		fs:        fs,
		dir:       o.Dir,
		log:       l,
		kickCh:    make(chan struct{}, 1),
		kickBytes: max(1, min(o.MaxBatchBytes, o.MaxPendingBytes/2)),
	}
	a.spaceCond.L = &a.mu
	a.doneCond.L = &a.mu
	if err := a.recover(); err != nil {
		l.Close()
		return nil, err
	}
	a.rewriteBase.Store(a.Size())
	a.wg.Add(1)
	go a.flushLoop()
	return a, nil
}

func (a *AOF) snapPath(gen uint64) string { return filepath.Join(a.dir, snapName(gen)) }

func (a *AOF) topic(gen uint64) (*walrus.Topic, error) {
	t, err := a.log.Topic(topicName(gen))
	if errors.Is(err, walrus.ErrTopicNotFound) {
		return nil, fmt.Errorf("%w: manifest names aof topic %s, which does not exist", ErrCorrupt, topicName(gen))
	}
	return t, err
}

// Append adds a command (an effect: an absolute, idempotent command such as
// SET k v PXAT ms) to the log and returns its sequence number; pass it to
// Sync before acknowledging the write. Append copies args; it does no I/O
// and waits for nothing, except when MaxPendingBytes of commands are
// already waiting for the flusher: then it blocks until the flusher has
// taken them (the flusher never needs the caller's locks, so calling
// Append under a keyspace lock cannot deadlock, it only slows down).
//
// The caller appends under the lock that orders writes to the key, so the
// log's order is the order the effects were applied in. After a write
// failure or Close, the command is dropped and Sync reports why.
func (a *AOF) Append(args [][]byte) uint64 {
	if len(args) == 0 {
		panic("persist: Append of an empty command")
	}
	n := respLen(args)
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.buf) > 0 && len(a.buf)+n+maxEntryHeader > a.opts.MaxPendingBytes && a.err == nil && !a.closing {
		a.kickLocked()
		a.spaceCond.Wait()
	}
	seq := a.nextSeq
	a.nextSeq++
	a.appended = true
	if a.err != nil || a.closing {
		return seq
	}
	a.encodeLocked(seq, args, n)
	if len(a.buf) >= a.kickBytes {
		a.kickLocked()
	}
	return seq
}

// encodeLocked appends command seq (n bytes of RESP) to the pending entries:
// into the open whole entry if it fits, else into a new whole entry, else
// split over a begin, parts and an end entry.
func (a *AOF) encodeLocked(seq uint64, args [][]byte, n int) {
	maxEntry := a.opts.MaxEntryBytes
	if a.openWhole {
		e := &a.ents[len(a.ents)-1]
		if len(a.buf)-e.start+n <= maxEntry {
			a.buf = appendRESP(a.buf, args)
			e.end, e.done = len(a.buf), seq
			return
		}
	}
	start := len(a.buf)
	if 1+uvarintLen(seq)+n <= maxEntry {
		a.buf = appendRESP(appendEntryHeader(a.buf, entryWhole, seq), args)
		a.ents = append(a.ents, pendingEntry{start: start, end: len(a.buf), done: seq})
		a.openWhole = true
		return
	}
	a.openWhole = false
	pieces := n/(maxEntry-maxEntryHeader) + 2
	a.buf = slices.Grow(a.buf, n+pieces*maxEntryHeader)
	a.buf = binary.AppendUvarint(appendEntryHeader(a.buf, entryBegin, seq), uint64(n))
	a.ents = append(a.ents, pendingEntry{start: start, end: len(a.buf), done: seq - 1})
	var num [24]byte
	a.pieceLocked(seq, append(strconv.AppendInt(append(num[:0], '*'), int64(len(args)), 10), '\r', '\n'))
	for _, arg := range args {
		a.pieceLocked(seq, append(strconv.AppendInt(append(num[:0], '$'), int64(len(arg)), 10), '\r', '\n'))
		a.pieceLocked(seq, arg)
		a.pieceLocked(seq, []byte{'\r', '\n'})
	}
	// The first piece cannot hold the whole command (it did not fit a whole
	// entry, and a begin header is longer), so the last entry is a part.
	last := &a.ents[len(a.ents)-1]
	if a.buf[last.start] != entryPart {
		panic("persist: split command fits one entry")
	}
	a.buf[last.start] = entryEnd
	last.done = seq
}

// pieceLocked appends p to the split command being encoded, starting part
// entries as each fills up to MaxEntryBytes.
func (a *AOF) pieceLocked(seq uint64, p []byte) {
	for len(p) > 0 {
		e := &a.ents[len(a.ents)-1]
		room := a.opts.MaxEntryBytes - (len(a.buf) - e.start)
		if room <= 0 {
			start := len(a.buf)
			a.buf = appendEntryHeader(a.buf, entryPart, seq)
			a.ents = append(a.ents, pendingEntry{start: start, end: len(a.buf), done: seq - 1})
			continue
		}
		k := min(room, len(p))
		a.buf = append(a.buf, p[:k]...)
		e.end = len(a.buf)
		p = p[k:]
	}
}

func (a *AOF) kickLocked() {
	select {
	case a.kickCh <- struct{}{}:
	default:
	}
}

// Sync blocks until every command up to seq is written per the Fsync
// policy: with FsyncAlways, written and fdatasync'ed (concurrent callers
// share one write and one fdatasync); with FsyncEverySec and FsyncNo,
// written to the OS (so it survives kill -9, as Redis's write before
// replying). It returns the AOF's sticky write error, or ErrClosed for
// commands appended after Close began.
func (a *AOF) Sync(seq uint64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if seq >= a.nextSeq {
		return fmt.Errorf("persist: sync of command %d, never appended (next is %d)", seq, a.nextSeq)
	}
	for a.acked < seq {
		if a.err != nil {
			return a.err
		}
		if a.done {
			return ErrClosed
		}
		a.kickLocked()
		a.doneCond.Wait()
	}
	return nil
}

// failLocked makes err sticky and wakes every waiter.
func (a *AOF) failLocked(err error) {
	if a.err == nil {
		a.err = fmt.Errorf("persist: aof write failed (reopen to recover): %w", err)
		a.opts.Logger.Error("aof write failed; writes are no longer persisted", "err", err)
	}
	a.doneCond.Broadcast()
	a.spaceCond.Broadcast()
}

// flushLoop is the AOF's writer. Woken by Sync, by a full pending buffer,
// by a rewrite, by Close or every flushInterval, it takes everything
// pending and writes it, until nothing is left.
func (a *AOF) flushLoop() {
	defer a.wg.Done()
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-a.kickCh:
		case <-tick.C:
		}
		for {
			a.mu.Lock()
			if a.err != nil {
				failSwitches(a.ents, a.err)
				a.buf, a.ents = a.buf[:0], a.ents[:0]
			}
			if len(a.ents) == 0 {
				exit := a.closing
				if exit {
					a.done = true
					a.doneCond.Broadcast()
				}
				a.mu.Unlock()
				if exit {
					return
				}
				break
			}
			buf, ents := a.buf, a.ents
			a.buf, a.ents = a.spareBuf[:0], a.spareEnts[:0]
			a.spareBuf, a.spareEnts = nil, nil
			a.openWhole = false
			a.inflight = len(buf)
			a.spaceCond.Broadcast()
			a.mu.Unlock()

			a.write(buf, ents)

			a.mu.Lock()
			a.inflight = 0
			if cap(buf) <= a.opts.MaxPendingBytes+a.opts.MaxEntryBytes {
				a.spareBuf = buf[:0]
			}
			clear(ents) // drop the switch requests
			a.spareEnts = ents[:0]
			a.mu.Unlock()
		}
	}
}

// failSwitches answers the generation switches among ents with err.
func failSwitches(ents []pendingEntry, err error) {
	for _, e := range ents {
		if e.sw != nil {
			e.sw.done <- err
		}
	}
}

// write hands ents to Walrus in batches of up to MaxBatchBytes, moving the
// acknowledgement watermark after each, and performs generation switches.
func (a *AOF) write(buf []byte, ents []pendingEntry) {
	batch := a.batch[:0]
	size := 0
	var done uint64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := a.cur.AppendBatch(batch)
		if err == nil && a.opts.Fsync != FsyncAlways {
			err = a.cur.Flush()
		}
		clear(batch)
		batch, size = batch[:0], 0
		a.mu.Lock()
		defer a.mu.Unlock()
		if err != nil {
			a.failLocked(err)
			return err
		}
		if done > a.acked {
			a.acked = done
			a.doneCond.Broadcast()
		}
		return nil
	}
	for i, e := range ents {
		if e.sw != nil {
			err := flush()
			if err == nil {
				err = a.switchGeneration(e.sw)
			}
			e.sw.done <- err
			if err != nil {
				failSwitches(ents[i+1:], err)
				return
			}
			continue
		}
		v := buf[e.start:e.end]
		if len(batch) > 0 && size+len(v) > a.opts.MaxBatchBytes {
			if err := flush(); err != nil {
				failSwitches(ents[i:], err)
				return
			}
		}
		batch = append(batch, v)
		size += len(v)
		done = e.done
	}
	flush()
	a.batch = batch
}

// switchGeneration moves the flusher to sw's topic. The old topic is made
// durable first, and the new one is written to only once a MANIFEST naming
// it is durable: so the topics on disk are always a prefix of the command
// stream, never an older generation with a hole before a newer one. A
// failure is sticky: the MANIFEST on disk may name either list.
func (a *AOF) switchGeneration(sw *switchReq) error {
	if err := a.cur.Sync(); err != nil {
		a.mu.Lock()
		a.failLocked(err)
		a.mu.Unlock()
		return err
	}
	a.callHook("switch-synced")
	a.manifestMu.Lock()
	m := a.man.clone()
	m.topics = append(m.topics, manifestTopic{gen: sw.gen, startSeq: sw.startSeq})
	err := writeManifest(a.fs, a.dir, m)
	if err == nil {
		a.man = m
	}
	a.manifestMu.Unlock()
	if err != nil {
		a.mu.Lock()
		a.failLocked(err)
		a.mu.Unlock()
		return err
	}
	a.cur = sw.topic
	a.gen.Store(sw.gen)
	a.opts.Logger.Info("aof generation switched", "gen", sw.gen, "start_seq", sw.startSeq)
	return nil
}

func (a *AOF) callHook(step string) {
	if a.hook != nil {
		a.hook(step)
	}
}

// Close writes and syncs everything appended (whatever the Fsync policy,
// as Redis does at shutdown), stops a running Rewrite (which returns
// ErrClosed) and closes the log. Appends after Close are dropped.
func (a *AOF) Close() error {
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		return nil
	}
	a.closing = true
	a.closingFlag.Store(true)
	a.spaceCond.Broadcast()
	a.kickLocked()
	a.mu.Unlock()
	a.rewriteWG.Wait()
	a.wg.Wait()
	var errs []error
	a.mu.Lock()
	err := a.err
	a.mu.Unlock()
	if err != nil {
		errs = append(errs, err)
	} else if err := a.cur.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("persist: close: %w", err))
	}
	if err := a.log.Close(); err != nil {
		errs = append(errs, fmt.Errorf("persist: close: %w", err))
	}
	return errors.Join(errs...)
}

// Size returns the bytes of the base snapshot and of the AOF topics
// (Redis's aof_current_size).
func (a *AOF) Size() int64 {
	return a.baseBytes.Load() + a.log.Metrics().SizeBytes
}

// RewriteDue reports whether the log has grown enough for an automatic
// rewrite, by Redis's rule: Size() is at least AutoRewriteMinBytes and has
// grown by AutoRewritePercent since the last rewrite (or since Open). It is
// false while a rewrite runs or when AutoRewritePercent is negative. The
// server polls it (as Redis's serverCron does) and runs Rewrite.
func (a *AOF) RewriteDue() bool {
	pct := int64(a.opts.AutoRewritePercent)
	if pct < 0 || a.rewriting.Load() {
		return false
	}
	size, base := a.Size(), a.rewriteBase.Load()
	return size >= a.opts.AutoRewriteMinBytes && size >= base+base*pct/100
}

// Metrics is what INFO persistence reports about the AOF.
type Metrics struct {
	Fsync               Fsync
	SizeBytes           int64         // aof_current_size
	BaseSizeBytes       int64         // aof_base_size: Size after the last rewrite or at open
	PendingBytes        int           // aof_buffer_length: appended, not yet written
	LastSeq             uint64        // the last sequence number Append returned
	AckedSeq            uint64        // commands up to it are written per the Fsync policy
	Generation          uint64        // the topic generation being appended to
	RewriteInProgress   bool          // aof_rewrite_in_progress
	RewriteStarted      time.Time     // start of the rewrite in progress
	Rewrites            uint64        // completed rewrites
	RewriteFailures     uint64        // failed rewrites
	LastRewriteErr      error         // aof_last_bgrewrite_status: nil if the last one succeeded
	LastRewriteTime     time.Time     // when the last rewrite ended
	LastRewriteDuration time.Duration // aof_last_rewrite_time_sec
	WriteErr            error         // aof_last_write_status: the sticky write error, nil if none
	LoadedRecords       uint64        // snapshot records Load applied
	LoadedCommands      uint64        // commands Load replayed
	TruncatedTails      uint64        // incomplete commands dropped at a crashed tail
	Log                 walrus.Metrics
}

// Metrics returns a snapshot of the AOF's metrics.
func (a *AOF) Metrics() Metrics {
	m := Metrics{
		Fsync:             a.opts.Fsync,
		SizeBytes:         a.Size(),
		BaseSizeBytes:     a.rewriteBase.Load(),
		Generation:        a.gen.Load(),
		RewriteInProgress: a.rewriting.Load(),
		Log:               a.log.Metrics(),
	}
	a.mu.Lock()
	m.PendingBytes = len(a.buf) + a.inflight
	m.LastSeq = a.nextSeq - 1
	m.AckedSeq = a.acked
	m.WriteErr = a.err
	a.mu.Unlock()
	s := &a.stats
	s.Lock()
	if m.RewriteInProgress {
		m.RewriteStarted = s.rewriteStarted
	}
	m.Rewrites, m.RewriteFailures, m.LastRewriteErr = s.rewrites, s.rewriteFailures, s.lastRewriteErr
	m.LastRewriteTime, m.LastRewriteDuration = s.lastRewriteTime, s.lastRewriteDuration
	m.LoadedRecords, m.LoadedCommands, m.TruncatedTails = s.loadedRecords, s.loadedCommands, s.truncatedTails
	s.Unlock()
	return m
}
