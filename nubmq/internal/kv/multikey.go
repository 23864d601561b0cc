package kv

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// Operations on several keys lock every shard involved, in ascending shard
// index order (the one lock order of this package), so they are atomic with
// respect to every other operation.

func (s *Store) shardIndex(h uint64) int { return int(h >> (64 - s.shardBits)) }

// Rename moves src's value and expiry to dst, replacing dst, atomically. It
// returns -1 if src does not exist, 0 if nx and dst exists (nothing moves),
// and 1 once moved. Renaming a key to itself moves nothing (0 with nx, as
// Redis's RENAMENX answers). An expired src or dst met on the way is
// deleted first (OnExpire).
func (s *Store) Rename(src, dst []byte, nx bool) int {
	hs, hd := s.hash(src), s.hash(dst)
	ia, ib := s.shardIndex(hs), s.shardIndex(hd)
	a, b := &s.shards[ia], &s.shards[ib]
	switch {
	case ia == ib:
		a.mu.Lock()
		defer s.unlockShard(a)
	case ia < ib:
		a.mu.Lock()
		b.mu.Lock()
		defer s.unlockShard(a)
		defer s.unlockShard(b)
	default:
		b.mu.Lock()
		a.mu.Lock()
		defer s.unlockShard(b)
		defer s.unlockShard(a)
	}
	s.backgroundLocked(a)
	if b != a {
		s.backgroundLocked(b)
	}
	var dtx, stx Tx
	s.openTxLocked(b, &dtx, dst, hd)
	s.openTxLocked(a, &stx, src, hs)
	switch {
	case !stx.exists:
		return -1
	case bytes.Equal(src, dst) && nx:
		return 0
	case bytes.Equal(src, dst):
		return 1
	case nx && dtx.exists:
		return 0
	}
	dtx.Delete() // with a == b this may move src's slot; stx finds it again
	r := stx.record()
	kind, expireAt, meta, val := r.kind(), r.expireAt(), r.meta(), r.valBytes()
	var idx [hashRefBytes]byte
	if kind == KindHash && a != b {
		i := hashIndex(r)
		m, size := a.hashes[i], a.hashSizes[i]
		s.freeHashLocked(a, i)
		binary.LittleEndian.PutUint32(idx[:], s.adoptHashLocked(b, m, size))
		val = idx[:]
	}
	// val aliases src's record, which stays live until the delete below.
	dtx.insertLocked(kind, meta, val, expireAt, false)
	s.deleteLocked(a, &a.cur, stx.slotLocked(), hs, false)
	return 1
}

// SetIfNoneExist sets the string keys of kvs (key, value, key, value, ...)
// without expiry if none of the keys exists, atomically (MSETNX), and
// reports whether it did. A key given twice takes its last value.
func (s *Store) SetIfNoneExist(kvs [][]byte) bool {
	if len(kvs)%2 != 0 {
		panic("kv: SetIfNoneExist with an odd number of arguments")
	}
	n := len(kvs) / 2
	hs := make([]uint64, n)
	idx := make([]int, n)
	for i := range n {
		hs[i] = s.hash(kvs[2*i])
		idx[i] = s.shardIndex(hs[i])
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		s.shards[i].mu.Lock()
	}
	defer func() {
		for k := len(idx) - 1; k >= 0; k-- {
			sh := &s.shards[idx[k]]
			s.maybeShrinkLocked(sh)
			s.unlockShard(sh)
		}
	}()
	for _, i := range idx {
		s.backgroundLocked(&s.shards[i])
	}
	var tx Tx
	for i := range n {
		s.openTxLocked(s.shardFor(hs[i]), &tx, kvs[2*i], hs[i])
		if tx.exists {
			return false
		}
	}
	for i := range n {
		s.openTxLocked(s.shardFor(hs[i]), &tx, kvs[2*i], hs[i])
		tx.Set(kvs[2*i+1], 0)
	}
	return true
}
