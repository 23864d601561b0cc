package kv

import "fmt"

// Check verifies the Store's invariants and returns an error wrapping
// ErrCorrupt for the first one broken. It locks one shard at a time and
// expects no concurrent operations (the memory total is compared across
// shards). It costs O(keys + arena bytes); tests call it.
//
// Per shard:
//   - every key is in exactly one of cur and old, reachable by a lookup,
//     at or after its home slot with no empty slot in between; the tables'
//     counts are right; old's slots before migratePos are empty; cur has
//     room for every key at the maximum load;
//   - every index entry refers to a live record whose key hashes to this
//     shard and to the entry's tag; every record not marked dead is
//     referenced by exactly one index entry; each chunk's live bytes are the
//     sum of its indexed records, and its state agrees with the active
//     chunk, the compaction queue, the chunk being compacted and the free
//     list (a sealed chunk is at least half live; only the active chunk may
//     be empty);
//   - the volatile map holds, for each hash of a key with an expiry, the
//     least expiry of those keys, and nothing else;
//   - every hash record names a distinct non-empty side-table map, the
//     others are nil and on the free list, and the size estimates add up;
//   - the memory published to UsedMemory is the shard's.
func (s *Store) Check() error {
	var mem int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		err := s.checkShardLocked(sh, i)
		mem += sh.memReported
		sh.mu.Unlock()
		if err != nil {
			return fmt.Errorf("%w: shard %d: %v", ErrCorrupt, i, err)
		}
	}
	if used := s.usedBytes.Load(); used != mem {
		return fmt.Errorf("%w: used memory %d, shards report %d", ErrCorrupt, used, mem)
	}
	return nil
}

func (s *Store) checkShardLocked(sh *shard, index int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic while checking: %v", p)
		}
	}()
	a := &sh.arena
	if sh.old.slots == nil && (sh.migratePos != 0 || sh.old.count != 0) {
		return fmt.Errorf("no old table but migratePos %d count %d", sh.migratePos, sh.old.count)
	}
	if sh.old.slots != nil && sh.old.count == 0 {
		return fmt.Errorf("empty old table kept")
	}
	if total := sh.cur.count + sh.old.count; total > sh.cur.capacity() {
		return fmt.Errorf("%d keys over the capacity %d of cur", total, sh.cur.capacity())
	}
	chunkLive := make([]int64, len(a.chunks))
	refs := map[uint64]bool{}
	volatile := map[uint64]int64{}
	volatileKeys := 0
	hashSeen := map[uint32]bool{}
	for _, t := range [2]*table{&sh.cur, &sh.old} {
		if t.slots == nil {
			continue
		}
		if len(t.slots) != 1<<t.bits || t.mask != uint64(len(t.slots)-1) {
			return fmt.Errorf("table of %d slots with bits %d mask %d", len(t.slots), t.bits, t.mask)
		}
		count := 0
		for j, w := range t.slots {
			if w == 0 {
				continue
			}
			count++
			if t == &sh.old && uint64(j) < sh.migratePos {
				return fmt.Errorf("old slot %d before migratePos %d", j, sh.migratePos)
			}
			ref := slotRef(w)
			ci, off := refChunk(ref), int(ref&refOffsetMask)
			if ci >= len(a.chunks) || a.chunks[ci] == nil || off >= len(a.chunks[ci]) {
				return fmt.Errorf("slot %d: ref %x outside the arena", j, ref)
			}
			r := a.record(ref)
			if r.end > len(r.c) || r.dead() {
				return fmt.Errorf("slot %d: ref %x: record past its chunk or dead", j, ref)
			}
			if refs[ref] {
				return fmt.Errorf("slot %d: ref %x indexed twice", j, ref)
			}
			refs[ref] = true
			key := r.keyBytes()
			h := s.hash(key)
			suffix := h << s.shardBits
			if s.shardIndex(h) != index {
				return fmt.Errorf("key %q belongs to shard %d", key, s.shardIndex(h))
			}
			if slotTag(w) != suffix>>refBits {
				return fmt.Errorf("key %q: tag %x, hash says %x", key, slotTag(w), suffix>>refBits)
			}
			home := suffix >> (64 - t.bits)
			if got := s.homeOfLocked(sh, t, w); got != home {
				return fmt.Errorf("key %q: home %d from the slot, %d from the hash", key, got, home)
			}
			for k := home; k != uint64(j); k = (k + 1) & t.mask {
				if t.slots[k] == 0 {
					return fmt.Errorf("key %q at slot %d: empty slot %d after its home %d", key, j, k, home)
				}
			}
			if ft, fpos := s.findLocked(sh, key, suffix); ft != t || fpos != uint64(j) {
				return fmt.Errorf("key %q at slot %d: a lookup finds another slot %d (duplicate key?)", key, j, fpos)
			}
			chunkLive[ci] += int64(r.size())
			switch r.kind() {
			case KindString:
			case KindHash:
				hi := hashIndex(r)
				if int(hi) >= len(sh.hashes) || sh.hashes[hi] == nil || hashSeen[hi] || len(sh.hashes[hi]) == 0 {
					return fmt.Errorf("key %q: bad hash index %d", key, hi)
				}
				hashSeen[hi] = true
			default:
				return fmt.Errorf("key %q: kind %d", key, r.kind())
			}
			if r.hasExpire() {
				e := r.expireAt()
				if e == 0 {
					return fmt.Errorf("key %q: has-expiry with expiry 0", key)
				}
				volatileKeys++
				if cur, ok := volatile[h]; !ok || e < cur {
					volatile[h] = e
				}
			}
		}
		if count != t.count {
			return fmt.Errorf("table counts %d keys, holds %d", t.count, count)
		}
	}

	if volatileKeys != sh.volatileKeys || len(volatile) != len(sh.volatile) {
		return fmt.Errorf("volatile keys %d (map %d), counted %d (map %d)", volatileKeys, len(volatile), sh.volatileKeys, len(sh.volatile))
	}
	for h, e := range volatile {
		if got, ok := sh.volatile[h]; !ok || got != e {
			return fmt.Errorf("volatile entry %x is %d, want %d", h, got, e)
		}
	}

	var hashBytes int64
	live := 0
	for i, m := range sh.hashes {
		if m == nil {
			if sh.hashSizes[i] != 0 {
				return fmt.Errorf("free hash %d has size %d", i, sh.hashSizes[i])
			}
			continue
		}
		live++
		size := int64(hashMapBytes)
		for f, v := range m {
			size += fieldBytes([]byte(f), v)
		}
		if size != sh.hashSizes[i] {
			return fmt.Errorf("hash %d size %d, counted %d", i, sh.hashSizes[i], size)
		}
		hashBytes += size
	}
	if live != len(hashSeen) || live+len(sh.hashFree) != len(sh.hashes) || hashBytes != sh.hashBytes {
		return fmt.Errorf("hash side table: %d maps, %d indexed, %d free of %d; %d bytes, counted %d",
			live, len(hashSeen), len(sh.hashFree), len(sh.hashes), hashBytes, sh.hashBytes)
	}
	for _, i := range sh.hashFree {
		if sh.hashes[i] != nil {
			return fmt.Errorf("hash %d on the free list is in use", i)
		}
	}

	if err := s.checkArenaLocked(sh, chunkLive, refs); err != nil {
		return err
	}
	if m := sh.memBytesLocked(); m != sh.memReported {
		return fmt.Errorf("memory %d, published %d", m, sh.memReported)
	}
	return nil
}

func (s *Store) checkArenaLocked(sh *shard, chunkLive []int64, refs map[uint64]bool) error {
	a := &sh.arena
	var total, live, big int64
	queued, free := 0, 0
	for i, c := range a.chunks {
		m := a.meta[i]
		if m.state == chunkFree {
			if c != nil || chunkLive[i] != 0 {
				return fmt.Errorf("free chunk %d in use", i)
			}
			free++
			continue
		}
		if c == nil {
			return fmt.Errorf("chunk %d (state %d) has no bytes", i, m.state)
		}
		total += int64(cap(c))
		live += m.liveBytes
		if m.liveBytes != chunkLive[i] {
			return fmt.Errorf("chunk %d: %d live bytes, index says %d", i, m.liveBytes, chunkLive[i])
		}
		records, off := 0, 0
		for off < len(c) {
			r := decodeRecord(c, off)
			if r.end > len(c) {
				return fmt.Errorf("chunk %d: record at %d runs past the chunk", i, off)
			}
			if !r.dead() && !refs[makeRef(i, off)] {
				return fmt.Errorf("chunk %d: live record at %d (key %q) not indexed", i, off, r.keyBytes())
			}
			off = r.end
			records++
		}
		if m.liveBytes == 0 && m.state != chunkActive {
			return fmt.Errorf("chunk %d (state %d) empty but not freed", i, m.state)
		}
		switch m.state {
		case chunkActive:
			if a.active != i {
				return fmt.Errorf("chunk %d active, arena says %d", i, a.active)
			}
		case chunkDedicated:
			big += m.liveBytes
			if records != 1 {
				return fmt.Errorf("dedicated chunk %d holds %d records", i, records)
			}
		case chunkSealed:
			if m.liveBytes*2 < int64(cap(c)) {
				return fmt.Errorf("sealed chunk %d less than half live and not queued", i)
			}
		case chunkQueued:
			queued++
		case chunkCompacting:
			if a.compacting != i || a.compactOff > len(c) {
				return fmt.Errorf("chunk %d compacting, arena says %d at %d", i, a.compacting, a.compactOff)
			}
		default:
			return fmt.Errorf("chunk %d: state %d", i, m.state)
		}
	}
	if total != a.totalBytes || live != a.liveBytes || big != a.bigBytes {
		return fmt.Errorf("arena %d bytes %d live %d in dedicated chunks, counted %d %d %d",
			a.totalBytes, a.liveBytes, a.bigBytes, total, live, big)
	}
	if a.active >= 0 && a.meta[a.active].state != chunkActive {
		return fmt.Errorf("active chunk %d in state %d", a.active, a.meta[a.active].state)
	}
	if a.compacting >= 0 && a.meta[a.compacting].state != chunkCompacting {
		return fmt.Errorf("compacting chunk %d in state %d", a.compacting, a.meta[a.compacting].state)
	}
	if queued != len(a.queue) || free != len(a.free) {
		return fmt.Errorf("%d chunks queued, queue holds %d; %d free, free list holds %d", queued, len(a.queue), free, len(a.free))
	}
	seen := map[uint32]bool{}
	for _, i := range a.queue {
		if seen[i] || a.meta[i].state != chunkQueued {
			return fmt.Errorf("queue entry %d repeated or not queued", i)
		}
		seen[i] = true
	}
	for _, i := range a.free {
		if seen[i] || a.meta[i].state != chunkFree {
			return fmt.Errorf("free list entry %d repeated or not free", i)
		}
		seen[i] = true
	}
	return nil
}
