package kv

import "math/rand/v2"

// Expiry. A key with an expiry has has-expiry set in its record and counts
// in its shard's volatile map, key hash -> the least expireAt among the
// volatile keys with that hash (64-bit hash collisions within a shard are
// possible, so an entry may stand for several keys; volatileResetLocked
// recomputes it from the index whenever one of them changes). The map holds
// no pointers, so it costs the garbage collector nothing to scan.
//
// Lazy expiry: an operation that finds an expired key deletes it first.
// Active expiry: Step samples the volatile map (Go's map iteration starts at
// a random place) and deletes the expired keys it finds, repeating while
// more than a quarter of a sample had expired, as Redis's expire cycle does.
const (
	expireSampleKeys   = 20
	expireRepeatFactor = 4 // sample again while more than 1/expireRepeatFactor expired
)

func (s *Store) volatileAddLocked(sh *shard, h uint64, expireAt int64) {
	sh.volatileKeys++
	if cur, ok := sh.volatile[h]; !ok || expireAt < cur {
		sh.volatile[h] = expireAt
	}
}

// volatileResetLocked recomputes the volatile entry of hash h from the index.
func (s *Store) volatileResetLocked(sh *shard, h uint64) {
	least, found := int64(0), false
	s.forHashLocked(sh, h, func(t *table, pos uint64, r record) bool {
		if e := r.expireAt(); e != 0 && (!found || e < least) {
			least, found = e, true
		}
		return true
	})
	if found {
		sh.volatile[h] = least
	} else {
		delete(sh.volatile, h)
	}
}

// forHashLocked calls fn for every key whose hash is h, in both tables,
// until fn returns false. It walks h's probe cluster and rehashes only the
// keys whose tag matches. fn must not change the tables.
func (s *Store) forHashLocked(sh *shard, h uint64, fn func(t *table, pos uint64, r record) bool) {
	suffix := h << s.shardBits
	tag := suffix >> refBits
	for _, t := range [2]*table{&sh.cur, &sh.old} {
		if t.slots == nil {
			continue
		}
		i := suffix >> (64 - t.bits)
		for n := uint64(0); n <= t.mask; n++ {
			w := t.slots[i]
			if w == 0 {
				break
			}
			if slotTag(w) == tag {
				r := sh.arena.record(slotRef(w))
				if s.hash(r.keyBytes()) == h && !fn(t, i, r) {
					return
				}
			}
			i = (i + 1) & t.mask
		}
	}
}

// expireHashLocked deletes the expired keys with hash h and returns how
// many it deleted.
func (s *Store) expireHashLocked(sh *shard, h uint64, nowMs int64) int {
	n := 0
	for {
		var t *table
		var pos uint64
		s.forHashLocked(sh, h, func(tt *table, p uint64, r record) bool {
			if r.expiredAt(nowMs) {
				t, pos = tt, p
				return false
			}
			return true
		})
		if t == nil {
			return n
		}
		s.expireLocked(sh, t, pos, h)
		n++
	}
}

// expireCycleLocked is one shard's active expiry for at most budget units
// (one per sampled entry); it returns the units spent.
func (s *Store) expireCycleLocked(sh *shard, budget int, nowMs int64) int {
	used := 0
	for used < budget && len(sh.volatile) > 0 {
		var due [expireSampleKeys]uint64
		seen, n := 0, 0
		for h, e := range sh.volatile {
			if e <= nowMs {
				due[n] = h
				n++
			}
			if seen++; seen == expireSampleKeys {
				break
			}
		}
		used += seen
		for _, h := range due[:n] {
			used += s.expireHashLocked(sh, h, nowMs)
		}
		if n*expireRepeatFactor <= seen {
			break
		}
	}
	return used
}

// StepBudget is a reasonable budget for a Step call every 100 ms: a few
// milliseconds of work.
const StepBudget = 1 << 16

// stepShardMin is the least work Step offers each shard it visits.
const stepShardMin = 64

// Step does bounded background work: it advances table migrations, compacts
// sparse arena chunks, shrinks tables that have become sparse, and deletes
// expired keys (active expiry, calling OnExpire). budget is in units of
// roughly one slot, record or sampled key (tens of nanoseconds each). Shards
// are visited round-robin across calls until the budget is spent, each
// offered an equal share of what is left (at least 64 units) per activity.
// Call it periodically (the server's cron: StepBudget every 100 ms).
func (s *Store) Step(budget int) {
	now := s.nowMs()
	n := len(s.shards)
	next := s.stepNext.Load()
	visited := 0
	for visited < n && budget > 0 {
		// Shards with nothing to do cost one unit and leave their share to
		// the shards after them.
		per := max(budget/(n-visited), stepShardMin)
		sh := &s.shards[(next+uint64(visited))&uint64(n-1)]
		visited++
		sh.mu.Lock()
		used := 1
		if sh.old.slots != nil {
			used += s.migrateLocked(sh, per)
		}
		if sh.arena.compacting >= 0 || len(sh.arena.queue) > 0 {
			used += s.compactStepLocked(sh, per)
		}
		s.maybeShrinkLocked(sh)
		if len(sh.volatile) > 0 {
			used += s.expireCycleLocked(sh, per, now)
		}
		s.unlockShard(sh)
		budget -= used
	}
	s.stepNext.Store(next + uint64(visited))
}

// Access metadata, three bytes per record, as Redis keeps in robj.lru:
// under an LRU policy (and the policies that do not rank by frequency) the
// LRU clock, seconds mod 2^24; under an LFU policy the time of the last
// decrement in minutes mod 2^16 and an 8-bit logarithmic access counter.
const (
	lfuInitCounter = 5  // LFU_INIT_VAL: new keys are not evicted at once
	lfuLogFactor   = 10 // lfu-log-factor
	lfuDecayMin    = 1  // lfu-decay-time: minutes per counter decrement
)

func lruClock(ms int64) uint32 { return uint32(ms/1000) & metaMask }

func lfuMinutes(ms int64) uint32 { return uint32(ms/60000) & 0xffff }

// lfuDecayed returns the counter of meta decayed to nowMin.
func lfuDecayed(meta, nowMin uint32) uint32 {
	counter := meta & 0xff
	periods := (nowMin - meta>>8) & 0xffff / lfuDecayMin
	if periods >= counter {
		return 0
	}
	return counter - periods
}

func lfuIncr(counter uint32) uint32 {
	if counter == 255 {
		return 255
	}
	base := float64(0)
	if counter > lfuInitCounter {
		base = float64(counter - lfuInitCounter)
	}
	if rand.Float64() < 1/(base*lfuLogFactor+1) {
		counter++
	}
	return counter
}

// newMeta is the access metadata of a new key.
func (s *Store) newMeta() uint32 {
	ms := s.clockMs.Load()
	if s.Policy().lfu() {
		return lfuMinutes(ms)<<8 | lfuInitCounter
	}
	return lruClock(ms)
}

// touchLocked counts an access to r in its metadata.
func (s *Store) touchLocked(r record) {
	ms := s.clockMs.Load()
	old := r.meta()
	var m uint32
	if s.Policy().lfu() {
		nowMin := lfuMinutes(ms)
		m = nowMin<<8 | lfuIncr(lfuDecayed(old, nowMin))
	} else {
		m = lruClock(ms)
	}
	if m != old {
		r.setMeta(m)
	}
}
