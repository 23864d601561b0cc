package sim

import (
	"bytes"
	"io"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// network delivers messages between nodes with seeded delays. With network
// faults on it also drops, duplicates and reorders them, and cuts links:
// blocked[from][to] stops messages one way.
type network struct {
	w        *world
	dropProb float64
	dupProb  float64
	blocked  map[[2]uint64]bool
}

func (net *network) init(w *world) {
	net.w = w
	net.blocked = map[[2]uint64]bool{}
	if w.cfg.Faults.Network {
		net.dropProb = 0.01 + 0.04*w.rng.Float64()
		net.dupProb = 0.01
	}
}

func (net *network) delay() time.Duration {
	w := net.w
	d := time.Millisecond + time.Duration(w.rng.IntN(2000))*time.Microsecond
	if w.cfg.Faults.Network && !w.healing && w.rng.IntN(50) == 0 {
		d += time.Duration(w.rng.IntN(200)) * time.Millisecond // a slow path: reorders
	}
	return d
}

func (net *network) cut(from, to uint64) bool { return net.blocked[[2]uint64{from, to}] }

func (net *network) faulty() bool { return net.w.cfg.Faults.Network && !net.w.healing }

func (net *network) send(from *node, m raftpb.Message) {
	w := net.w
	drop := ""
	if net.cut(m.From, m.To) {
		drop = "cut"
	} else if net.faulty() && w.rng.Float64() < net.dropProb {
		w.report.Faults["net-drop"]++
		drop = "random"
	}
	if drop != "" {
		w.tracef("net drop(%s) %d->%d %v", drop, m.From, m.To, m.Type)
		if m.Type == raftpb.MsgSnap {
			// A snapshot travels on a stream of its own: the sender
			// learns that it broke, as a real transport reports it.
			net.reportSnapshot(from, m, true)
		}
		return
	}
	if m.Type == raftpb.MsgSnap {
		net.sendSnapshot(from, m)
		return
	}
	copies := 1
	if net.faulty() && w.rng.Float64() < net.dupProb {
		copies = 2
		w.report.Faults["net-duplicate"]++
	}
	for i := 0; i < copies; i++ {
		w.after(net.delay(), func() { net.deliver(m) })
	}
}

func (net *network) deliver(m raftpb.Message) {
	w := net.w
	to := w.node(m.To)
	if to == nil || !to.up || net.cut(m.From, m.To) {
		return
	}
	w.tracef("deliver %d->%d %v term %d index %d commit %d ents %d", m.From, m.To, m.Type, m.Term, m.Index, m.Commit, len(m.Entries))
	to.rep.Step(m)
	w.process(to)
}

// sendSnapshot streams the snapshot file: the sender reads it now (a read
// fault fails the send), the receiver stores it on delivery, and the sender
// learns the outcome after a round trip.
func (net *network) sendSnapshot(from *node, m raftpb.Message) {
	w := net.w
	report := func(failed bool) { net.reportSnapshot(from, m, failed) }
	body, _, err := from.rep.SnapshotBody(m)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(body)
		body.Close()
	}
	if err != nil {
		w.tracef("snapshot read failed at %d: %v", m.From, err)
		report(true)
		return
	}
	w.report.Snapshots++
	w.after(net.delay()+time.Duration(len(data)/(64<<10))*time.Millisecond, func() {
		to := w.node(m.To)
		if to == nil || !to.up || net.cut(m.From, m.To) {
			report(true)
			return
		}
		if err := to.rep.ReceiveSnapshot(m, bytes.NewReader(data)); err != nil {
			w.tracef("snapshot store failed at %d: %v", m.To, err)
			report(true)
			return
		}
		w.tracef("deliver snapshot %d->%d index %d", m.From, m.To, m.Snapshot.Metadata.Index)
		to.rep.Step(m)
		w.process(to)
		report(false)
	})
}

// reportSnapshot tells the sender of a MsgSnap how it went, a round trip
// later (if the sender is still the same running process).
func (net *network) reportSnapshot(from *node, m raftpb.Message, failed bool) {
	w := net.w
	boot := from.boot
	w.after(net.delay(), func() {
		if from.up && from.boot == boot {
			w.tracef("snapshot report %d->%d failed=%v", m.From, m.To, failed)
			from.rep.ReportSnapshot(m.To, failed)
			w.process(from)
		}
	})
}

// partition cuts the links between groups a and b, both ways or (oneWay)
// from a to b only.
func (net *network) partition(a, b []uint64, oneWay bool) {
	for _, x := range a {
		for _, y := range b {
			net.blocked[[2]uint64{x, y}] = true
			if !oneWay {
				net.blocked[[2]uint64{y, x}] = true
			}
		}
	}
}

func (net *network) healAll() { clear(net.blocked) }
