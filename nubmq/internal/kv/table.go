package kv

// An index table maps keys to records: open addressing with linear probing
// over slot words, one per slot:
//
//	bits 63-40  tag: the 24 bits of the key's hash right after the shard bits
//	bits 39-0   ref+1 (0 is an empty slot)
//
// A key's home slot in a table of 2^bits slots is the next bits of its hash
// after the shard bits, so the tag is also the home of the key in every
// table of up to 2^24 slots (2^tuning.tagHomeBits in tests), and moving an
// entry (backward-shift deletion, migration) reads only the slot word. Larger
// tables rehash the key from its record for its home.
//
// Because the home is a hash prefix, a table is ordered by hash except for
// probe displacement: an entry sits at or after its home, with no empty slot
// in between (the probe invariant). Scan depends on this.
const (
	refBits = 40
	refMask = 1<<refBits - 1
	tagBits = 64 - refBits

	maxLoadPercent    = 75 // grow when a table would pass this load
	shrinkLoadPercent = 15 // shrink when a table is below this load
	shrunkLoadPercent = 30 // a shrunk table's load is at most this
	shrinkFactorMax   = 8  // a shrink divides the slot count by at most this
)

type table struct {
	slots []uint64 // nil for no table
	mask  uint64
	bits  uint
	count int
}

func newTable(bits uint) table {
	n := 1 << bits
	return table{slots: make([]uint64, n), mask: uint64(n - 1), bits: bits}
}

// capacity is the entry count at the maximum load.
func (t *table) capacity() int { return len(t.slots) * maxLoadPercent / 100 }

func slotWord(suffix, ref uint64) uint64 { return suffix>>refBits<<refBits | (ref + 1) }
func slotRef(w uint64) uint64            { return w&refMask - 1 }
func slotTag(w uint64) uint64            { return w >> refBits }

// homeOfLocked returns the home slot in t of the entry with slot word w.
func (s *Store) homeOfLocked(sh *shard, t *table, w uint64) uint64 {
	if t.bits <= s.tu.tagHomeBits {
		return slotTag(w) >> (tagBits - t.bits)
	}
	r := sh.arena.record(slotRef(w))
	return s.hash(r.keyBytes()) << s.shardBits >> (64 - t.bits)
}

// probeLocked returns the slot of key in t. suffix is the key's hash
// shifted left by the shard bits.
func (s *Store) probeLocked(sh *shard, t *table, key []byte, suffix uint64) (uint64, bool) {
	tag := suffix >> refBits
	i := suffix >> (64 - t.bits)
	for n := uint64(0); n <= t.mask; n++ {
		w := t.slots[i]
		if w == 0 {
			return 0, false
		}
		if slotTag(w) == tag && sh.arena.keyIs(slotRef(w), key) {
			return i, true
		}
		i = (i + 1) & t.mask
	}
	panic("kv: index table without an empty slot")
}

// findLocked returns the table (cur or old) and slot that hold key, or nil.
func (s *Store) findLocked(sh *shard, key []byte, suffix uint64) (*table, uint64) {
	if i, ok := s.probeLocked(sh, &sh.cur, key, suffix); ok {
		return &sh.cur, i
	}
	if sh.old.slots != nil {
		if i, ok := s.probeLocked(sh, &sh.old, key, suffix); ok {
			return &sh.old, i
		}
	}
	return nil, 0
}

// placeLocked puts slot word w into t at or after home, in the first empty
// slot. No other entry moves.
func placeLocked(t *table, w, home uint64) uint64 {
	i := home
	for n := uint64(0); n <= t.mask; n++ {
		if t.slots[i] == 0 {
			t.slots[i] = w
			t.count++
			return i
		}
		i = (i + 1) & t.mask
	}
	panic("kv: index table full")
}

// removeSlotLocked empties slot i of t by backward-shift deletion: each
// later entry of the cluster that may legally sit in the hole moves into it,
// so no tombstones are needed and the probe invariant holds. Entries only
// ever move backwards, towards their home, and never past an empty slot.
func (s *Store) removeSlotLocked(sh *shard, t *table, i uint64) {
	if t == &sh.cur {
		sh.gen++ // cached slot positions in cur may be stale
	}
	j := i
	for n := uint64(0); n < t.mask; n++ {
		j = (j + 1) & t.mask
		w := t.slots[j]
		if w == 0 {
			break
		}
		k := s.homeOfLocked(sh, t, w)
		// The entry at j may move to i unless its home k lies in the
		// cyclic interval (i, j].
		var stays bool
		if i <= j {
			stays = i < k && k <= j
		} else {
			stays = i < k || k <= j
		}
		if !stays {
			t.slots[i] = w
			i = j
		}
	}
	t.slots[i] = 0
	t.count--
}
