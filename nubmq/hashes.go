package nubmq

import (
	"math"
	"strconv"

	"github.com/reefdb/reef/nubmq/internal/kv"
)

func init() {
	for _, cmd := range []commandDef{
		{"hset", -4, cmdHSet}, {"hget", 3, cmdHGet}, {"hmget", -3, cmdHMGet}, {"hdel", -3, cmdHDel},
		{"hexists", 3, cmdHExists}, {"hlen", 2, cmdHLen}, {"hgetall", 2, cmdHGetAll},
		{"hkeys", 2, cmdHKeys}, {"hvals", 2, cmdHVals}, {"hincrby", 4, cmdHIncrBy},
		{"hscan", -3, cmdHScan},
	} {
		register(cmd)
	}
}

const errWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

// cmdHSet: HSET key field value [field value ...]; replies the number of
// fields added.
func cmdHSet(c *conn, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.Error("ERR wrong number of arguments for 'hset' command")
		return
	}
	added, wrong := 0, false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if tx.Kind() == kv.KindString {
			wrong = true
			return
		}
		for i := 2; i < len(args); i += 2 {
			if tx.HSet(args[i], args[i+1]) {
				added++
			}
			c.logHSet(args[1], args[i], args[i+1])
		}
	})
	if wrong {
		c.w.Error(errWrongType)
		return
	}
	c.srv.notifyKey(c, notifyHash, "hset", args[1])
	c.w.Integer(int64(added))
}

// viewHash runs fn on the hash at key (an empty Value for a missing key)
// under its shard lock; a string gets WRONGTYPE and fn does not run. fn
// writes its reply directly: the Value's slices are valid only inside it.
func viewHash(c *conn, key []byte, fn func(v *kv.Value)) {
	wrong := false
	c.srv.store.View(key, func(v *kv.Value) {
		if v.Kind() == kv.KindString {
			wrong = true
			return
		}
		fn(v)
	})
	if wrong {
		c.w.Error(errWrongType)
	}
}

func cmdHGet(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) {
		if val, ok := v.HGet(args[2]); ok {
			c.w.Bulk(val)
		} else {
			c.w.Null()
		}
	})
}

func cmdHMGet(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) {
		c.w.ArrayHeader(len(args) - 2)
		for _, f := range args[2:] {
			if val, ok := v.HGet(f); ok {
				c.w.Bulk(val)
			} else {
				c.w.Null()
			}
		}
	})
}

func cmdHDel(c *conn, args [][]byte) {
	removed, wrong, emptied := 0, false, false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		switch tx.Kind() {
		case kv.KindNone:
			return
		case kv.KindString:
			wrong = true
			return
		}
		for _, f := range args[2:] {
			if tx.HDel(f) { // the last field deletes the key
				c.logHDel(args[1], f)
				removed++
			}
		}
		emptied = !tx.Exists()
	})
	if wrong {
		c.w.Error(errWrongType)
		return
	}
	if removed > 0 {
		c.srv.notifyKey(c, notifyHash, "hdel", args[1])
		if emptied {
			c.srv.notifyKey(c, notifyGeneric, "del", args[1])
		}
	}
	c.w.Integer(int64(removed))
}

func cmdHExists(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) {
		_, ok := v.HGet(args[2])
		c.w.Integer(boolInt(ok))
	})
}

func cmdHLen(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) { c.w.Integer(int64(v.HLen())) })
}

func cmdHGetAll(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) {
		c.w.MapHeader(v.HLen())
		v.HRange(func(f string, val []byte) bool {
			c.w.BulkString(f)
			c.w.Bulk(val)
			return true
		})
	})
}

func cmdHKeys(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) {
		c.w.ArrayHeader(v.HLen())
		v.HRange(func(f string, _ []byte) bool {
			c.w.BulkString(f)
			return true
		})
	})
}

func cmdHVals(c *conn, args [][]byte) {
	viewHash(c, args[1], func(v *kv.Value) {
		c.w.ArrayHeader(v.HLen())
		v.HRange(func(_ string, val []byte) bool {
			c.w.Bulk(val)
			return true
		})
	})
}

func cmdHIncrBy(c *conn, args [][]byte) {
	by, ok := parseInt(args[3])
	if !ok {
		c.w.Error(errNotInt)
		return
	}
	var result int64
	var errMsg string
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if tx.Kind() == kv.KindString {
			errMsg = errWrongType
			return
		}
		cur := int64(0)
		if v, had := tx.HGet(args[2]); had {
			n, good := parseInt(v)
			if !good {
				errMsg = "ERR hash value is not an integer"
				return
			}
			cur = n
		}
		if (by > 0 && cur > math.MaxInt64-by) || (by < 0 && cur < math.MinInt64-by) {
			errMsg = errOverflow
			return
		}
		result = cur + by
		c.num = strconv.AppendInt(c.num[:0], result, 10)
		tx.HSet(args[2], c.num)
		c.logHSet(args[1], args[2], c.num)
	})
	if errMsg != "" {
		c.w.Error(errMsg)
		return
	}
	c.srv.notifyKey(c, notifyHash, "hincrby", args[1])
	c.w.Integer(result)
}

// cmdHScan: HSCAN key cursor [MATCH pattern] [COUNT count]. A hash is
// returned whole in one call (cursor 0), as Redis does for small hashes:
// SCAN's guarantees hold, and COUNT is only a hint.
func cmdHScan(c *conn, args [][]byte) {
	if _, ok := parseCursor(args[2]); !ok {
		c.w.Error("ERR invalid cursor")
		return
	}
	// Redis's order: a missing key answers an empty scan and a string
	// WRONGTYPE before the options are parsed.
	var kind kv.Kind
	c.srv.store.View(args[1], func(v *kv.Value) { kind = v.Kind() })
	switch kind {
	case kv.KindNone:
		c.w.ArrayHeader(2)
		c.w.BulkString("0")
		c.w.ArrayHeader(0)
		return
	case kv.KindString:
		c.w.Error(errWrongType)
		return
	}
	opts, ok := parseScanOptions(c, args[3:], false)
	if !ok {
		return
	}
	viewHash(c, args[1], func(v *kv.Value) {
		var n int
		v.HRange(func(f string, _ []byte) bool {
			if opts.match == nil || globMatch(opts.match, []byte(f)) {
				n++
			}
			return true
		})
		c.w.ArrayHeader(2)
		c.w.BulkString("0")
		c.w.ArrayHeader(2 * n)
		v.HRange(func(f string, val []byte) bool {
			if opts.match == nil || globMatch(opts.match, []byte(f)) {
				c.w.BulkString(f)
				c.w.Bulk(val)
			}
			return true
		})
	})
}
