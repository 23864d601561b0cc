package nubmq

import (
	"bytes"
	"crypto/subtle"
	"math"
	"strconv"
	"strings"

	"github.com/reefdb/reef/nubmq/internal/kv"
)

// command is one entry of the command table. arity follows Redis: n > 0
// means exactly n arguments (the name included), n < 0 at least -n.
type command struct {
	name  string
	arity int
	fn    func(c *conn, args [][]byte)

	write, denyOOM bool // from commandMetas (setCommandFlags)
}

// commandDef is how the files that define commands list them.
type commandDef struct {
	name  string
	arity int
	fn    func(c *conn, args [][]byte)
}

func register(d commandDef) { commandTable[d.name] = &command{name: d.name, arity: d.arity, fn: d.fn} }

// noAuth are the commands a client may send before AUTH.
var noAuth = map[string]bool{"hello": true, "quit": true, "auth": true, "reset": true}

// commandTable is filled by the init functions of the files that define
// commands.
var commandTable = map[string]*command{}

func init() {
	for _, cmd := range []commandDef{
		{"ping", -1, cmdPing}, {"echo", 2, cmdEcho}, {"quit", -1, cmdQuit},
		{"hello", -1, cmdHello}, {"select", 2, cmdSelect}, {"command", -1, cmdCommand},
		{"get", 2, cmdGet}, {"set", -3, cmdSet}, {"setnx", 3, cmdSetNX}, {"getdel", 2, cmdGetDel},
		{"mget", -2, cmdMGet}, {"mset", -3, cmdMSet}, {"append", 3, cmdAppend}, {"strlen", 2, cmdStrlen},
		{"incr", 2, cmdIncr}, {"decr", 2, cmdDecr}, {"incrby", 3, cmdIncrBy}, {"decrby", 3, cmdDecrBy},
		{"del", -2, cmdDel}, {"unlink", -2, cmdDel}, {"exists", -2, cmdExists}, {"type", 2, cmdType},
		{"expire", -3, cmdExpire}, {"pexpire", -3, cmdExpire}, {"expireat", -3, cmdExpire}, {"pexpireat", -3, cmdExpire},
		{"ttl", 2, cmdTTL}, {"pttl", 2, cmdTTL}, {"expiretime", 2, cmdExpireTime}, {"pexpiretime", 2, cmdExpireTime},
		{"getset", 3, cmdGetSet}, {"setex", 4, cmdSetEx}, {"psetex", 4, cmdSetEx},
		{"rename", 3, cmdRename}, {"renamenx", 3, cmdRename},
		{"persist", 2, cmdPersist}, {"dbsize", 1, cmdDBSize}, {"flushdb", -1, cmdFlush}, {"flushall", -1, cmdFlush},
	} {
		register(cmd)
	}
}

const (
	errSyntax   = "ERR syntax error"
	errNotInt   = "ERR value is not an integer or out of range"
	errOverflow = "ERR increment or decrement would overflow"
)

func lower(b []byte) string { return strings.ToLower(string(b)) }

// parseInt parses a Redis integer argument: optional '-', digits, no
// spaces or '+', within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 || b[0] == '+' || (len(b) > 1 && b[0] == '0') || (len(b) > 2 && b[0] == '-' && b[1] == '0') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

func cmdPing(c *conn, args [][]byte) {
	if c.subs.count() > 0 && c.w.Protocol() < 3 && len(args) <= 2 {
		// A subscribed RESP2 client gets PING's reply in the shape of a
		// message, as in Redis.
		c.w.ArrayHeader(2)
		c.w.BulkString("pong")
		if len(args) == 2 {
			c.w.Bulk(args[1])
		} else {
			c.w.BulkString("")
		}
		return
	}
	switch len(args) {
	case 1:
		c.w.SimpleString("PONG")
	case 2:
		c.w.Bulk(args[1])
	default:
		c.w.Error("ERR wrong number of arguments for 'ping' command")
	}
}

func cmdEcho(c *conn, args [][]byte) { c.w.Bulk(args[1]) }

func cmdQuit(c *conn, args [][]byte) {
	c.w.OK()
	c.quit = true
}

// cmdHello: HELLO [protover [AUTH username password] [SETNAME clientname]].
func cmdHello(c *conn, args [][]byte) {
	if len(args) >= 2 {
		v, ok := parseInt(args[1])
		if !ok {
			c.w.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v != 2 && v != 3 {
			c.w.Error("NOPROTO unsupported protocol version")
			return
		}
		for i := 2; i < len(args); i++ {
			switch opt := lower(args[i]); {
			case opt == "setname" && i+1 < len(args):
				c.setInfo(func() { c.name = string(args[i+1]) })
				i++
			case opt == "auth" && i+2 < len(args):
				pass := c.srv.cfg.get().RequirePass
				switch {
				case pass == "":
					c.w.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
					return
				case string(args[i+1]) != "default" || subtle.ConstantTimeCompare(args[i+2], []byte(pass)) != 1:
					c.w.Error("WRONGPASS invalid username-password pair or user is disabled.")
					return
				}
				c.authed = true
				i += 2
			default:
				c.w.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
				return
			}
		}
		if !c.authed {
			c.w.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
			return
		}
		c.setProtocol(int(v))
	} else if !c.authed {
		c.w.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	c.w.MapHeader(7)
	c.w.BulkString("server")
	c.w.BulkString("nubmq")
	c.w.BulkString("version")
	c.w.BulkString("7.0.15")
	c.w.BulkString("proto")
	c.w.Integer(int64(c.w.Protocol()))
	c.w.BulkString("id")
	c.w.Integer(c.id)
	c.w.BulkString("mode")
	c.w.BulkString("standalone")
	c.w.BulkString("role")
	c.w.BulkString("master")
	c.w.BulkString("modules")
	c.w.ArrayHeader(0)
}

func cmdSelect(c *conn, args [][]byte) {
	n, ok := parseInt(args[1])
	switch {
	case !ok:
		c.w.Error(errNotInt)
	case n != 0:
		c.w.Error("ERR DB index is out of range")
	default:
		c.w.OK()
	}
}

func cmdGet(c *conn, args [][]byte) {
	viewString(c, args[1], func(val []byte, exists bool, _ int64) {
		if exists {
			c.w.Bulk(val)
		} else {
			c.w.Null()
		}
	})
}

// cmdSet: SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms|KEEPTTL].
// As in Redis, an option may repeat (the last value wins) but may not meet a
// conflicting one, and the expire value is checked after all options.
func cmdSet(c *conn, args [][]byte) {
	var nx, xx, get, keepTTL bool
	var expireOpt string
	var expireArg []byte
	for i := 3; i < len(args); i++ {
		switch opt := lower(args[i]); {
		case opt == "nx" && !xx:
			nx = true
		case opt == "xx" && !nx:
			xx = true
		case opt == "get":
			get = true
		case opt == "keepttl" && expireOpt == "":
			keepTTL = true
		case (opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat") &&
			!keepTTL && (expireOpt == "" || expireOpt == opt) && i+1 < len(args):
			expireOpt, expireArg = opt, args[i+1]
			i++
		default:
			c.w.Error(errSyntax)
			return
		}
	}
	var expireAt int64
	if expireOpt != "" {
		var errMsg string
		if expireAt, errMsg = expireAtMs("set", expireOpt, expireArg, c.srv.store.nowMs()); errMsg != "" {
			c.w.Error(errMsg)
			return
		}
	}
	written := false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		exists := tx.Exists()
		if get {
			switch {
			case tx.Kind() == kv.KindHash:
				c.w.Error(errWrongType)
				return
			case exists:
				c.w.Bulk(tx.Bytes()) // the reply is copied before the value changes
			default:
				c.w.Null()
			}
		}
		if (nx && exists) || (xx && !exists) {
			if !get {
				c.w.Null()
			}
			return
		}
		at := expireAt
		if keepTTL {
			at = tx.ExpireAt()
		}
		tx.Set(args[2], at)
		c.logSet(args[1], args[2], at)
		written = true
		if !get {
			c.w.OK()
		}
	})
	if written {
		c.srv.notifyKey(c, notifyString, "set", args[1])
		if expireAt != 0 {
			c.srv.notifyKey(c, notifyGeneric, "expire", args[1])
		}
	}
}

func cmdSetNX(c *conn, args [][]byte) {
	set := false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if !tx.Exists() {
			tx.Set(args[2], 0)
			c.logSet(args[1], args[2], 0)
			set = true
		}
	})
	if set {
		c.srv.notifyKey(c, notifyString, "set", args[1])
	}
	c.w.Integer(boolInt(set))
}

func cmdGetDel(c *conn, args [][]byte) {
	deleted := false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		switch tx.Kind() {
		case kv.KindHash:
			c.w.Error(errWrongType)
		case kv.KindString:
			c.w.Bulk(tx.Bytes())
			tx.Delete()
			c.logDel(args[1])
			deleted = true
		default:
			c.w.Null()
		}
	})
	if deleted {
		c.srv.notifyKey(c, notifyGeneric, "del", args[1])
	}
}

func cmdMGet(c *conn, args [][]byte) {
	c.w.ArrayHeader(len(args) - 1)
	for _, k := range args[1:] {
		c.srv.store.View(k, func(v *kv.Value) {
			if v.Kind() == kv.KindString {
				c.w.Bulk(v.Bytes())
			} else {
				c.w.Null() // MGET answers nil for a key of another type
			}
		})
	}
}

func cmdMSet(c *conn, args [][]byte) {
	if len(args)%2 != 1 {
		c.w.Error("ERR wrong number of arguments for 'mset' command")
		return
	}
	for i := 1; i < len(args); i += 2 {
		c.srv.store.Update(args[i], func(tx *kv.Tx) {
			tx.Set(args[i+1], 0)
			c.logSet(args[i], args[i+1], 0)
		})
		c.srv.notifyKey(c, notifyString, "set", args[i])
	}
	c.w.OK()
}

func cmdAppend(c *conn, args [][]byte) {
	n, wrong := 0, false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if tx.Kind() == kv.KindHash {
			wrong = true
			return
		}
		old := tx.Bytes()
		v := make([]byte, 0, len(old)+len(args[2]))
		v = append(append(v, old...), args[2]...)
		at := tx.ExpireAt()
		tx.Set(v, at)
		c.logSet(args[1], v, at)
		n = len(v)
	})
	if wrong {
		c.w.Error(errWrongType)
		return
	}
	c.srv.notifyKey(c, notifyString, "append", args[1])
	c.w.Integer(int64(n))
}

func cmdStrlen(c *conn, args [][]byte) {
	viewString(c, args[1], func(val []byte, _ bool, _ int64) { c.w.Integer(int64(len(val))) })
}

func cmdIncr(c *conn, args [][]byte) { incrBy(c, args[1], 1) }
func cmdDecr(c *conn, args [][]byte) { incrBy(c, args[1], -1) }

func cmdIncrBy(c *conn, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(errNotInt)
		return
	}
	incrBy(c, args[1], n)
}

func cmdDecrBy(c *conn, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok || n == math.MinInt64 {
		c.w.Error(errNotInt)
		return
	}
	incrBy(c, args[1], -n)
}

func incrBy(c *conn, key []byte, by int64) {
	var result int64
	var errMsg string
	c.srv.store.Update(key, func(tx *kv.Tx) {
		cur := int64(0)
		switch tx.Kind() {
		case kv.KindHash:
			errMsg = errWrongType
			return
		case kv.KindString:
			v, good := parseInt(tx.Bytes())
			if !good {
				errMsg = errNotInt
				return
			}
			cur = v
		}
		if (by > 0 && cur > math.MaxInt64-by) || (by < 0 && cur < math.MinInt64-by) {
			errMsg = errOverflow
			return
		}
		result = cur + by
		c.num = strconv.AppendInt(c.num[:0], result, 10)
		at := tx.ExpireAt()
		tx.Set(c.num, at)
		c.logSet(key, tx.Bytes(), at)
	})
	if errMsg != "" {
		c.w.Error(errMsg)
		return
	}
	c.srv.notifyKey(c, notifyString, "incrby", key)
	c.w.Integer(result)
}

func cmdDel(c *conn, args [][]byte) {
	n := 0
	for _, k := range args[1:] {
		deleted := false
		c.srv.store.Update(k, func(tx *kv.Tx) {
			if tx.Delete() {
				c.logDel(k)
				deleted = true
			}
		})
		if deleted {
			c.srv.notifyKey(c, notifyGeneric, "del", k)
			n++
		}
	}
	c.w.Integer(int64(n))
}

func cmdExists(c *conn, args [][]byte) {
	n := 0
	for _, k := range args[1:] {
		c.srv.store.View(k, func(v *kv.Value) {
			if v.Exists() {
				n++
			}
		})
	}
	c.w.Integer(int64(n))
}

func cmdType(c *conn, args [][]byte) {
	var kind kv.Kind
	c.srv.store.View(args[1], func(v *kv.Value) { kind = v.Kind() })
	c.w.SimpleString(kind.String())
}

// cmdExpire: EXPIRE key seconds [NX|XX|GT|LT] (PEXPIRE: milliseconds).
func cmdExpire(c *conn, args [][]byte) {
	name := lower(args[0])
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(errNotInt)
		return
	}
	unit := int64(1000)
	if name == "pexpire" || name == "pexpireat" {
		unit = 1
	}
	if n > math.MaxInt64/unit || n < math.MinInt64/unit {
		c.w.Error("ERR invalid expire time in '" + name + "' command")
		return
	}
	var nx, xx, gt, lt bool
	for _, a := range args[3:] {
		switch lower(a) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "gt":
			gt = true
		case "lt":
			lt = true
		default:
			c.w.Error("ERR Unsupported option " + string(a))
			return
		}
	}
	if nx && (xx || gt || lt) || gt && lt {
		c.w.Error("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	}
	now := c.srv.store.nowMs()
	at := now + n*unit
	if name == "expireat" || name == "pexpireat" {
		at = n * unit
	}
	set, deleted := false, false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if !tx.Exists() {
			return
		}
		// A key without expiry counts as an infinite TTL for GT and LT.
		cur := tx.ExpireAt()
		switch {
		case nx && cur != 0, xx && cur == 0,
			gt && (cur == 0 || at <= cur), lt && cur != 0 && at >= cur:
			return
		}
		set = true
		if at <= now {
			tx.Delete() // an expiry in the past deletes the key
			c.logDel(args[1])
			deleted = true
			return
		}
		tx.SetExpire(at)
		c.logExpire(args[1], at)
	})
	switch {
	case deleted:
		c.srv.notifyKey(c, notifyGeneric, "del", args[1])
	case set:
		c.srv.notifyKey(c, notifyGeneric, "expire", args[1])
	}
	c.w.Integer(boolInt(set))
}

// cmdTTL: TTL (seconds, rounded) and PTTL.
func cmdTTL(c *conn, args [][]byte) {
	var at int64
	exists := false
	c.srv.store.View(args[1], func(v *kv.Value) { exists, at = v.Exists(), v.ExpireAt() })
	switch {
	case !exists:
		c.w.Integer(-2)
	case at == 0:
		c.w.Integer(-1)
	default:
		ms := at - c.srv.store.nowMs()
		if lower(args[0]) == "ttl" {
			c.w.Integer((ms + 500) / 1000)
			return
		}
		c.w.Integer(ms)
	}
}

func cmdPersist(c *conn, args [][]byte) {
	changed := false
	c.srv.store.Update(args[1], func(tx *kv.Tx) {
		if tx.Exists() && tx.ExpireAt() != 0 {
			tx.SetExpire(0)
			c.logExpire(args[1], 0)
			changed = true
		}
	})
	if changed {
		c.srv.notifyKey(c, notifyGeneric, "persist", args[1])
	}
	c.w.Integer(boolInt(changed))
}

func cmdDBSize(c *conn, args [][]byte) {
	n, _ := c.srv.store.count()
	c.w.Integer(int64(n))
}

func cmdFlush(c *conn, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && lower(args[1]) != "sync" && lower(args[1]) != "async" {
		c.w.Error(errSyntax)
		return
	}
	c.srv.flushAll(c)
	c.w.OK()
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func cmdExpireTime(c *conn, args [][]byte) {
	var at int64
	exists := false
	c.srv.store.View(args[1], func(v *kv.Value) { exists, at = v.Exists(), v.ExpireAt() })
	switch {
	case !exists:
		c.w.Integer(-2)
	case at == 0:
		c.w.Integer(-1)
	case lower(args[0]) == "expiretime":
		c.w.Integer((at + 500) / 1000) // rounded, as Redis does
	default:
		c.w.Integer(at)
	}
}

// cmdGetSet is SET key value GET.
func cmdGetSet(c *conn, args [][]byte) {
	cmdSet(c, [][]byte{args[0], args[1], args[2], []byte("GET")})
}

// cmdSetEx: SETEX key seconds value, PSETEX key milliseconds value.
func cmdSetEx(c *conn, args [][]byte) {
	name := lower(args[0])
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(errNotInt)
		return
	}
	if n <= 0 || name == "setex" && n > math.MaxInt64/1000 {
		c.w.Error("ERR invalid expire time in '" + name + "' command")
		return
	}
	opt := []byte("EX")
	if name == "psetex" {
		opt = []byte("PX")
	}
	cmdSet(c, [][]byte{[]byte("set"), args[1], args[3], opt, args[2]})
}

// cmdRename: RENAME src dst (RENAMENX: only if dst does not exist). The
// value keeps its expiry.
func cmdRename(c *conn, args [][]byte) {
	nx := lower(args[0]) == "renamenx"
	res := c.srv.store.Rename(args[1], args[2], nx)
	if res > 0 && !bytes.Equal(args[1], args[2]) {
		if c.srv.aof.Load() != nil {
			// The move is logged as the source's deletion and the
			// destination's whole state (a rename is not idempotent).
			c.srv.store.Update(args[1], func(tx *kv.Tx) {
				if !tx.Exists() { // else a later write re-created it, and logged it
					c.logDel(args[1])
				}
			})
			c.srv.store.Update(args[2], func(tx *kv.Tx) { c.logWhole(tx) })
		}
		c.srv.notifyKey(c, notifyGeneric, "rename_from", args[1])
		c.srv.notifyKey(c, notifyGeneric, "rename_to", args[2])
	}
	switch {
	case res < 0:
		c.w.Error("ERR no such key")
	case nx:
		c.w.Integer(int64(res))
	default:
		c.w.OK()
	}
}

// expireAtMs turns the value of an EX, PX, EXAT or PXAT option into an
// absolute unix time in milliseconds, or Redis's error for cmd.
func expireAtMs(cmd, opt string, arg []byte, nowMs int64) (int64, string) {
	n, ok := parseInt(arg)
	if !ok {
		return 0, errNotInt
	}
	if n <= 0 || (opt == "ex" || opt == "exat") && n > math.MaxInt64/1000 {
		return 0, "ERR invalid expire time in '" + cmd + "' command"
	}
	switch opt {
	case "ex":
		return nowMs + n*1000, ""
	case "px":
		return nowMs + n, ""
	case "exat":
		return n * 1000, ""
	}
	return n, "" // pxat
}
