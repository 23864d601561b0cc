package sim

import (
	"slices"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
)

// scheduleFaults starts one fault loop per enabled class. Each loop draws
// its next fault from the run's generator, so the seed decides them all.
func (w *world) scheduleFaults() {
	f := w.cfg.Faults
	if f.Network {
		w.after(w.jitter(300*time.Millisecond), w.networkFault)
	}
	if f.Disk {
		w.after(w.jitter(200*time.Millisecond), w.diskFault)
	}
	if f.Crash {
		w.after(w.jitter(400*time.Millisecond), w.crashFault)
	}
	if f.Membership {
		w.after(w.jitter(500*time.Millisecond), w.membershipFault)
	}
}

func (w *world) jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(w.rng.Int64N(int64(d)))
}

// liveIDs returns the ids of nodes that are running, in id order.
func (w *world) liveIDs() []uint64 {
	var ids []uint64
	for _, n := range w.nodes {
		if n != nil && n.up {
			ids = append(ids, n.id)
		}
	}
	return ids
}

func (w *world) allIDs() []uint64 {
	var ids []uint64
	for _, n := range w.nodes {
		if n != nil && !n.gone {
			ids = append(ids, n.id)
		}
	}
	return ids
}

func (w *world) networkFault() {
	if w.healing {
		return
	}
	ids := w.allIDs()
	w.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	cut := 1 + w.rng.IntN(max(1, len(ids)/2))
	a, b := ids[:cut], ids[cut:]
	hold := w.jitter(600 * time.Millisecond)
	switch k := w.rng.IntN(4); k {
	case 0, 1:
		w.net.partition(a, b, false)
		w.report.Faults["partition"]++
		w.tracef("fault partition %v | %v for %v", a, b, hold)
	case 2:
		w.net.partition(a, b, true)
		w.report.Faults["partition-one-way"]++
		w.tracef("fault one-way partition %v -> %v for %v", a, b, hold)
	case 3:
		// Flapping: the cut goes up and down quickly, a few times.
		w.report.Faults["partition-flapping"]++
		w.tracef("fault flapping %v | %v", a, b)
		for i := 0; i < 6; i++ {
			on := i%2 == 0
			w.after(time.Duration(i)*40*time.Millisecond, func() {
				if w.healing {
					return
				}
				if on {
					w.net.partition(a, b, false)
				} else {
					w.net.healAll()
				}
			})
		}
		hold = 240 * time.Millisecond
	}
	w.after(hold, func() {
		if !w.healing {
			w.net.healAll()
			w.tracef("fault heal network")
		}
	})
	w.after(w.jitter(800*time.Millisecond), w.networkFault)
}

// diskFault arms one node's disk to fail a few of its next operations:
// write errors, torn or short writes, fsync failures.
func (w *world) diskFault() {
	if w.healing {
		return
	}
	ids := w.liveIDs()
	if len(ids) > 0 {
		n := w.node(ids[w.rng.IntN(len(ids))])
		var rule vfs.Rule
		switch w.rng.IntN(4) {
		case 0:
			rule = vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.2, Limit: 1}
			w.report.Faults["disk-write-error"]++
		case 1:
			rule = vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.2, Limit: 1, Fault: vfs.FaultTornWrite}
			w.report.Faults["disk-torn-write"]++
		case 2:
			rule = vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.2, Limit: 1, Fault: vfs.FaultShortWrite}
			w.report.Faults["disk-short-write"]++
		case 3:
			rule = vfs.Rule{Ops: []vfs.Op{vfs.OpSync}, Prob: 0.2, Limit: 1}
			w.report.Faults["disk-fsync-error"]++
		}
		w.tracef("fault disk node %d rule %d", n.id, rule.Fault)
		n.fs.SetRules(rule)
		n.fs.SetEnabled(true)
		w.after(w.jitter(300*time.Millisecond), func() { n.fs.SetEnabled(false) })
	}
	w.after(w.jitter(700*time.Millisecond), w.diskFault)
}

// crashFault kills a node (or, rarely, every node at once), as a process
// crash or a power loss.
func (w *world) crashFault() {
	if w.healing {
		return
	}
	ids := w.liveIDs()
	if len(ids) > 0 {
		power := w.rng.IntN(2) == 0
		if w.rng.IntN(8) == 0 {
			w.report.Faults["crash-all"]++
			w.tracef("fault crash all (power loss %v)", power)
			for _, id := range ids {
				w.crash(w.node(id), power)
			}
		} else {
			n := w.node(ids[w.rng.IntN(len(ids))])
			if l := w.leader(); l != nil && w.rng.IntN(2) == 0 {
				n = l
			}
			if power {
				w.report.Faults["power-loss"]++
			} else {
				w.report.Faults["process-crash"]++
			}
			w.tracef("fault crash node %d (power loss %v)", n.id, power)
			w.crash(n, power)
		}
	}
	w.after(w.jitter(900*time.Millisecond), w.crashFault)
}

// membershipFault removes a voter, adds a new node (as a learner, then a
// voter), or transfers leadership, through the current leader.
func (w *world) membershipFault() {
	if w.healing {
		return
	}
	w.after(w.jitter(900*time.Millisecond), w.membershipFault)
	l := w.leader()
	if l == nil {
		return
	}
	cs := l.rep.ConfState()
	if len(cs.VotersOutgoing) > 0 {
		return // a joint configuration is still being left
	}
	voters := append([]uint64{}, cs.Voters...)
	slices.Sort(voters)
	switch k := w.rng.IntN(4); {
	case k == 0 && len(voters) > 3:
		victim := voters[w.rng.IntN(len(voters))]
		cc := raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeRemoveNode, NodeID: victim}}}
		if _, err := l.rep.ProposeConfChange(cc, ""); err == nil {
			w.report.Faults["remove-node"]++
			w.tracef("fault remove node %d", victim)
			w.oracle.removing[victim] = true
		}
	case k == 1 && len(voters) < w.cfg.Nodes+2:
		id := w.nextID
		w.nextID++
		n := w.newNode(id)
		n.joins = true
		w.start(n, nil)
		cc := raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeAddLearnerNode, NodeID: id}}}
		if _, err := l.rep.ProposeConfChange(cc, ""); err == nil {
			w.report.Faults["add-learner"]++
			w.tracef("fault add learner %d", id)
		}
	case k == 2 && len(cs.Learners) > 0:
		id := cs.Learners[w.rng.IntN(len(cs.Learners))]
		cc := raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeAddNode, NodeID: id}}}
		if _, err := l.rep.ProposeConfChange(cc, ""); err == nil {
			w.report.Faults["promote-learner"]++
			w.tracef("fault promote learner %d", id)
		}
	default:
		to := voters[w.rng.IntN(len(voters))]
		if to != l.id {
			w.report.Faults["leader-transfer"]++
			w.tracef("fault transfer leadership %d -> %d", l.id, to)
			l.rep.TransferLeadership(to)
		}
	}
	w.process(l)
}
