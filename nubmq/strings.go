package nubmq

import (
	"math/big"
	"strings"

	"github.com/reefdb/reef/nubmq/internal/kv"
)

func init() {
	for _, cmd := range []commandDef{
		{"getrange", 4, cmdGetRange}, {"setrange", 4, cmdSetRange}, {"getex", -2, cmdGetEx},
		{"msetnx", -3, cmdMSetNX}, {"incrbyfloat", 3, cmdIncrByFloat}, {"keys", 2, cmdKeys},
	} {
		register(cmd)
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
	viewString(c, args[1], func(val []byte, _ bool, _ int64) {
		n := int64(len(val))
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
		c.w.Bulk(val[start : end+1])
	})
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
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if tx.Kind() == kv.KindHash {
			errMsg = errWrongType
			return
		}
		old := tx.Bytes()
		if len(args[3]) == 0 {
			n = len(old) // nothing to write: no key is created
			return
		}
		size := max(len(old), int(off)+len(args[3]))
		v := make([]byte, size)
		copy(v, old)
		copy(v[off:], args[3])
		at := tx.ExpireAt()
		tx.Set(v, at)
		c.logSet(args[1], v, at)
		n = size
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
	var found, deleted bool
	var errMsg string
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		switch tx.Kind() {
		case kv.KindNone:
			return
		case kv.KindHash:
			errMsg = errWrongType
			return
		}
		now := c.srv.store.nowMs()
		at := int64(0)
		if opt != "" && opt != "persist" {
			var msg string
			if at, msg = expireAtMs("getex", opt, args[3], now); msg != "" {
				errMsg = msg
				return
			}
		}
		found = true
		c.w.Bulk(tx.Bytes()) // the reply, copied before any change
		switch {
		case opt == "":
		case opt == "persist":
			if tx.ExpireAt() != 0 {
				tx.SetExpire(0)
				c.logExpire(args[1], 0)
			}
		case at <= now:
			tx.Delete() // an expiry in the past deletes the key
			c.logDel(args[1])
			deleted = true
		default:
			tx.SetExpire(at)
			c.logExpire(args[1], at)
		}
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
	case !found:
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
	if !c.srv.store.SetIfNoneExist(args[1:]) {
		c.w.Integer(0)
		return
	}
	if c.srv.aof.Load() != nil {
		// Logged per key once set; a later write to one of them logs after.
		for i := 1; i < len(args); i += 2 {
			c.srv.store.Update(args[i], func(tx *kv.Tx) { c.logWhole(tx) })
		}
	}
	for i := 1; i < len(args); i += 2 {
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
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		cur := new(big.Float).SetPrec(longDoublePrec)
		switch tx.Kind() {
		case kv.KindHash:
			errMsg = errWrongType
			return
		case kv.KindString:
			v, good := parseLongDouble(tx.Bytes())
			if !good {
				errMsg = "ERR value is not a valid float"
				return
			}
			cur = v
		}
		by, good := parseLongDouble(args[2])
		if !good {
			errMsg = "ERR value is not a valid float"
			return
		}
		sum := new(big.Float).SetPrec(longDoublePrec).Add(cur, by)
		if overflowsLongDouble(sum) {
			errMsg = "ERR increment would produce NaN or Infinity"
			return
		}
		result = formatLongDouble(sum)
		at := tx.ExpireAt()
		tx.Set([]byte(result), at)
		c.logSet(args[1], []byte(result), at)
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
	keys := scanAll(c.srv.store, args[1])
	c.w.ArrayHeader(len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

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
