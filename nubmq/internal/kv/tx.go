package kv

import "encoding/binary"

// Tx is a transaction on one key inside Update. Every method applies at
// once. Byte slices a Tx returns alias the store: they are valid until the
// key is next changed (Set, SetExpire, Delete, HSet, HDel) and never after
// fn returns; they must not be modified.
type Tx struct {
	s      *Store
	sh     *shard
	key    []byte
	h      uint64
	suffix uint64 // h << shardBits
	pos    uint64 // the key's slot in sh.cur, when exists; valid while gen == sh.gen
	gen    uint64
	exists bool
	nowOK  bool
	now    int64
}

// openTxLocked starts a transaction on key: it finds the key, moves it from
// the old table to the current one, and deletes it if it has expired.
func (s *Store) openTxLocked(sh *shard, tx *Tx, key []byte, h uint64) {
	*tx = Tx{s: s, sh: sh, key: key, h: h, suffix: h << s.shardBits}
	t, pos := s.findLocked(sh, key, tx.suffix)
	if t == nil {
		return
	}
	r := sh.arena.record(slotRef(t.slots[pos]))
	if r.hasExpire() && r.expiredAt(tx.nowMs()) {
		s.expireLocked(sh, t, pos, h)
		return
	}
	if t == &sh.old {
		pos = s.promoteLocked(sh, pos, tx.suffix)
	}
	s.touchLocked(r)
	tx.exists, tx.pos, tx.gen = true, pos, sh.gen
}

func (tx *Tx) nowMs() int64 {
	if !tx.nowOK {
		tx.now, tx.nowOK = tx.s.nowMs(), true
	}
	return tx.now
}

// slotLocked returns the key's slot in cur, finding it again if entries of
// cur moved since it was last found.
func (tx *Tx) slotLocked() uint64 {
	sh := tx.sh
	if tx.gen != sh.gen {
		t, pos := tx.s.findLocked(sh, tx.key, tx.suffix)
		switch t {
		case nil:
			panic("kv: transaction lost its key")
		case &sh.old:
			pos = tx.s.promoteLocked(sh, pos, tx.suffix)
		}
		tx.pos, tx.gen = pos, sh.gen
	}
	return tx.pos
}

func (tx *Tx) record() record {
	return tx.sh.arena.record(slotRef(tx.sh.cur.slots[tx.slotLocked()]))
}

// Key returns the transaction's key.
func (tx *Tx) Key() []byte { return tx.key }

// Exists reports whether the key exists.
func (tx *Tx) Exists() bool { return tx.exists }

// Kind returns the key's kind, KindNone if it does not exist.
func (tx *Tx) Kind() Kind {
	if !tx.exists {
		return KindNone
	}
	return tx.record().kind()
}

// Bytes returns a string key's value; nil for a hash or a missing key.
func (tx *Tx) Bytes() []byte {
	if !tx.exists {
		return nil
	}
	r := tx.record()
	if r.kind() != KindString {
		return nil
	}
	return r.valBytes()
}

// ExpireAt returns the key's expiry in unix ms, 0 for none or a missing key.
func (tx *Tx) ExpireAt() int64 {
	if !tx.exists {
		return 0
	}
	return tx.record().expireAt()
}

// Set makes the key a string with value val (copied) and expiry expireAt
// in unix ms (0: none; pass ExpireAt() to keep it). An expiry at or before
// now deletes the key, without OnExpire. A hash value is replaced.
func (tx *Tx) Set(val []byte, expireAt int64) {
	if expireAt != 0 && expireAt <= tx.nowMs() {
		tx.Delete()
		return
	}
	s, sh := tx.s, tx.sh
	if !tx.exists {
		tx.insertLocked(KindString, 0, val, expireAt, true)
		return
	}
	if r := tx.record(); r.kind() == KindHash {
		s.freeHashLocked(sh, hashIndex(r))
	}
	tx.rewriteLocked(KindString, val, expireAt)
}

// SetExpire sets an existing key's expiry in unix ms: 0 removes it, a time
// at or before now deletes the key (without OnExpire). It reports whether
// the key existed.
func (tx *Tx) SetExpire(expireAt int64) bool {
	if !tx.exists {
		return false
	}
	if expireAt != 0 && expireAt <= tx.nowMs() {
		tx.Delete()
		return true
	}
	r := tx.record()
	tx.rewriteLocked(r.kind(), r.valBytes(), expireAt)
	return true
}

// Delete deletes the key and reports whether it existed.
func (tx *Tx) Delete() bool {
	if !tx.exists {
		return false
	}
	tx.s.deleteLocked(tx.sh, &tx.sh.cur, tx.slotLocked(), tx.h, true)
	tx.exists = false
	return true
}

// insertLocked creates the (absent) key's record and index entry.
func (tx *Tx) insertLocked(kind Kind, meta uint32, val []byte, expireAt int64, freshMeta bool) {
	s, sh := tx.s, tx.sh
	if freshMeta {
		meta = s.newMeta()
	}
	tx.pos = s.insertLocked(sh, tx.key, tx.h, kind, meta, val, expireAt)
	tx.exists, tx.gen = true, sh.gen
}

// insertLocked adds a key known to be absent from both tables and returns
// its slot in cur.
func (s *Store) insertLocked(sh *shard, key []byte, h uint64, kind Kind, meta uint32, val []byte, expireAt int64) uint64 {
	s.ensureRoomLocked(sh)
	suffix := h << s.shardBits
	ref, buf := sh.arena.alloc(recordSize(expireAt != 0, len(key), len(val)), &s.tu)
	writeRecord(buf, kind, meta, expireAt, key, val)
	pos := placeLocked(&sh.cur, slotWord(suffix, ref), suffix>>(64-sh.cur.bits))
	if expireAt != 0 {
		s.volatileAddLocked(sh, h, expireAt)
	}
	return pos
}

// rewriteLocked replaces the existing key's value and expiry, in place when
// the record keeps its size, else with a new record. val may alias the
// current record.
func (tx *Tx) rewriteLocked(kind Kind, val []byte, expireAt int64) {
	s, sh := tx.s, tx.sh
	pos := tx.slotLocked()
	ref := slotRef(sh.cur.slots[pos])
	r := sh.arena.record(ref)
	oldExpireAt := r.expireAt()
	size := recordSize(expireAt != 0, len(tx.key), len(val))
	if size == r.size() && r.hasExpire() == (expireAt != 0) {
		// Same size and layout, so the same value length.
		r.c[r.off] = byte(kind) | r.flags()&flagExpire
		if expireAt != 0 {
			binary.LittleEndian.PutUint64(r.c[r.off+headerBytes:], uint64(expireAt))
		}
		copy(r.c[r.val:r.end], val)
	} else {
		newRef, buf := sh.arena.alloc(size, &s.tu)
		writeRecord(buf, kind, r.meta(), expireAt, tx.key, val)
		sh.cur.slots[pos] = slotWord(tx.suffix, newRef)
		sh.arena.kill(ref, r)
	}
	switch {
	case oldExpireAt == expireAt:
	case oldExpireAt == 0:
		s.volatileAddLocked(sh, tx.h, expireAt)
	case expireAt == 0:
		sh.volatileKeys--
		s.volatileResetLocked(sh, tx.h)
	default:
		s.volatileResetLocked(sh, tx.h)
	}
}

// deleteLocked deletes the key in slot pos of t, whose hash is h: its index
// entry, its record, its volatile entry and (if freeHash) its hash fields.
func (s *Store) deleteLocked(sh *shard, t *table, pos uint64, h uint64, freeHash bool) {
	ref := slotRef(t.slots[pos])
	r := sh.arena.record(ref)
	if freeHash && r.kind() == KindHash {
		s.freeHashLocked(sh, hashIndex(r))
	}
	s.removeSlotLocked(sh, t, pos)
	sh.arena.kill(ref, r)
	if r.hasExpire() {
		sh.volatileKeys--
		s.volatileResetLocked(sh, h)
	}
	if t == &sh.old && sh.old.count == 0 {
		s.endMigrationLocked(sh)
	}
}

// expireLocked deletes the expired key in slot pos of t and reports it to
// OnExpire.
func (s *Store) expireLocked(sh *shard, t *table, pos uint64, h uint64) {
	r := sh.arena.record(slotRef(t.slots[pos]))
	s.deleteLocked(sh, t, pos, h, true)
	sh.expired++
	if s.onExpire != nil {
		// The dead record's bytes stay untouched until the next allocation.
		s.onExpire(r.keyBytes())
	}
}

// Value is a key's value inside View; see View for its lifetime.
type Value struct {
	sh  *shard
	ref uint64
	ok  bool
}

func (v *Value) record() record { return v.sh.arena.record(v.ref) }

// Exists reports whether the key exists.
func (v *Value) Exists() bool { return v.ok }

// Kind returns the key's kind, KindNone if it does not exist.
func (v *Value) Kind() Kind {
	if !v.ok {
		return KindNone
	}
	return v.record().kind()
}

// Bytes returns a string key's value; nil for a hash or a missing key.
func (v *Value) Bytes() []byte {
	if !v.ok {
		return nil
	}
	r := v.record()
	if r.kind() != KindString {
		return nil
	}
	return r.valBytes()
}

// ExpireAt returns the key's expiry in unix ms, 0 for none or a missing key.
func (v *Value) ExpireAt() int64 {
	if !v.ok {
		return 0
	}
	return v.record().expireAt()
}

// HGet returns a hash field's value.
func (v *Value) HGet(field []byte) ([]byte, bool) {
	if m := v.hash(); m != nil {
		val, ok := m[string(field)]
		return val, ok
	}
	return nil, false
}

// HLen returns a hash's field count; 0 for a string or a missing key.
func (v *Value) HLen() int { return len(v.hash()) }

// HRange calls fn for each field of a hash, in no particular order, until fn
// returns false. The field is a string because the hash's fields are map
// keys; handing them out as []byte would need a copy or unsafe.
func (v *Value) HRange(fn func(field string, val []byte) bool) {
	for f, val := range v.hash() {
		if !fn(f, val) {
			return
		}
	}
}

func (v *Value) hash() map[string][]byte {
	if !v.ok {
		return nil
	}
	r := v.record()
	if r.kind() != KindHash {
		return nil
	}
	return v.sh.hashes[hashIndex(r)]
}
