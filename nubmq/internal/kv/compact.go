package kv

// Compaction relocates the live records of a sparse sealed chunk to the
// active chunk, after which the chunk holds nothing live and is freed. It
// walks the chunk record by record from compactOff, so it can stop after any
// record: a chunk receives no new records once sealed, and a record that
// dies meanwhile is simply skipped. A record is live iff it is not marked
// dead, and then the index maps its key to it (Check verifies this).
//
// Bound: each write does tuning.compactBudget units, at least 16 records
// relocated or 64 examined, while it makes at most one record dead, so the
// queue drains faster than writes refill it.
const (
	compactDeadCost = 1
	compactMoveCost = 4
)

// compactStepLocked compacts queued chunks for at most budget units and
// returns the units spent.
func (s *Store) compactStepLocked(sh *shard, budget int) int {
	a := &sh.arena
	used := 0
	for used < budget {
		if a.compacting < 0 {
			if len(a.queue) == 0 {
				break
			}
			i := int(a.queue[0])
			a.queue = a.queue[:copy(a.queue, a.queue[1:])]
			a.meta[i].state = chunkCompacting
			a.compacting, a.compactOff = i, 0
		}
		i := a.compacting
		c := a.chunks[i]
		if a.compactOff >= len(c) {
			panic("kv: compacted chunk still has live bytes")
		}
		r := decodeRecord(c, a.compactOff)
		a.compactOff = r.end
		if r.dead() {
			used += compactDeadCost
			continue
		}
		s.relocateLocked(sh, makeRef(i, r.off), r) // may free chunk i
		used += compactMoveCost
	}
	return used
}

// relocateLocked copies the live record r at ref to the active chunk and
// points its index entry at the copy.
func (s *Store) relocateLocked(sh *shard, ref uint64, r record) {
	key := r.keyBytes()
	t, pos := s.findLocked(sh, key, s.hash(key)<<s.shardBits)
	if t == nil || slotRef(t.slots[pos]) != ref {
		panic("kv: live record missing from the index")
	}
	newRef, buf := sh.arena.alloc(r.size(), &s.tu)
	copy(buf, r.c[r.off:r.end])
	t.slots[pos] = t.slots[pos]&^refMask | (newRef + 1)
	sh.arena.kill(ref, r)
}

// reclaimLocked compacts the sealed chunk with the most dead bytes at once,
// if the shard's garbage is at least 1/8 of its arena and the chunk's at
// least 1/8 of the chunk. Evict uses it: evicting keys alone frees memory
// only once their chunks empty or turn sparse, so without reclaiming, Evict
// would remove far more keys than needed. It reports whether it freed a
// chunk.
func (s *Store) reclaimLocked(sh *shard) bool {
	a := &sh.arena
	if a.garbageBytes()*8 < a.totalBytes {
		return false
	}
	best, bestDead := -1, int64(0)
	for i, m := range a.meta {
		switch m.state {
		case chunkSealed, chunkQueued, chunkCompacting:
			if dead := int64(cap(a.chunks[i])) - m.liveBytes; dead > bestDead {
				best, bestDead = i, dead
			}
		}
	}
	if best < 0 || bestDead*8 < int64(cap(a.chunks[best])) {
		return false
	}
	if a.compacting != best {
		if a.compacting >= 0 {
			a.meta[a.compacting].state = chunkQueued
			a.queue = append(a.queue, uint32(a.compacting))
		}
		if a.meta[best].state == chunkQueued {
			a.unqueue(best)
		}
		a.meta[best].state = chunkCompacting
		a.compacting, a.compactOff = best, 0
	}
	for a.compacting == best {
		s.compactStepLocked(sh, 1)
	}
	return true
}
