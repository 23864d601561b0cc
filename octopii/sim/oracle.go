package sim

import (
	"bytes"
	"slices"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/octopii"
)

// oracle checks Raft's safety properties as the run goes, and durability at
// the end:
//
//   - election safety: at most one leader per term;
//   - log matching: entries with equal index and term are equal on every
//     node (checked over the live nodes' logs every 25 steps and at the end);
//   - state machine safety (and so log matching for committed entries):
//     every node applies the same entry at each index, across restarts;
//   - leader completeness: a new leader's log holds every entry applied
//     anywhere before it was elected;
//   - durability: every acknowledged proposal is, at the end, applied at its
//     index on every member, after all faults healed and every node restarted;
//   - convergence: every member holds the same state at the end.
type oracle struct {
	w         *world
	committed map[uint64]appliedAt // index -> the entry first applied there
	maxIndex  uint64
	leaders   map[uint64]uint64 // term -> leader id
	checked   map[[2]uint64]bool
	acks      map[uint64][]byte // index -> acknowledged command
	removing  map[uint64]bool
	commands  map[string]uint64     // proposal tag -> index it was applied at
	logs      map[[2]uint64]logSeen // (index, term) -> the entry some node's log holds there
	steps     int
}

type logSeen struct {
	data []byte
	node uint64
}

type appliedAt struct {
	term uint64
	data []byte
	node uint64
}

func (o *oracle) init(w *world) {
	o.w = w
	o.committed = map[uint64]appliedAt{}
	o.leaders = map[uint64]uint64{}
	o.checked = map[[2]uint64]bool{}
	o.acks = map[uint64][]byte{}
	o.removing = map[uint64]bool{}
	o.commands = map[string]uint64{}
	o.logs = map[[2]uint64]logSeen{}
}

// logMatching checks Raft's log matching property on every live node's
// in-memory log: two entries with the same index and term hold the same
// command (and, by induction, the same prefix), whichever node has them.
func (o *oracle) logMatching() {
	for _, n := range o.w.nodes {
		if n == nil || !n.up {
			continue
		}
		first, last := n.rep.LogBounds()
		if last < first {
			continue
		}
		ents, err := n.rep.LogEntries(first, last+1)
		if err != nil {
			o.w.violation("log matching: node %d cannot read its log [%d, %d]: %v", n.id, first, last, err)
			continue
		}
		for _, e := range ents {
			key := [2]uint64{e.Index, e.Term}
			seen, ok := o.logs[key]
			if !ok {
				o.logs[key] = logSeen{data: bytes.Clone(e.Data), node: n.id}
				continue
			}
			if !bytes.Equal(seen.data, e.Data) {
				o.w.violation("log matching: nodes %d and %d hold different entries at index %d term %d", seen.node, n.id, e.Index, e.Term)
			}
		}
	}
}

func (o *oracle) started(n *node) {}

func (o *oracle) applied(n *node, e octopii.AppliedEntry) {
	o.w.tracef("apply node %d index %d term %d type %v len %d", n.id, e.Index, e.Term, e.Type, len(e.Data))
	prev, ok := o.committed[e.Index]
	if !ok {
		o.committed[e.Index] = appliedAt{term: e.Term, data: bytes.Clone(e.Data), node: n.id}
		o.maxIndex = max(o.maxIndex, e.Index)
		// A proposal is applied once, even if the network duplicated it
		// or a proposer retried.
		if e.Type == raftpb.EntryNormal && len(e.Data) >= 17 && !e.Duplicate {
			tag := string(e.Data[1:17])
			if at, dup := o.commands[tag]; dup {
				o.w.violation("exactly once: the proposal applied at index %d was applied again at index %d", at, e.Index)
			}
			o.commands[tag] = e.Index
		}
		return
	}
	if prev.term != e.Term || !bytes.Equal(prev.data, e.Data) {
		o.w.violation("state machine safety: node %d applied index %d term %d, node %d had applied term %d there (data equal %v)",
			n.id, e.Index, e.Term, prev.node, prev.term, bytes.Equal(prev.data, e.Data))
	}
}

func (o *oracle) acked(index uint64, cmd []byte) {
	o.acks[index] = bytes.Clone(cmd)
}

// check runs after every Process of n.
func (o *oracle) check(n *node) {
	w := o.w
	if o.steps++; o.steps%25 == 0 {
		o.logMatching()
	}
	st := n.rep.BasicStatus()
	if st.RaftState == raft.StateLeader {
		if other, ok := o.leaders[st.Term]; ok && other != n.id {
			w.violation("election safety: nodes %d and %d both lead term %d", other, n.id, st.Term)
		}
		o.leaders[st.Term] = n.id
		key := [2]uint64{st.Term, n.id}
		if !o.checked[key] {
			o.checked[key] = true
			o.leaderCompleteness(n, st.Term)
		}
	}
	// A member removed by an applied configuration leaves for good.
	if len(o.removing) > 0 {
		cs := n.rep.ConfState()
		for _, id := range sortedKeys(o.removing) {
			if n.id != id && !octopii.IsMember(cs, id) && n.rep.Applied() > 0 && len(cs.Voters) > 0 {
				delete(o.removing, id)
				if gone := w.node(id); gone != nil {
					w.tracef("node %d removed from the cluster", id)
					w.crash(gone, false)
					gone.gone = true
				}
			}
		}
	}
}

func (o *oracle) leaderCompleteness(n *node, term uint64) {
	first, last := n.rep.LogBounds()
	if o.maxIndex > last {
		o.w.violation("leader completeness: node %d leads term %d with last index %d, but index %d was committed", n.id, term, last, o.maxIndex)
		return
	}
	for i := max(first, 1); i <= o.maxIndex; i++ {
		c, ok := o.committed[i]
		if !ok {
			continue
		}
		if t, ok := n.rep.LogTerm(i); ok && t != c.term {
			o.w.violation("leader completeness: node %d leads term %d with term %d at index %d, committed term %d", n.id, term, t, i, c.term)
			return
		}
	}
}

// final runs once the cluster converged (or failed to).
func (o *oracle) final() {
	w := o.w
	o.logMatching()
	members := w.members()
	for _, idx := range sortedKeys(o.acks) {
		cmd := o.acks[idx]
		c, ok := o.committed[idx]
		if !ok || !bytes.HasSuffix(c.data, cmd) {
			w.violation("durability: acknowledged proposal at index %d is not what the cluster applied there", idx)
			continue
		}
		for _, id := range members {
			n := w.node(id)
			if n == nil || !n.up || n.rep.Applied() < idx {
				w.violation("durability: acknowledged proposal at index %d not applied on member %d", idx, id)
			}
		}
	}
	// Members that applied the same prefix hold the same state.
	var ref *node
	for _, id := range members {
		n := w.node(id)
		if n == nil || !n.up {
			continue
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.rep.Applied() == ref.rep.Applied() && n.sm.Hash() != ref.sm.Hash() {
			w.violation("convergence: nodes %d and %d applied up to %d but hold different state", ref.id, n.id, n.rep.Applied())
		}
	}
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
