package nubmq

import (
	"hash/maphash"
	"sync"
)

// store is the keyspace: string keys to string values with an optional
// expiry. This first version is a fixed set of locked map shards with lazy
// expiry (an expired key is invisible at once and removed when touched); the
// incrementally resizing engine, active expiry and eviction of issue 3
// replace it behind the same methods.
type store struct {
	seed   maphash.Seed
	shards [storeShards]shard
	srv    *Server
}

const storeShards = 256

type shard struct {
	mu sync.RWMutex
	m  map[string]entry
}

// entry is one key's value: a string (hash == nil) or a hash. Hash maps
// are mutated only under the shard's write lock and read only under its read
// lock (store.view), never after.
type entry struct {
	val      []byte
	hash     map[string][]byte
	expireAt int64 // unix ms; 0: no expiry
}

func (e entry) isHash() bool { return e.hash != nil }

func newStore(srv *Server) *store {
	s := &store{seed: maphash.MakeSeed(), srv: srv}
	for i := range s.shards {
		s.shards[i].m = map[string]entry{}
	}
	return s
}

func (s *store) shardIndex(key []byte) uint64 { return maphash.Bytes(s.seed, key) % storeShards }

func (s *store) shard(key []byte) *shard { return &s.shards[s.shardIndex(key)] }

func (s *store) nowMs() int64 { return s.srv.nowMs.Load() }

// cron is the keyspace's periodic work (none yet for this store).
func (s *store) cron() {}

func (e entry) live(nowMs int64) bool { return e.expireAt == 0 || e.expireAt > nowMs }

// get returns the value and expiry of a live key.
func (s *store) get(key []byte) (entry, bool) {
	sh := s.shard(key)
	sh.mu.RLock()
	e, ok := sh.m[string(key)]
	sh.mu.RUnlock()
	if !ok || !e.live(s.nowMs()) {
		return entry{}, false
	}
	return e, true
}

// view runs fn on a live key under its shard's read lock; fn must copy
// what it keeps.
func (s *store) view(key []byte, fn func(e entry, ok bool)) {
	sh := s.shard(key)
	now := s.nowMs()
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e, ok := sh.m[string(key)]
	if ok && !e.live(now) {
		e, ok = entry{}, false
	}
	fn(e, ok)
}

// update runs fn on a key under its shard's lock. fn sees the live entry (or
// ok=false) and returns the new entry, whether to keep it (false deletes),
// and a result for the caller.
func (s *store) update(key []byte, fn func(old entry, ok bool) (entry, bool)) {
	sh := s.shard(key)
	now := s.nowMs()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old, ok := sh.m[string(key)]
	if ok && !old.live(now) {
		delete(sh.m, string(key))
		old, ok = entry{}, false
	}
	e, keep := fn(old, ok)
	switch {
	case keep:
		sh.m[string(key)] = e
	case ok:
		delete(sh.m, string(key))
	}
}

// del removes a live key and reports whether there was one.
func (s *store) del(key []byte) bool {
	existed := false
	s.update(key, func(_ entry, ok bool) (entry, bool) {
		existed = ok
		return entry{}, false
	})
	return existed
}

// count returns the number of live keys and of those with an expiry.
func (s *store) count() (keys, expires int) {
	now := s.nowMs()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			if e.live(now) {
				keys++
				if e.expireAt != 0 {
					expires++
				}
			}
		}
		sh.mu.RUnlock()
	}
	return keys, expires
}

func (s *store) flush() {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}

// rename moves src to dst (keeping its expiry) under both shards' locks,
// taken in shard order. It returns -1 if src does not exist, 0 if nx and dst
// exists, 1 when moved.
func (s *store) rename(src, dst []byte, nx bool) int {
	ia, ib := s.shardIndex(src), s.shardIndex(dst)
	a, b := &s.shards[ia], &s.shards[ib]
	first, second := a, b
	if ib < ia {
		first, second = b, a
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	if second != first {
		second.mu.Lock()
		defer second.mu.Unlock()
	}
	now := s.nowMs()
	e, ok := a.m[string(src)]
	if !ok || !e.live(now) {
		return -1
	}
	if old, exists := b.m[string(dst)]; nx && exists && old.live(now) {
		return 0
	}
	delete(a.m, string(src))
	b.m[string(dst)] = e
	return 1
}
