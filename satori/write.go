package satori

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/reefdb/reef/satori/attr"
	"github.com/reefdb/reef/satori/bucket"
)

// Item is one vector with its id and optional attributes.
type Item struct {
	ID     uint64
	Vector []float32
	Attrs  attr.Set
}

// Insert adds a vector under a new id; an id already present gives
// ErrExists. When Insert returns nil the vector is durable as
// Options.Durability promises and every later search can find it.
func (db *DB) Insert(id uint64, v []float32, attrs attr.Set) error {
	return db.write([]Item{{ID: id, Vector: v, Attrs: attrs}}, true)
}

// Upsert adds a vector or replaces the one stored under id.
func (db *DB) Upsert(id uint64, v []float32, attrs attr.Set) error {
	return db.write([]Item{{ID: id, Vector: v, Attrs: attrs}}, false)
}

// InsertBatch inserts items. It writes nothing if any item is invalid or
// any id is present already or repeated in the batch. The batch is logged
// as one record group per 32 MiB, each of which survives a crash whole or
// not at all.
func (db *DB) InsertBatch(items []Item) error { return db.write(items, true) }

// UpsertBatch inserts or replaces items; when an id repeats, the last
// item wins.
func (db *DB) UpsertBatch(items []Item) error { return db.write(items, false) }

// prepared is one validated item of a write.
type prepared struct {
	id    uint64
	vec   []float32
	attrs []byte
}

func (db *DB) write(items []Item, insert bool) error {
	if len(items) == 0 {
		return nil
	}
	ps := make([]prepared, len(items))
	var seen map[uint64]struct{} // ids of an insert batch
	if insert {
		seen = make(map[uint64]struct{}, len(items))
	}
	for i, it := range items {
		v, err := db.checkVector(it.Vector)
		if err != nil {
			return fmt.Errorf("id %d: %w", it.ID, err)
		}
		enc, err := attr.AppendEncode(nil, it.Attrs)
		if err != nil {
			return fmt.Errorf("id %d: %w: %w", it.ID, ErrInvalidArgument, err)
		}
		if len(enc) > maxAttrBytes {
			return fmt.Errorf("id %d: %w: attributes of %d bytes (limit %d)", it.ID, ErrInvalidArgument, len(enc), maxAttrBytes)
		}
		if insert {
			if _, dup := seen[it.ID]; dup {
				return fmt.Errorf("id %d: %w (twice in the batch)", it.ID, ErrExists)
			}
			seen[it.ID] = struct{}{}
		}
		if len(enc) == 0 {
			enc = nil
		}
		// v is only read until write returns (applyPut copies it into the
		// delta), so it need not be copied here.
		ps[i] = prepared{id: it.ID, vec: v, attrs: enc}
	}
	unlock := db.lockStripes(ps)
	defer unlock()

	db.mu.Lock()
	if err := db.writableLocked(); err != nil {
		db.mu.Unlock()
		return err
	}
	if insert {
		for _, p := range ps {
			if _, ok := db.index.get(p.id); ok {
				db.mu.Unlock()
				return fmt.Errorf("id %d: %w", p.id, ErrExists)
			}
		}
	}
	// Back-pressure: wait while the deltas hold more than MaxDeltaBytes.
	for db.deltaBytes > db.opts.MaxDeltaBytes && db.failed == nil && !db.closed && !db.opts.DisableMaintenance {
		if db.maintFails >= stallRounds {
			err := fmt.Errorf("%w: %d rounds failed, the last: %w", ErrStalled, db.maintFails, db.lastMaintErr)
			db.mu.Unlock()
			return err
		}
		db.wake()
		db.roomCond.Wait()
	}
	if err := db.writableLocked(); err != nil {
		db.mu.Unlock()
		return err
	}
	db.mu.Unlock()

	first := db.reserve(uint64(len(ps)))
	err := db.logPuts(ps, first)
	if err != nil {
		db.release(first)
		return db.fail(err)
	}
	// Route outside mu (the router has its own lock); re-route under mu
	// any vector whose bucket disappeared meanwhile.
	targets := db.routePuts(ps)
	db.mu.Lock()
	for i, p := range ps {
		b := db.buckets[targets[i]]
		if b == nil {
			b = db.routeLocked(p.vec)
		}
		db.applyPut(p.id, first+uint64(i), p.vec, p.attrs, b)
	}
	db.release(first)
	db.mu.Unlock()
	db.wake()
	return nil
}

// routePuts returns the bucket each vector of ps joins (0 when the router
// is empty). A large batch is routed by one goroutine per core: routing
// is most of a bulk load's CPU once the router uses its graph.
func (db *DB) routePuts(ps []prepared) []uint32 {
	targets := make([]uint32, len(ps))
	route := func(lo, hi int) {
		var s routeScratch
		var out [1]probe
		for i := lo; i < hi; i++ {
			if r := db.router.nearest(ps[i].vec, 1, out[:0], &s, nil); len(r) == 1 {
				targets[i] = r[0].id
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(ps)/routeChunk)
	if workers < 2 {
		route(0, len(ps))
		return targets
	}
	var wg sync.WaitGroup
	per := (len(ps) + workers - 1) / workers
	for lo := 0; lo < len(ps); lo += per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			route(lo, min(lo+per, len(ps)))
		}()
	}
	wg.Wait()
	return targets
}

// routeChunk is the fewest vectors worth a routing goroutine.
const routeChunk = 64

// logPuts logs ps with LSNs first, first+1, …, one frame per
// maxBatchBytes.
func (db *DB) logPuts(ps []prepared, first uint64) error {
	for lo := 0; lo < len(ps); {
		// The records of one log batch (at most maxBatchBytes, or one
		// record) are encoded into one buffer of their exact size.
		size, hi := 0, lo
		for ; hi < len(ps); hi++ {
			n := putBytes(len(ps[hi].vec), len(ps[hi].attrs))
			if size+n > maxBatchBytes && hi > lo {
				break
			}
			size += n
		}
		buf := make([]byte, 0, size)
		recs := make([][]byte, 0, hi-lo)
		for i := lo; i < hi; i++ {
			start := len(buf)
			buf = appendPut(buf, first+uint64(i), ps[i].id, ps[i].vec, ps[i].attrs)
			recs = append(recs, buf[start:len(buf):len(buf)])
		}
		if err := db.wal.append(recs, first+uint64(hi)-1); err != nil {
			return err
		}
		lo = hi
	}
	return nil
}

// Delete removes id; an absent id gives ErrNotFound. When Delete returns
// nil no search returns id again, and the deletion is durable as
// Options.Durability promises.
func (db *DB) Delete(id uint64) error {
	st := &db.stripes[stripeOf(id)]
	st.Lock()
	defer st.Unlock()
	db.mu.RLock()
	err := db.writableLocked()
	_, ok := db.index.get(id)
	db.mu.RUnlock()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("delete %d: %w", id, ErrNotFound)
	}
	lsn := db.reserve(1)
	if err := db.wal.append([][]byte{appendDelete(nil, lsn, id)}, lsn); err != nil {
		db.release(lsn)
		return db.fail(err)
	}
	db.mu.Lock()
	db.applyDelete(id, lsn)
	db.release(lsn)
	db.mu.Unlock()
	db.wake()
	return nil
}

// Get returns the vector and attributes stored under id, or ErrNotFound.
func (db *DB) Get(id uint64) (Item, error) {
	var buf bucket.Bucket
	for attempt := 0; ; attempt++ {
		db.mu.RLock()
		if err := db.checkOpenLocked(); err != nil {
			db.mu.RUnlock()
			return Item{}, err
		}
		s, ok := db.index.get(id)
		if !ok {
			db.mu.RUnlock()
			return Item{}, fmt.Errorf("get %d: %w", id, ErrNotFound)
		}
		b := db.buckets[s.bucket]
		d := b.delta.prefix(b.delta.len(), db.dim)
		loc, onDisk := b.loc, b.onDisk
		db.mu.RUnlock()
		for i := len(d.ids) - 1; i >= 0; i-- {
			if d.ids[i] == id && d.vers[i] == s.version {
				return db.item(id, d.vec(i, db.dim), d.attrs[i])
			}
		}
		if !onDisk {
			return Item{}, fmt.Errorf("%w: id %d version %d missing from bucket %d", ErrCorrupt, id, s.version, s.bucket)
		}
		err := db.store.ReadHead(loc, &buf)
		if errors.Is(err, bucket.ErrNotFound) && attempt < 8 {
			continue // rewritten meanwhile: look again
		}
		if err != nil {
			return Item{}, fmt.Errorf("get %d: %w", id, err)
		}
		for i, vid := range buf.IDs {
			if vid != id || buf.Versions[i] != s.version {
				continue
			}
			v := make([]float32, db.dim)
			err := db.store.ReadVector(loc, i, buf.VectorCRCs[i], v)
			if errors.Is(err, bucket.ErrNotFound) && attempt < 8 {
				break
			}
			if err != nil {
				return Item{}, fmt.Errorf("get %d: %w", id, err)
			}
			return db.item(id, v, buf.Attrs(i))
		}
		// Moved to another bucket between the lookup and the read.
		if attempt < 8 {
			continue
		}
		return Item{}, fmt.Errorf("satori: get %d: kept moving", id)
	}
}

func (db *DB) item(id uint64, v []float32, attrs []byte) (Item, error) {
	it := Item{ID: id, Vector: slices.Clone(v)}
	if len(attrs) > 0 {
		s, err := attr.Decode(attrs)
		if err != nil {
			return Item{}, fmt.Errorf("%w: id %d attributes: %w", ErrCorrupt, id, err)
		}
		it.Attrs = s
	}
	return it, nil
}

func stripeOf(id uint64) int {
	id ^= id >> 33
	id *= 0xff51afd7ed558ccd
	id ^= id >> 33
	return int(id % numStripes)
}

// lockStripes locks the stripes of ps's ids in ascending order and returns
// the unlock function.
func (db *DB) lockStripes(ps []prepared) func() {
	var mark [numStripes]bool
	for _, p := range ps {
		mark[stripeOf(p.id)] = true
	}
	for i, m := range mark {
		if m {
			db.stripes[i].Lock()
		}
	}
	return func() {
		for i, m := range mark {
			if m {
				db.stripes[i].Unlock()
			}
		}
	}
}

// reserve hands out n consecutive LSNs and registers them as in flight
// until release.
func (db *DB) reserve(n uint64) uint64 {
	db.pendMu.Lock()
	defer db.pendMu.Unlock()
	first := db.nextLSN
	db.nextLSN += n
	db.pending[first] = n
	return first
}

func (db *DB) release(first uint64) {
	db.pendMu.Lock()
	delete(db.pending, first)
	db.pendMu.Unlock()
}

// watermark returns an LSN every change applied from now on is at or
// above: the smallest LSN in flight, or the next one.
func (db *DB) watermark() uint64 {
	db.pendMu.Lock()
	defer db.pendMu.Unlock()
	w := db.nextLSN
	for first := range db.pending {
		w = min(w, first)
	}
	return w
}

// writableLocked returns why writes are refused, if they are. mu held.
func (db *DB) writableLocked() error {
	if db.closed {
		return ErrClosed
	}
	if db.failed != nil {
		return fmt.Errorf("%w: %w", ErrFailed, db.failed)
	}
	return nil
}

// fail records the first failure that leaves memory and disk out of step;
// writes refuse from then on.
func (db *DB) fail(err error) error {
	db.mu.Lock()
	if db.failed == nil {
		db.failed = err
		db.opts.Logger.Error("satori: database failed", "err", err)
	}
	db.roomCond.Broadcast()
	db.mu.Unlock()
	return fmt.Errorf("%w: %w", ErrFailed, err)
}

// wake nudges maintenance without blocking.
func (db *DB) wake() {
	select {
	case db.maint <- struct{}{}:
	default:
	}
}
