package nubmq

import (
	"strconv"

	"github.com/reefdb/reef/nubmq/internal/kv"
)

// store is the keyspace (package kv: packed shards that resize
// incrementally, millisecond expiry, eviction) wired to the server: its
// clock is the server's batch clock, and expiries and evictions raise
// keyspace notifications and reach the AOF.
type store struct {
	*kv.Store
	srv *Server
}

func newStore(srv *Server) (*store, error) {
	s := &store{srv: srv}
	st, err := kv.New(kv.Options{
		Now:      func() int64 { return srv.nowMs.Load() },
		OnExpire: s.onExpire,
		OnEvict:  s.onEvict,
	})
	if err != nil {
		return nil, err
	}
	s.Store = st
	return s, nil
}

func (s *store) nowMs() int64 { return s.srv.nowMs.Load() }

// cron is the keyspace's share of the server cron: bounded migration,
// compaction and active expiry.
func (s *store) cron() { s.Step(kv.StepBudget) }

func (s *store) count() (keys, expires int) { return s.Len() }

// onExpire runs under the key's shard lock: it must not call the store. An
// expired key needs no AOF record: its last SET carried the absolute
// expiry, so a replay drops it too.
func (s *store) onExpire(key []byte) {
	s.srv.notifyKey(nil, notifyExpired, "expired", key)
}

// onEvict runs under the key's shard lock. An evicted key must not come
// back on restart, so it is logged as deleted.
func (s *store) onEvict(key []byte) {
	s.srv.logEffect(nil, cmdNameDel, key)
	s.srv.notifyKey(nil, notifyEvicted, "evicted", key)
}

// Effects. A write command logs what it did as absolute, idempotent
// commands (SET with PXAT, DEL, HSET, HDEL, PEXPIREAT, PERSIST, FLUSHALL),
// under the key's shard lock so that the log's order per key is the order
// of the changes (package persist explains why). They cost nothing while
// appendonly is off.
var (
	cmdNameSet       = []byte("SET")
	cmdNameDel       = []byte("DEL")
	cmdNamePXAT      = []byte("PXAT")
	cmdNameHSet      = []byte("HSET")
	cmdNameHDel      = []byte("HDEL")
	cmdNamePExpireAt = []byte("PEXPIREAT")
	cmdNamePersist   = []byte("PERSIST")
	cmdNameFlushAll  = []byte("FLUSHALL")
)

// logEffect appends one effect to the AOF. c (nil for the cron) remembers
// its sequence so its replies wait for it under appendfsync always.
func (s *Server) logEffect(c *conn, args ...[]byte) {
	aof := s.aof.Load()
	if aof == nil {
		return
	}
	seq := aof.Append(args)
	if c != nil {
		c.aofSeq = seq
	}
}

// logSet logs a string key's whole state.
func (c *conn) logSet(key, val []byte, expireAt int64) {
	if c.srv.aof.Load() == nil {
		return
	}
	if expireAt == 0 {
		c.srv.logEffect(c, cmdNameSet, key, val)
		return
	}
	c.num = strconv.AppendInt(c.num[:0], expireAt, 10)
	c.srv.logEffect(c, cmdNameSet, key, val, cmdNamePXAT, c.num)
}

func (c *conn) logDel(key []byte) {
	if c.srv.aof.Load() != nil {
		c.srv.logEffect(c, cmdNameDel, key)
	}
}

// logExpire logs a key's new expiry (0: none).
func (c *conn) logExpire(key []byte, expireAt int64) {
	if c.srv.aof.Load() == nil {
		return
	}
	if expireAt == 0 {
		c.srv.logEffect(c, cmdNamePersist, key)
		return
	}
	c.num = strconv.AppendInt(c.num[:0], expireAt, 10)
	c.srv.logEffect(c, cmdNamePExpireAt, key, c.num)
}

func (c *conn) logHSet(key, field, val []byte) {
	if c.srv.aof.Load() != nil {
		c.srv.logEffect(c, cmdNameHSet, key, field, val)
	}
}

func (c *conn) logHDel(key, field []byte) {
	if c.srv.aof.Load() != nil {
		c.srv.logEffect(c, cmdNameHDel, key, field)
	}
}

// logWhole logs the whole state of the key tx holds: what a replay needs
// after RENAME or RESTORE-like moves.
func (c *conn) logWhole(tx *kv.Tx) {
	if c.srv.aof.Load() == nil {
		return
	}
	key := tx.Key()
	c.logDel(key)
	switch tx.Kind() {
	case kv.KindString:
		c.logSet(key, tx.Bytes(), tx.ExpireAt())
		return
	case kv.KindHash:
		tx.HRange(func(f string, v []byte) bool {
			c.logHSet(key, []byte(f), v)
			return true
		})
		if at := tx.ExpireAt(); at != 0 {
			c.logExpire(key, at)
		}
	}
}

// viewString runs fn on a string key's value (nil, false for a missing
// key) under its shard lock; a hash gets WRONGTYPE and fn does not run. fn
// must not keep val nor call the store.
func viewString(c *conn, key []byte, fn func(val []byte, exists bool, expireAt int64)) {
	wrong := false
	c.srv.store.View(key, func(v *kv.Value) {
		switch v.Kind() {
		case kv.KindHash:
			wrong = true
		case kv.KindString:
			fn(v.Bytes(), true, v.ExpireAt())
		default:
			fn(nil, false, 0)
		}
	})
	if wrong {
		c.w.Error(errWrongType)
	}
}

// flushAll deletes every key (FLUSHALL, FLUSHDB) and logs it atomically
// with the deletion.
func (s *Server) flushAll(c *conn) {
	s.store.FlushThen(func() { s.logEffect(c, cmdNameFlushAll) })
}
