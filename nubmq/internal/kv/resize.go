package kv

import "math"

// Incremental resize. A shard resizes by allocating a new table (cur) and
// keeping the previous one (old) until every entry of old has moved to cur.
// Meanwhile every key is in exactly one of the two tables: lookups try cur
// then old, a write that finds its key in old moves it to cur first
// (promoteLocked), new keys go to cur, and migration moves the rest.
//
// Migration walks old from migratePos: a non-empty slot's entry moves to cur
// and is deleted from old by backward shift, which may pull a later entry
// into the same slot, so migratePos advances only past an empty slot. The
// slots of old before migratePos are therefore always empty (a backward
// shift never crosses an empty slot), and a key found in old is at or after
// migratePos.
//
// Bound. Moving an entry costs migrateMoveCost units and skipping an empty
// slot one; every write does tuning.migrateBudget (128) units, so at least
// 16 moves or 128 slots. Let old have n slots.
//   - Grow (n to 2n, at load 3/4): the work is at most 8·(3n/4+1) + n ≈ 7n
//     units, so about 7n/128 writes; cur has to grow again only after its
//     keys pass 3/4·2n, which takes at least 3n/4 inserts.
//   - Shrink (n to m ≥ n/8, at load < 0.15, with keys ≤ 0.3m): the work is at
//     most 8·0.3m + 8m ≈ 10.4m units, about 0.08m writes; cur has to grow
//     only after 0.45m inserts.
//
// So with the default budget a migration always ends before its table needs
// to resize again. If it did not (smaller budgets in tests),
// ensureRoomLocked finishes the migration first: a cost bounded by old's
// size, which is what the budget would have spent anyway.
const (
	migrateMoveCost = 8
	migrateSkipCost = 1
)

// ensureRoomLocked makes room in cur for one more key, starting a grow when
// the keys of both tables would pass the maximum load of cur.
func (s *Store) ensureRoomLocked(sh *shard) {
	total := sh.cur.count + sh.old.count
	if total+1 <= sh.cur.capacity() {
		return
	}
	if sh.old.slots != nil {
		s.migrateLocked(sh, math.MaxInt)
	}
	b := sh.cur.bits + 1
	for total+1 > (1<<b)*maxLoadPercent/100 {
		b++
	}
	s.startResizeLocked(sh, b)
}

// maybeShrinkLocked starts a shrink when cur is below the shrink load and
// larger than the minimum, and no migration is running. The new table is
// the smallest with load at most shrunkLoadPercent, at least minSlots and at
// least 1/shrinkFactorMax of the old one.
func (s *Store) maybeShrinkLocked(sh *shard) {
	if sh.old.slots != nil || len(sh.cur.slots) <= s.tu.minSlots {
		return
	}
	n := sh.cur.count
	if n*100 >= len(sh.cur.slots)*shrinkLoadPercent {
		return
	}
	b, lo := sh.cur.bits, sh.cur.bits-min(sh.cur.bits, 3) // shrinkFactorMax = 1<<3
	for b > lo && 1<<(b-1) >= s.tu.minSlots && n*100 <= (1<<(b-1))*shrunkLoadPercent {
		b--
	}
	if b < sh.cur.bits {
		s.startResizeLocked(sh, b)
	}
}

func (s *Store) startResizeLocked(sh *shard, b uint) {
	if sh.old.slots != nil {
		panic("kv: resize during a resize")
	}
	sh.old = sh.cur
	sh.cur = newTable(b)
	sh.migratePos = 0
	sh.gen++
	if b > sh.old.bits {
		sh.grows++
	} else {
		sh.shrinks++
	}
	if sh.old.count == 0 {
		s.endMigrationLocked(sh)
	}
}

func (s *Store) endMigrationLocked(sh *shard) {
	if sh.old.count != 0 {
		panic("kv: migration ended with keys left in the old table")
	}
	sh.old = table{}
	sh.migratePos = 0
}

// migrateLocked moves entries of old to cur for at most budget units and
// returns the units spent.
func (s *Store) migrateLocked(sh *shard, budget int) int {
	used := 0
	old := &sh.old
	for used < budget && old.slots != nil {
		if sh.migratePos > old.mask {
			panic("kv: migration passed the end of the old table with keys left")
		}
		w := old.slots[sh.migratePos]
		if w == 0 {
			sh.migratePos++
			used += migrateSkipCost
			continue
		}
		s.removeSlotLocked(sh, old, sh.migratePos)
		placeLocked(&sh.cur, w, s.homeOfLocked(sh, &sh.cur, w))
		used += migrateMoveCost
		if old.count == 0 {
			s.endMigrationLocked(sh)
		}
	}
	return used
}

// promoteLocked moves the entry in slot pos of old to cur and returns its
// slot there.
func (s *Store) promoteLocked(sh *shard, pos, suffix uint64) uint64 {
	w := sh.old.slots[pos]
	s.removeSlotLocked(sh, &sh.old, pos)
	i := placeLocked(&sh.cur, w, suffix>>(64-sh.cur.bits))
	if sh.old.count == 0 {
		s.endMigrationLocked(sh)
	}
	return i
}
