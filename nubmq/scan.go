package nubmq

import (
	"sort"
	"strconv"

	"github.com/reefdb/reef/nubmq/internal/kv"
)

func init() {
	for _, cmd := range []commandDef{
		{"scan", -2, cmdScan}, {"randomkey", 1, cmdRandomKey},
	} {
		register(cmd)
	}
}

// scanOptions are SCAN's and HSCAN's MATCH, COUNT and (SCAN only) TYPE.
type scanOptions struct {
	match []byte
	count int
	typ   string // "" for any
}

func parseCursor(b []byte) (uint64, bool) {
	n, err := strconv.ParseUint(string(b), 10, 64)
	return n, err == nil
}

// parseScanOptions parses the options after the cursor, replying Redis's
// error when they are wrong.
func parseScanOptions(c *conn, args [][]byte, typeOK bool) (scanOptions, bool) {
	o := scanOptions{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.Error(errSyntax)
			return o, false
		}
		switch opt := lower(args[i]); {
		case opt == "match":
			o.match = args[i+1]
			if len(o.match) == 1 && o.match[0] == '*' {
				o.match = nil // matches everything: skip the matching
			}
		case opt == "count":
			n, ok := parseInt(args[i+1])
			if !ok {
				c.w.Error(errNotInt)
				return o, false
			}
			if n < 1 {
				c.w.Error(errSyntax)
				return o, false
			}
			o.count = int(min(n, 1<<20))
		case opt == "type" && typeOK:
			o.typ = lower(args[i+1])
		default:
			c.w.Error(errSyntax)
			return o, false
		}
	}
	return o, true
}

// cmdScan: SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The
// cursor is a position in the keyspace's hash order, so it stays valid while
// tables grow and shrink: a key present for the whole iteration is returned
// at least once (it may be returned twice). Expired keys are not returned.
func cmdScan(c *conn, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		c.w.Error("ERR invalid cursor")
		return
	}
	opts, ok := parseScanOptions(c, args[2:], true)
	if !ok {
		return
	}
	var keys [][]byte
	next := c.srv.store.Scan(cursor, opts.count, func(key []byte) {
		if opts.match == nil || globMatch(opts.match, key) {
			keys = append(keys, append([]byte(nil), key...))
		}
	})
	if opts.typ != "" {
		kept := keys[:0]
		for _, k := range keys {
			var kind kv.Kind
			c.srv.store.View(k, func(v *kv.Value) { kind = v.Kind() })
			if kind != kv.KindNone && kind.String() == opts.typ {
				kept = append(kept, k)
			}
		}
		keys = kept
	}
	c.w.ArrayHeader(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.ArrayHeader(len(keys))
	for _, k := range keys {
		c.w.Bulk(k)
	}
}

func cmdRandomKey(c *conn, args [][]byte) {
	if k, ok := c.srv.store.RandomKey(); ok {
		c.w.Bulk(k)
		return
	}
	c.w.Null()
}

// scanAll returns every key matching pattern (KEYS), sorted, each once.
func scanAll(s *store, pattern []byte) []string {
	if len(pattern) == 1 && pattern[0] == '*' {
		pattern = nil
	}
	seen := map[string]struct{}{}
	for cursor := uint64(0); ; {
		cursor = s.Scan(cursor, 1024, func(key []byte) {
			if pattern == nil || globMatch(pattern, key) {
				seen[string(key)] = struct{}{}
			}
		})
		if cursor == 0 {
			break
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
