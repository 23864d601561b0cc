package kv

import (
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Kind is the type of a key's value.
type Kind uint8

const (
	// KindNone is the kind of a key that does not exist.
	KindNone Kind = iota
	// KindString is a byte-string value.
	KindString
	// KindHash is a hash: a map of fields to byte-string values.
	KindHash
)

// String returns the kind's name as Redis's TYPE command says it.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindHash:
		return "hash"
	}
	return "none"
}

// Store is an in-memory keyspace of string and hash values with millisecond
// expiry and maxmemory eviction. See the package documentation.
type Store struct {
	seed      maphash.Seed
	shardBits uint
	shards    []shard
	now       func() int64
	onExpire  func(key []byte)
	onEvict   func(key []byte)
	tu        tuning

	clockMs   atomic.Int64 // recent Now, for LRU/LFU metadata
	maxMemory atomic.Int64
	policy    atomic.Uint32
	usedBytes atomic.Int64  // sum of every shard's memReported
	stepNext  atomic.Uint64 // next shard Step visits
}

// shard is one independently locked part of the keyspace.
type shard struct {
	mu sync.Mutex
	// Everything below is guarded by mu.

	cur, old   table  // old is non-nil while a resize migrates it into cur
	migratePos uint64 // slots of old before this are empty
	gen        uint64 // bumped whenever entries of cur move
	grows      uint64 // resizes to a bigger table
	shrinks    uint64 // resizes to a smaller table

	arena arena

	volatile     map[uint64]int64 // key hash -> least expireAt of the keys with that hash
	volatileKeys int

	hashes    []map[string][]byte // hash side table; nil entries are on hashFree
	hashSizes []int64             // approximate bytes of each hash
	hashFree  []uint32
	hashBytes int64

	memReported int64 // this shard's share of Store.usedBytes
	expired     uint64
	evicted     uint64

	tx  Tx    // the transaction of the running Update
	val Value // the value of the running View

	_ [64]byte // keeps neighbouring shards' locks off one cache line
}

// New returns an empty Store.
func New(o Options) (*Store, error) { return newStore(o, defaultTuning) }

func newStore(o Options, tu tuning) (*Store, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := tu.validate(); err != nil {
		return nil, err
	}
	n := o.Shards
	if n == 0 {
		n = DefaultShards
	}
	s := &Store{
		seed:      maphash.MakeSeed(),
		shardBits: uint(bits.TrailingZeros(uint(n))),
		shards:    make([]shard, n),
		now:       o.Now,
		onExpire:  o.OnExpire,
		onEvict:   o.OnEvict,
		tu:        tu,
	}
	if s.now == nil {
		s.now = wallClockMs
	}
	s.maxMemory.Store(o.MaxMemory)
	s.policy.Store(uint32(o.Policy))
	s.clockMs.Store(s.now())
	for i := range s.shards {
		sh := &s.shards[i]
		s.resetShardLocked(sh)
		s.flushMemLocked(sh)
	}
	return s, nil
}

func (s *Store) resetShardLocked(sh *shard) {
	sh.cur = newTable(uint(bits.TrailingZeros(uint(s.tu.minSlots))))
	sh.old = table{}
	sh.migratePos = 0
	sh.gen++
	sh.arena.reset()
	sh.volatile = map[uint64]int64{}
	sh.volatileKeys = 0
	sh.hashes, sh.hashSizes, sh.hashFree, sh.hashBytes = nil, nil, nil, 0
}

func (s *Store) hash(key []byte) uint64 { return maphash.Bytes(s.seed, key) }

// shardFor returns the shard of hash h: its top shardBits bits. (A shift by
// 64 yields 0, so one shard needs no special case.)
func (s *Store) shardFor(h uint64) *shard { return &s.shards[h>>(64-s.shardBits)] }

// nowMs reads the clock and keeps the cached clock used for LRU/LFU
// metadata current to the second without writing it on every call.
func (s *Store) nowMs() int64 {
	ms := s.now()
	if c := s.clockMs.Load(); ms/1000 != c/1000 {
		s.clockMs.Store(ms)
	}
	return ms
}

// memBytesLocked is the shard's memory as UsedMemory counts it.
func (sh *shard) memBytesLocked() int64 {
	const volatileEntryBytes = 32 // a Go map slot of two words, with its control byte and load slack
	const hashSlotBytes = 8 + 8   // hashes and hashSizes entries
	return sh.arena.totalBytes +
		int64(len(sh.cur.slots)+len(sh.old.slots))*8 +
		int64(len(sh.volatile))*volatileEntryBytes +
		sh.hashBytes + int64(len(sh.hashes))*hashSlotBytes
}

// flushMemLocked publishes the shard's memory change to UsedMemory.
func (s *Store) flushMemLocked(sh *shard) {
	if m := sh.memBytesLocked(); m != sh.memReported {
		s.usedBytes.Add(m - sh.memReported)
		sh.memReported = m
	}
}

// unlockShard ends every locked operation: it publishes the memory change
// and releases the lock.
func (s *Store) unlockShard(sh *shard) {
	s.flushMemLocked(sh)
	sh.mu.Unlock()
}

// backgroundLocked is the bounded share of migration and compaction work
// that every write does.
func (s *Store) backgroundLocked(sh *shard) {
	if sh.old.slots != nil {
		s.migrateLocked(sh, s.tu.migrateBudget)
	}
	if sh.arena.compacting >= 0 || len(sh.arena.queue) > 0 {
		s.compactStepLocked(sh, s.tu.compactBudget)
	}
}

// View runs fn with key's live value under the key's shard lock, and counts
// an access for LRU/LFU. An expired key is deleted (OnExpire) and fn sees a
// value that does not exist. The Value and every byte slice it returns are
// valid only during fn, and fn must not call the Store.
func (s *Store) View(key []byte, fn func(v *Value)) {
	h := s.hash(key)
	sh := s.shardFor(h)
	sh.mu.Lock()
	defer s.unlockShard(sh)
	v := &sh.val
	*v = Value{sh: sh}
	if t, pos := s.findLocked(sh, key, h<<s.shardBits); t != nil {
		ref := slotRef(t.slots[pos])
		r := sh.arena.record(ref)
		if r.hasExpire() && r.expiredAt(s.nowMs()) {
			s.expireLocked(sh, t, pos, h)
		} else {
			s.touchLocked(r)
			v.ok, v.ref = true, ref
		}
	}
	fn(v)
	v.sh = nil
}

// Update runs fn with a transaction on key under the key's shard lock; the
// Tx's changes apply as they are made. An expired key is deleted first
// (OnExpire) and fn sees a key that does not exist. The Tx and every byte
// slice it returns are valid only during fn (and a slice only until the
// next change of the key); fn must not call the Store.
func (s *Store) Update(key []byte, fn func(tx *Tx)) {
	h := s.hash(key)
	sh := s.shardFor(h)
	sh.mu.Lock()
	defer s.endUpdate(sh)
	s.backgroundLocked(sh)
	tx := &sh.tx
	s.openTxLocked(sh, tx, key, h)
	fn(tx)
}

func (s *Store) endUpdate(sh *shard) {
	sh.tx = Tx{}
	s.maybeShrinkLocked(sh)
	s.unlockShard(sh)
}

// Delete deletes key and reports whether it existed (and had not expired).
func (s *Store) Delete(key []byte) bool {
	h := s.hash(key)
	sh := s.shardFor(h)
	sh.mu.Lock()
	defer s.endUpdate(sh)
	s.backgroundLocked(sh)
	t, pos := s.findLocked(sh, key, h<<s.shardBits)
	if t == nil {
		return false
	}
	if r := sh.arena.record(slotRef(t.slots[pos])); r.hasExpire() && r.expiredAt(s.nowMs()) {
		s.expireLocked(sh, t, pos, h)
		return false
	}
	s.deleteLocked(sh, t, pos, h, true)
	return true
}

// Len returns the number of keys and of keys with an expiry. Like Redis's
// DBSIZE, it counts keys that have expired but that neither an operation
// nor Step has deleted yet.
func (s *Store) Len() (keys, volatile int) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		keys += sh.cur.count + sh.old.count
		volatile += sh.volatileKeys
		sh.mu.Unlock()
	}
	return keys, volatile
}

// Flush deletes every key, without calling OnExpire or OnEvict.
func (s *Store) Flush() { s.FlushThen(nil) }

// FlushThen deletes every key like Flush, but atomically: it holds every
// shard's lock (taken in shard order) while it clears them and then calls
// fn (if not nil), so no write lands between the flush and what fn records
// of it (the server logs FLUSHALL there). fn must not call the Store.
func (s *Store) FlushThen(fn func()) {
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	for i := range s.shards {
		s.resetShardLocked(&s.shards[i])
	}
	if fn != nil {
		fn()
	}
	for i := range s.shards {
		s.unlockShard(&s.shards[i])
	}
}

// UsedMemory returns the bytes the Store holds: arena chunks (live records,
// dead records not yet compacted away, and the unused tail of each active
// chunk), index tables, and estimates for the expiry maps and the hash
// fields. It is what Evict compares with MaxMemory.
func (s *Store) UsedMemory() int64 { return s.usedBytes.Load() }

// MaxMemory returns the eviction bound in bytes, 0 for none.
func (s *Store) MaxMemory() int64 { return s.maxMemory.Load() }

// SetMaxMemory sets the eviction bound in bytes, 0 for none.
func (s *Store) SetMaxMemory(n int64) {
	if n < 0 {
		n = 0
	}
	s.maxMemory.Store(n)
}

// Policy returns the eviction policy.
func (s *Store) Policy() Policy { return Policy(s.policy.Load()) }

// SetPolicy sets the eviction policy. Switching between an LRU and an LFU
// policy reinterprets every key's access metadata, as in Redis: rankings are
// arbitrary until the keys are accessed again.
func (s *Store) SetPolicy(p Policy) {
	if p >= policyCount {
		panic("kv: SetPolicy with an unknown policy")
	}
	s.policy.Store(uint32(p))
}

// Stats is a snapshot of a Store's counters.
type Stats struct {
	Keys          int    // keys, including expired ones not yet deleted
	VolatileKeys  int    // keys with an expiry
	Expired       uint64 // keys deleted because they expired, since New
	Evicted       uint64 // keys deleted by Evict, since New
	Grows         uint64 // table resizes to a bigger table started, since New
	Shrinks       uint64 // table resizes to a smaller table started, since New
	Resizing      int    // shards migrating to a resized table
	TableSlots    int    // slots of all index tables
	Chunks        int    // arena chunks
	ArenaBytes    int64  // bytes of all arena chunks
	LiveBytes     int64  // bytes of live records
	GarbageBytes  int64  // dead bytes compaction can reclaim
	QueuedChunks  int    // chunks waiting for compaction
	HashBytes     int64  // estimated bytes of hash fields
	VolatileBytes int64  // estimated bytes of the expiry maps
	UsedMemory    int64  // as UsedMemory
}

// Stats returns a snapshot of the Store's counters (each shard's at a
// slightly different moment).
func (s *Store) Stats() Stats {
	var st Stats
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		st.Keys += sh.cur.count + sh.old.count
		st.VolatileKeys += sh.volatileKeys
		st.Expired += sh.expired
		st.Evicted += sh.evicted
		st.Grows += sh.grows
		st.Shrinks += sh.shrinks
		if sh.old.slots != nil {
			st.Resizing++
		}
		st.TableSlots += len(sh.cur.slots) + len(sh.old.slots)
		st.Chunks += len(sh.arena.chunks) - len(sh.arena.free)
		st.ArenaBytes += sh.arena.totalBytes
		st.LiveBytes += sh.arena.liveBytes
		st.GarbageBytes += sh.arena.garbageBytes()
		st.QueuedChunks += len(sh.arena.queue)
		st.HashBytes += sh.hashBytes
		st.VolatileBytes += int64(len(sh.volatile)) * 32
		sh.mu.Unlock()
	}
	st.UsedMemory = s.UsedMemory()
	return st
}
