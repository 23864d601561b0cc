package sim

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/octopii"
	"github.com/reefdb/reef/octopii/kv"
)

// Faults selects the fault classes a run injects.
type Faults struct {
	Network    bool // drop, delay, reorder, duplicate, partitions (one-way, flapping)
	Disk       bool // I/O errors, torn writes, fsync failures (a failing node crashes and reboots)
	Crash      bool // process crashes and power losses, then restarts
	Membership bool // remove and add nodes, leader transfers
}

// AllFaults turns every fault class on.
var AllFaults = Faults{Network: true, Disk: true, Crash: true, Membership: true}

// ParseFaults reads a comma-separated list: network, disk, crash,
// membership, all, none.
func ParseFaults(s string) (Faults, error) {
	var f Faults
	for _, w := range bytes.Split([]byte(s), []byte(",")) {
		switch string(bytes.TrimSpace(w)) {
		case "network":
			f.Network = true
		case "disk":
			f.Disk = true
		case "crash":
			f.Crash = true
		case "membership":
			f.Membership = true
		case "all":
			f = AllFaults
		case "none", "":
		default:
			return f, fmt.Errorf("sim: unknown fault class %q (want network, disk, crash, membership, all or none)", w)
		}
	}
	return f, nil
}

// String lists the enabled classes as ParseFaults reads them.
func (f Faults) String() string {
	var s []string
	if f.Network {
		s = append(s, "network")
	}
	if f.Disk {
		s = append(s, "disk")
	}
	if f.Crash {
		s = append(s, "crash")
	}
	if f.Membership {
		s = append(s, "membership")
	}
	if len(s) == 0 {
		return "none"
	}
	return fmt.Sprint(joinComma(s))
}

func joinComma(s []string) string {
	var b bytes.Buffer
	for i, w := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(w)
	}
	return b.String()
}

// Config describes one simulated run.
type Config struct {
	Seed uint64
	// Nodes is the initial cluster size (3, 5 or 7; default 3).
	Nodes int
	// Ops is the number of client operations to run (default 200).
	Ops int
	// Clients is the number of concurrent clients (default 3).
	Clients int
	// Keys is the number of distinct keys the clients use (default
	// Ops/50, at least 4).
	Keys   int
	Faults Faults
	// PlantNoSync plants a bug: the Raft log is never fdatasync'ed, so an
	// acknowledged proposal can be lost in a power loss. The oracles must
	// catch it.
	PlantNoSync bool
	// Trace, if set, receives one line per event (for debugging a seed).
	Trace io.Writer
}

// Report is the outcome of a run.
type Report struct {
	Seed       uint64
	Ops        int            // client operations completed (acknowledged or timed out)
	Acked      int            // operations acknowledged with a result
	Dropped    int            // operations refused at once (no leader known); not in Ops
	Faults     map[string]int // injected faults by kind
	Violations []string
	TraceHash  uint64
	Snapshots  int           // snapshots streamed between nodes
	Steps      int           // events processed
	Virtual    time.Duration // simulated time
}

// OK reports whether the run found no violation.
func (r Report) OK() bool { return len(r.Violations) == 0 }

const (
	tickInterval   = 10 * time.Millisecond
	clientTimeout  = time.Second
	maxVirtualTime = 10 * time.Minute
	healDeadline   = 60 * time.Second
	segmentBytes   = 1 << 20
)

type event struct {
	at  time.Duration
	seq uint64
	fn  func()
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// node is one simulated machine: its disk survives crashes, its replica
// does not.
type node struct {
	id    uint64
	mem   *vfs.MemFS
	fs    *vfs.InjectingFS
	rep   *octopii.Replica
	sm    *kv.Machine
	boot  int  // incremented at every start: events for an older boot are void
	up    bool // running
	gone  bool // removed from the cluster for good
	joins bool // started empty, to be added by a leader
}

type world struct {
	cfg     Config
	rng     *rand.Rand
	now     time.Duration
	seq     uint64
	queue   eventQueue
	nodes   []*node // by id-1
	nextID  uint64
	trace   hash.Hash64
	report  Report
	net     network
	oracle  oracle
	clients []*client
	history history
	opsDone int
	opsSent int
	healing bool
	halted  bool // a panic ended the run
}

// Run simulates one cluster from cfg.Seed and returns what it saw. The same
// Config gives the same run: the same events, the same trace hash.
func Run(cfg Config) Report {
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Ops == 0 {
		cfg.Ops = 200
	}
	if cfg.Clients == 0 {
		cfg.Clients = 3
	}
	if cfg.Keys == 0 {
		// Contention on few keys finds more, but the linearizability
		// check is exponential in the operations per key left open by
		// timeouts: about 50 operations per key keeps it fast.
		cfg.Keys = max(4, cfg.Ops/50)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6f63746f70696921))
	restore := installEntropy(rand.New(rand.NewPCG(cfg.Seed, 0x656e74726f7079)))
	defer restore()

	w := &world{cfg: cfg, rng: rng, trace: fnv.New64a(), report: Report{Seed: cfg.Seed, Faults: map[string]int{}}}
	w.oracle.init(w)
	w.net.init(w)
	peers := make([]uint64, cfg.Nodes)
	for i := range peers {
		peers[i] = uint64(i + 1)
	}
	for _, id := range peers {
		n := w.newNode(id)
		w.start(n, peers)
	}
	w.nextID = uint64(cfg.Nodes + 1)
	for i := 0; i < cfg.Clients; i++ {
		c := &client{w: w, id: i}
		w.clients = append(w.clients, c)
		w.after(time.Duration(w.rng.IntN(50))*time.Millisecond, c.next)
	}
	w.scheduleFaults()
	w.loop()
	if !w.halted {
		w.heal()
	}
	w.finish()
	w.report.TraceHash = w.trace.Sum64()
	w.report.Virtual = w.now
	w.report.Ops = w.opsDone
	return w.report
}

func (w *world) after(d time.Duration, fn func()) {
	w.seq++
	heap.Push(&w.queue, &event{at: w.now + d, seq: w.seq, fn: fn})
}

func (w *world) loop() {
	for w.queue.Len() > 0 && w.now < maxVirtualTime {
		if !w.healing && w.opsDone >= w.cfg.Ops {
			return
		}
		if w.healing && w.converged() {
			return
		}
		w.step()
		if len(w.report.Violations) > 20 || w.halted {
			return
		}
	}
}

// step runs the next event. A panic (Raft panics on a broken invariant,
// such as a log that lost committed entries) is a violation that ends the
// run.
func (w *world) step() {
	e := heap.Pop(&w.queue).(*event)
	w.now = e.at
	w.report.Steps++
	defer func() {
		if p := recover(); p != nil {
			w.violation("panic: %v", p)
			w.halted = true
		}
	}()
	e.fn()
}

// tracef feeds the trace hash (and the trace writer, if set).
func (w *world) tracef(format string, args ...any) {
	line := fmt.Sprintf("%d "+format, append([]any{int64(w.now / time.Microsecond)}, args...)...)
	w.trace.Write([]byte(line))
	w.trace.Write([]byte{'\n'})
	if w.cfg.Trace != nil {
		fmt.Fprintln(w.cfg.Trace, line)
	}
}

func (w *world) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.tracef("VIOLATION %s", msg)
	w.report.Violations = append(w.report.Violations, fmt.Sprintf("t=%v: %s", w.now, msg))
}

func (w *world) newNode(id uint64) *node {
	mem := vfs.NewMem()
	n := &node{id: id, mem: mem}
	n.fs = vfs.NewInjecting(mem, w.rng.Uint64())
	n.fs.SetEnabled(false)
	for uint64(len(w.nodes)) < id {
		w.nodes = append(w.nodes, nil)
	}
	w.nodes[id-1] = n
	return n
}

func (w *world) node(id uint64) *node {
	if id == 0 || id > uint64(len(w.nodes)) {
		return nil
	}
	return w.nodes[id-1]
}

// start boots n's replica from its disk. A failure (an injected fault
// during recovery) is retried later.
func (w *world) start(n *node, peers []uint64) {
	if n.up || n.gone {
		return
	}
	n.boot++
	n.sm = kv.New()
	rep, err := octopii.OpenReplica(octopii.ReplicaConfig{
		ID:                 n.id,
		Dir:                "/node",
		FS:                 n.fs,
		StateMachine:       n.sm,
		Peers:              peers,
		ElectionTicks:      10,
		HeartbeatTicks:     1,
		SnapshotEntries:    64,
		CompactKeepEntries: 16,
		MaxSizePerMsg:      64 << 10,
		SegmentSizeBytes:   segmentBytes,
		Incarnation:        w.rng.Uint64() | 1,
		Now:                func() time.Time { return time.Unix(0, 0).Add(w.now) },
		SendEarly: func(msgs []raftpb.Message) {
			for _, m := range msgs {
				w.net.send(n, m)
			}
		},
		UnsafeNoSync: w.cfg.PlantNoSync,
	})
	if err != nil {
		w.tracef("node %d start failed: %v", n.id, err)
		w.after(100*time.Millisecond, func() { w.start(n, peers) })
		return
	}
	n.rep = rep
	n.up = true
	w.tracef("node %d up (boot %d, applied %d)", n.id, n.boot, rep.Applied())
	w.oracle.started(n)
	boot := n.boot
	w.after(time.Duration(w.rng.IntN(int(tickInterval))), func() { w.tick(n, boot) })
	w.process(n)
}

func (w *world) tick(n *node, boot int) {
	if !n.up || n.boot != boot {
		return
	}
	n.rep.Tick()
	w.process(n)
	w.after(tickInterval, func() { w.tick(n, boot) })
}

// process runs the replica's Ready loop and routes what it produced.
func (w *world) process(n *node) {
	if !n.up {
		return
	}
	out, err := n.rep.Process()
	for _, e := range out.Applied {
		w.oracle.applied(n, e)
	}
	for _, m := range out.Messages {
		w.net.send(n, m)
	}
	for _, r := range out.Results {
		w.deliverResult(n, r)
	}
	if err != nil {
		w.tracef("node %d disk failure: %v", n.id, err)
		w.report.Faults["disk-failure-crash"]++
		w.crash(n, true)
		return
	}
	w.oracle.check(n)
}

// crash stops n's process; with powerLoss its disk also loses every write
// not yet fdatasync'ed (and may keep a torn prefix of them).
func (w *world) crash(n *node, powerLoss bool) {
	if !n.up {
		return
	}
	n.up = false
	if powerLoss {
		n.mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rand.New(rand.NewPCG(w.rng.Uint64(), 1))})
	}
	n.rep.Close()
	n.rep = nil
	w.tracef("node %d down (power loss %v)", n.id, powerLoss)
	for _, c := range w.clients {
		c.nodeDown(n)
	}
	w.after(50*time.Millisecond+time.Duration(w.rng.IntN(400))*time.Millisecond, func() { w.start(n, nil) })
}

func (w *world) deliverResult(n *node, r octopii.Result) {
	for _, c := range w.clients {
		if c.pending != nil && c.pending.node == n && c.pending.boot == n.boot && c.pending.id == r.ID {
			c.complete(r)
			return
		}
	}
}

// leader returns a node that believes it leads, or nil.
func (w *world) leader() *node {
	var best *node
	var term uint64
	for _, n := range w.nodes {
		if n == nil || !n.up {
			continue
		}
		st := n.rep.BasicStatus()
		if st.RaftState == raft.StateLeader && st.Term >= term {
			best, term = n, st.Term
		}
	}
	return best
}

// members returns the voters and learners of the newest applied
// configuration any live node knows.
func (w *world) members() []uint64 {
	var cs raftpb.ConfState
	var idx uint64
	for _, n := range w.nodes {
		if n != nil && n.up && n.rep.Applied() >= idx {
			idx = n.rep.Applied()
			cs = n.rep.ConfState()
		}
	}
	ids := append(append([]uint64{}, cs.Voters...), cs.Learners...)
	ids = append(ids, cs.VotersOutgoing...)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// heal ends the faults and lets the cluster converge: every node that is
// still a member comes up, and all of them apply the same log.
func (w *world) heal() {
	w.healing = true
	w.tracef("heal")
	w.net.healAll()
	for _, n := range w.nodes {
		if n != nil {
			n.fs.SetEnabled(false)
		}
	}
	for _, n := range w.nodes {
		if n != nil && !n.up && !n.gone {
			w.start(n, nil)
		}
	}
	deadline := w.now + healDeadline
	for w.now < deadline && !w.halted && !w.converged() && w.queue.Len() > 0 {
		w.step()
	}
	if w.halted {
		return
	}
	if !w.converged() {
		w.violation("cluster did not converge within %v after healing: %s", healDeadline, w.describe())
	}
}

// converged: a leader exists and has committed an entry of its term, every
// member is up and has applied the leader's commit index, and no client is
// waiting.
func (w *world) converged() bool {
	l := w.leader()
	if l == nil {
		return false
	}
	st := l.rep.Status()
	commit := st.Commit
	// Until a new leader commits an entry of its own term, its commit
	// index can lag what earlier leaders committed.
	if t, ok := l.rep.LogTerm(commit); !ok || t != st.Term {
		return false
	}
	for _, id := range w.members() {
		n := w.node(id)
		if n == nil || !n.up || n.rep.Applied() < commit {
			return false
		}
	}
	for _, c := range w.clients {
		if c.pending != nil {
			return false
		}
	}
	return true
}

func (w *world) describe() string {
	var b bytes.Buffer
	for _, n := range w.nodes {
		if n == nil {
			continue
		}
		if !n.up {
			fmt.Fprintf(&b, "[%d down gone=%v] ", n.id, n.gone)
			continue
		}
		st := n.rep.Status()
		fmt.Fprintf(&b, "[%d %v term %d commit %d applied %d] ", n.id, st.RaftState, st.Term, st.Commit, n.rep.Applied())
	}
	fmt.Fprintf(&b, "members %v", w.members())
	return b.String()
}

// finish runs the end-of-run oracles: acknowledged writes applied everywhere,
// equal state on every member, and a linearizable client history.
func (w *world) finish() {
	if !w.halted {
		w.oracle.final()
		w.history.check(w)
	}
	for _, n := range w.nodes {
		if n != nil && n.up {
			n.rep.Close()
		}
	}
}

func u64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
