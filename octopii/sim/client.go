package sim

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/reefdb/reef/octopii"
	"github.com/reefdb/reef/octopii/kv"
)

// kvInput is one client operation as the linearizability model sees it.
type kvInput struct {
	op    byte // 'P' put, 'D' delete, 'G' get
	key   string
	value string
}

// kvOutput is what the operation returned: the key's value before a put or
// delete, or its value for a get. unknown: the client never learned the
// outcome (timeout, crash): it may or may not have taken effect.
type kvOutput struct {
	value   string
	exists  bool
	unknown bool
}

type request struct {
	node  *node
	boot  int
	id    uint64
	input kvInput
	cmd   []byte
	call  int64
	write bool
}

// client issues one operation at a time to a random live node and records
// it in the history.
type client struct {
	w       *world
	id      int
	pending *request
	serial  int
}

func (c *client) next() {
	w := c.w
	if w.healing || w.opsSent >= w.cfg.Ops {
		return
	}
	ids := w.liveIDs()
	if len(ids) == 0 {
		w.after(50*time.Millisecond, c.next)
		return
	}
	n := w.node(ids[w.rng.IntN(len(ids))])
	if l := w.leader(); l != nil && w.rng.IntN(4) != 0 {
		n = l
	}
	key := fmt.Sprintf("k%d", w.rng.IntN(w.cfg.Keys))
	c.serial++
	req := &request{node: n, boot: n.boot, call: w.clock()}
	var err error
	switch k := w.rng.IntN(10); {
	case k < 5:
		v := fmt.Sprintf("c%d-%d", c.id, c.serial)
		req.input = kvInput{op: 'P', key: key, value: v}
		req.cmd = kv.Put([]byte(key), []byte(v))
		req.write = true
		req.id, err = n.rep.Propose(req.cmd)
	case k < 6:
		req.input = kvInput{op: 'D', key: key}
		req.cmd = kv.Delete([]byte(key))
		req.write = true
		req.id, err = n.rep.Propose(req.cmd)
	default:
		req.input = kvInput{op: 'G', key: key}
		req.id, err = n.rep.Read(kv.Get([]byte(key)))
	}
	if err != nil {
		// Dropped at once (no leader): the operation never entered the
		// log. It does not count toward Ops; the client backs off, as a
		// real one would, while an election runs.
		w.tracef("client %d %c %s dropped at %d: %v", c.id, req.input.op, key, n.id, err)
		if !errors.Is(err, octopii.ErrDropped) {
			w.violation("client %d: unexpected propose error: %v", c.id, err)
		}
		w.report.Dropped++
		w.after(time.Duration(20+w.rng.IntN(50))*time.Millisecond, c.next)
		return
	}
	w.opsSent++
	w.tracef("client %d %c %s -> node %d id %d", c.id, req.input.op, key, n.id, req.id)
	c.pending = req
	w.after(clientTimeout, func() {
		if c.pending == req {
			c.giveUp("timeout")
		}
	})
	w.process(n)
}

// complete records an answered operation.
func (c *client) complete(r octopii.Result) {
	w := c.w
	req := c.pending
	c.pending = nil
	out := kvOutput{}
	if r.Err != nil {
		w.violation("client %d: query failed: %v", c.id, r.Err)
	}
	v, ok := kv.Value(r.Value)
	out.value, out.exists = string(v), ok
	w.tracef("client %d %c %s done index %d exists %v", c.id, req.input.op, req.input.key, r.Index, ok)
	w.history.add(porcupine.Operation{ClientId: c.id, Input: req.input, Call: req.call, Output: out, Return: w.clock()})
	if req.write {
		w.oracle.acked(r.Index, req.cmd)
	}
	w.opsDone++
	w.report.Acked++
	w.after(time.Duration(w.rng.IntN(20))*time.Millisecond, c.next)
}

// giveUp ends an operation whose outcome is unknown. A write may still take
// effect later, so it stays open to the end of the history; a read that
// returned nothing changed nothing and is left out.
func (c *client) giveUp(why string) {
	w := c.w
	req := c.pending
	c.pending = nil
	w.tracef("client %d %c %s gave up (%s)", c.id, req.input.op, req.input.key, why)
	if req.node.up && req.node.boot == req.boot && !req.write {
		req.node.rep.Forget(req.id)
	}
	if req.write {
		w.history.add(porcupine.Operation{ClientId: c.id, Input: req.input, Call: req.call,
			Output: kvOutput{unknown: true}, Return: math.MaxInt64})
	}
	w.opsDone++
	w.after(time.Duration(w.rng.IntN(20))*time.Millisecond, c.next)
}

// nodeDown abandons the operation a crashed node was serving.
func (c *client) nodeDown(n *node) {
	if c.pending != nil && c.pending.node == n {
		c.giveUp(fmt.Sprintf("node %d down", n.id))
	}
}

// clock is the history's time: virtual microseconds, with the event
// sequence to keep calls and returns of one instant ordered.
func (w *world) clock() int64 {
	w.seq++
	return int64(w.now/time.Microsecond)*1_000_000 + int64(w.seq%1_000_000)
}
