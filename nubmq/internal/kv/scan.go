package kv

import "math/rand/v2"

// Scan iterates over the keys in hash order. A cursor is a position in hash
// space: the shard bits, then the bits below them, so cursor order is the
// order of the 64-bit key hashes. A call returns the keys whose hash lies in
// [cursor, next) and returns next, or 0 once the whole space is covered.
//
// Because a table's home slots are hash prefixes and linear probing keeps
// an entry at or after its home with no empty slot in between, every entry
// whose hash lies in [from, end) sits between the home slot of from and the
// first empty slot at or after the home slot of end-1 (wrapping at the end
// of the table). Scan visits that stretch in cur and, during a migration, in
// old, so it finds every key of the range whatever the tables' sizes. Range
// ends are multiples of 2^40 in the shard's hash space, so comparing a slot's
// 24-bit tag decides membership without rehashing the key.
const (
	scanDefaultCount = 10
	scanVisitFactor  = 10 // a call visits at most this many entries per key asked for before returning
	scanCountMax     = 1 << 20
	scanAlignMask    = 1<<refBits - 1
	randomKeyTries   = 100
)

// Scan calls fn for the keys with hash in [cursor, next) and returns next,
// 0 when the iteration is complete; start with cursor 0. A call covers about
// count keys (10 if count < 1, at most 2^20). A key that exists, unexpired, for the whole
// iteration is returned at least once, whatever tables resize meanwhile;
// keys added or deleted during the iteration may or may not be returned, and
// a key may be returned more than once. Expired keys are skipped. fn runs
// with a shard locked: it must not call the Store, and key is valid only
// during the call. Any cursor is accepted: it is rounded down to a range
// start.
func (s *Store) Scan(cursor uint64, count int, fn func(key []byte)) uint64 {
	if count < 1 {
		count = scanDefaultCount
	}
	count = min(count, scanCountMax)
	sb := s.shardBits
	si := cursor >> (64 - sb)
	from := cursor << sb &^ scanAlignMask
	now := s.nowMs()
	emitted, visited := 0, 0
	for {
		sh := &s.shards[si]
		sh.mu.Lock()
		end, e, v := s.scanShardLocked(sh, from, count-emitted, now, fn)
		sh.mu.Unlock()
		emitted, visited = emitted+e, visited+v
		if end != 0 {
			return si<<(64-sb) | end>>sb
		}
		si++
		if si == uint64(len(s.shards)) {
			return 0
		}
		from = 0
		if emitted >= count || visited >= scanVisitFactor*count {
			return si << (64 - sb)
		}
	}
}

// scanShardLocked emits the keys of sh with hash suffix (the hash shifted
// left by the shard bits) in [from, end), for an end that covers about want
// keys at the current load; end 0 means the end of the shard. from is a
// multiple of 2^refBits. It returns end and the counts of emitted and
// visited entries.
func (s *Store) scanShardLocked(sh *shard, from uint64, want int, nowMs int64, fn func(key []byte)) (end uint64, emitted, visited int) {
	cur := &sh.cur
	g := min(cur.bits, tagBits) // ranges are whole units of 2^(64-g)
	total := cur.count + sh.old.count
	slots := uint64(max(want, 1))*uint64(len(cur.slots))/uint64(total+1) + 1
	units := max(slots>>(cur.bits-g), 1)
	if endUnit := from>>(64-g) + units; endUnit < 1<<g {
		end = endUnit << (64 - g)
	}
	for _, t := range [2]*table{cur, &sh.old} {
		if t.slots == nil {
			continue
		}
		first := from >> (64 - t.bits)
		last := t.mask
		if end != 0 {
			last = (end - 1) >> (64 - t.bits)
		}
		span := last - first
		for step := uint64(0); step <= t.mask; step++ {
			w := t.slots[(first+step)&t.mask]
			if w == 0 {
				if step >= span {
					break
				}
				continue
			}
			visited++
			if p := slotTag(w) << refBits; p < from || (end != 0 && p >= end) {
				continue
			}
			r := sh.arena.record(slotRef(w))
			if r.expiredAt(nowMs) {
				continue
			}
			fn(r.keyBytes())
			emitted++
		}
	}
	return end, emitted, visited
}

// RandomKey returns a copy of a random key, false if the Store is empty.
// Expired keys it meets are deleted (OnExpire); it gives up after
// randomKeyTries of them.
func (s *Store) RandomKey() ([]byte, bool) {
	n := len(s.shards)
	now := s.nowMs()
	for range randomKeyTries {
		start := rand.IntN(n)
		expired := false
		for k := 0; k < n && !expired; k++ {
			sh := &s.shards[(start+k)&(n-1)]
			sh.mu.Lock()
			if sh.cur.count+sh.old.count == 0 {
				sh.mu.Unlock()
				continue
			}
			t, pos := s.sampleSlotLocked(sh)
			r := sh.arena.record(slotRef(t.slots[pos]))
			if r.expiredAt(now) {
				s.expireLocked(sh, t, pos, s.hash(r.keyBytes()))
				s.unlockShard(sh)
				expired = true
				continue
			}
			key := cloneBytes(r.keyBytes())
			sh.mu.Unlock()
			return key, true
		}
		if !expired {
			return nil, false
		}
	}
	return nil, false
}
