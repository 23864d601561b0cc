package kv

import (
	"math"
	"math/rand/v2"
)

// Eviction samples like Redis without its eviction pool: evictSampleKeys
// keys (maxmemory-samples) of one shard, the best candidate by the policy
// goes. Shards are visited round-robin from a random one.
const (
	evictSampleKeys = 5
	evictFreesMax   = 32 // keys evicted or chunks reclaimed per Evict call
)

// Evict frees memory until UsedMemory is at most MaxMemory: first by
// compacting arena garbage (reclaimLocked), then by deleting keys as the
// policy says, calling OnEvict for each. An expired key met on the way is
// deleted as expired (OnExpire). Evict returns ErrOOM if memory is above the
// bound and a visit of every shard found nothing to free; it returns nil
// when memory is within the bound, or after evictFreesMax keys or chunks
// freed (the next call continues, like Redis's eviction time limit), so a
// call costs at most that many sample rounds or compactions of one chunk
// (256 KiB), plus one visit of every shard. Call it before each command
// that may add memory.
func (s *Store) Evict() error {
	limit := s.maxMemory.Load()
	if limit <= 0 || s.UsedMemory() <= limit {
		return nil
	}
	now := s.nowMs()
	n := len(s.shards)
	start := rand.IntN(n)
	barren, frees := 0, 0
	for round := 0; frees < evictFreesMax; round++ {
		if s.UsedMemory() <= limit {
			return nil
		}
		policy := s.Policy()
		sh := &s.shards[(start+round)&(n-1)]
		sh.mu.Lock()
		freed := s.reclaimLocked(sh)
		if !freed && policy != NoEviction {
			freed = s.evictOneLocked(sh, policy, now)
		}
		s.unlockShard(sh)
		if freed {
			barren = 0
			frees++
		} else if barren++; barren >= n {
			return ErrOOM
		}
	}
	return nil
}

// evictOneLocked deletes the best of a sample of sh's keys under policy and
// reports whether it deleted one.
func (s *Store) evictOneLocked(sh *shard, policy Policy, nowMs int64) bool {
	if sh.cur.count+sh.old.count == 0 {
		return false
	}
	var (
		bestT     *table
		bestPos   uint64
		bestScore int64
	)
	clock, nowMin := lruClock(nowMs), lfuMinutes(nowMs)
	consider := func(t *table, pos uint64, r record) {
		var score int64
		switch {
		case r.expiredAt(nowMs):
			score = math.MaxInt64
		case policy == AllKeysLRU || policy == VolatileLRU:
			score = int64((clock - r.meta()) & metaMask)
		case policy.lfu():
			score = 255 - int64(lfuDecayed(r.meta(), nowMin))
		case policy == VolatileTTL:
			score = math.MaxInt64 - 1 - r.expireAt()
		}
		if bestT == nil || score > bestScore {
			bestT, bestPos, bestScore = t, pos, score
		}
	}
	if policy.volatileOnly() {
		var hs [evictSampleKeys]uint64
		k := 0
		for h := range sh.volatile {
			hs[k] = h
			if k++; k == len(hs) {
				break
			}
		}
		for _, h := range hs[:k] {
			s.forHashLocked(sh, h, func(t *table, pos uint64, r record) bool {
				if r.hasExpire() {
					consider(t, pos, r)
				}
				return true
			})
		}
	} else {
		for range evictSampleKeys {
			t, pos := s.sampleSlotLocked(sh)
			consider(t, pos, sh.arena.record(slotRef(t.slots[pos])))
		}
	}
	if bestT == nil {
		return false
	}
	r := sh.arena.record(slotRef(bestT.slots[bestPos]))
	key := r.keyBytes()
	h := s.hash(key)
	if r.expiredAt(nowMs) {
		s.expireLocked(sh, bestT, bestPos, h)
		return true
	}
	s.deleteLocked(sh, bestT, bestPos, h, true)
	sh.evicted++
	if s.onEvict != nil {
		s.onEvict(key)
	}
	return true
}

// sampleSlotLocked returns a random occupied slot of a shard that has keys:
// a random table weighted by its keys, a random slot, then the next occupied
// one.
func (s *Store) sampleSlotLocked(sh *shard) (*table, uint64) {
	t := &sh.cur
	if sh.old.count > 0 && rand.IntN(sh.cur.count+sh.old.count) < sh.old.count {
		t = &sh.old
	}
	i := rand.Uint64() & t.mask
	for n := uint64(0); n <= t.mask; n++ {
		if t.slots[i] != 0 {
			return t, i
		}
		i = (i + 1) & t.mask
	}
	panic("kv: sampled an empty table")
}
