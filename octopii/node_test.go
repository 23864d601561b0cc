package octopii_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/octopii"
	"github.com/reefdb/reef/octopii/kv"
)

// cluster is a test cluster over a MemNetwork, each node on its own MemFS
// (its disk, kept across restarts).
type cluster struct {
	t     *testing.T
	net   *octopii.MemNetwork
	disks map[uint64]*vfs.MemFS
	nodes map[uint64]*octopii.Node
	peers map[uint64]string
	opts  octopii.Options
}

func newCluster(t *testing.T, size int, tune func(*octopii.Options)) *cluster {
	c := &cluster{t: t, net: octopii.NewMemNetwork(), disks: map[uint64]*vfs.MemFS{}, nodes: map[uint64]*octopii.Node{}, peers: map[uint64]string{}}
	c.opts = octopii.Options{TickInterval: 5 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1}
	if tune != nil {
		tune(&c.opts)
	}
	for id := uint64(1); id <= uint64(size); id++ {
		c.peers[id] = fmt.Sprintf("mem-%d", id)
	}
	for id := range c.peers {
		c.start(id, false)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.Stop()
		}
	})
	return c
}

func (c *cluster) start(id uint64, join bool) *octopii.Node {
	c.t.Helper()
	if c.disks[id] == nil {
		c.disks[id] = vfs.NewMem()
	}
	o := c.opts
	o.ID, o.Dir, o.FS, o.Peers, o.Join = id, "/data", c.disks[id], c.peers, join
	o.Transport = c.net.Transport(id)
	n, err := octopii.Start(o, kv.New())
	if err != nil {
		c.t.Fatalf("start node %d: %v", id, err)
	}
	c.nodes[id] = n
	return n
}

func (c *cluster) stop(id uint64) {
	c.t.Helper()
	if err := c.nodes[id].Stop(); err != nil {
		c.t.Fatalf("stop node %d: %v", id, err)
	}
	delete(c.nodes, id)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (c *cluster) leader() *octopii.Node {
	c.t.Helper()
	var l *octopii.Node
	waitFor(c.t, "a leader", func() bool {
		for _, n := range c.nodes {
			if n.Metrics().State == "leader" {
				l = n
				return true
			}
		}
		return false
	})
	return l
}

// put proposes through n, retrying while leadership settles.
func put(t *testing.T, n *octopii.Node, k, v string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := n.Propose(ctx, kv.Put([]byte(k), []byte(v)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("put %s on node %d: %v", k, n.ID(), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func get(t *testing.T, n *octopii.Node, k string) (string, bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		res, err := n.Read(ctx, kv.Get([]byte(k)))
		cancel()
		if err == nil {
			v, ok := kv.Value(res)
			return string(v), ok
		}
		if time.Now().After(deadline) {
			t.Fatalf("get %s on node %d: %v", k, n.ID(), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestProposeAndReadEverywhere(t *testing.T) {
	c := newCluster(t, 3, nil)
	l := c.leader()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				put(t, l, fmt.Sprintf("g%d-k%d", g, i), fmt.Sprintf("v%d", i))
			}
		}()
	}
	wg.Wait()
	for id, n := range c.nodes {
		for g := 0; g < 8; g++ {
			if v, ok := get(t, n, fmt.Sprintf("g%d-k24", g)); !ok || v != "v24" {
				t.Fatalf("node %d: g%d-k24 = %q, %v; want v24", id, g, v, ok)
			}
		}
	}
	m := l.Metrics()
	if m.Proposals < 200 || m.Readies == 0 || m.Applied < 200 {
		t.Fatalf("leader metrics %+v", m)
	}
	// A previous value comes back from Propose.
	res, err := l.Propose(context.Background(), kv.Put([]byte("g0-k0"), []byte("new")))
	if v, ok := kv.Value(res); err != nil || !ok || string(v) != "v0" {
		t.Fatalf("put returned %q, %v, %v; want the old value v0", v, ok, err)
	}
}

func TestLeaderFailoverAndCatchUpFromSnapshot(t *testing.T) {
	c := newCluster(t, 3, func(o *octopii.Options) { o.SnapshotEntries = 20; o.CompactKeepEntries = 5 })
	l := c.leader()
	put(t, l, "before", "1")
	old := l.ID()
	c.stop(old)
	nl := c.leader()
	if nl.ID() == old {
		t.Fatalf("stopped node still leads")
	}
	for i := 0; i < 100; i++ {
		put(t, nl, fmt.Sprintf("k%d", i), "x")
	}
	back := c.start(old, false)
	waitFor(t, "restarted node to catch up", func() bool { return back.Metrics().Applied >= nl.Metrics().Commit })
	if back.Metrics().SnapshotsReceived == 0 {
		t.Fatalf("restarted node caught up without a snapshot: %+v", back.Metrics())
	}
	if v, ok := get(t, back, "k99"); !ok || v != "x" {
		t.Fatalf("restarted node: k99 = %q, %v", v, ok)
	}
	if v, ok := get(t, back, "before"); !ok || v != "1" {
		t.Fatalf("restarted node: before = %q, %v", v, ok)
	}
}

func TestMembershipAndTransfer(t *testing.T) {
	c := newCluster(t, 3, func(o *octopii.Options) { o.SnapshotEntries = 10; o.CompactKeepEntries = 2 })
	l := c.leader()
	for i := 0; i < 30; i++ {
		put(t, l, fmt.Sprintf("k%d", i), "v")
	}
	c.peers[4] = "mem-4"
	n4 := c.start(4, true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.AddLearner(ctx, 4, "mem-4"); err != nil {
		t.Fatalf("add learner: %v", err)
	}
	waitFor(t, "learner to catch up", func() bool { return n4.Metrics().Applied >= l.Metrics().Commit })
	if err := l.AddVoter(ctx, 4, "mem-4"); err != nil {
		t.Fatalf("promote: %v", err)
	}
	if err := l.TransferLeadership(ctx, 4); err != nil {
		t.Fatalf("transfer to 4: %v", err)
	}
	waitFor(t, "node 4 to lead", func() bool { return n4.Metrics().State == "leader" })
	st, err := n4.Status(ctx)
	if err != nil || len(st.Config.Voters[0]) != 4 {
		t.Fatalf("status %v, %v; want 4 voters", st.Config, err)
	}
	// Remove the old leader; the rest carry on.
	if err := n4.RemoveNode(ctx, l.ID()); err != nil {
		t.Fatalf("remove: %v", err)
	}
	put(t, n4, "after-remove", "y")
	for id, n := range c.nodes {
		if id == l.ID() {
			continue
		}
		if v, ok := get(t, n, "after-remove"); !ok || v != "y" {
			t.Fatalf("node %d: after-remove = %q, %v", id, v, ok)
		}
	}
}

func TestStoppedNodeFailsCalls(t *testing.T) {
	c := newCluster(t, 1, nil)
	n := c.leader()
	put(t, n, "a", "b")
	c.stop(n.ID())
	if _, err := n.Propose(context.Background(), kv.Put([]byte("x"), nil)); err == nil {
		t.Fatal("propose on a stopped node succeeded")
	}
	if _, err := n.Read(context.Background(), kv.Get([]byte("a"))); err == nil {
		t.Fatal("read on a stopped node succeeded")
	}
	// Its disk holds the write: a restart serves it.
	n = c.start(n.ID(), false)
	c.leader()
	if v, ok := get(t, n, "a"); !ok || v != "b" {
		t.Fatalf("after restart a = %q, %v", v, ok)
	}
}

func TestLeaseReads(t *testing.T) {
	c := newCluster(t, 3, func(o *octopii.Options) { o.LeaseReads = true })
	l := c.leader()
	put(t, l, "k", "v1")
	put(t, l, "k", "v2")
	for id, n := range c.nodes {
		if v, ok := get(t, n, "k"); !ok || v != "v2" {
			t.Fatalf("node %d: lease read k = %q, %v; want v2", id, v, ok)
		}
	}
}

// TestJointConsensus replaces a voter in one change: add node 4 and remove
// node 3 together (ConfChangeV2 through a joint configuration, left
// automatically).
func TestJointConsensus(t *testing.T) {
	c := newCluster(t, 3, nil)
	l := c.leader()
	if l.ID() == 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := l.TransferLeadership(ctx, 1); err != nil {
			t.Fatal(err)
		}
		cancel()
		l = c.nodes[1]
	}
	put(t, l, "k", "v")
	c.peers[4] = "mem-4"
	n4 := c.start(4, true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	changes := []raftpb.ConfChangeSingle{
		{Type: raftpb.ConfChangeAddNode, NodeID: 4},
		{Type: raftpb.ConfChangeRemoveNode, NodeID: 3},
	}
	if err := l.ChangeMembership(ctx, changes, "mem-4"); err != nil {
		t.Fatalf("change membership: %v", err)
	}
	waitFor(t, "the joint configuration to be left", func() bool {
		st, err := l.Status(ctx)
		return err == nil && len(st.Config.Voters[1]) == 0 && len(st.Config.Voters[0]) == 3
	})
	st, _ := l.Status(ctx)
	if _, ok := st.Config.Voters[0][4]; !ok {
		t.Fatalf("voters %v: node 4 missing", st.Config.Voters)
	}
	if _, ok := st.Config.Voters[0][3]; ok {
		t.Fatalf("voters %v: node 3 still there", st.Config.Voters)
	}
	put(t, l, "k", "after")
	if v, ok := get(t, n4, "k"); !ok || v != "after" {
		t.Fatalf("node 4: k = %q, %v", v, ok)
	}
}

// TestSnapshotBytes: large commands trigger a snapshot before the entry
// count does.
func TestSnapshotBytes(t *testing.T) {
	c := newCluster(t, 1, func(o *octopii.Options) { o.SnapshotEntries = 1 << 30; o.SnapshotBytes = 64 << 10 })
	l := c.leader()
	big := string(make([]byte, 8<<10))
	for i := 0; i < 20; i++ {
		put(t, l, fmt.Sprint("k", i), big)
	}
	waitFor(t, "a snapshot", func() bool { return l.Metrics().SnapshotIndex > 0 })
}

// slowSnapshots is a kv machine whose snapshots are written in the
// background and wait for a gate: while one is being written, the node
// must keep committing.
type slowSnapshots struct {
	*kv.Machine
	gate    chan struct{}
	started chan struct{}
}

func (s *slowSnapshots) SnapshotFunc() func(io.Writer) error {
	var buf bytes.Buffer
	if err := s.Machine.Snapshot(&buf); err != nil { // the captured state
		return func(io.Writer) error { return err }
	}
	select {
	case s.started <- struct{}{}:
	default:
	}
	return func(w io.Writer) error {
		<-s.gate
		_, err := w.Write(buf.Bytes())
		return err
	}
}

func TestAsyncSnapshotDoesNotStallTheNode(t *testing.T) {
	net := octopii.NewMemNetwork()
	fs := vfs.NewMem()
	sm := &slowSnapshots{Machine: kv.New(), gate: make(chan struct{}), started: make(chan struct{}, 1)}
	opts := octopii.Options{ID: 1, Dir: "/d", FS: fs, Peers: map[uint64]string{1: "m"}, Transport: net.Transport(1),
		TickInterval: 5 * time.Millisecond, SnapshotEntries: 20, CompactKeepEntries: 5}
	n, err := octopii.Start(opts, sm)
	if err != nil {
		t.Fatal(err)
	}
	for n.Leader() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 25; i++ {
		put(t, n, fmt.Sprint("k", i), "v")
	}
	select {
	case <-sm.started:
	case <-time.After(10 * time.Second):
		t.Fatal("no snapshot started")
	}
	// The snapshot is stuck at the gate; proposals still commit.
	for i := 25; i < 60; i++ {
		put(t, n, fmt.Sprint("k", i), "v")
	}
	if got := n.Metrics().SnapshotIndex; got != 0 {
		t.Fatalf("snapshot index %d before the write finished", got)
	}
	close(sm.gate)
	waitFor(t, "the snapshot to finish", func() bool { return n.Metrics().SnapshotIndex >= 20 })
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	// A restart restores from it and replays the rest.
	sm2 := &slowSnapshots{Machine: kv.New(), gate: make(chan struct{}), started: make(chan struct{}, 1)}
	close(sm2.gate)
	opts.Transport = octopii.NewMemNetwork().Transport(1)
	n, err = octopii.Start(opts, sm2)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	for n.Leader() == 0 {
		time.Sleep(time.Millisecond)
	}
	for _, k := range []string{"k0", "k59"} {
		if v, ok := get(t, n, k); !ok || v != "v" {
			t.Fatalf("after restart %s = %q, %v", k, v, ok)
		}
	}
}

// gatedMachine blocks Apply until its gate opens, stalling the node's loop.
type gatedMachine struct {
	*kv.Machine
	gate    chan struct{}
	entered chan struct{}
}

func (g *gatedMachine) Apply(index uint64, cmd []byte) []byte {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.gate
	return g.Machine.Apply(index, cmd)
}

// TestProposalQueuePushesBack: with the loop busy and the bounded queue
// full, Propose waits for room and gives up with ErrQueueFull when its
// context ends; nothing is lost once the loop moves again.
func TestProposalQueuePushesBack(t *testing.T) {
	sm := &gatedMachine{Machine: kv.New(), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	n, err := octopii.Start(octopii.Options{ID: 1, Dir: "/d", FS: vfs.NewMem(), Peers: map[uint64]string{1: "m"},
		Transport: octopii.NewMemNetwork().Transport(1), TickInterval: 5 * time.Millisecond, MaxPendingProposals: 1}, sm)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	for n.Leader() == 0 {
		time.Sleep(time.Millisecond)
	}
	results := make(chan error, 2)
	go func() { _, err := n.Propose(context.Background(), kv.Put([]byte("a"), nil)); results <- err }()
	<-sm.entered // the loop is stuck applying "a"
	go func() { _, err := n.Propose(context.Background(), kv.Put([]byte("b"), nil)); results <- err }()
	// "b" sits in the one-slot queue; a third proposal finds no room.
	waitFor(t, "the queue to fill", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := n.Propose(ctx, kv.Put([]byte("c"), nil))
		return errors.Is(err, octopii.ErrQueueFull)
	})
	close(sm.gate)
	for i := 0; i < 2; i++ {
		if err := <-results; err != nil {
			t.Fatalf("queued proposal failed: %v", err)
		}
	}
	if _, err := n.Propose(context.Background(), kv.Put([]byte("d"), nil)); err != nil {
		t.Fatalf("propose after the stall: %v", err)
	}
}
