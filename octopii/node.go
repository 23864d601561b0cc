package octopii

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
)

// Defaults for Options.
const (
	DefaultTickInterval        = 100 * time.Millisecond
	DefaultMaxPendingProposals = 4096
	DefaultMaxBatchProposals   = 1024
	DefaultMaxInboundMessages  = 4096
)

// Options configure a Node. The zero value of each field takes its default.
type Options struct {
	// ID is this node's id (nonzero, unique in the cluster).
	ID uint64
	// Dir is the node's data directory.
	Dir string
	// FS is the file system (default the operating system's).
	FS vfs.FS
	// Peers maps the voters of a new cluster to their addresses, this node
	// included. With Join false and no state in Dir, the node bootstraps
	// the cluster with them. Their addresses also seed the address book.
	Peers map[uint64]string
	// Join starts an empty node that waits to be added (AddVoter or
	// AddLearner on a member); Peers then only gives addresses.
	Join bool
	// Transport builds the node's transport around its Handler.
	Transport func(Handler) (Transport, error)
	// TickInterval is the length of a Raft tick (default 100ms). The
	// election timeout is ElectionTicks ticks.
	TickInterval time.Duration
	// ElectionTicks, HeartbeatTicks, SnapshotEntries, CompactKeepEntries,
	// LeaseReads: see ReplicaConfig.
	ElectionTicks, HeartbeatTicks       int
	SnapshotEntries, CompactKeepEntries uint64
	SnapshotBytes                       uint64
	LeaseReads                          bool
	// MaxPendingProposals bounds the queue of proposals and reads waiting
	// for the node's loop (default 4096); callers wait for room.
	MaxPendingProposals int
	// MaxBatchProposals bounds the proposals taken into one Raft Ready, and
	// so into one fdatasync (default 1024).
	MaxBatchProposals int
	// MaxInboundMessages bounds the messages received but not yet stepped
	// (default 4096); beyond it messages are dropped (Raft retransmits).
	MaxInboundMessages int
	// Logger receives events; nil discards them.
	Logger *slog.Logger
}

// Validate reports a field out of range.
func (o *Options) Validate() error {
	switch {
	case o.ID == 0:
		return errors.New("octopii: options: ID must be nonzero")
	case o.Dir == "":
		return errors.New("octopii: options: Dir is empty")
	case o.Transport == nil:
		return errors.New("octopii: options: Transport is nil")
	case !o.Join && len(o.Peers) == 0:
		return errors.New("octopii: options: Peers is empty (set Join to join an existing cluster)")
	case o.TickInterval < 0 || o.MaxPendingProposals < 0 || o.MaxBatchProposals < 0 || o.MaxInboundMessages < 0:
		return errors.New("octopii: options: negative bound")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.TickInterval == 0 {
		o.TickInterval = DefaultTickInterval
	}
	if o.MaxPendingProposals == 0 {
		o.MaxPendingProposals = DefaultMaxPendingProposals
	}
	if o.MaxBatchProposals == 0 {
		o.MaxBatchProposals = DefaultMaxBatchProposals
	}
	if o.MaxInboundMessages == 0 {
		o.MaxInboundMessages = DefaultMaxInboundMessages
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

type snapshotReport struct {
	id     uint64
	failed bool
}

type requestKind uint8

const (
	reqPropose requestKind = iota
	reqRead
	reqConfChange
)

type request struct {
	kind requestKind
	data []byte
	cc   raftpb.ConfChangeV2
	addr string
	done chan Result
	id   uint64
	err  error
	// canceled: the caller gave up before the loop took the request.
	// Loop goroutine only.
	canceled bool
}

// Node runs a Replica on its own goroutine with a real clock and a
// transport: the production form of an Octopii cluster member.
//
// Propose and Read are safe for concurrent use; the node batches the
// proposals that arrive while it persists the previous batch, so
// concurrent callers share fdatasyncs.
type Node struct {
	opts Options
	rep  *Replica
	tr   Transport

	propc chan *request
	recvc chan raftpb.Message
	ctlc  chan func()
	stopc chan struct{}
	donec chan struct{}
	// closing is closed when the loop starts shutting down, so that
	// transport goroutines never wait on a loop that is gone.
	closing chan struct{}
	once    sync.Once

	// Snapshot outcomes reported by the transport, drained by the loop.
	// A list, not a channel send, because the transport may report from
	// within SendSnapshot, on the loop goroutine itself.
	reportMu sync.Mutex
	reports  []snapshotReport
	cancels  []*request // requests whose callers gave up
	wake     chan struct{}

	waiters map[uint64]*request // by request id; loop goroutine only
	known   map[uint64]string   // peers given to the transport; loop only

	err     atomic.Pointer[error]
	metrics nodeMetrics
}

type nodeMetrics struct {
	proposals, proposalsDropped, reads, readsFailed atomic.Uint64
	readies, messagesSent, messagesDropped          atomic.Uint64
	snapshotsSent, snapshotsReceived                atomic.Uint64
	applied, commit, term, leader, snapshotIndex    atomic.Uint64
	state                                           atomic.Uint32
}

// Metrics is a snapshot of a node's counters and Raft state.
type Metrics struct {
	Proposals         uint64 `json:"proposals"`         // proposals taken
	ProposalsDropped  uint64 `json:"proposals_dropped"` // dropped by Raft at once (no leader)
	Reads             uint64 `json:"reads"`
	ReadsFailed       uint64 `json:"reads_failed"`
	Readies           uint64 `json:"readies"` // Ready cycles processed (one persist each)
	MessagesSent      uint64 `json:"messages_sent"`
	MessagesDropped   uint64 `json:"messages_dropped"` // inbound messages dropped on a full queue
	SnapshotsSent     uint64 `json:"snapshots_sent"`
	SnapshotsReceived uint64 `json:"snapshots_received"`
	Applied           uint64 `json:"applied"`
	Commit            uint64 `json:"commit"`
	Term              uint64 `json:"term"`
	Leader            uint64 `json:"leader"`
	SnapshotIndex     uint64 `json:"snapshot_index"`
	State             string `json:"state"` // follower, candidate, pre-candidate, leader
}

// Start opens the node's replica and starts it. With no state in
// opts.Dir it bootstraps (opts.Peers) or waits to join (opts.Join).
func Start(opts Options, sm StateMachine) (*Node, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	var peers []uint64
	if !opts.Join {
		for id := range opts.Peers {
			peers = append(peers, id)
		}
		slices.Sort(peers)
	}
	var n *Node
	rep, err := OpenReplica(ReplicaConfig{
		SendEarly: func(msgs []raftpb.Message) { n.send(msgs) },
		Background: func(job func()) {
			go func() {
				job()
				n.kick()
			}()
		},
		ID: opts.ID, Dir: opts.Dir, FS: opts.FS, StateMachine: sm,
		Addrs: opts.Peers, Peers: peers,
		ElectionTicks: opts.ElectionTicks, HeartbeatTicks: opts.HeartbeatTicks,
		SnapshotEntries: opts.SnapshotEntries, CompactKeepEntries: opts.CompactKeepEntries,
		SnapshotBytes: opts.SnapshotBytes,
		LeaseReads:    opts.LeaseReads, Logger: opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	n = &Node{
		opts:    opts,
		rep:     rep,
		propc:   make(chan *request, opts.MaxPendingProposals),
		recvc:   make(chan raftpb.Message, opts.MaxInboundMessages),
		ctlc:    make(chan func(), 64),
		stopc:   make(chan struct{}),
		donec:   make(chan struct{}),
		closing: make(chan struct{}),
		wake:    make(chan struct{}, 1),
		waiters: map[uint64]*request{},
		known:   map[uint64]string{},
	}
	tr, err := opts.Transport(n)
	if err != nil {
		rep.Close()
		return nil, fmt.Errorf("octopii: start transport: %w", err)
	}
	n.tr = tr
	n.syncPeers()
	go n.run()
	return n, nil
}

// ID returns the node's id.
func (n *Node) ID() uint64 { return n.opts.ID }

func (n *Node) run() {
	defer close(n.donec)
	ticker := time.NewTicker(n.opts.TickInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			n.rep.Tick()
		case m := <-n.recvc:
			n.rep.Step(m)
			for i := 0; i < n.opts.MaxInboundMessages; i++ {
				select {
				case m := <-n.recvc:
					n.rep.Step(m)
					continue
				default:
				}
				break
			}
		case req := <-n.propc:
			n.submit(req)
			for i := 1; i < n.opts.MaxBatchProposals; i++ {
				select {
				case req := <-n.propc:
					n.submit(req)
					continue
				default:
				}
				break
			}
		case fn := <-n.ctlc:
			fn()
		case <-n.wake:
		case <-n.stopc:
			n.shutdown(ErrStopped)
			return
		}
		n.reportMu.Lock()
		reports, cancels := n.reports, n.cancels
		n.reports, n.cancels = nil, nil
		n.reportMu.Unlock()
		for _, r := range reports {
			n.rep.ReportSnapshot(r.id, r.failed)
		}
		for _, req := range cancels {
			n.cancel(req)
		}
		if err := n.process(); err != nil {
			n.opts.Logger.Error("node failed; restart it to recover", "id", n.opts.ID, "err", err)
			n.shutdown(err)
			return
		}
	}
}

// cancel forgets a request whose caller gave up: its waiter if it was
// submitted, or the request itself if it is still queued (it is then
// never proposed).
func (n *Node) cancel(req *request) {
	if req.id == 0 {
		req.canceled = true
		return
	}
	if n.waiters[req.id] == req {
		delete(n.waiters, req.id)
		if req.kind == reqRead {
			n.rep.Forget(req.id)
		}
	}
}

// submit hands one request to the replica.
func (n *Node) submit(req *request) {
	if req.canceled {
		return
	}
	var err error
	switch req.kind {
	case reqPropose:
		req.id, err = n.rep.Propose(req.data)
		n.metrics.proposals.Add(1)
	case reqRead:
		req.id, err = n.rep.Read(req.data)
		n.metrics.reads.Add(1)
	case reqConfChange:
		req.id, err = n.rep.ProposeConfChange(req.cc, req.addr)
	}
	if err != nil {
		if errors.Is(err, ErrDropped) {
			n.metrics.proposalsDropped.Add(1)
		}
		req.done <- Result{Err: err}
		return
	}
	n.waiters[req.id] = req
}

func (n *Node) process() error {
	out, err := n.rep.Process()
	n.metrics.readies.Add(1)
	n.send(out.Messages)
	for _, r := range out.Results {
		if req, ok := n.waiters[r.ID]; ok {
			delete(n.waiters, r.ID)
			if req.kind == reqRead && r.Err != nil {
				n.metrics.readsFailed.Add(1)
			}
			req.done <- r
		}
	}
	if out.PeersChanged {
		n.syncPeers()
	}
	st := n.rep.BasicStatus()
	n.metrics.applied.Store(n.rep.Applied())
	n.metrics.commit.Store(st.Commit)
	n.metrics.term.Store(st.Term)
	n.metrics.leader.Store(st.Lead)
	n.metrics.state.Store(uint32(st.RaftState))
	n.metrics.snapshotIndex.Store(n.rep.SnapshotIndex())
	return err
}

// send hands msgs to the transport: snapshots streamed on their own, the
// rest in one batch.
func (n *Node) send(msgs []raftpb.Message) {
	batch := msgs[:0:0]
	for _, m := range msgs {
		if m.Type == raftpb.MsgSnap {
			n.sendSnapshot(m)
			continue
		}
		batch = append(batch, m)
	}
	if len(batch) > 0 {
		n.tr.Send(batch)
		n.metrics.messagesSent.Add(uint64(len(batch)))
	}
}

func (n *Node) sendSnapshot(m raftpb.Message) {
	body, size, err := n.rep.SnapshotBody(m)
	if err != nil {
		n.opts.Logger.Warn("open snapshot to send", "to", m.To, "err", err)
		n.rep.ReportSnapshot(m.To, true)
		return
	}
	n.metrics.snapshotsSent.Add(1)
	n.tr.SendSnapshot(m, body, size)
}

// syncPeers gives the transport the address book's changes.
func (n *Node) syncPeers() {
	peers := n.rep.Peers()
	for id, addr := range peers {
		if id != n.opts.ID && n.known[id] != addr {
			n.tr.AddPeer(id, addr)
			n.known[id] = addr
		}
	}
	for id := range n.known {
		if _, ok := peers[id]; !ok {
			n.tr.RemovePeer(id)
			delete(n.known, id)
		}
	}
}

// shutdown fails every waiting request and closes the replica.
func (n *Node) shutdown(cause error) {
	n.err.CompareAndSwap(nil, &cause)
	close(n.closing)
	for id, req := range n.waiters {
		delete(n.waiters, id)
		req.done <- Result{Err: cause}
	}
	for {
		select {
		case req := <-n.propc:
			req.done <- Result{Err: cause}
			continue
		default:
		}
		break
	}
	n.tr.Close()
	n.rep.Close()
}

// do runs fn on the node's goroutine and waits for it.
func (n *Node) do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case n.ctlc <- func() { fn(); close(done) }:
	case <-n.donec:
		return n.stoppedErr()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-n.donec:
		return n.stoppedErr()
	}
}

func (n *Node) stoppedErr() error {
	if p := n.err.Load(); p != nil {
		return *p
	}
	return ErrStopped
}

// submitWait queues req (waiting for room while the queue is full) and
// waits for its result.
func (n *Node) submitWait(ctx context.Context, req *request) (Result, error) {
	req.done = make(chan Result, 1)
	select {
	case n.propc <- req:
	case <-n.donec:
		return Result{}, n.stoppedErr()
	case <-ctx.Done():
		return Result{}, fmt.Errorf("%w: %w", ErrQueueFull, ctx.Err())
	}
	select {
	case r := <-req.done:
		return r, r.Err
	case <-ctx.Done():
		// Forget the waiter (a proposal may still be applied later). The
		// loop does it when it next runs; the caller never waits for a
		// loop that may be busy.
		n.reportMu.Lock()
		n.cancels = append(n.cancels, req)
		n.reportMu.Unlock()
		n.kick()
		return Result{}, ctx.Err()
	case <-n.donec:
		select {
		case r := <-req.done:
			return r, r.Err
		default:
		}
		return Result{}, n.stoppedErr()
	}
}

// Propose replicates cmd and returns the state machine's result once it is
// committed and applied on this node. If ctx ends first, the command may
// still be applied later.
func (n *Node) Propose(ctx context.Context, cmd []byte) ([]byte, error) {
	r, err := n.submitWait(ctx, &request{kind: reqPropose, data: cmd})
	return r.Value, err
}

// Read answers query linearizably: after everything committed before the
// call has been applied here (ReadIndex; with LeaseReads, the leader's lease).
func (n *Node) Read(ctx context.Context, query []byte) ([]byte, error) {
	r, err := n.submitWait(ctx, &request{kind: reqRead, data: query})
	return r.Value, err
}

func (n *Node) confChange(ctx context.Context, typ raftpb.ConfChangeType, id uint64, addr string) error {
	cc := raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{{Type: typ, NodeID: id}}}
	_, err := n.submitWait(ctx, &request{kind: reqConfChange, cc: cc, addr: addr})
	return err
}

// AddVoter adds node id, listening at addr, as a voter (or promotes a
// learner); it returns once the change is applied here.
func (n *Node) AddVoter(ctx context.Context, id uint64, addr string) error {
	return n.confChange(ctx, raftpb.ConfChangeAddNode, id, addr)
}

// AddLearner adds node id as a learner: it receives the log but does not vote.
func (n *Node) AddLearner(ctx context.Context, id uint64, addr string) error {
	return n.confChange(ctx, raftpb.ConfChangeAddLearnerNode, id, addr)
}

// RemoveNode removes node id from the cluster.
func (n *Node) RemoveNode(ctx context.Context, id uint64) error {
	return n.confChange(ctx, raftpb.ConfChangeRemoveNode, id, "")
}

// ChangeMembership applies several changes at once through joint consensus
// (ConfChangeV2), leaving the joint configuration automatically.
func (n *Node) ChangeMembership(ctx context.Context, changes []raftpb.ConfChangeSingle, addr string) error {
	cc := raftpb.ConfChangeV2{Changes: changes}
	_, err := n.submitWait(ctx, &request{kind: reqConfChange, cc: cc, addr: addr})
	return err
}

// TransferLeadership asks the leader to hand over to id, and waits until
// this node sees id lead (or ctx ends). Raft abandons a transfer that does
// not finish within an election timeout (the transferee lagged too far), so
// the request is repeated until it takes.
func (n *Node) TransferLeadership(ctx context.Context, id uint64) error {
	retry := time.Duration(n.rep.cfg.ElectionTicks) * n.opts.TickInterval * 2
	for {
		if err := n.do(ctx, func() { n.rep.TransferLeadership(id) }); err != nil {
			return err
		}
		deadline := time.Now().Add(retry)
		for time.Now().Before(deadline) {
			if n.metrics.leader.Load() == id {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-n.donec:
				return n.stoppedErr()
			case <-time.After(n.opts.TickInterval / 4):
			}
		}
	}
}

// Campaign makes this node start an election.
func (n *Node) Campaign(ctx context.Context) error {
	var err error
	if derr := n.do(ctx, func() { err = n.rep.Campaign() }); derr != nil {
		return derr
	}
	return err
}

// Status returns Raft's full view of this node (progress of followers
// included on a leader).
func (n *Node) Status(ctx context.Context) (raft.Status, error) {
	var st raft.Status
	err := n.do(ctx, func() { st = n.rep.Status() })
	return st, err
}

// Leader returns the id of the leader this node knows, 0 if none.
func (n *Node) Leader() uint64 { return n.metrics.leader.Load() }

// Metrics returns the node's counters.
func (n *Node) Metrics() Metrics {
	m := &n.metrics
	return Metrics{
		Proposals: m.proposals.Load(), ProposalsDropped: m.proposalsDropped.Load(),
		Reads: m.reads.Load(), ReadsFailed: m.readsFailed.Load(),
		Readies: m.readies.Load(), MessagesSent: m.messagesSent.Load(), MessagesDropped: m.messagesDropped.Load(),
		SnapshotsSent: m.snapshotsSent.Load(), SnapshotsReceived: m.snapshotsReceived.Load(),
		Applied: m.applied.Load(), Commit: m.commit.Load(), Term: m.term.Load(), Leader: m.leader.Load(),
		SnapshotIndex: m.snapshotIndex.Load(), State: stateName(raft.StateType(m.state.Load())),
	}
}

func stateName(s raft.StateType) string {
	switch s {
	case raft.StateFollower:
		return "follower"
	case raft.StateCandidate:
		return "candidate"
	case raft.StatePreCandidate:
		return "pre-candidate"
	case raft.StateLeader:
		return "leader"
	}
	return s.String()
}

// Stop stops the node: pending requests fail with ErrStopped, the transport
// and the log are closed. It returns the error that failed the node, if one
// did.
func (n *Node) Stop() error {
	n.once.Do(func() { close(n.stopc) })
	<-n.donec
	if p := n.err.Load(); p != nil && !errors.Is(*p, ErrStopped) {
		return *p
	}
	return nil
}

// Done is closed when the node's loop has exited (stopped or failed).
func (n *Node) Done() <-chan struct{} { return n.donec }

// HandleMessage implements Handler.
func (n *Node) HandleMessage(m raftpb.Message) {
	select {
	case n.recvc <- m:
	default:
		n.metrics.messagesDropped.Add(1)
	}
}

// HandleSnapshot implements Handler: it stores the streamed snapshot file,
// then steps the message.
func (n *Node) HandleSnapshot(m raftpb.Message, body io.Reader) error {
	if err := n.rep.ReceiveSnapshot(m, body); err != nil {
		return err
	}
	n.metrics.snapshotsReceived.Add(1)
	select {
	case n.recvc <- m:
		return nil
	case <-n.closing:
		return n.stoppedErr()
	}
}

// ReportUnreachable implements Handler.
func (n *Node) ReportUnreachable(id uint64) {
	select {
	case n.ctlc <- func() { n.rep.ReportUnreachable(id) }:
	default:
	}
}

// ReportSnapshot implements Handler. It never blocks: the report is queued
// for the loop, which may be the caller.
func (n *Node) ReportSnapshot(id uint64, failed bool) {
	n.reportMu.Lock()
	n.reports = append(n.reports, snapshotReport{id, failed})
	n.reportMu.Unlock()
	n.kick()
}

// kick wakes the loop without blocking.
func (n *Node) kick() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}
