package walrus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/reefdb/reef/internal/vfs"
)

// Topic is one append-only sequence of entries. All methods are safe for
// concurrent use.
//
// Appends are group-committed: an appender encodes its entry into the open
// frame of an in-memory buffer under t.mu and returns (Interval, None) or waits
// for the flusher (Sync). The flusher swaps the buffer out, checksums the
// frames, writes them with one WriteAt per segment touched and, in Sync mode,
// fdatasyncs once for the whole group.
//
// Lock order: flushMu → mu; flushMu → segMu; no lock is held while waiting on
// another topic. seg.mu and the file cache's mutex are leaves.
type Topic struct {
	log  *Log
	name string
	dir  string
	opts *Options

	// mu guards the append side and the watermarks.
	mu                sync.Mutex
	next              uint64 // offset of the next append
	lastTime          int64  // time of the last append, to keep times monotonic
	pending           []byte // encoded frames not yet taken by the flusher
	frames            []pendingFrame
	open              int // index in frames of the frame being filled, -1 if none
	spare             []byte
	spareFrames       []pendingFrame
	directBuf         []byte // aligned scratch for direct writes (flushMu)
	directUnsupported bool   // IOAuto found no direct I/O (flushMu)
	written           uint64 // offsets below are in the file (page cache)
	synced            uint64 // offsets below are fdatasync'ed
	err               error  // sticky: a failed write or sync stops the topic
	closing           bool
	flusherWaiting    bool
	flushing          bool // a flush cycle is running (flusher or a leading appender)
	spaceWaiters      int
	doneWaiters       int
	workCond          sync.Cond // flusher waits for pending data
	spaceCond         sync.Cond // appenders wait for buffer space
	doneCond          sync.Cond // Sync appenders and readers wait for watermarks
	notify            chan struct{}

	// flushMu is held by the flusher while it writes and moves watermarks,
	// and by the syncer while it picks what to sync.
	flushMu sync.Mutex
	active  *segment // guarded by flushMu

	segMu sync.RWMutex
	segs  []*segment // ascending base; the last is active

	cursors *cursorStore

	stop    chan struct{}
	wg      sync.WaitGroup // flusher and syncer
	sealers sync.WaitGroup // background seals
}

type pendingFrame struct {
	start    int
	count    uint32
	baseTime int64
}

// Name returns the topic's name.
func (t *Topic) Name() string { return t.name }

// Append adds value to the topic and returns its offset. In Sync mode it
// returns once the entry is durable; otherwise once it is buffered (see
// Durability). Append copies value.
func (t *Topic) Append(value []byte) (uint64, error) {
	if len(value) > t.opts.MaxEntryBytes {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrEntryTooLarge, len(value), t.opts.MaxEntryBytes)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reserveLocked(len(value) + entryOverhead); err != nil {
		return 0, err
	}
	off := t.next
	t.startFrameLocked(len(value) + entryOverhead)
	t.addLocked(value)
	t.dispatchLocked()
	t.log.metrics.appends.Add(1)
	t.log.metrics.appendBytes.Add(uint64(len(value)))
	if t.opts.Durability == Sync {
		return off, t.waitLocked(func() bool { return t.synced > off })
	}
	return off, nil
}

// AppendBatch adds values as consecutive entries and returns the offset of the
// first. The batch is written as one frame: after a crash either all of it is
// there or none. Its total size is bounded by Options.MaxBatchBytes.
func (t *Topic) AppendBatch(values [][]byte) (uint64, error) {
	size := 0
	for _, v := range values {
		if len(v) > t.opts.MaxEntryBytes {
			return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrEntryTooLarge, len(v), t.opts.MaxEntryBytes)
		}
		size += len(v)
	}
	if size > t.opts.MaxBatchBytes {
		return 0, fmt.Errorf("%w: batch of %d bytes, limit %d", ErrEntryTooLarge, size, t.opts.MaxBatchBytes)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(values) == 0 {
		return t.next, t.err
	}
	need := size + len(values)*entryOverhead
	if err := t.reserveLocked(need); err != nil {
		return 0, err
	}
	first := t.next
	t.startFrameLocked(need)
	for _, v := range values {
		t.addLocked(v)
	}
	t.dispatchLocked()
	t.log.metrics.appends.Add(uint64(len(values)))
	t.log.metrics.appendBytes.Add(uint64(size))
	if t.opts.Durability == Sync {
		last := t.next - 1
		return first, t.waitLocked(func() bool { return t.synced > last })
	}
	return first, nil
}

// reserveLocked waits until the buffer has room for need more bytes.
func (t *Topic) reserveLocked(need int) error {
	for {
		if t.err != nil {
			return t.err
		}
		if t.closing {
			return ErrClosed
		}
		if t.opts.ReadOnly {
			return fmt.Errorf("walrus: append to %s: log opened read-only", t.name)
		}
		if len(t.pending) == 0 || len(t.pending)+need <= t.opts.MaxPendingBytes {
			return nil
		}
		t.spaceWaiters++
		t.spaceCond.Wait()
		t.spaceWaiters--
	}
}

// nowLocked returns the append time, never earlier than the last one, so
// entry times do not decrease with offsets.
func (t *Topic) nowLocked() int64 {
	now := t.opts.Now().UnixNano()
	if now < t.lastTime {
		now = t.lastTime
	}
	t.lastTime = now
	return now
}

// startFrameLocked makes sure an open frame can take need more bytes. The
// clock is read once per frame: every entry of a frame carries the frame's
// start time, which is at most one flush cycle before its append.
func (t *Topic) startFrameLocked(need int) {
	if t.open >= 0 && len(t.pending)-t.frames[t.open].start+need <= t.opts.FrameTargetBytes {
		return
	}
	t.growLocked(need + frameHeaderSize)
	now := t.nowLocked()
	start := len(t.pending)
	t.pending = append(t.pending, make([]byte, frameHeaderSize)...)
	putFrameStart(t.pending[start:], t.next, now)
	t.frames = append(t.frames, pendingFrame{start: start, baseTime: now})
	t.open = len(t.frames) - 1
}

// growLocked makes room for need more bytes in the pending buffer. Buffers
// grow by doubling from pendingMinBytes and never shrink, so a busy topic
// reaches its steady size after a few copies and then appends without
// reallocating (regrowing a large buffer at every flush would copy it and feed
// the GC); an idle topic keeps small buffers.
func (t *Topic) growLocked(need int) {
	if len(t.pending)+need <= cap(t.pending) {
		return
	}
	c := max(2*cap(t.pending), pendingMinBytes, len(t.pending)+need)
	c = min(c, max(t.opts.MaxPendingBytes+frameHeaderSize, len(t.pending)+need))
	b := make([]byte, len(t.pending), c)
	copy(b, t.pending)
	t.pending = b
}

const pendingMinBytes = 64 << 10

// addLocked encodes one entry into the open frame.
func (t *Topic) addLocked(value []byte) {
	f := &t.frames[t.open]
	t.growLocked(len(value) + entryOverhead)
	t.pending = appendEntry(t.pending, f.baseTime, f.baseTime, value)
	f.count++
	t.next++
}

// kickLocked wakes the flusher if it is idle.
func (t *Topic) kickLocked() {
	if t.flusherWaiting {
		t.flusherWaiting = false
		t.workCond.Signal()
	}
}

// waitLocked waits on doneCond until cond holds or the topic fails.
func (t *Topic) waitLocked(cond func() bool) error {
	for !cond() {
		if t.err != nil {
			return t.err
		}
		if t.closing && len(t.pending) == 0 && t.written == t.next && t.opts.Durability != Sync {
			return ErrClosed
		}
		t.doneWaiters++
		t.doneCond.Wait()
		t.doneWaiters--
	}
	return nil
}

// failLocked makes err sticky and wakes everyone waiting.
func (t *Topic) failLocked(err error) {
	if t.err == nil {
		t.err = fmt.Errorf("walrus: topic %s: %w", t.name, err)
		t.log.opts.Logger.Error("topic failed; reopen the log to recover", "topic", t.name, "err", err)
	}
	t.advanceLocked()
	t.spaceCond.Broadcast()
}

// advanceLocked tells readers and Sync appenders that a watermark moved.
func (t *Topic) advanceLocked() {
	if t.notify != nil {
		close(t.notify)
		t.notify = nil
	}
	if t.doneWaiters > 0 {
		t.doneCond.Broadcast()
	}
}

// visibleLocked is the offset below which readers may see entries.
func (t *Topic) visibleLocked() uint64 {
	if t.opts.Durability == Sync {
		return t.synced
	}
	return t.written
}

// flushLoop is the topic's background writer. In Sync mode an appender that
// finds no flush in progress does the flush itself (see dispatchLocked), so a
// lone producer pays no goroutine hand-offs; flushLoop then writes what
// followers appended meanwhile.
func (t *Topic) flushLoop() {
	defer t.wg.Done()
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		for t.err == nil && (t.flushing || (len(t.pending) == 0 && !t.closing)) {
			t.flusherWaiting = true
			t.workCond.Wait()
		}
		t.flusherWaiting = false
		if t.err != nil || len(t.pending) == 0 {
			return
		}
		t.flushLocked()
	}
}

// dispatchLocked gets newly appended entries written: by the caller itself
// in Sync mode when the topic is idle, otherwise by waking the flusher.
func (t *Topic) dispatchLocked() {
	if t.opts.Durability == Sync && !t.flushing && t.flusherWaiting {
		t.flushLocked()
		if len(t.pending) > 0 || t.closing {
			t.kickLocked() // followers appended while we wrote
		}
		return
	}
	t.kickLocked()
}

// flushLocked runs one flush cycle: it takes the pending buffer, writes it
// (fdatasync too in Sync mode) and moves the watermarks. t.mu is held on entry
// and on return but released during the I/O; only one cycle runs at a time
// (t.flushing).
func (t *Topic) flushLocked() {
	t.flushing = true
	buf, frames, end := t.pending, t.frames, t.next
	t.pending, t.frames, t.open = t.spare[:0], t.spareFrames[:0], -1
	if t.spaceWaiters > 0 {
		t.spaceCond.Broadcast()
	}
	t.mu.Unlock()

	t.flushMu.Lock()
	err := t.writeFrames(buf, frames)
	t.mu.Lock()
	t.spare, t.spareFrames = buf[:0], frames[:0]
	if cap(buf) > t.opts.MaxPendingBytes+frameHeaderSize {
		// Grown past the bound for one oversized batch: let it go rather
		// than pin its memory for the topic's life.
		t.spare = nil
	}
	if err != nil {
		t.failLocked(err)
	} else {
		t.written = end
		if t.opts.Durability == Sync {
			t.synced = end
		}
		t.advanceLocked()
	}
	t.flushing = false
	if t.doneWaiters > 0 {
		t.doneCond.Broadcast()
	}
	t.flushMu.Unlock()
}

// writeFrames seals the frames in buf and writes them, rolling segments as
// needed. In Sync mode it returns after fdatasync. flushMu is held.
func (t *Topic) writeFrames(buf []byte, frames []pendingFrame) error {
	ends := make([]int, len(frames))
	for i, f := range frames {
		end := len(buf)
		if i+1 < len(frames) {
			end = frames[i+1].start
		}
		ends[i] = end
		sealFrame(buf[f.start:end], f.count)
	}
	var rolled []*segment // segments this batch wrote to before a roll
	synced := false       // the write was also the fdatasync
	for i := 0; i < len(frames); {
		seg := t.active
		_, pos := seg.extent()
		j := i
		for j < len(frames) && (pos+int64(ends[j]-frames[i].start) <= t.opts.SegmentSizeBytes ||
			(j == i && pos == segmentHeaderSize)) {
			j++
		}
		if j == i {
			if i > 0 { // frames of this batch went into seg before the roll
				rolled = append(rolled, seg)
			}
			if err := t.roll(); err != nil {
				return err
			}
			continue
		}
		chunk := buf[frames[i].start:ends[j-1]]
		if t.opts.Durability == Sync && i == 0 && j == len(frames) && seg.direct == nil {
			// The whole group in one segment: write and sync in one step
			// (one linked submission on an io_uring FS).
			start := time.Now()
			if _, err := vfs.WriteAtSync(seg.file, chunk, pos); err != nil {
				return fmt.Errorf("write segment %s: %w", seg.path, err)
			}
			t.log.metrics.syncs.Add(1)
			t.log.metrics.syncNanos.Add(uint64(time.Since(start)))
			synced = true
		} else if err := t.writeSegment(seg, chunk, pos); err != nil {
			return fmt.Errorf("write segment %s: %w", seg.path, err)
		}
		t.log.metrics.writes.Add(1)
		seg.mu.Lock()
		for k := i; k < j; k++ {
			h := parseFrameHeader(buf[frames[k].start:])
			seg.noteFrameLocked(h, pos+int64(frames[k].start-frames[i].start), t.opts.IndexIntervalBytes)
		}
		seg.mu.Unlock()
		i = j
	}
	if t.opts.Durability == Sync && !synced {
		// The sealer syncs rolled segments too, but an ack must not wait
		// for a whole seal: sync this batch's part of them here.
		for _, s := range rolled {
			if err := t.syncFile(s); err != nil {
				return err
			}
		}
		return t.syncFile(t.active)
	}
	return nil
}

// writeSegment writes chunk at pos of seg: a plain WriteAt, or with direct
// I/O the aligned blocks covering [pos, pos+len(chunk)), starting with the
// partial block already on disk. flushMu is held.
func (t *Topic) writeSegment(seg *segment, chunk []byte, pos int64) error {
	if seg.direct == nil {
		_, err := seg.file.WriteAt(chunk, pos)
		return err
	}
	const align = vfs.DirectAlignment
	blockStart := pos &^ (align - 1)
	head := int(pos - blockStart)
	if head != len(seg.tail) {
		panic(fmt.Sprintf("walrus: direct tail holds %d bytes, position %d needs %d", len(seg.tail), pos, head))
	}
	n := head + len(chunk)
	size := (n + align - 1) &^ (align - 1)
	if cap(t.directBuf) < size {
		t.directBuf = vfs.AlignedBuffer(max(size, 2*cap(t.directBuf)))
	}
	b := t.directBuf[:size]
	copy(b, seg.tail)
	copy(b[head:], chunk)
	clear(b[n:])
	if _, err := seg.direct.WriteAt(b, blockStart); err != nil {
		return err
	}
	last := n &^ (align - 1)
	seg.tail = append(seg.tail[:0], b[last:n]...)
	return nil
}

// openDirect opens seg for direct writes; tail receives the partial block
// before end.
func (t *Topic) openDirect(seg *segment, end int64) error {
	if err := t.log.cache.reserve(1); err != nil {
		return err
	}
	d, err := vfs.OpenDirect(t.opts.FS, seg.path)
	if err != nil {
		t.log.cache.release(1)
		return err
	}
	tail := make([]byte, end%vfs.DirectAlignment, vfs.DirectAlignment)
	if _, err := seg.file.ReadAt(tail, end-int64(len(tail))); err != nil {
		d.Close()
		t.log.cache.release(1)
		return err
	}
	seg.direct, seg.tail = d, tail
	return nil
}

// maybeDirect opens seg for direct writes when Options.IO asks for it. In
// IOAuto mode a file system that cannot do direct I/O keeps the page cache.
func (t *Topic) maybeDirect(seg *segment, end int64) error {
	switch t.opts.IO {
	case IOBuffered:
		return nil
	case IOAuto:
		if t.opts.Durability != Sync || t.directUnsupported {
			return nil
		}
	}
	err := t.openDirect(seg, end)
	if err != nil && t.opts.IO == IOAuto && !errors.Is(err, ErrTooManyOpenFiles) {
		t.directUnsupported = true
		t.log.opts.Logger.Info("direct I/O unavailable; using the page cache", "topic", t.name, "err", err)
		return nil
	}
	return err
}

// closeDirect closes seg's direct handle, if any.
func (t *Topic) closeDirect(seg *segment) {
	if seg.direct != nil {
		seg.direct.Close()
		seg.direct = nil
		t.log.cache.release(1)
	}
}

func (t *Topic) syncFile(s *segment) error {
	start := time.Now()
	if err := s.file.Sync(); err != nil {
		return fmt.Errorf("sync segment %s: %w", s.path, err)
	}
	t.log.metrics.syncs.Add(1)
	t.log.metrics.syncNanos.Add(uint64(time.Since(start)))
	return nil
}

// roll starts the next segment and hands the active one to a background
// sealer, so appends keep flowing while the old segment is synced. flushMu
// is held.
func (t *Topic) roll() error {
	old := t.active
	next, _ := old.extent()
	seg, err := t.createSegment(next)
	if errors.Is(err, ErrTooManyOpenFiles) {
		// Segments being sealed hold their handles; once sealed they can
		// be closed to make room.
		t.waitSeals()
		seg, err = t.createSegment(next)
	}
	if err != nil {
		return err
	}
	t.closeDirect(old) // the flusher writes to old no more
	old.acquire()      // held by the sealer
	t.segMu.Lock()
	old.sealDone = make(chan struct{}) // read under segMu by waitSeals
	t.segs = append(t.segs, seg)
	t.segMu.Unlock()
	t.active = seg
	t.log.metrics.rolls.Add(1)
	t.sealers.Add(1)
	go t.seal(old)
	return nil
}

// waitSeals waits for this topic's background seals.
func (t *Topic) waitSeals() {
	t.segMu.RLock()
	var sealing []chan struct{}
	for _, o := range t.segs {
		if o.sealDone != nil {
			sealing = append(sealing, o.sealDone)
		}
	}
	t.segMu.RUnlock()
	for _, done := range sealing {
		<-done
	}
}

// seal truncates a segment to its data, fdatasyncs it and writes its index.
// It runs in every durability mode. Until it is done, the Interval syncer does
// not move the durable watermark past the segment, and recovery treats the
// segment as unfinished (see openSealed).
func (t *Topic) seal(old *segment) {
	defer t.sealers.Done()
	defer t.releaseSegment(old)
	defer close(old.sealDone)
	_, end := old.extent()
	err := old.file.Truncate(end)
	if err == nil {
		err = t.syncFile(old)
	}
	if err == nil {
		old.mu.Lock()
		idx := encodeIndex(old)
		old.mu.Unlock()
		err = writeFileSync(t.opts.FS, indexPath(old.path), idx, true)
	}
	if err != nil {
		t.mu.Lock()
		t.failLocked(fmt.Errorf("seal segment %s: %w", old.path, err))
		t.mu.Unlock()
		return
	}
	t.log.cache.sealedSegment(old)
	t.log.kickRetention()
}

// createSegment creates, preallocates and syncs a new segment file and the
// directory entry naming it (in every mode: once per segment).
func (t *Topic) createSegment(base uint64) (*segment, error) {
	if err := t.log.cache.reserve(1); err != nil {
		return nil, err
	}
	path := joinPath(t.dir, segmentName(base))
	f, err := t.opts.FS.Create(path)
	if err != nil {
		t.log.cache.release(1)
		return nil, fmt.Errorf("create segment %s: %w", path, err)
	}
	fail := func(err error) (*segment, error) {
		f.Close()
		t.log.cache.release(1)
		return nil, fmt.Errorf("create segment %s: %w", path, err)
	}
	if _, err := f.WriteAt(encodeSegmentHeader(base), 0); err != nil {
		return fail(err)
	}
	if err := f.Preallocate(0, t.opts.SegmentSizeBytes); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := vfs.SyncDir(t.opts.FS, t.dir); err != nil {
		return fail(err)
	}
	s := &segment{base: base, path: path, next: base, end: segmentHeaderSize, corruptAt: -1, file: f}
	s.refs.Store(1)
	if err := t.maybeDirect(s, segmentHeaderSize); err != nil {
		return fail(err)
	}
	return s, nil
}

// syncLoop fdatasyncs the active segment every SyncInterval (Interval mode).
func (t *Topic) syncLoop() {
	defer t.wg.Done()
	tick := time.NewTicker(t.opts.SyncInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		if err := t.syncOnce(); err != nil {
			return
		}
	}
}

// syncOnce makes everything written so far durable.
func (t *Topic) syncOnce() error {
	t.flushMu.Lock()
	seg := t.active
	seg.acquire()
	t.mu.Lock()
	w, s, err := t.written, t.synced, t.err
	t.mu.Unlock()
	t.flushMu.Unlock()
	defer t.releaseSegment(seg)
	if err != nil || w == s {
		return err
	}
	// Entries of older segments are durable only once their seal is done.
	// (This may also wait for seals begun after w was read; harmless.)
	t.waitSeals()
	t.mu.Lock()
	err = t.err // a seal that failed made the topic fail
	t.mu.Unlock()
	if err != nil {
		return err
	}
	if err := t.syncFile(seg); err != nil {
		t.mu.Lock()
		t.failLocked(err)
		t.mu.Unlock()
		return err
	}
	t.mu.Lock()
	if w > t.synced && t.err == nil {
		t.synced = w
	}
	err = t.err
	t.mu.Unlock()
	return err
}

// releaseSegment drops a reference; the last one closes the segment's file
// and, if retention doomed it, deletes its files.
func (t *Topic) releaseSegment(s *segment) {
	if s.refs.Add(-1) != 0 {
		t.log.cache.released()
		return
	}
	t.log.cache.close(s)
	if s.doomed.Load() {
		fs := t.opts.FS
		if err := fs.Remove(indexPath(s.path)); err != nil && !isNotExist(err) {
			t.log.opts.Logger.Warn("remove index", "path", indexPath(s.path), "err", err)
		}
		if err := fs.Remove(s.path); err != nil {
			t.log.opts.Logger.Warn("remove segment", "path", s.path, "err", err)
		}
	}
}

// Bounds returns the first retained offset and the offset the next append
// will get (visible to readers or not).
func (t *Topic) Bounds() (first, next uint64) {
	t.mu.Lock()
	next = t.next
	t.mu.Unlock()
	t.segMu.RLock()
	first = next
	if len(t.segs) > 0 { // empty once closed
		first = t.segs[0].base
	}
	t.segMu.RUnlock()
	return first, next
}

// Visible returns the offset below which entries can be read: in Sync mode
// the durable end, otherwise the end written to the OS.
func (t *Topic) Visible() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.visibleLocked()
}

// readLimit returns the offset reads may go up to. Outside Sync mode it
// first waits for the flusher to write what has been appended, so a reader
// sees its own appends.
func (t *Topic) readLimit() (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.opts.Durability != Sync {
		target := t.next
		t.kickLocked()
		if err := t.waitLocked(func() bool { return t.written >= target }); err != nil {
			return 0, err
		}
	}
	return t.visibleLocked(), nil
}

// Read returns up to maxEntries entries (≤ 0: no limit) totalling at most
// maxBytes of values (≤ 0: no limit; at least one entry is returned even if
// larger), starting at offset from. It returns no entries, and no error, at or
// past the end, and ErrOffsetOutOfRange below the first retained offset.
// Reading never consumes anything.
func (t *Topic) Read(from uint64, maxEntries, maxBytes int) ([]Entry, error) {
	if t.opts.ReadOnly {
		if err := t.refresh(); err != nil {
			return nil, err
		}
	}
	limit, err := t.readLimit()
	if err != nil {
		return nil, err
	}
	return t.readUpTo(from, limit, maxEntries, maxBytes)
}

func (t *Topic) readUpTo(from, limit uint64, maxEntries, maxBytes int) ([]Entry, error) {
	var out []Entry
	used := 0
	for from < limit {
		t.segMu.RLock()
		if len(t.segs) == 0 {
			t.segMu.RUnlock()
			return out, ErrClosed
		}
		if from < t.segs[0].base {
			first := t.segs[0].base
			t.segMu.RUnlock()
			if len(out) > 0 {
				return out, nil
			}
			return nil, fmt.Errorf("%w: offset %d, topic %s starts at %d", ErrOffsetOutOfRange, from, t.name, first)
		}
		i := sort.Search(len(t.segs), func(i int) bool { return t.segs[i].base > from }) - 1
		seg := t.segs[i]
		seg.acquire()
		t.segMu.RUnlock()
		var full bool
		var err error
		out, used, full, err = t.readSegment(seg, from, limit, maxEntries, maxBytes, out, used)
		t.releaseSegment(seg)
		if err != nil {
			return out, err
		}
		if full {
			break
		}
		next, _ := seg.extent()
		if next <= from {
			break // the active segment has nothing more below limit
		}
		from = next
	}
	t.log.metrics.readEntries.Add(uint64(len(out)))
	return out, nil
}

// readSegment appends the entries of s in [from, limit) to out.
func (t *Topic) readSegment(s *segment, from, limit uint64, maxEntries, maxBytes int, out []Entry, used int) ([]Entry, int, bool, error) {
	f, err := t.log.cache.file(s)
	if err != nil {
		return out, used, false, err
	}
	s.mu.RLock()
	end, next, corruptAt := s.end, s.next, s.corruptAt
	s.mu.RUnlock()
	stop := end
	if corruptAt >= 0 {
		stop = corruptAt
	}
	pos, base := s.seek(from)
	r := frameReader{f: f, pos: pos, limit: stop, expect: base, chunk: 64 << 10, fresh: true}
	full := false
	for !full {
		h, b, err := r.next()
		if err == io.EOF {
			if corruptAt >= 0 && from < next {
				t.log.metrics.corruptions.Add(1)
				return out, used, false, fmt.Errorf("%w: segment %s: data from position %d does not verify", ErrCorrupt, s.path, corruptAt)
			}
			break
		}
		if err != nil {
			t.log.metrics.corruptions.Add(1)
			return out, used, false, fmt.Errorf("walrus: read segment %s: %w", s.path, asCorrupt(err))
		}
		if h.baseOffset >= limit {
			break
		}
		if h.next() <= from {
			continue
		}
		if err := decodeEntries(b, h, func(e Entry) bool {
			if e.Offset < from {
				return true
			}
			if e.Offset >= limit || (maxEntries > 0 && len(out) >= maxEntries) ||
				(maxBytes > 0 && len(out) > 0 && used+len(e.Value) > maxBytes) {
				full = e.Offset < limit
				return false
			}
			out = append(out, e)
			used += len(e.Value)
			return true
		}); err != nil {
			return out, used, false, err
		}
		if h.next() >= limit {
			break
		}
	}
	return out, used, full, nil
}

// Wait blocks until the entry at offset is visible to readers, the context
// ends, or the topic fails or closes.
func (t *Topic) Wait(ctx context.Context, offset uint64) error {
	if t.opts.ReadOnly {
		return t.waitReadOnly(ctx, offset)
	}
	for {
		t.mu.Lock()
		if t.err != nil {
			err := t.err
			t.mu.Unlock()
			return err
		}
		if t.closing {
			t.mu.Unlock()
			return ErrClosed
		}
		if t.visibleLocked() > offset {
			t.mu.Unlock()
			return nil
		}
		if t.notify == nil {
			t.notify = make(chan struct{})
		}
		ch := t.notify
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Poll is a tailing Read: it blocks until at least one entry at or after from
// is visible (or ctx ends), then reads.
func (t *Topic) Poll(ctx context.Context, from uint64, maxEntries, maxBytes int) ([]Entry, error) {
	if err := t.Wait(ctx, from); err != nil {
		return nil, err
	}
	return t.Read(from, maxEntries, maxBytes)
}

// Flush returns once every entry appended before the call has been written
// to the file (the OS page cache), without fdatasync. In Sync mode that is
// already true when Append returns.
func (t *Topic) Flush() error {
	_, err := t.readLimit()
	return err
}

// Sync makes every entry appended so far durable, whatever the mode.
func (t *Topic) Sync() error {
	if _, err := t.readLimit(); err != nil {
		return err
	}
	return t.syncOnce()
}

// close stops the flusher and syncer after writing everything buffered, syncs
// (unless None), and closes the topic's files.
func (t *Topic) close() error {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return nil
	}
	t.closing = true
	t.workCond.Broadcast()
	t.spaceCond.Broadcast()
	t.mu.Unlock()
	close(t.stop)
	t.wg.Wait()
	// A Sync appender may still be leading a flush (the flusher goroutine
	// exits early once the topic has failed): wait for it.
	t.mu.Lock()
	for t.flushing {
		t.doneWaiters++
		t.doneCond.Wait()
		t.doneWaiters--
	}
	t.mu.Unlock()
	t.sealers.Wait()

	var err error
	t.mu.Lock()
	err = t.err
	t.mu.Unlock()
	if err == nil && t.opts.Durability != None && !t.opts.ReadOnly {
		err = t.syncOnce()
	}
	t.mu.Lock()
	t.advanceLocked()
	t.mu.Unlock()
	t.flushMu.Lock()
	if t.active != nil {
		t.closeDirect(t.active)
	}
	t.flushMu.Unlock()
	t.segMu.Lock()
	segs := t.segs
	t.segs = nil
	t.segMu.Unlock()
	for _, s := range segs {
		t.releaseSegment(s)
	}
	if cerr := t.cursors.close(); err == nil {
		err = cerr
	}
	return err
}

// Segments returns the number of segment files of the topic.
func (t *Topic) Segments() int {
	t.segMu.RLock()
	defer t.segMu.RUnlock()
	return len(t.segs)
}

// sizeBytes returns the bytes of data in the topic's segments.
func (t *Topic) sizeBytes() int64 {
	t.segMu.RLock()
	defer t.segMu.RUnlock()
	var n int64
	for _, s := range t.segs {
		_, end := s.extent()
		n += end
	}
	return n
}

func writeFileSync(fs vfs.FS, path string, data []byte, doSync bool) error {
	f, err := fs.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if doSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// asCorrupt marks a frame that ends early or reads as zeros inside a segment's
// data as corruption; I/O errors pass through unchanged.
func asCorrupt(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errEndOfData) {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
