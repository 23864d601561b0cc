package satori

import "math/bits"

// idIndex maps each live vector id to its slot (version and bucket). It is
// an open-addressing hash table with linear probing and backward-shift
// deletion, sized to any number of slots (not a power of two: a hash is
// mapped to a slot by multiplication) and grown by half when it passes
// 7/8 full, so it holds about 20 bytes per slot and 23–35 per id: Go's
// map takes 24-byte slots plus control bytes at power-of-two sizes, and
// the index is most of what SatoriDB keeps in RAM per vector.
//
// Not safe for concurrent use: DB.mu guards it.
type idIndex struct {
	keys  []uint64
	vers  []uint64
	bkts  []uint32 // 0 marks an empty slot: bucket ids start at 1
	count int
}

// idIndexMinSlots is the size of a new table.
const idIndexMinSlots = 16

func (x *idIndex) len() int { return x.count }

// home returns the first slot id probes.
func (x *idIndex) home(key uint64) int {
	h := key * 0x9e3779b97f4a7c15
	h ^= h >> 29
	hi, _ := bits.Mul64(h, uint64(len(x.keys)))
	return int(hi)
}

func (x *idIndex) next(i int) int {
	if i++; i == len(x.keys) {
		return 0
	}
	return i
}

// find returns the slot holding id, or -1.
func (x *idIndex) find(id uint64) int {
	if len(x.keys) == 0 {
		return -1
	}
	for i := x.home(id); ; i = x.next(i) {
		if x.bkts[i] == 0 {
			return -1
		}
		if x.keys[i] == id {
			return i
		}
	}
}

// get returns id's slot.
func (x *idIndex) get(id uint64) (slot, bool) {
	i := x.find(id)
	if i < 0 {
		return slot{}, false
	}
	return slot{x.vers[i], x.bkts[i]}, true
}

// set makes id's slot s (s.bucket is never 0).
func (x *idIndex) set(id uint64, s slot) {
	if s.bucket == 0 {
		panic("satori: bucket id 0 in the id index") // bucket ids start at 1
	}
	if (x.count+1)*8 > len(x.keys)*7 {
		x.grow()
	}
	for i := x.home(id); ; i = x.next(i) {
		if x.bkts[i] == 0 {
			x.keys[i], x.vers[i], x.bkts[i] = id, s.version, s.bucket
			x.count++
			return
		}
		if x.keys[i] == id {
			x.vers[i], x.bkts[i] = s.version, s.bucket
			return
		}
	}
}

// remove deletes id if present. The entries after it in its probe run
// move back, so no tombstones are left behind.
func (x *idIndex) remove(id uint64) {
	i := x.find(id)
	if i < 0 {
		return
	}
	x.count--
	for j := x.next(i); x.bkts[j] != 0; j = x.next(j) {
		// The entry at j may fill the hole at i unless its home lies
		// cyclically in (i, j].
		h := x.home(x.keys[j])
		if (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			x.keys[i], x.vers[i], x.bkts[i] = x.keys[j], x.vers[j], x.bkts[j]
			i = j
		}
	}
	x.keys[i], x.vers[i], x.bkts[i] = 0, 0, 0
}

// grow rehashes into half as many slots again (at least idIndexMinSlots).
func (x *idIndex) grow() {
	old := *x
	n := max(idIndexMinSlots, len(old.keys)+len(old.keys)/2)
	*x = idIndex{keys: make([]uint64, n), vers: make([]uint64, n), bkts: make([]uint32, n)}
	for i, b := range old.bkts {
		if b != 0 {
			x.set(old.keys[i], slot{old.vers[i], b})
		}
	}
}

// each calls fn for every id and its slot, in no order.
func (x *idIndex) each(fn func(id uint64, s slot)) {
	for i, b := range x.bkts {
		if b != 0 {
			fn(x.keys[i], slot{x.vers[i], b})
		}
	}
}

// memoryBytes returns the bytes of the table's arrays.
func (x *idIndex) memoryBytes() int { return len(x.keys) * 20 }
