package nubmq

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	for _, cmd := range []commandDef{
		{"subscribe", -2, cmdSubscribe}, {"unsubscribe", -1, cmdUnsubscribe},
		{"psubscribe", -2, cmdPSubscribe}, {"punsubscribe", -1, cmdPUnsubscribe},
		{"publish", 3, cmdPublish}, {"pubsub", -2, cmdPubSub},
	} {
		register(cmd)
	}
}

// subscribedOK are the commands a RESP2 client may send while subscribed.
var subscribedOK = map[string]bool{
	"subscribe": true, "unsubscribe": true, "psubscribe": true, "punsubscribe": true,
	"ping": true, "quit": true, "reset": true,
}

// pubsub is the registry of subscriptions. Lock order: pubsub.mu, then a
// conn's pushMu, then a loop's mu.
type pubsub struct {
	mu       sync.RWMutex
	channels map[string]map[*conn]struct{}
	patterns map[string]map[*conn]struct{}
}

func (ps *pubsub) init() {
	ps.channels = map[string]map[*conn]struct{}{}
	ps.patterns = map[string]map[*conn]struct{}{}
}

// subscriptions are one connection's channels and patterns. The maps are
// the loop goroutine's; n mirrors their total for other goroutines.
type subscriptions struct {
	channels map[string]struct{}
	patterns map[string]struct{}
	n, nch   atomic.Int32
}

func (s *subscriptions) count() int { return int(s.n.Load()) }

// counts returns the channels and the patterns (for CLIENT LIST).
func (s *subscriptions) counts() (channels, patterns int) {
	n, nch := int(s.n.Load()), int(s.nch.Load())
	return nch, n - nch
}

func (s *subscriptions) update() {
	s.nch.Store(int32(len(s.channels)))
	s.n.Store(int32(len(s.channels) + len(s.patterns)))
}

// subscribe adds c to name (a channel, or a pattern when pattern is set) and
// returns whether it is new for c.
func (ps *pubsub) subscribe(c *conn, name string, pattern bool) bool {
	mine, reg := &c.subs.channels, ps.channels
	if pattern {
		mine, reg = &c.subs.patterns, ps.patterns
	}
	if *mine == nil {
		*mine = map[string]struct{}{}
	}
	if _, ok := (*mine)[name]; ok {
		return false
	}
	(*mine)[name] = struct{}{}
	c.subs.update()
	ps.mu.Lock()
	set := reg[name]
	if set == nil {
		set = map[*conn]struct{}{}
		reg[name] = set
	}
	set[c] = struct{}{}
	ps.mu.Unlock()
	return true
}

func (ps *pubsub) unsubscribe(c *conn, name string, pattern bool) bool {
	mine, reg := c.subs.channels, ps.channels
	if pattern {
		mine, reg = c.subs.patterns, ps.patterns
	}
	if _, ok := mine[name]; !ok {
		return false
	}
	delete(mine, name)
	c.subs.update()
	ps.mu.Lock()
	if set := reg[name]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(reg, name)
		}
	}
	ps.mu.Unlock()
	return true
}

// dropAll removes every subscription of a closing connection.
func (ps *pubsub) dropAll(c *conn) {
	for name := range c.subs.channels {
		ps.unsubscribe(c, name, false)
	}
	for name := range c.subs.patterns {
		ps.unsubscribe(c, name, true)
	}
}

// message is one publication, encoded lazily for each protocol version.
type message struct {
	channel, payload []byte
	resp2, resp3     []byte
	presp2, presp3   map[string][]byte // pmessage encodings by pattern
}

func (m *message) encode(proto int, pattern string) []byte {
	push := byte('*')
	if proto >= 3 {
		push = '>'
	}
	if pattern == "" {
		p := &m.resp2
		if proto >= 3 {
			p = &m.resp3
		}
		if *p == nil {
			b := append([]byte{push}, "3\r\n$7\r\nmessage\r\n"...)
			b = appendBulk(appendBulk(b, m.channel), m.payload)
			*p = b
		}
		return *p
	}
	cache := &m.presp2
	if proto >= 3 {
		cache = &m.presp3
	}
	if b, ok := (*cache)[pattern]; ok {
		return b
	}
	b := append([]byte{push}, "4\r\n$8\r\npmessage\r\n"...)
	b = appendBulk(appendBulk(appendBulk(b, []byte(pattern)), m.channel), m.payload)
	if *cache == nil {
		*cache = map[string][]byte{}
	}
	(*cache)[pattern] = b
	return b
}

func appendBulk(b, v []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// publish delivers payload to the channel's subscribers and to those of
// matching patterns, and returns how many received it. from is the
// publishing connection (nil for keyspace notifications of the cron).
func (s *Server) publish(from *conn, channel, payload []byte) int {
	ps := &s.pubsub
	m := message{channel: channel, payload: payload}
	n := 0
	ps.mu.RLock()
	for c := range ps.channels[string(channel)] {
		s.deliver(from, c, m.encode(int(c.proto.Load()), ""))
		n++
	}
	for pat, set := range ps.patterns {
		if !globMatch([]byte(pat), channel) {
			continue
		}
		for c := range set {
			s.deliver(from, c, m.encode(int(c.proto.Load()), pat))
			n++
		}
	}
	ps.mu.RUnlock()
	return n
}

// deliver hands an encoded push to c. A connection publishing to itself
// gets it in line with its replies; any other gets it through its loop,
// never blocking the publisher: a subscriber over its output buffer limit
// is closed instead.
func (s *Server) deliver(from, c *conn, b []byte) {
	if c == from {
		c.w.Raw(b)
		return
	}
	c.pushMu.Lock()
	if c.killed.Load() {
		c.pushMu.Unlock()
		return
	}
	c.push = append(c.push, b...)
	c.trackOutputLocked(int64(len(c.push)) + c.outPending.Load())
	queue := !c.pushQueued
	c.pushQueued = true
	c.pushMu.Unlock()
	c.loop.pushBytes.Add(int64(len(b)))
	if queue {
		var fromLoop *loop
		if from != nil {
			fromLoop = from.loop
		}
		c.loop.queueFlush(c, fromLoop)
	}
}

// trackOutputLocked applies the pub/sub output buffer limits to a
// subscriber with pending output bytes (Redis's client-output-buffer-limit
// pubsub): over the hard limit, or over the soft limit for longer than its
// time, the connection is marked to be closed.
func (c *conn) trackOutputLocked(pending int64) {
	if c.subs.count() == 0 && len(c.push) == 0 {
		c.overSoft = time.Time{}
		return
	}
	cfg := &c.srv.opts
	switch {
	case pending > cfg.PubSubBufferHard:
		c.killed.Store(true)
	case pending > cfg.PubSubBufferSoft:
		now := time.UnixMilli(c.srv.nowMs.Load())
		if c.overSoft.IsZero() {
			c.overSoft = now
		} else if now.Sub(c.overSoft) >= cfg.PubSubBufferSoftTime {
			c.killed.Store(true)
		}
	default:
		c.overSoft = time.Time{}
	}
}

func cmdSubscribe(c *conn, args [][]byte)  { subscribeCmd(c, args, false) }
func cmdPSubscribe(c *conn, args [][]byte) { subscribeCmd(c, args, true) }

func subscribeCmd(c *conn, args [][]byte, pattern bool) {
	kind := "subscribe"
	if pattern {
		kind = "psubscribe"
	}
	for _, a := range args[1:] {
		c.srv.pubsub.subscribe(c, string(a), pattern)
		c.w.PushHeader(3)
		c.w.BulkString(kind)
		c.w.Bulk(a)
		c.w.Integer(int64(c.subs.count()))
	}
}

func cmdUnsubscribe(c *conn, args [][]byte)  { unsubscribeCmd(c, args, false) }
func cmdPUnsubscribe(c *conn, args [][]byte) { unsubscribeCmd(c, args, true) }

func unsubscribeCmd(c *conn, args [][]byte, pattern bool) {
	kind, mine := "unsubscribe", c.subs.channels
	if pattern {
		kind, mine = "punsubscribe", c.subs.patterns
	}
	names := make([]string, 0, len(args))
	for _, a := range args[1:] {
		names = append(names, string(a))
	}
	if len(args) == 1 {
		for name := range mine {
			names = append(names, name)
		}
		sort.Strings(names)
		if len(names) == 0 {
			c.w.PushHeader(3)
			c.w.BulkString(kind)
			c.w.Null()
			c.w.Integer(int64(c.subs.count()))
			return
		}
	}
	for _, name := range names {
		c.srv.pubsub.unsubscribe(c, name, pattern)
		c.w.PushHeader(3)
		c.w.BulkString(kind)
		c.w.BulkString(name)
		c.w.Integer(int64(c.subs.count()))
	}
}

func cmdPublish(c *conn, args [][]byte) {
	c.w.Integer(int64(c.srv.publish(c, args[1], args[2])))
}

// cmdPubSub: PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT.
func cmdPubSub(c *conn, args [][]byte) {
	ps := &c.srv.pubsub
	switch sub := lower(args[1]); {
	case sub == "channels" && len(args) <= 3:
		ps.mu.RLock()
		var names []string
		for name := range ps.channels {
			if len(args) == 2 || globMatch(args[2], []byte(name)) {
				names = append(names, name)
			}
		}
		ps.mu.RUnlock()
		sort.Strings(names)
		c.w.ArrayHeader(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
	case sub == "numsub":
		ps.mu.RLock()
		c.w.ArrayHeader(2 * (len(args) - 2))
		for _, a := range args[2:] {
			c.w.Bulk(a)
			c.w.Integer(int64(len(ps.channels[string(a)])))
		}
		ps.mu.RUnlock()
	case sub == "numpat" && len(args) == 2:
		ps.mu.RLock()
		n := len(ps.patterns)
		ps.mu.RUnlock()
		c.w.Integer(int64(n))
	default:
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try PUBSUB HELP.")
	}
}
