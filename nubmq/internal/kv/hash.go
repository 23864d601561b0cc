package kv

import (
	"encoding/binary"
	"fmt"
)

// A hash's fields live in its shard's side table of Go maps; the hash's
// record holds the 4-byte little-endian index of its map. Hashes are the
// one place the Store holds Go pointers per key, and their memory is an
// estimate (hashMapBytes, hashFieldBytes).
const (
	hashMapBytes   = 64 // an empty Go map
	hashFieldBytes = 64 // per field: string and slice headers, map slot, allocation rounding
	hashRefBytes   = 4
)

func hashIndex(r record) uint32 {
	v := r.valBytes()
	if len(v) != hashRefBytes {
		panic(fmt.Sprintf("kv: hash record value of %d bytes", len(v)))
	}
	return binary.LittleEndian.Uint32(v)
}

func (s *Store) newHashLocked(sh *shard) uint32 {
	var i uint32
	if k := len(sh.hashFree); k > 0 {
		i = sh.hashFree[k-1]
		sh.hashFree = sh.hashFree[:k-1]
	} else {
		i = uint32(len(sh.hashes))
		sh.hashes = append(sh.hashes, nil)
		sh.hashSizes = append(sh.hashSizes, 0)
	}
	sh.hashes[i] = map[string][]byte{}
	sh.hashSizes[i] = hashMapBytes
	sh.hashBytes += hashMapBytes
	return i
}

// adoptHashLocked puts an existing map (moved from another shard by Rename)
// into sh's side table.
func (s *Store) adoptHashLocked(sh *shard, m map[string][]byte, size int64) uint32 {
	i := s.newHashLocked(sh)
	sh.hashes[i] = m
	sh.hashSizes[i] = size
	sh.hashBytes += size - hashMapBytes
	return i
}

func (s *Store) freeHashLocked(sh *shard, i uint32) {
	sh.hashBytes -= sh.hashSizes[i]
	sh.hashes[i] = nil
	sh.hashSizes[i] = 0
	sh.hashFree = append(sh.hashFree, i)
}

func fieldBytes(field, val []byte) int64 { return int64(len(field) + len(val) + hashFieldBytes) }

func cloneBytes(b []byte) []byte {
	c := make([]byte, len(b)) // never nil: an empty field value is not a missing one
	copy(c, b)
	return c
}

// hashLocked returns the key's hash map, nil for a string or a missing key.
func (tx *Tx) hashLocked() (map[string][]byte, uint32) {
	if !tx.exists {
		return nil, 0
	}
	r := tx.record()
	if r.kind() != KindHash {
		return nil, 0
	}
	i := hashIndex(r)
	return tx.sh.hashes[i], i
}

// HSet sets a hash field to val (copied), creating the hash if the key does
// not exist, and reports whether the field is new. The key must not be a
// string: checking that (WRONGTYPE) is the caller's job, and HSet panics.
func (tx *Tx) HSet(field, val []byte) bool {
	s, sh := tx.s, tx.sh
	if !tx.exists {
		i := s.newHashLocked(sh)
		var b [hashRefBytes]byte
		binary.LittleEndian.PutUint32(b[:], i)
		tx.insertLocked(KindHash, 0, b[:], 0, true)
	}
	m, i := tx.hashLocked()
	if m == nil {
		panic("kv: HSet on a key that is not a hash")
	}
	old, had := m[string(field)]
	var delta int64
	switch {
	case had && len(old) == len(val):
		copy(old, val)
	case had:
		m[string(field)] = cloneBytes(val)
		delta = int64(len(val) - len(old))
	default:
		m[string(field)] = cloneBytes(val)
		delta = fieldBytes(field, val)
	}
	sh.hashSizes[i] += delta
	sh.hashBytes += delta
	return !had
}

// HDel deletes a hash field and reports whether it existed. Deleting the
// last field deletes the key, as in Redis.
func (tx *Tx) HDel(field []byte) bool {
	m, i := tx.hashLocked()
	old, had := m[string(field)]
	if !had {
		return false
	}
	delete(m, string(field))
	delta := fieldBytes(field, old)
	tx.sh.hashSizes[i] -= delta
	tx.sh.hashBytes -= delta
	if len(m) == 0 {
		tx.Delete()
	}
	return true
}

// HGet returns a hash field's value.
func (tx *Tx) HGet(field []byte) ([]byte, bool) {
	m, _ := tx.hashLocked()
	v, ok := m[string(field)]
	return v, ok
}

// HLen returns a hash's field count; 0 for a string or a missing key.
func (tx *Tx) HLen() int {
	m, _ := tx.hashLocked()
	return len(m)
}

// HRange calls fn for each field of a hash, in no particular order, until
// fn returns false; see Value.HRange. fn must not change the hash.
func (tx *Tx) HRange(fn func(field string, val []byte) bool) {
	m, _ := tx.hashLocked()
	for f, v := range m {
		if !fn(f, v) {
			return
		}
	}
}
