package nubmq

import (
	"bytes"
	"math/big"
	"sort"
	"strings"
)

func init() {
	for _, cmd := range []*command{
		{"getrange", 4, cmdGetRange}, {"setrange", 4, cmdSetRange}, {"getex", -2, cmdGetEx},
		{"msetnx", -3, cmdMSetNX}, {"incrbyfloat", 3, cmdIncrByFloat}, {"keys", 2, cmdKeys},
	} {
		commandTable[cmd.name] = cmd
	}
}

// cmdGetRange: GETRANGE key start end, inclusive, negative from the end.
func cmdGetRange(c *conn, args [][]byte) {
	start, ok1 := parseInt(args[2])
	end, ok2 := parseInt(args[3])
	if !ok1 || !ok2 {
		c.w.Error(errNotInt)
		return
	}
	e, ok := c.srv.store.get(args[1])
	if ok && e.isHash() {
		c.w.Error(errWrongType)
		return
	}
	n := int64(len(e.val))
	if start < 0 && end < 0 && start > end {
		c.w.BulkString("")
		return
	}
	if start < 0 {
		start = max(n+start, 0)
	}
	if end < 0 {
		end = max(n+end, 0)
	}
	end = min(end, n-1)
	if n == 0 || start > end {
		c.w.BulkString("")
		return
	}
	c.w.Bulk(e.val[start : end+1])
}

// cmdSetRange: SETRANGE key offset value, zero-padding as needed.
func cmdSetRange(c *conn, args [][]byte) {
	off, ok := parseInt(args[2])
	if !ok {
		c.w.Error(errNotInt)
		return
	}
	if off < 0 {
		c.w.Error("ERR offset is out of range")
		return
	}
	if off > c.srv.cfg.get().ProtoMaxBulkLen-int64(len(args[3])) { // no overflow: both terms are bounded
		c.w.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
		return
	}
	var n int
	var errMsg string
	c.srv.store.update(args[1], func(e entry, ok bool) (entry, bool) {
		if ok && e.isHash() {
			errMsg = errWrongType
			return e, true
		}
		if len(args[3]) == 0 {
			n = len(e.val)
			return e, ok // nothing to write: no key is created
		}
		size := max(len(e.val), int(off)+len(args[3]))
		v := make([]byte, size)
		copy(v, e.val)
		copy(v[off:], args[3])
		n = size
		return entry{val: v, expireAt: e.expireAt}, true
	})
	if errMsg != "" {
		c.w.Error(errMsg)
		return
	}
	if len(args[3]) > 0 {
		c.srv.notifyKey(c, notifyString, "setrange", args[1])
	}
	c.w.Integer(int64(n))
}

// cmdGetEx: GETEX key [EX s | PX ms | EXAT ts | PXAT ms | PERSIST]. As in
// Redis: options are parsed, then a missing key answers nil and another
// type WRONGTYPE, and only then is the expire value checked.
func cmdGetEx(c *conn, args [][]byte) {
	opt := ""
	if len(args) > 2 {
		opt = lower(args[2])
		switch {
		case opt == "persist" && len(args) == 3:
		case (opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat") && len(args) == 4:
		default:
			c.w.Error(errSyntax)
			return
		}
	}
	var val []byte
	var found, deleted bool
	var errMsg string
	c.srv.store.update(args[1], func(e entry, ok bool) (entry, bool) {
		if !ok {
			return e, false
		}
		if e.isHash() {
			errMsg = errWrongType
			return e, true
		}
		switch opt {
		case "":
			val, found = e.val, true
			return e, true
		case "persist":
			e.expireAt = 0
			val, found = e.val, true
			return e, true
		}
		now := c.srv.store.nowMs()
		at, msg := expireAtMs("getex", opt, args[3], now)
		if msg != "" {
			errMsg = msg
			return e, true
		}
		val, found = e.val, true
		if at <= now {
			deleted = true
			return e, false // an expiry in the past deletes the key
		}
		e.expireAt = at
		return e, true
	})
	switch {
	case errMsg != "" || !found:
	case deleted:
		c.srv.notifyKey(c, notifyGeneric, "del", args[1])
	case opt == "persist":
		c.srv.notifyKey(c, notifyGeneric, "persist", args[1])
	case opt != "":
		c.srv.notifyKey(c, notifyGeneric, "expire", args[1])
	}
	switch {
	case errMsg != "":
		c.w.Error(errMsg)
	case found:
		c.w.Bulk(val)
	default:
		c.w.Null()
	}
}

// cmdMSetNX sets every pair only if none of the keys exists, atomically:
// the keys' shards are locked together, in shard order.
func cmdMSetNX(c *conn, args [][]byte) {
	if len(args)%2 != 1 {
		c.w.Error("ERR wrong number of arguments for 'msetnx' command")
		return
	}
	s := c.srv.store
	var idx []uint64
	for i := 1; i < len(args); i += 2 {
		idx = append(idx, s.shardIndex(args[i]))
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
	for i, x := range idx {
		if i == 0 || x != idx[i-1] {
			s.shards[x].mu.Lock()
			defer s.shards[x].mu.Unlock()
		}
	}
	now := s.nowMs()
	for i := 1; i < len(args); i += 2 {
		if e, ok := s.shard(args[i]).m[string(args[i])]; ok && e.live(now) {
			c.w.Integer(0)
			return
		}
	}
	for i := 1; i < len(args); i += 2 {
		s.shard(args[i]).m[string(args[i])] = entry{val: bytes.Clone(args[i+1])}
		c.srv.notifyKey(c, notifyString, "set", args[i])
	}
	c.w.Integer(1)
}

// longDoublePrec is the mantissa of x87 long double, which Redis computes
// INCRBYFLOAT in; big.Float at this precision gives the same results.
const longDoublePrec = 64

func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return nil, false
	}
	f, _, err := big.ParseFloat(string(b), 10, longDoublePrec, big.ToNearestEven)
	if err != nil || overflowsLongDouble(f) {
		return nil, false
	}
	return f, true
}

// overflowsLongDouble reports a value outside long double's range (binary
// exponent above 16384), where strtold gives ERANGE and Redis refuses.
func overflowsLongDouble(f *big.Float) bool {
	return f.IsInf() || f.MantExp(nil) > 16384
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// formatLongDouble formats as Redis does in human-friendly mode: 17
// fractional digits, trailing zeros (and a trailing point) removed.
func formatLongDouble(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// cmdIncrByFloat: INCRBYFLOAT key increment. Checked in Redis's order:
// the key's type, its value, then the increment.
func cmdIncrByFloat(c *conn, args [][]byte) {
	var result string
	var errMsg string
	c.srv.store.update(args[1], func(e entry, ok bool) (entry, bool) {
		cur := new(big.Float).SetPrec(longDoublePrec)
		if ok {
			if e.isHash() {
				errMsg = errWrongType
				return e, true
			}
			v, good := parseLongDouble(e.val)
			if !good {
				errMsg = "ERR value is not a valid float"
				return e, true
			}
			cur = v
		}
		by, good := parseLongDouble(args[2])
		if !good {
			errMsg = "ERR value is not a valid float"
			return e, ok
		}
		sum := new(big.Float).SetPrec(longDoublePrec).Add(cur, by)
		if overflowsLongDouble(sum) {
			errMsg = "ERR increment would produce NaN or Infinity"
			return e, ok
		}
		result = formatLongDouble(sum)
		return entry{val: []byte(result), expireAt: e.expireAt}, true
	})
	if errMsg != "" {
		c.w.Error(errMsg)
		return
	}
	c.srv.notifyKey(c, notifyString, "incrbyfloat", args[1])
	c.w.BulkString(result)
}

// cmdKeys: KEYS pattern (Redis glob: * ? [set] [^set] [a-z] \x).
func cmdKeys(c *conn, args [][]byte) {
	s := c.srv.store
	now := s.nowMs()
	var keys []string
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for k, e := range sh.m {
			if e.live(now) && globMatch(args[1], []byte(k)) {
				keys = append(keys, k)
			}
		}
		sh.mu.RUnlock()
	}
	c.w.ArrayHeader(len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

// globMatch matches s against a Redis glob pattern.
func globMatch(p, s []byte) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
			s = s[1:]
		case '[':
			if len(s) == 0 {
				return false
			}
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for len(p) > 0 && p[0] != ']' {
				switch {
				case p[0] == '\\' && len(p) >= 2:
					p = p[1:]
					match = match || p[0] == s[0]
				case len(p) >= 3 && p[1] == '-':
					lo, hi := p[0], p[2]
					if lo > hi {
						lo, hi = hi, lo
					}
					match = match || (s[0] >= lo && s[0] <= hi)
					p = p[2:]
				default:
					match = match || p[0] == s[0]
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
			if len(p) == 0 {
				return len(s) == 0 // unterminated set: Redis stops here
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
	}
	return len(s) == 0
}
