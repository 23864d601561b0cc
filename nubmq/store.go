package nubmq

import (
	"hash/maphash"
	"sync"
	"time"
)

// store is the keyspace: string keys to string values with an optional
// expiry. This first version is a fixed set of locked map shards with lazy
// expiry (an expired key is invisible at once and removed when touched); the
// incrementally resizing engine, active expiry and eviction of issue 3
// replace it behind the same methods.
type store struct {
	seed   maphash.Seed
	shards [storeShards]shard
	now    func() time.Time
}

const storeShards = 256

type shard struct {
	mu sync.RWMutex
	m  map[string]entry
}

type entry struct {
	val      []byte
	expireAt int64 // unix ms; 0: no expiry
}

func newStore(now func() time.Time) *store {
	s := &store{seed: maphash.MakeSeed(), now: now}
	for i := range s.shards {
		s.shards[i].m = map[string]entry{}
	}
	return s
}

func (s *store) shard(key []byte) *shard {
	return &s.shards[maphash.Bytes(s.seed, key)%storeShards]
}

func (s *store) nowMs() int64 { return s.now().UnixMilli() }

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

// size counts live keys.
func (s *store) size() int {
	now := s.nowMs()
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			if e.live(now) {
				n++
			}
		}
		sh.mu.RUnlock()
	}
	return n
}

func (s *store) flush() {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}
