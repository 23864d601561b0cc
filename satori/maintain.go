package satori

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/reefdb/reef/satori/bucket"
	"github.com/reefdb/reef/satori/kmeans"
)

// Maintenance keeps the buckets in shape while reads and writes go on
// (SPFresh, Xu et al., SOSP 2023, adapted to immutable buckets):
//
//   - flush: a bucket whose delta or stale entries have grown is rewritten
//     with its valid entries (stale ones, i.e. deleted, overwritten or
//     moved, are garbage collected);
//   - split: a bucket past MaxBucket is cut in two by balanced 2-means
//     (in more parts, by balanced k-means, when it is far past it, as
//     happens to the first bucket of a bulk load); then the vectors of
//     the nearby buckets are reassigned: a neighbour's vector now nearer
//     to a new centroid than to its own moves there, and a vector of the
//     split bucket nearer to a neighbour's centroid than to both new ones
//     moves to the neighbour;
//   - merge: a bucket under MinBucket is dissolved into its nearest
//     neighbours, each vector to the nearest of them.
//
// A job reads its buckets (one pread each) and snapshots their deltas
// without blocking anyone, writes the new buckets, then installs them
// under mu in one step: entries that stopped being valid meanwhile are
// counted stale, delta entries that arrived meanwhile stay in the delta
// (or, for a bucket that disappeared, move to the nearest new one). After
// a round of jobs one bucket commit makes them durable together with the
// new checkpoint, and the log generations below it are deleted.
//
// One round runs at a time (maintMu): the background loop's, Flush's or
// a test's Maintain.

// neighbours is how many nearby buckets a split reassigns from and a
// merge spreads into.
const neighbours = 8

// maintBackoff is the pause after a failed maintenance round (a variable
// for tests).
var maintBackoff = time.Second

// stallRounds is how many maintenance rounds in a row must fail
// (maintBackoff apart) before a writer waiting for delta room gives up
// with ErrStalled rather than wait for ever.
const stallRounds = 10

// roundBytes bounds the bucket bytes one round writes before it commits
// (a round flushing everything commits and goes on).
var roundBytes int64 = 256 << 20 // a var for tests

// afterJob, when set (by tests), runs after each maintenance job.
var afterJob func(*DB)

// maintainLoop runs rounds when woken by a write or every
// MaintenanceInterval, until Close.
func (db *DB) maintainLoop() {
	defer close(db.done)
	t := time.NewTicker(db.opts.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-db.maint:
		case <-t.C:
		}
		if err := db.maintain(false); err != nil {
			db.stats.maintErrors.Add(1)
			db.opts.Logger.Warn("satori: maintenance", "err", err)
			select { // back off after a failure
			case <-db.stop:
				return
			case <-time.After(maintBackoff):
			}
		}
	}
}

// Maintain runs one maintenance round now: the jobs due are done and
// committed. Tests that disable background maintenance drive it with this.
func (db *DB) Maintain() error { return db.maintain(false) }

// Flush writes every acknowledged change into the buckets and commits
// them, so a restart replays no log, and trims the log.
func (db *DB) Flush() error { return db.maintain(true) }

// maintain runs one round; all writes out every dirty bucket. It counts
// the rounds failed in a row, for writers waiting for delta room.
func (db *DB) maintain(all bool) error {
	err := db.round(all)
	db.mu.Lock()
	if err != nil && !errors.Is(err, ErrClosed) {
		db.maintFails++
		db.lastMaintErr = err
		db.roomCond.Broadcast() // writers waiting for room decide whether to give up
	} else if err == nil {
		db.maintFails = 0
	}
	db.mu.Unlock()
	return err
}

// round is one maintenance round.
func (db *DB) round(all bool) error {
	db.maintMu.Lock()
	defer db.maintMu.Unlock()
	db.mu.RLock()
	err := db.writableLocked()
	db.mu.RUnlock()
	if err != nil {
		return err
	}
	var written int64
	ran := false
	if db.scratch == nil {
		db.scratch = new(scratch)
	}
	sc := db.scratch
	// A round ends when nothing is due, when it wrote roundBytes (one that
	// flushes everything commits then and goes on), or after a number of
	// jobs that only a ping-pong of splits and merges could reach.
	// Committing every roundBytes is what bounds the disk: a segment file
	// whose buckets were all rewritten is deleted only by a commit, so a
	// flush of everything committed once at the end would first write a
	// second copy of every bucket.
	db.mu.RLock()
	maxJobs := 4*len(db.buckets) + 64
	db.mu.RUnlock()
	var queue []job
	for jobs := 0; jobs < maxJobs; jobs++ {
		if written >= roundBytes {
			if !all {
				break
			}
			if err := db.commit(); err != nil {
				return err
			}
			written = 0
			queue = queue[:0] // the compaction target changed with the commit
		}
		if len(queue) == 0 {
			if queue = db.dueJobs(all, queue); len(queue) == 0 {
				break
			}
		}
		j := queue[0]
		queue = queue[1:]
		db.mu.RLock()
		_, exists := db.buckets[j.bucket]
		db.mu.RUnlock()
		if !exists { // merged or split away by an earlier job of the batch
			continue
		}
		n, err := db.run(j, sc)
		sc.done(2 * db.opts.MaxBucket * db.dim)
		if err != nil {
			if errors.Is(err, bucket.ErrFailed) {
				return db.fail(err)
			}
			return err
		}
		written += n
		ran = true
		if afterJob != nil {
			afterJob(db)
		}
	}
	db.rebuildRouterAsync()
	if !ran || all {
		// Idle, or everything flushed: hold no scratch memory.
		db.scratch = nil
		db.store.ReleaseBuffers()
	}
	if !ran && !all {
		return nil
	}
	return db.commit()
}

// scratch is the memory maintenance reuses from job to job: the bucket
// read buffer, the bucket being written, and the arenas gather lays the
// members' vectors out in. A job's members point into its arenas, so they
// are free again only once the job installed its result (done). The DB
// keeps one scratch (under maintMu) while rounds find work and drops it
// when a round finds none or flushed everything, so an idle DB holds
// none of it: a bulk load would otherwise allocate every bucket it
// rewrites several times over.
type scratch struct {
	read, write bucket.Bucket
	free, busy  [][]float32 // arenas (len 0) free for the next job, in use by this one
}

// maxArenas bounds the free arenas kept: a split gathers itself and its
// neighbours.
const maxArenas = 2*neighbours + 2

// vecs returns an arena of capacity at least n floats: the smallest free
// one that fits, or a new one.
func (s *scratch) vecs(n int) []float32 {
	best := -1
	for i, a := range s.free {
		if cap(a) >= n && (best < 0 || cap(a) < cap(s.free[best])) {
			best = i
		}
	}
	var a []float32
	if best >= 0 {
		a = s.free[best]
		s.free[best] = s.free[len(s.free)-1]
		s.free[len(s.free)-1] = nil
		s.free = s.free[:len(s.free)-1]
	} else {
		a = make([]float32, 0, n)
	}
	s.busy = append(s.busy, a)
	return a
}

// done ends a job: its arenas are free again, except those of more than
// maxFloats (the first bucket of a bulk load, say) and those past
// maxArenas, which are dropped.
func (s *scratch) done(maxFloats int) {
	for _, a := range s.busy {
		if cap(a) <= maxFloats && len(s.free) < maxArenas {
			s.free = append(s.free, a[:0])
		}
	}
	clear(s.busy)
	s.busy = s.busy[:0]
}

// rebuildRouterAsync starts a rebuild of the router's graph in the
// background when one is due and none is running: building a graph over
// tens of thousands of centroids takes tens of seconds, which maintenance
// (and the writers waiting on it) should not. Close waits for it.
func (db *DB) rebuildRouterAsync() {
	if !db.router.needsRebuild() || !db.rebuilding.CompareAndSwap(false, true) {
		return
	}
	db.rebuildWG.Add(1)
	go func() {
		defer db.rebuildWG.Done()
		defer db.rebuilding.Store(false)
		if err := db.router.rebuild(); err != nil {
			db.stats.maintErrors.Add(1)
			db.opts.Logger.Warn("satori: router rebuild", "err", err)
		}
	}()
}

type jobKind uint8

const (
	jobFlush jobKind = iota + 1
	jobSplit
	jobMerge
)

type job struct {
	kind   jobKind
	bucket uint32
}

// jobBatch is how many jobs one scan of the buckets queues: a scan costs
// a pass over every bucket, so at tens of thousands of buckets picking
// one job per scan dominated maintenance.
const jobBatch = 32

// dueJobs scans the buckets once and appends to dst[:0] up to jobBatch
// jobs, most urgent first: splits (largest first), then merges (smallest
// first), then rewrites of the live buckets of a segment to compact (see
// compactSegmentLocked), then flushes: when the log is too long the
// oldest changes first; under memory pressure the largest deltas; otherwise the buckets
// whose delta or stale part is a quarter of them, largest delta first;
// with all, every dirty bucket in the order of their files (segment, then
// offset), so that the commits a flush of everything makes as it goes
// delete the segment files it emptied. A queued job may be stale by the time it
// runs (its bucket merged away or already flushed): run skips a vanished
// bucket, and a flush of a clean bucket or a split of a bucket that
// shrank rewrites it in place.
func (db *DB) dueJobs(all bool, dst []job) []job {
	db.mu.RLock()
	defer db.mu.RUnlock()
	trimTo := uint64(0)
	if db.wal.size() > db.opts.LogBytes {
		trimTo = db.wal.trimTarget()
	}
	pressure := db.deltaBytes > db.opts.MaxDeltaBytes/2
	// Each candidate gets a rank: its class, then a key within it.
	type cand struct {
		class int // 0 split, 1 merge, 2 compaction or log trim, 3 flush
		key   int64
		off   int64 // ties of key: the bucket's file offset
		j     job
	}
	var cands []cand
	compact := db.compactSegmentLocked()
	for _, b := range db.buckets {
		live := b.live()
		switch {
		case live > db.opts.MaxBucket:
			cands = append(cands, cand{0, -int64(live), 0, job{jobSplit, b.id}})
			continue
		case live < db.opts.MinBucket && len(db.buckets) > 1:
			cands = append(cands, cand{1, int64(live), 0, job{jobMerge, b.id}})
			continue
		}
		if compact != 0 && b.onDisk && b.loc.Segment == compact {
			cands = append(cands, cand{2, int64(b.loc.Offset), 0, job{jobFlush, b.id}})
			continue
		}
		if b.dirty == 0 {
			continue
		}
		if b.dirty < trimTo {
			cands = append(cands, cand{2, int64(b.dirty), 0, job{jobFlush, b.id}})
			continue
		}
		due := all || b.delta.len() >= max(db.opts.MaxBucket/8, b.diskCount/4) ||
			b.stale >= max(1, b.entries()/4) || !b.onDisk && b.delta.len() > 0 && all
		if pressure {
			due = b.delta.len() > 0
		}
		if due {
			c := cand{class: 3, key: -int64(b.delta.len()), j: job{jobFlush, b.id}}
			if all { // in file order, so each commit deletes the files emptied
				c.key = math.MaxInt64
				if b.onDisk {
					c.key, c.off = int64(b.loc.Segment), b.loc.Offset
				}
			}
			cands = append(cands, c)
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(a.class, b.class); c != 0 {
			return c
		}
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.off, b.off); c != 0 {
			return c
		}
		return cmp.Compare(a.j.bucket, b.j.bucket)
	})
	dst = dst[:0]
	for _, c := range cands[:min(len(cands), jobBatch)] {
		dst = append(dst, c.j)
	}
	return dst
}

// compactSegmentLocked returns the segment whose live buckets maintenance
// should rewrite elsewhere, or 0. Every flush writes a bucket anew, so
// segment files fill with dead copies; a segment is deleted (by the
// Commit after the last live bucket left it) only when nothing in it is
// live. When the files hold more than twice the live buckets' bytes plus
// two segments, the segment (not the one being appended to) with the
// smallest share of live bytes is compacted: its buckets are flushed,
// which moves them to the active segment. DB.mu held.
func (db *DB) compactSegmentLocked() uint32 {
	sizes, active := db.store.SegmentSizes()
	var live, total int64
	for _, n := range sizes {
		total += n
	}
	for _, b := range db.buckets {
		if b.onDisk {
			live += int64(b.loc.Length)
		}
	}
	if total <= 2*live+2*db.store.SegmentBytes() {
		return 0
	}
	// Due (rarely, and this runs on every scan): the live bytes per segment.
	liveBy := make(map[uint32]int64, len(sizes))
	for _, b := range db.buckets {
		if b.onDisk {
			liveBy[b.loc.Segment] += int64(b.loc.Length)
		}
	}
	best, bestShare := uint32(0), 2.0
	for seg, n := range sizes {
		if seg == active || liveBy[seg] == 0 { // nothing to move: it goes at the next Commit
			continue
		}
		if share := float64(liveBy[seg]) / float64(n); share < bestShare || share == bestShare && seg < best {
			best, bestShare = seg, share
		}
	}
	return best
}

// member is one valid entry read from a bucket being rewritten.
type member struct {
	id, ver uint64
	origin  uint32 // the bucket it was valid in
	vec     []float32
	attrs   []byte
}

// source is a bucket read by a job: its valid entries and how much of its
// delta the job took.
type source struct {
	id         uint32
	centroid   []float32
	n          int   // delta entries taken
	deltaBytes int64 // their accounting
	members    []member
	vecs       []float32 // the members' vectors, contiguous in member order
}

// output is a bucket a job writes: an existing one rewritten or a new one.
type output struct {
	id       uint32
	centroid []float32
	isNew    bool
	members  []member
	loc      bucket.Loc
}

// gather reads bucket id and collects its valid entries (disk part and
// the delta as it is now).
func (db *DB) gather(id uint32, sc *scratch) (*source, error) {
	db.mu.RLock()
	b := db.buckets[id]
	if b == nil {
		db.mu.RUnlock()
		return nil, fmt.Errorf("satori: maintenance: bucket %d vanished", id)
	}
	d := b.delta.prefix(b.delta.len(), db.dim)
	loc, onDisk := b.loc, b.onDisk
	src := &source{id: id, centroid: b.centroid, n: len(d.ids)}
	db.mu.RUnlock()
	for _, a := range d.attrs {
		src.deltaBytes += deltaEntryBytes(db.dim, a)
	}
	buf := &sc.read
	buf.Reset(id, db.dim)
	if onDisk {
		if err := db.store.Read(loc, buf); err != nil {
			return nil, fmt.Errorf("satori: maintenance: read bucket %d: %w", id, err)
		}
	}
	total := buf.Len() + len(d.ids)
	vecs := sc.vecs(total * db.dim)
	src.members = make([]member, 0, total)
	db.mu.RLock()
	defer db.mu.RUnlock()
	add := func(vid, ver uint64, v []float32, a []byte) {
		if !db.liveLocked(vid, ver, id) {
			return
		}
		start := len(vecs)
		vecs = append(vecs, v...)
		src.members = append(src.members, member{id: vid, ver: ver, origin: id, vec: vecs[start:len(vecs):len(vecs)], attrs: slices.Clone(a)})
	}
	for i := range buf.IDs {
		add(buf.IDs[i], buf.Versions[i], buf.Vector(i), buf.Attrs(i))
	}
	for i := range d.ids {
		add(d.ids[i], d.vers[i], d.vec(i, db.dim), d.attrs[i])
	}
	src.vecs = vecs
	return src, nil
}

// run performs one job and returns the bytes it wrote.
func (db *DB) run(j job, sc *scratch) (int64, error) {
	wm := db.watermark() // before reading: every later change is at or above it
	src, err := db.gather(j.bucket, sc)
	if err != nil {
		return 0, err
	}
	switch {
	case j.kind == jobMerge:
		return db.merge(src, wm, sc)
	case j.kind == jobSplit || len(src.members) > db.opts.MaxBucket:
		if len(src.members) > db.opts.MaxBucket {
			return db.split(src, wm, sc)
		}
	}
	// A flush (or a split whose bucket shrank meanwhile): rewrite in place.
	out := &output{id: src.id, centroid: src.centroid, members: src.members}
	n, err := db.writeOutputs([]*output{out}, sc)
	if err != nil {
		return 0, err
	}
	db.install([]*source{src}, nil, []*output{out}, wm)
	db.stats.flushes.Add(1)
	return n, nil
}

// split cuts src in parts, reassigns with the neighbours, writes and
// installs the result.
func (db *DB) split(src *source, wm uint64, sc *scratch) (int64, error) {
	n := len(src.members)
	// gather laid the members' vectors out contiguously: k-means reads
	// them in place (it does not write its input) instead of a copy.
	data := src.vecs
	var cents []float32
	var assign []int32
	if n <= 4*db.opts.MaxBucket {
		c0, c1, a, err := kmeans.Split2(data, db.dim, db.opts.Seed^uint64(src.id))
		if err != nil {
			return 0, fmt.Errorf("satori: split bucket %d: %w", src.id, err)
		}
		cents = append(c0, c1...)
		assign = make([]int32, n)
		for i, s := range a {
			assign[i] = int32(s)
		}
	} else {
		k := min((2*n+db.opts.MaxBucket-1)/db.opts.MaxBucket, 64)
		c, a, err := kmeans.Train(data, db.dim, kmeans.Options{K: k, Seed: db.opts.Seed ^ uint64(src.id), Balance: 0.25, Workers: 1})
		if err != nil {
			return 0, fmt.Errorf("satori: split bucket %d: %w", src.id, err)
		}
		cents, assign = c, a
	}
	k := len(cents) / db.dim
	outs := make([]*output, k)
	db.mu.Lock()
	for i := range outs {
		outs[i] = &output{id: db.nextBucket, isNew: true, centroid: cents[i*db.dim : (i+1)*db.dim : (i+1)*db.dim]}
		db.nextBucket++
	}
	db.mu.Unlock()
	for i, m := range src.members {
		o := outs[assign[i]]
		o.members = append(o.members, m)
	}
	// Reassign with the nearest neighbours (SPFresh's two conditions).
	var s routeScratch
	near := db.router.nearest(src.centroid, neighbours, nil, &s, func(id uint32) bool { return id == src.id })
	sources := []*source{src}
	var nouts []*output
	moved := 0
	for _, p := range near {
		ns, err := db.gather(p.id, sc)
		if err != nil {
			return 0, err
		}
		no := &output{id: ns.id, centroid: ns.centroid}
		for _, m := range ns.members {
			own := db.router.distance(m.vec, ns.centroid)
			best, bd := -1, own
			for i, o := range outs {
				if d := db.router.distance(m.vec, o.centroid); d < bd {
					best, bd = i, d
				}
			}
			if best >= 0 {
				outs[best].members = append(outs[best].members, m)
				moved++
			} else {
				no.members = append(no.members, m)
			}
		}
		sources = append(sources, ns)
		nouts = append(nouts, no)
	}
	// Vectors of the split bucket nearer to a neighbour than to every new
	// centroid move there.
	for _, o := range outs {
		keep := o.members[:0]
		for _, m := range o.members {
			if m.origin != src.id {
				keep = append(keep, m)
				continue
			}
			bestNew := db.router.distance(m.vec, o.centroid)
			for _, o2 := range outs {
				bestNew = min(bestNew, db.router.distance(m.vec, o2.centroid))
			}
			target := -1
			for i, no := range nouts {
				if d := db.router.distance(m.vec, no.centroid); d < bestNew {
					target, bestNew = i, d
				}
			}
			if target >= 0 {
				nouts[target].members = append(nouts[target].members, m)
				moved++
			} else {
				keep = append(keep, m)
			}
		}
		o.members = keep
	}
	// Neighbours that neither lost nor gained keep their buckets; their
	// deltas stay as they are.
	var keepSrc []*source
	var keepOut []*output
	keepSrc = append(keepSrc, src)
	for i, no := range nouts {
		ns := sources[i+1]
		if sameMembers(ns.members, no.members) {
			continue
		}
		keepSrc = append(keepSrc, ns)
		keepOut = append(keepOut, no)
	}
	all := append(slices.Clone(outs), keepOut...)
	w, err := db.writeOutputs(all, sc)
	if err != nil {
		return 0, err
	}
	db.install(keepSrc, []uint32{src.id}, all, wm)
	db.stats.splits.Add(1)
	db.stats.reassigned.Add(uint64(moved))
	return w, nil
}

// sameMembers reports whether b is a (the same) list as a: a neighbour
// unchanged by a reassignment.
func sameMembers(a, b []member) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].id != b[i].id || a[i].ver != b[i].ver {
			return false
		}
	}
	return true
}

// merge dissolves src into its nearest neighbours.
func (db *DB) merge(src *source, wm uint64, sc *scratch) (int64, error) {
	var s routeScratch
	near := db.router.nearest(src.centroid, neighbours, nil, &s, func(id uint32) bool { return id == src.id })
	if len(near) == 0 {
		return 0, nil
	}
	sources := []*source{src}
	outs := make([]*output, 0, len(near))
	for _, p := range near {
		ns, err := db.gather(p.id, sc)
		if err != nil {
			return 0, err
		}
		sources = append(sources, ns)
		outs = append(outs, &output{id: ns.id, centroid: ns.centroid, members: ns.members})
	}
	touched := make([]bool, len(outs))
	for _, m := range src.members {
		best, bd := 0, db.router.distance(m.vec, outs[0].centroid)
		for i := 1; i < len(outs); i++ {
			if d := db.router.distance(m.vec, outs[i].centroid); d < bd {
				best, bd = i, d
			}
		}
		outs[best].members = append(outs[best].members, m)
		touched[best] = true
	}
	keepSrc := []*source{src}
	var keepOut []*output
	for i, o := range outs {
		if touched[i] {
			keepSrc = append(keepSrc, sources[i+1])
			keepOut = append(keepOut, o)
		}
	}
	if len(keepOut) == 0 { // nothing to move: keep one neighbour to take src's delta tail
		keepSrc = append(keepSrc, sources[1])
		keepOut = append(keepOut, outs[0])
	}
	w, err := db.writeOutputs(keepOut, sc)
	if err != nil {
		return 0, err
	}
	db.install(keepSrc, []uint32{src.id}, keepOut, wm)
	db.stats.merges.Add(1)
	db.stats.reassigned.Add(uint64(len(src.members)))
	return w, nil
}

// writeOutputs writes each output's bucket and records its Loc.
func (db *DB) writeOutputs(outs []*output, sc *scratch) (int64, error) {
	b := &sc.write
	var n int64
	for _, o := range outs {
		b.Reset(o.id, db.dim)
		for _, m := range o.members {
			b.Append(m.id, m.ver, m.vec, m.attrs)
		}
		loc, err := db.store.Write(b)
		if err != nil {
			return n, fmt.Errorf("satori: maintenance: write bucket %d: %w", o.id, err)
		}
		o.loc = loc
		n += int64(loc.Length)
	}
	return n, nil
}

// install makes a job's result visible in one step under mu: removed
// buckets disappear (their delta tails move to the nearest output), each
// output's disk part becomes its new bucket with the delta entries that
// arrived since the job read it, and index follows every entry that
// moved. wm is the watermark taken before the job read anything: an entry
// that stopped being valid since was changed at or above it.
func (db *DB) install(sources []*source, removed []uint32, outs []*output, wm uint64) {
	db.mu.Lock()
	defer db.mu.Unlock()
	taken := make(map[uint32]int, len(sources))
	for _, s := range sources {
		taken[s.id] = s.n
		db.deltaBytes -= s.deltaBytes
	}
	var orphans []delta // delta tails of removed buckets
	var orphanFrom []uint32
	for _, id := range removed {
		b := db.buckets[id]
		orphans = append(orphans, b.delta.tail(taken[id], db.dim))
		orphanFrom = append(orphanFrom, id)
		delete(db.buckets, id)
		if err := db.router.remove(id); err != nil {
			panic(err) // only maintenance removes buckets: a bug
		}
	}
	states := make([]*bstate, len(outs))
	for i, o := range outs {
		b := db.buckets[o.id]
		var tail delta
		if o.isNew {
			b = &bstate{id: o.id, centroid: o.centroid}
			db.buckets[o.id] = b
			if err := db.router.add(o.id, o.centroid); err != nil {
				panic(err)
			}
		} else {
			tail = b.delta.tail(taken[o.id], db.dim)
		}
		states[i] = b
		b.onDisk, b.loc, b.diskCount = true, o.loc, len(o.members)
		b.delta, b.stale, b.dirty = tail, 0, 0
		for _, m := range o.members {
			if db.liveLocked(m.id, m.ver, m.origin) {
				if m.origin != o.id {
					db.index.set(m.id, slot{m.ver, o.id})
				}
				continue
			}
			b.stale++
			b.markDirty(wm)
		}
		for j, id := range tail.ids {
			b.markDirty(tail.vers[j])
			if !db.liveLocked(id, tail.vers[j], o.id) {
				b.stale++
			}
		}
	}
	for k, d := range orphans {
		from := orphanFrom[k]
		for j, id := range d.ids {
			v := d.vec(j, db.dim)
			best, bd := 0, db.router.distance(v, outs[0].centroid)
			for i := 1; i < len(outs); i++ {
				if dd := db.router.distance(v, outs[i].centroid); dd < bd {
					best, bd = i, dd
				}
			}
			b := states[best]
			ver := d.vers[j]
			b.delta.add(id, ver, v, d.attrs[j])
			b.markDirty(ver)
			if db.liveLocked(id, ver, from) {
				db.index.set(id, slot{ver, b.id})
			} else {
				b.stale++
			}
		}
	}
	db.roomCond.Broadcast()
}

// commit writes the manifest of the buckets on disk with the checkpoint,
// then trims the log below it.
func (db *DB) commit() error {
	if db.opts.Durability != SyncAlways {
		// What the buckets reflect must not be newer than what the log
		// keeps: the log up to now becomes durable first.
		if err := db.wal.sync(); err != nil {
			return db.fail(err)
		}
	}
	db.mu.RLock()
	cp := db.watermark()
	live := make(map[uint32]bucket.Entry, len(db.buckets))
	for id, b := range db.buckets {
		if b.dirty != 0 {
			cp = min(cp, b.dirty)
		}
		if b.onDisk {
			live[id] = bucket.Entry{Loc: b.loc, Centroid: b.centroid, Count: b.diskCount}
		}
	}
	db.pendMu.Lock()
	m := meta{metric: db.metric, checkpoint: cp, nextLSN: db.nextLSN, nextBucket: db.nextBucket}
	db.pendMu.Unlock()
	db.mu.RUnlock()
	if err := db.store.Commit(live, m.encode()); err != nil {
		if errors.Is(err, bucket.ErrFailed) {
			return db.fail(err)
		}
		return fmt.Errorf("satori: commit buckets: %w", err)
	}
	db.stats.commits.Add(1)
	if err := db.wal.trim(cp); err != nil {
		db.opts.Logger.Warn("satori: trim log", "err", err)
	}
	return nil
}
