package walrus

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/internal/vfs"
)

const (
	topicsDir     = "topics"
	lockFile      = "LOCK"
	deletedPrefix = ".deleted-"
	maxNameLen    = 249
)

// Log is a directory of topics. Open it once per process (a lock file keeps
// a second process out); all methods are safe for concurrent use.
type Log struct {
	dir   string
	opts  Options
	lock  io.Closer
	cache *fileCache

	mu     sync.RWMutex
	topics map[string]*Topic
	closed bool

	metrics   counters
	retention chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
}

// Open opens (creating if needed) the log in dir and recovers every topic:
// the active segment of each is scanned and cut at its first invalid frame.
func Open(dir string, opts Options) (*Log, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	l := &Log{
		dir:       dir,
		opts:      opts,
		cache:     newFileCache(opts.FS, opts.MaxOpenFiles),
		topics:    map[string]*Topic{},
		retention: make(chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	fs := opts.FS
	tdir := joinPath(dir, topicsDir)
	if !opts.ReadOnly {
		if err := fs.MkdirAll(tdir, 0o755); err != nil {
			return nil, fmt.Errorf("walrus: create %s: %w", tdir, err)
		}
		// MkdirAll may have created dir itself: make both levels durable.
		for _, d := range []string{filepath.Dir(filepath.Clean(dir)), dir} {
			if err := vfs.SyncDir(fs, d); err != nil {
				return nil, fmt.Errorf("walrus: open %s: %w", dir, err)
			}
		}
		lock, err := fs.Lock(joinPath(dir, lockFile))
		if errors.Is(err, vfs.ErrLocked) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
		}
		if err != nil {
			return nil, fmt.Errorf("walrus: lock %s: %w", dir, err)
		}
		l.lock = lock
	}
	names, err := fs.List(tdir)
	if err != nil {
		l.closeFiles()
		return nil, fmt.Errorf("walrus: list topics in %s: %w", dir, err)
	}
	for _, name := range names {
		if strings.HasPrefix(name, deletedPrefix) {
			if !opts.ReadOnly {
				if err := fs.RemoveAll(joinPath(tdir, name)); err != nil {
					opts.Logger.Warn("remove deleted topic", "dir", name, "err", err)
				}
			}
			continue
		}
		if checkName(name) != nil {
			continue
		}
		t, err := l.openTopic(name, false)
		if err != nil {
			l.closeFiles()
			return nil, err
		}
		l.topics[name] = t
	}
	if !opts.ReadOnly && (opts.RetentionBytes > 0 || opts.RetentionAge > 0) {
		l.wg.Add(1)
		go l.retentionLoop()
	}
	return l, nil
}

// checkName enforces the topic (and cursor) name rules, Kafka's: 1–249
// characters of [a-zA-Z0-9._-], not starting with '.'.
func checkName(name string) error {
	if name == "" || len(name) > maxNameLen || name[0] == '.' {
		return fmt.Errorf("%w: %q (1-%d characters of [a-zA-Z0-9._-], not starting with '.')", ErrInvalidTopicName, name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q has %q (allowed: [a-zA-Z0-9._-])", ErrInvalidTopicName, name, c)
		}
	}
	return nil
}

// CreateTopic creates an empty topic, durably.
func (l *Log) CreateTopic(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.opts.ReadOnly {
		return fmt.Errorf("walrus: create topic %s: log is read-only", name)
	}
	if _, ok := l.topics[name]; ok {
		return fmt.Errorf("%w: %s", ErrTopicExists, name)
	}
	tdir := joinPath(l.dir, topicsDir)
	if err := l.opts.FS.MkdirAll(joinPath(tdir, name), 0o755); err != nil {
		return fmt.Errorf("walrus: create topic %s: %w", name, err)
	}
	if err := vfs.SyncDir(l.opts.FS, tdir); err != nil {
		return fmt.Errorf("walrus: create topic %s: %w", name, err)
	}
	t, err := l.openTopic(name, true)
	if err != nil {
		return err
	}
	l.topics[name] = t
	return nil
}

// Topic returns the named topic.
func (l *Log) Topic(name string) (*Topic, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	t, ok := l.topics[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrTopicNotFound, name)
	}
	return t, nil
}

// Topics returns the names of all topics, sorted.
func (l *Log) Topics() []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	names := make([]string, 0, len(l.topics))
	for n := range l.topics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DeleteTopic closes the topic and deletes it with its cursors. The deletion
// is atomic across a crash: the directory is first renamed aside.
func (l *Log) DeleteTopic(name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	t, ok := l.topics[name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrTopicNotFound, name)
	}
	delete(l.topics, name)
	t.close()
	fs := l.opts.FS
	tdir := joinPath(l.dir, topicsDir)
	aside := joinPath(tdir, fmt.Sprintf("%s%s-%d", deletedPrefix, name, l.opts.Now().UnixNano()))
	if err := fs.Rename(t.dir, aside); err != nil {
		return fmt.Errorf("walrus: delete topic %s: %w", name, err)
	}
	if err := vfs.SyncDir(fs, tdir); err != nil {
		return fmt.Errorf("walrus: delete topic %s: %w", name, err)
	}
	if err := fs.RemoveAll(aside); err != nil {
		return fmt.Errorf("walrus: delete topic %s: %w", name, err)
	}
	return nil
}

// Append appends value to the named topic; see Topic.Append.
func (l *Log) Append(topic string, value []byte) (uint64, error) {
	t, err := l.Topic(topic)
	if err != nil {
		return 0, err
	}
	return t.Append(value)
}

// Read reads the named topic; see Topic.Read.
func (l *Log) Read(topic string, from uint64, maxEntries, maxBytes int) ([]Entry, error) {
	t, err := l.Topic(topic)
	if err != nil {
		return nil, err
	}
	return t.Read(from, maxEntries, maxBytes)
}

// Close writes everything buffered, syncs it (unless None) and closes every
// topic. Appends after Close fail with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	topics := l.topics
	l.topics = map[string]*Topic{}
	l.mu.Unlock()
	close(l.stop)
	l.wg.Wait()
	var errs []error
	for _, t := range topics {
		if err := t.close(); err != nil {
			errs = append(errs, err)
		}
	}
	l.closeFiles()
	return errors.Join(errs...)
}

func (l *Log) closeFiles() {
	if l.lock != nil {
		l.lock.Close()
		l.lock = nil
	}
}

// openTopic opens a topic directory and recovers it: sealed segments are
// described by their index files (rebuilt by a scan when missing or bad), the
// active segment is scanned and cut at the first frame that does not verify.
func (l *Log) openTopic(name string, create bool) (*Topic, error) {
	opts := &l.opts
	fs := opts.FS
	t := &Topic{
		log:  l,
		name: name,
		dir:  joinPath(joinPath(l.dir, topicsDir), name),
		opts: opts,
		open: -1,
		stop: make(chan struct{}),
	}
	t.workCond.L, t.spaceCond.L, t.doneCond.L = &t.mu, &t.mu, &t.mu
	files, err := fs.List(t.dir)
	if err != nil {
		return nil, fmt.Errorf("walrus: open topic %s: %w", name, err)
	}
	var bases []uint64
	for _, f := range files {
		if base, ok := parseSegmentName(f); ok {
			bases = append(bases, base)
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	fail := func(err error) (*Topic, error) {
		for _, s := range t.segs {
			t.closeDirect(s)
			t.releaseSegment(s)
		}
		return nil, err
	}
	for i, base := range bases {
		var s *segment
		var err error
		if i == len(bases)-1 {
			s, err = t.recoverActive(base)
		} else {
			var unfinished bool
			s, unfinished, err = t.openSealed(base, bases[i+1])
			if err == nil && unfinished {
				// A seal that never finished and lost data: the newer
				// segments hold only entries that were never durable.
				if err := t.cutAfter(bases[i+1:]); err != nil {
					return fail(err)
				}
				if s, err = t.recoverActive(base); err != nil {
					return fail(err)
				}
				t.segs = append(t.segs, s)
				break
			}
		}
		if err != nil {
			return fail(err)
		}
		t.segs = append(t.segs, s)
	}
	if len(t.segs) == 0 {
		if opts.ReadOnly {
			return fail(fmt.Errorf("walrus: open topic %s: no segments", name))
		}
		s, err := t.createSegment(0)
		if err != nil {
			return fail(fmt.Errorf("walrus: open topic %s: %w", name, err))
		}
		t.segs = append(t.segs, s)
	}
	t.active = t.segs[len(t.segs)-1]
	t.next, _ = t.active.extent()
	t.written, t.synced = t.next, t.next
	t.lastTime = t.active.lastTime
	if t.cursors, err = openCursorStore(t, opts.ReadOnly); err != nil {
		return fail(err)
	}
	if !opts.ReadOnly {
		t.wg.Add(1)
		go t.flushLoop()
		if opts.Durability == Interval {
			t.wg.Add(1)
			go t.syncLoop()
		}
	}
	return t, nil
}

// openSealed describes a sealed segment from its index file, or by a scan.
//
// Without a valid index, the segment may be one whose background seal never
// finished (the process died first). Its file then still has its
// preallocated size. If its frames reach the next segment's base, the seal is
// finished now; if they do not, the data that was lost was never promised
// durable (the syncer and Sync acks wait for seals), and openSealed returns
// unfinished = true so the caller cuts the log there. Any other mismatch is
// corruption: reads of the damaged range fail with ErrCorrupt.
func (t *Topic) openSealed(base, nextBase uint64) (s *segment, unfinished bool, err error) {
	fs := t.opts.FS
	path := joinPath(t.dir, segmentName(base))
	s = &segment{base: base, path: path, corruptAt: -1}
	s.refs.Store(1)
	fi, err := fs.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("walrus: open segment %s: %w", path, err)
	}
	res, err := readIndexFile(fs, indexPath(path), base, fi.Size())
	if err != nil {
		f, oerr := fs.Open(path)
		if oerr != nil {
			return nil, false, fmt.Errorf("walrus: open segment %s: %w", path, oerr)
		}
		res, err = scanSegment(f, base, t.opts.IndexIntervalBytes)
		f.Close()
		if err != nil && !errors.Is(err, ErrCorrupt) {
			return nil, false, fmt.Errorf("walrus: scan segment %s: %w", path, err)
		}
		complete := err == nil && res.stop == nil && res.next == nextBase
		untruncated := err == nil && res.size > res.end
		switch {
		case !complete && untruncated && !t.opts.ReadOnly:
			t.log.opts.Logger.Warn("segment seal never finished and data is missing; cutting the log there",
				"segment", path, "next_offset", res.next, "next_segment", nextBase)
			t.log.metrics.recoveryCuts.Add(1)
			return nil, true, nil
		case !complete:
			t.log.metrics.corruptions.Add(1)
			t.log.opts.Logger.Error("sealed segment does not verify; reads past the damage fail", "segment", path, "at", res.end, "err", errors.Join(err, res.stop))
			s.corruptAt = max(res.end, segmentHeaderSize)
			res.next = nextBase
		case !t.opts.ReadOnly:
			if err := t.finishSeal(s, res); err != nil {
				return nil, false, err
			}
		}
	}
	if res.next != nextBase && s.corruptAt < 0 {
		t.log.metrics.corruptions.Add(1)
		s.corruptAt = res.end
		res.next = nextBase
	}
	s.index, s.next, s.end, s.lastTime, s.lastIndex = res.index, res.next, res.end, res.lastTime, res.lastIdx
	return s, false, nil
}

// finishSeal truncates a scanned sealed segment to its data and rewrites its
// index, durably.
func (t *Topic) finishSeal(s *segment, res scanResult) error {
	fs := t.opts.FS
	if res.size != res.end {
		f, err := fs.OpenReadWrite(s.path)
		if err != nil {
			return fmt.Errorf("walrus: seal segment %s: %w", s.path, err)
		}
		err = f.Truncate(res.end)
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("walrus: seal segment %s: %w", s.path, err)
		}
	}
	s.index, s.next, s.end, s.lastTime = res.index, res.next, res.end, res.lastTime
	if err := writeFileSync(fs, indexPath(s.path), encodeIndex(s), true); err != nil {
		return fmt.Errorf("walrus: seal segment %s: %w", s.path, err)
	}
	return nil
}

// cutAfter deletes the segments with these bases (and their indexes),
// durably.
func (t *Topic) cutAfter(bases []uint64) error {
	fs := t.opts.FS
	for _, b := range bases {
		p := joinPath(t.dir, segmentName(b))
		if err := fs.Remove(indexPath(p)); err != nil && !isNotExist(err) {
			return fmt.Errorf("walrus: cut segment %s: %w", p, err)
		}
		if err := fs.Remove(p); err != nil {
			return fmt.Errorf("walrus: cut segment %s: %w", p, err)
		}
	}
	return vfs.SyncDir(fs, t.dir)
}

func readIndexFile(fs vfs.FS, path string, base uint64, size int64) (scanResult, error) {
	f, err := fs.Open(path)
	if err != nil {
		return scanResult{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return scanResult{}, err
	}
	return decodeIndex(data, base, size)
}

// recoverActive scans the last segment, cuts it after its last valid frame
// and prepares it for appending.
func (t *Topic) recoverActive(base uint64) (*segment, error) {
	fs := t.opts.FS
	path := joinPath(t.dir, segmentName(base))
	var f vfs.File
	var err error
	if t.opts.ReadOnly {
		f, err = fs.Open(path)
	} else {
		f, err = fs.OpenReadWrite(path)
	}
	if err != nil {
		return nil, fmt.Errorf("walrus: open segment %s: %w", path, err)
	}
	if err := t.log.cache.reserve(1); err != nil {
		f.Close()
		return nil, err
	}
	s := &segment{base: base, path: path, corruptAt: -1, file: f}
	s.refs.Store(1)
	res, err := scanSegment(f, base, t.opts.IndexIntervalBytes)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) || t.opts.ReadOnly || !blankTail(f, segmentHeaderSize) {
			t.releaseSegment(s)
			return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
		}
		// A header that never reached the disk, with nothing after it: the
		// segment was being created when the process died.
		t.log.opts.Logger.Warn("recreating segment with an unwritten header", "segment", path)
		res = scanResult{next: base, end: segmentHeaderSize, stop: err}
		if _, err := f.WriteAt(encodeSegmentHeader(base), 0); err != nil {
			t.releaseSegment(s)
			return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
		}
	}
	s.index, s.next, s.end, s.lastTime, s.lastIndex = res.index, res.next, res.end, res.lastTime, res.lastIdx
	if t.opts.ReadOnly {
		return s, nil
	}
	if res.stop != nil {
		t.log.metrics.recoveryCuts.Add(1)
		lost := "no"
		if !blankTail(f, res.end) {
			lost = "yes"
		}
		t.log.opts.Logger.Warn("cut the active segment at its first invalid frame", "segment", path,
			"position", res.end, "next_offset", res.next, "nonzero_bytes_after", lost, "reason", res.stop)
	}
	// Zero everything after the last valid frame, so that stale frames from
	// before the crash can never line up behind new ones.
	if err := f.Truncate(res.end); err != nil {
		t.releaseSegment(s)
		return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
	}
	if err := f.Preallocate(0, t.opts.SegmentSizeBytes); err != nil {
		t.releaseSegment(s)
		return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
	}
	// What a reader may now see must survive a power loss: sync it.
	if err := f.Sync(); err != nil {
		t.releaseSegment(s)
		return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
	}
	if err := fs.Remove(indexPath(path)); err != nil && !isNotExist(err) {
		t.releaseSegment(s)
		return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
	}
	if err := t.maybeDirect(s, res.end); err != nil {
		t.releaseSegment(s)
		return nil, fmt.Errorf("walrus: recover segment %s: %w", path, err)
	}
	return s, nil
}

// blankTail reports whether the file holds only zeros from pos on.
func blankTail(f vfs.File, pos int64) bool {
	buf := make([]byte, 1<<16)
	for {
		n, err := f.ReadAt(buf, pos)
		if !allZero(buf[:n]) {
			return false
		}
		if err != nil || n == 0 {
			return true
		}
		pos += int64(n)
	}
}

// kickRetention asks the retention loop to run soon.
func (l *Log) kickRetention() {
	select {
	case l.retention <- struct{}{}:
	default:
	}
}

func (l *Log) retentionLoop() {
	defer l.wg.Done()
	tick := time.NewTicker(l.opts.RetentionInterval)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		case <-l.retention:
		}
		l.EnforceRetention()
	}
}

// EnforceRetention deletes, in every topic, the oldest sealed segments while
// the topic is over Options.RetentionBytes or the segment's newest frame is
// older than Options.RetentionAge. The active segment is never deleted. It
// runs in the background on its own; call it to apply retention now.
func (l *Log) EnforceRetention() int {
	l.mu.RLock()
	topics := make([]*Topic, 0, len(l.topics))
	for _, t := range l.topics {
		topics = append(topics, t)
	}
	l.mu.RUnlock()
	removed := 0
	for _, t := range topics {
		removed += t.enforceRetention(l.opts.Now())
	}
	return removed
}

func (t *Topic) enforceRetention(now time.Time) int {
	o := t.opts
	t.segMu.Lock()
	var total int64
	for _, s := range t.segs {
		_, end := s.extent()
		total += end
	}
	var doomed []*segment
	for len(t.segs) > 1 {
		s := t.segs[0]
		s.mu.RLock()
		end, last := s.end, s.lastTime
		s.mu.RUnlock()
		bySize := o.RetentionBytes > 0 && total > o.RetentionBytes
		byAge := o.RetentionAge > 0 && last < now.Add(-o.RetentionAge).UnixNano()
		if !bySize && !byAge {
			break
		}
		t.segs = t.segs[1:]
		total -= end
		doomed = append(doomed, s)
	}
	t.segMu.Unlock()
	for _, s := range doomed {
		t.log.opts.Logger.Info("retention deleted segment", "topic", t.name, "segment", s.path)
		s.doomed.Store(true)
		t.releaseSegment(s)
	}
	if len(doomed) > 0 {
		t.log.metrics.retentionDeleted.Add(uint64(len(doomed)))
		if err := vfs.SyncDir(o.FS, t.dir); err != nil {
			t.log.opts.Logger.Warn("sync after retention", "topic", t.name, "err", err)
		}
	}
	return len(doomed)
}

// counters are the Log's monotonic metrics.
type counters struct {
	appends, appendBytes, writes, syncs, syncNanos, rolls atomic.Uint64
	readEntries, corruptions, recoveryCuts                atomic.Uint64
	retentionDeleted                                      atomic.Uint64
}

// Metrics is a snapshot of a Log's counters and gauges.
type Metrics struct {
	Appends          uint64        // entries appended
	AppendBytes      uint64        // value bytes appended
	Writes           uint64        // write calls to segment files (one per group)
	Syncs            uint64        // fdatasync calls on segment files
	SyncTime         time.Duration // total time in those fdatasync calls
	Rolls            uint64        // segments sealed
	ReadEntries      uint64        // entries returned by reads
	Corruptions      uint64        // corrupt frames or segments detected
	RecoveryCuts     uint64        // active segments cut at an invalid frame on open
	RetentionDeleted uint64        // segments deleted by retention
	Topics           int           // open topics
	Segments         int           // segment files of open topics
	OpenFiles        int           // file handles held
	SizeBytes        int64         // bytes in segment files of open topics
}

// Metrics returns a snapshot of the Log's metrics.
func (l *Log) Metrics() Metrics {
	c := &l.metrics
	m := Metrics{
		Appends: c.appends.Load(), AppendBytes: c.appendBytes.Load(), Writes: c.writes.Load(),
		Syncs: c.syncs.Load(), SyncTime: time.Duration(c.syncNanos.Load()), Rolls: c.rolls.Load(),
		ReadEntries: c.readEntries.Load(), Corruptions: c.corruptions.Load(),
		RecoveryCuts: c.recoveryCuts.Load(), RetentionDeleted: c.retentionDeleted.Load(),
	}
	l.mu.RLock()
	for _, t := range l.topics {
		m.Topics++
		m.Segments += t.Segments()
		m.SizeBytes += t.sizeBytes()
	}
	l.mu.RUnlock()
	l.cache.mu.Lock()
	m.OpenFiles = l.cache.open
	l.cache.mu.Unlock()
	return m
}
