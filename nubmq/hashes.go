package nubmq

import (
	"bytes"
	"math"
	"strconv"
)

func init() {
	for _, cmd := range []*command{
		{"hset", -4, cmdHSet}, {"hget", 3, cmdHGet}, {"hmget", -3, cmdHMGet}, {"hdel", -3, cmdHDel},
		{"hexists", 3, cmdHExists}, {"hlen", 2, cmdHLen}, {"hgetall", 2, cmdHGetAll},
		{"hkeys", 2, cmdHKeys}, {"hvals", 2, cmdHVals}, {"hincrby", 4, cmdHIncrBy},
	} {
		commandTable[cmd.name] = cmd
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
	c.srv.store.update(args[1], func(e entry, ok bool) (entry, bool) {
		if ok && !e.isHash() {
			wrong = true
			return e, true
		}
		if !ok {
			e = entry{hash: map[string][]byte{}}
		}
		for i := 2; i < len(args); i += 2 {
			if _, had := e.hash[string(args[i])]; !had {
				added++
			}
			e.hash[string(args[i])] = bytes.Clone(args[i+1])
		}
		return e, true
	})
	if wrong {
		c.w.Error(errWrongType)
		return
	}
	c.srv.notifyKey(c, notifyHash, "hset", args[1])
	c.w.Integer(int64(added))
}

// hashRead runs fn on the hash at key under the read lock; it replies
// WRONGTYPE for a string and reports whether fn ran.
func hashRead(c *conn, key []byte, fn func(h map[string][]byte)) bool {
	wrong := false
	c.srv.store.view(key, func(e entry, ok bool) {
		switch {
		case ok && !e.isHash():
			wrong = true
		case ok:
			fn(e.hash)
		default:
			fn(nil)
		}
	})
	if wrong {
		c.w.Error(errWrongType)
	}
	return !wrong
}

func cmdHGet(c *conn, args [][]byte) {
	var v []byte
	var found bool
	if hashRead(c, args[1], func(h map[string][]byte) { v, found = h[string(args[2])]; v = bytes.Clone(v) }) {
		if found {
			c.w.Bulk(v)
		} else {
			c.w.Null()
		}
	}
}

func cmdHMGet(c *conn, args [][]byte) {
	vals := make([][]byte, len(args)-2)
	found := make([]bool, len(vals))
	if !hashRead(c, args[1], func(h map[string][]byte) {
		for i, f := range args[2:] {
			v, ok := h[string(f)]
			vals[i], found[i] = bytes.Clone(v), ok
		}
	}) {
		return
	}
	c.w.ArrayHeader(len(vals))
	for i, v := range vals {
		if found[i] {
			c.w.Bulk(v)
		} else {
			c.w.Null()
		}
	}
}

func cmdHDel(c *conn, args [][]byte) {
	removed, wrong, emptied := 0, false, false
	c.srv.store.update(args[1], func(e entry, ok bool) (entry, bool) {
		if !ok {
			return e, false
		}
		if !e.isHash() {
			wrong = true
			return e, true
		}
		for _, f := range args[2:] {
			if _, had := e.hash[string(f)]; had {
				delete(e.hash, string(f))
				removed++
			}
		}
		emptied = len(e.hash) == 0
		return e, !emptied // an empty hash is no key at all
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
	var found bool
	if hashRead(c, args[1], func(h map[string][]byte) { _, found = h[string(args[2])] }) {
		c.w.Integer(boolInt(found))
	}
}

func cmdHLen(c *conn, args [][]byte) {
	n := 0
	if hashRead(c, args[1], func(h map[string][]byte) { n = len(h) }) {
		c.w.Integer(int64(n))
	}
}

// hashPairs copies a hash's fields and values under the read lock.
func hashPairs(c *conn, key []byte) (fields, vals [][]byte, ok bool) {
	ok = hashRead(c, key, func(h map[string][]byte) {
		for f, v := range h {
			fields = append(fields, []byte(f))
			vals = append(vals, bytes.Clone(v))
		}
	})
	return fields, vals, ok
}

func cmdHGetAll(c *conn, args [][]byte) {
	fields, vals, ok := hashPairs(c, args[1])
	if !ok {
		return
	}
	c.w.MapHeader(len(fields))
	for i := range fields {
		c.w.Bulk(fields[i])
		c.w.Bulk(vals[i])
	}
}

func cmdHKeys(c *conn, args [][]byte) {
	fields, _, ok := hashPairs(c, args[1])
	if !ok {
		return
	}
	c.w.ArrayHeader(len(fields))
	for _, f := range fields {
		c.w.Bulk(f)
	}
}

func cmdHVals(c *conn, args [][]byte) {
	_, vals, ok := hashPairs(c, args[1])
	if !ok {
		return
	}
	c.w.ArrayHeader(len(vals))
	for _, v := range vals {
		c.w.Bulk(v)
	}
}

func cmdHIncrBy(c *conn, args [][]byte) {
	by, ok := parseInt(args[3])
	if !ok {
		c.w.Error(errNotInt)
		return
	}
	var result int64
	var errMsg string
	c.srv.store.update(args[1], func(e entry, ok bool) (entry, bool) {
		if ok && !e.isHash() {
			errMsg = errWrongType
			return e, true
		}
		if !ok {
			e = entry{hash: map[string][]byte{}}
		}
		cur := int64(0)
		if v, had := e.hash[string(args[2])]; had {
			n, good := parseInt(v)
			if !good {
				errMsg = "ERR hash value is not an integer"
				return e, ok
			}
			cur = n
		}
		if (by > 0 && cur > math.MaxInt64-by) || (by < 0 && cur < math.MinInt64-by) {
			errMsg = errOverflow
			return e, ok
		}
		result = cur + by
		e.hash[string(args[2])] = strconv.AppendInt(nil, result, 10)
		return e, true
	})
	if errMsg != "" {
		c.w.Error(errMsg)
		return
	}
	c.srv.notifyKey(c, notifyHash, "hincrby", args[1])
	c.w.Integer(result)
}
