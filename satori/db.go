package satori

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/satori/bucket"
)

// Errors. Every error the package returns wraps one of these or an error
// of the layer below (satori/bucket, walrus, the file system).
var (
	// ErrInvalidOptions is returned by Open for unusable Options, or ones
	// that disagree with the existing database.
	ErrInvalidOptions = errors.New("satori: invalid options")
	// ErrDimension is returned for a vector or query of the wrong length.
	ErrDimension = errors.New("satori: wrong dimension")
	// ErrInvalidVector is returned for a vector with a NaN or infinite
	// component, or a zero vector in a Cosine collection.
	ErrInvalidVector = errors.New("satori: invalid vector")
	// ErrInvalidArgument is returned for other bad arguments: k < 1,
	// negative probes, bad attributes.
	ErrInvalidArgument = errors.New("satori: invalid argument")
	// ErrExists is returned by Insert and InsertBatch for an id that is
	// already present (use Upsert to replace it).
	ErrExists = errors.New("satori: id already exists")
	// ErrNotFound is returned by Get and Delete for an id that is not
	// present.
	ErrNotFound = errors.New("satori: id not found")
	// ErrClosed is returned by every method of a closed DB.
	ErrClosed = errors.New("satori: closed")
	// ErrCorrupt is wrapped by errors caused by data that fails a check.
	ErrCorrupt = errors.New("satori: corrupt data")
	// ErrFailed is returned by writes after a log or bucket write failed:
	// the database must be closed and reopened.
	ErrFailed = errors.New("satori: database failed, reopen it")
	// ErrStalled is returned by a write that waited for room in the
	// deltas while maintenance failed stallRounds rounds in a row: the
	// write is not acknowledged (nor logged); the wrapped error is the
	// last maintenance failure, also in Stats.LastMaintenanceError.
	ErrStalled = errors.New("satori: writes stalled: maintenance keeps failing")
)

// DB is an open vector collection. All methods are safe for concurrent use.
//
// # State
//
// Every live vector has a version: the LSN of the log record that wrote it.
// index maps each live id to its version and the bucket it belongs to. A
// bucket (bstate) holds a committed, immutable part on disk (satori/bucket)
// and a delta in memory: the vectors acknowledged since it was last
// written. Entries of either part whose (id, version, bucket) is not what
// index says are stale (overwritten, deleted or moved) and are skipped by
// reads and dropped by the next rewrite; so nothing deleted is ever
// returned and a write is visible once applied.
//
// # Durability
//
// A write is logged (wal) before it is applied and acknowledged. Each
// bucket remembers the smallest LSN of the changes its disk part does not
// reflect (dirty). The checkpoint written with every bucket commit is the
// smallest such LSN over all buckets and writes in flight: recovery reads
// the committed buckets, then replays the log records at or above it, with
// versions deciding what is newer, so replaying a change twice is harmless.
//
// # Locks
//
// Per-id stripes order the writes of one id (log order = apply order).
// mu guards index, buckets, the delta accounting and nextBucket; it is
// never held across I/O. Lock order: stripes (ascending), mu, router.mu,
// pendMu.
type DB struct {
	opts   Options
	dim    int
	metric Metric
	store  *bucket.Store
	wal    *wal
	router *router
	// rebuilding is set while a background rebuild of the router's graph
	// runs (rebuildRouterAsync); Close waits for rebuildWG.
	rebuilding atomic.Bool
	rebuildWG  sync.WaitGroup

	stripes [numStripes]sync.Mutex

	pendMu  sync.Mutex
	nextLSN uint64            // next LSN to hand out
	pending map[uint64]uint64 // first LSN of each write in flight → its count

	mu         sync.RWMutex
	index      idIndex
	buckets    map[uint32]*bstate
	nextBucket uint32
	deltaBytes int64
	roomCond   *sync.Cond // on mu: writers waiting for delta room
	// maintFails counts maintenance rounds failed in a row and
	// lastMaintErr is the latest failure (on mu).
	maintFails   int
	lastMaintErr error
	closed       bool
	failed       error // set once; writes refuse after it

	workers chan *worker

	maint   chan struct{} // wakes maintenance
	stop    chan struct{}
	done    chan struct{}
	maintMu sync.Mutex // one maintenance round at a time
	scratch *scratch   // maintenance's reusable memory, under maintMu

	stats counters
}

// numStripes is the number of per-id write locks.
const numStripes = 256

// slot is index's entry for one live id.
type slot struct {
	version uint64
	bucket  uint32
}

// bstate is one bucket: its committed disk part and its in-memory delta.
type bstate struct {
	id        uint32
	centroid  []float32
	onDisk    bool
	loc       bucket.Loc
	diskCount int
	delta     delta
	stale     int    // entries (disk or delta) that are not valid any more
	dirty     uint64 // smallest LSN of a change the disk part lacks; 0 = none
}

func (b *bstate) markDirty(lsn uint64) {
	if b.dirty == 0 || lsn < b.dirty {
		b.dirty = lsn
	}
}

// entries returns the number of disk and delta entries, stale or not.
func (b *bstate) entries() int { return b.diskCount + b.delta.len() }

// live returns the number of valid entries.
func (b *bstate) live() int { return b.entries() - b.stale }

func deltaEntryBytes(dim int, attrs []byte) int64 { return int64(dim*4 + 16 + 24 + len(attrs)) }

// counters are the maintenance statistics reported by Stats.
type counters struct {
	flushes, splits, merges, reassigned, commits atomic.Uint64
	maintErrors                                  atomic.Uint64
}

// meta is what the bucket manifest carries for the DB: the checkpoint and
// the counters that must not go back after a restart.
type meta struct {
	metric     Metric
	checkpoint uint64 // every change below it is in the committed buckets
	nextLSN    uint64
	nextBucket uint32
}

const (
	metaMagic   = "SDBM"
	metaVersion = 1
	metaBytes   = 4 + 4 + 1 + 8 + 8 + 4
)

func (m meta) encode() []byte {
	b := make([]byte, 0, metaBytes)
	b = append(b, metaMagic...)
	b = binary.LittleEndian.AppendUint32(b, metaVersion)
	b = append(b, byte(m.metric))
	b = binary.LittleEndian.AppendUint64(b, m.checkpoint)
	b = binary.LittleEndian.AppendUint64(b, m.nextLSN)
	return binary.LittleEndian.AppendUint32(b, m.nextBucket)
}

func decodeMeta(b []byte) (meta, error) {
	if len(b) != metaBytes || string(b[:4]) != metaMagic {
		return meta{}, fmt.Errorf("%w: manifest meta of %d bytes", ErrCorrupt, len(b))
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != metaVersion {
		return meta{}, fmt.Errorf("%w: manifest meta version %d", ErrCorrupt, v)
	}
	m := meta{
		metric:     Metric(b[8]),
		checkpoint: binary.LittleEndian.Uint64(b[9:]),
		nextLSN:    binary.LittleEndian.Uint64(b[17:]),
		nextBucket: binary.LittleEndian.Uint32(b[25:]),
	}
	if m.metric > InnerProduct || m.checkpoint == 0 || m.nextLSN < m.checkpoint {
		return meta{}, fmt.Errorf("%w: manifest meta %+v", ErrCorrupt, m)
	}
	return m, nil
}

// Layout of a database directory.
const (
	bucketsDir = "buckets"
	logDir     = "log"
)

// Open opens the database in dir, creating it when dir holds none (then
// opts.Dim is required), and recovers every acknowledged write: it loads
// the committed buckets, rebuilds the id index from them, and replays the
// log from the checkpoint.
func Open(dir string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	bdir := filepath.Join(dir, bucketsDir)
	store, err := bucket.Open(opts.FS, bdir, bucket.Options{Dim: opts.Dim, Logger: opts.Logger, SegmentBytes: opts.SegmentBytes})
	created := false
	if errors.Is(err, bucket.ErrNoStore) {
		if opts.Dim == 0 {
			return nil, fmt.Errorf("%w: Dim is required to create a database in %s", ErrInvalidOptions, dir)
		}
		store, err = bucket.Create(opts.FS, bdir, bucket.Options{Dim: opts.Dim, Logger: opts.Logger, SegmentBytes: opts.SegmentBytes})
		created = true
	}
	if err != nil {
		return nil, fmt.Errorf("satori: open %s: %w", dir, err)
	}
	db := &DB{
		opts:    opts,
		dim:     store.Dim(),
		metric:  opts.Metric,
		store:   store,
		pending: make(map[uint64]uint64),
		buckets: make(map[uint32]*bstate),
		maint:   make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	db.roomCond = sync.NewCond(&db.mu)
	m := meta{metric: opts.Metric, checkpoint: 1, nextLSN: 1, nextBucket: 1}
	if !created {
		live, raw := store.Manifest()
		if len(raw) > 0 {
			if m, err = decodeMeta(raw); err != nil {
				store.Close()
				return nil, fmt.Errorf("satori: open %s: %w", dir, err)
			}
		} else if len(live) > 0 {
			store.Close()
			return nil, fmt.Errorf("satori: open %s: %w: buckets without a checkpoint", dir, ErrCorrupt)
		}
		if opts.Metric != L2 && opts.Metric != m.metric {
			store.Close()
			return nil, fmt.Errorf("%w: the database in %s uses metric %s, not %s", ErrInvalidOptions, dir, m.metric, opts.Metric)
		}
		db.metric = m.metric
	}
	db.router = newRouter(db.dim, db.metric, opts.Seed)
	if err := db.recover(dir, m); err != nil {
		store.Close()
		if db.wal != nil {
			db.wal.close()
		}
		return nil, fmt.Errorf("satori: open %s: %w", dir, err)
	}
	if created {
		// Make the metric durable before the first write.
		if err := db.commit(); err != nil {
			db.wal.close()
			store.Close()
			return nil, fmt.Errorf("satori: open %s: %w", dir, err)
		}
	}
	db.workers = make(chan *worker, opts.Workers)
	for range opts.Workers {
		db.workers <- db.newWorker()
	}
	if opts.DisableMaintenance {
		close(db.done)
	} else {
		go db.maintainLoop()
	}
	return db, nil
}

// recover loads the committed buckets into the index and the router, then
// replays the log from the checkpoint.
func (db *DB) recover(dir string, m meta) error {
	db.nextBucket = m.nextBucket
	live, _ := db.store.Manifest()
	ids := make([]uint32, 0, len(live))
	for id := range live {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var buf bucket.Bucket
	for _, id := range ids {
		e := live[id]
		if id >= db.nextBucket {
			return fmt.Errorf("%w: bucket %d at or past the next bucket id %d", ErrCorrupt, id, db.nextBucket)
		}
		if err := db.store.ReadHead(e.Loc, &buf); err != nil {
			return fmt.Errorf("read bucket %d: %w", id, err)
		}
		b := &bstate{id: id, centroid: e.Centroid, onDisk: true, loc: e.Loc, diskCount: buf.Len()}
		db.buckets[id] = b
		for i, vid := range buf.IDs {
			ver := buf.Versions[i]
			if ver == 0 || ver >= m.nextLSN {
				return fmt.Errorf("%w: bucket %d holds version %d, next LSN %d", ErrCorrupt, id, ver, m.nextLSN)
			}
			old, ok := db.index.get(vid)
			switch {
			case !ok:
				db.index.set(vid, slot{ver, id})
			case old.version == ver:
				return fmt.Errorf("%w: id %d version %d in buckets %d and %d", ErrCorrupt, vid, ver, old.bucket, id)
			case old.version > ver:
				// A stale copy; the change that made it stale is at or above
				// the checkpoint, and this bucket must be rewritten before the
				// checkpoint passes it.
				b.stale++
				b.markDirty(m.checkpoint)
			default:
				ob := db.buckets[old.bucket]
				ob.stale++
				ob.markDirty(m.checkpoint)
				db.index.set(vid, slot{ver, id})
			}
		}
		if err := db.router.add(id, e.Centroid); err != nil {
			return err
		}
	}
	if db.router.needsRebuild() {
		if err := db.router.rebuild(); err != nil {
			return err
		}
	}
	w, err := openWAL(filepath.Join(dir, logDir), db.opts)
	if err != nil {
		return err
	}
	db.wal = w
	db.nextLSN = m.nextLSN
	// Replay. Versions decide: a record applies only if it is newer than
	// what the id has (tombstones remember the versions of replayed
	// deletes, so an older put cannot resurrect the id).
	tomb := make(map[uint64]uint64)
	var vec []float32
	return w.replay(func(g *gen, value []byte) error {
		r, err := decodeRecord(value, db.dim)
		if err != nil {
			return err
		}
		if r.lsn > g.maxLSN.Load() {
			g.maxLSN.Store(r.lsn)
		}
		if r.lsn >= db.nextLSN {
			db.nextLSN = r.lsn + 1
		}
		if r.lsn < m.checkpoint {
			return nil
		}
		cur := tomb[r.id]
		if s, ok := db.index.get(r.id); ok {
			cur = s.version
		}
		if r.lsn <= cur {
			return nil
		}
		switch r.typ {
		case recPut:
			vec = r.vector(vec) // applyPut copies it into the delta
			db.applyPut(r.id, r.lsn, vec, slices.Clone(r.attrs), db.routeLocked(vec))
		case recDelete:
			tomb[r.id] = r.lsn
			if _, ok := db.index.get(r.id); ok {
				db.applyDelete(r.id, r.lsn)
			}
		}
		return nil
	})
}

// routeLocked returns the bucket a new vector joins, creating the first
// bucket when there is none. mu held (or Open running alone).
func (db *DB) routeLocked(v []float32) *bstate {
	var s routeScratch
	var out [1]probe
	if p := db.router.nearest(v, 1, out[:0], &s, nil); len(p) == 1 {
		if b := db.buckets[p[0].id]; b != nil {
			return b
		}
	}
	return db.newBucketLocked(slices.Clone(v))
}

// newBucketLocked makes an empty bucket with the given centroid and routes
// to it. mu held.
func (db *DB) newBucketLocked(centroid []float32) *bstate {
	id := db.nextBucket
	db.nextBucket++
	b := &bstate{id: id, centroid: centroid}
	db.buckets[id] = b
	if err := db.router.add(id, centroid); err != nil {
		panic(err) // ids are fresh: a bug
	}
	return b
}

// liveLocked reports whether the entry (id, version) of bucket bid is
// valid: the one the index says. Every other copy is stale. mu held.
func (db *DB) liveLocked(id, version uint64, bid uint32) bool {
	s, ok := db.index.get(id)
	return ok && s.version == version && s.bucket == bid
}

// applyPut makes (id, lsn) live in bucket b with vector v. mu held.
func (db *DB) applyPut(id, lsn uint64, v []float32, attrs []byte, b *bstate) {
	if old, ok := db.index.get(id); ok {
		if ob := db.buckets[old.bucket]; ob != nil {
			ob.stale++
			ob.markDirty(lsn)
		}
	}
	db.index.set(id, slot{lsn, b.id})
	b.delta.add(id, lsn, v, attrs)
	b.markDirty(lsn)
	db.deltaBytes += deltaEntryBytes(db.dim, attrs)
}

// applyDelete removes id, which is live. mu held.
func (db *DB) applyDelete(id, lsn uint64) {
	old, _ := db.index.get(id)
	db.index.remove(id)
	if ob := db.buckets[old.bucket]; ob != nil {
		ob.stale++
		ob.markDirty(lsn)
	}
}

// Dim returns the vector dimension.
func (db *DB) Dim() int { return db.dim }

// Metric returns the distance metric.
func (db *DB) Metric() Metric { return db.metric }

// Len returns the number of live vectors.
func (db *DB) Len() int {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.index.len()
}

// Close stops maintenance, writes every change out to the buckets (so
// the next Open replays nothing) and closes the files. Searches and writes
// must have returned.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return ErrClosed
	}
	failed := db.failed
	db.mu.Unlock()
	var err error
	if failed == nil {
		err = db.Flush()
	}
	db.stopBackground()
	return errors.Join(err, db.wal.close(), db.store.Close())
}

// stopBackground marks the DB closed, wakes waiting writers and waits for
// maintenance and any router rebuild to end.
func (db *DB) stopBackground() {
	db.mu.Lock()
	db.closed = true
	db.roomCond.Broadcast()
	db.mu.Unlock()
	if !db.opts.DisableMaintenance {
		close(db.stop)
	}
	<-db.done
	db.rebuildWG.Wait()
}

// checkOpen returns ErrClosed once Close began. mu held.
func (db *DB) checkOpenLocked() error {
	if db.closed {
		return ErrClosed
	}
	return nil
}

// checkVector validates v and returns the vector to store (a normalized
// copy for Cosine, else v itself).
func (db *DB) checkVector(v []float32) ([]float32, error) {
	if len(v) != db.dim {
		return nil, fmt.Errorf("%w: %d components, the collection has %d", ErrDimension, len(v), db.dim)
	}
	var norm float64
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%w: component %d is %v", ErrInvalidVector, i, x)
		}
		norm += float64(x) * float64(x)
	}
	if db.metric != Cosine {
		return v, nil
	}
	if norm == 0 {
		return nil, fmt.Errorf("%w: a zero vector has no direction (cosine)", ErrInvalidVector)
	}
	inv := 1 / math.Sqrt(norm)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}
