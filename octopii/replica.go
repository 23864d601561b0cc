package octopii

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path"
	"slices"
	"sync"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
)

// StateMachine is the service a cluster replicates. Every node applies the
// same commands in the same order; the state machine turns them into the
// same state and the same results.
//
// Its methods are called from one goroutine at a time (the node's), never
// concurrently with each other.
type StateMachine interface {
	// Apply executes one committed command and returns its result. It must
	// be deterministic: a function of the state and cmd only (no clock, no
	// randomness, no map iteration order). index is the command's log
	// index, increasing from call to call.
	Apply(index uint64, cmd []byte) []byte
	// Query answers a read-only query against the current state.
	Query(query []byte) ([]byte, error)
	// Snapshot writes the whole state to w. The format is the state
	// machine's own; Restore must read it back.
	Snapshot(w io.Writer) error
	// Restore replaces the whole state with what Snapshot wrote.
	Restore(r io.Reader) error
}

// AsyncSnapshotter is implemented by a StateMachine whose state is too large
// to write while the node waits. SnapshotFunc runs on the node's goroutine,
// between two Applies: it captures the state as it is (a copy-on-write
// version, an immutable tree's root) and returns a function that writes
// that captured state. The function runs on another goroutine while Apply
// goes on, so it must not read what Apply changes.
type AsyncSnapshotter interface {
	SnapshotFunc() func(w io.Writer) error
}

// Errors a proposal or read can end with.
var (
	// ErrDropped is returned when Raft drops a proposal at once: no leader
	// is known, or leadership is being transferred. Retry later.
	ErrDropped = errors.New("octopii: proposal dropped (no leader)")
	// ErrStopped is returned by a Node that has been stopped or failed.
	ErrStopped = errors.New("octopii: node stopped")
	// ErrQueueFull is returned when the proposal queue is full and the
	// caller's context ended while waiting for room.
	ErrQueueFull = errors.New("octopii: proposal queue full")
)

// Defaults for ReplicaConfig.
const (
	DefaultElectionTicks      = 10
	DefaultHeartbeatTicks     = 1
	DefaultSnapshotEntries    = 10000
	DefaultSnapshotBytes      = 64 << 20
	DefaultCompactKeepEntries = 5000
	DefaultMaxSizePerMsg      = 1 << 20
	DefaultMaxInflightMsgs    = 256
	DefaultMaxUncommittedSize = 64 << 20
	DefaultSegmentSizeBytes   = 64 << 20
)

// ReplicaConfig configures a Replica. Zero fields take the defaults above.
type ReplicaConfig struct {
	// ID is this node's Raft id; nonzero and unique in the cluster.
	ID uint64
	// Dir holds the node's Raft log (Dir/log, a walrus Log) and snapshot
	// files (Dir/snap).
	Dir string
	// FS is the file system (default vfs.Default).
	FS vfs.FS
	// StateMachine is the replicated service.
	StateMachine StateMachine
	// Addrs are known peer addresses (for the transport); conf changes and
	// snapshots add to them.
	Addrs map[uint64]string
	// Peers are the voters of a new cluster, this node among them. When the
	// node has no state yet and Peers is set, it bootstraps the cluster
	// with them; when Peers is empty, it starts empty and waits to be
	// added by a leader (join). Ignored once the node has state.
	Peers []uint64
	// ElectionTicks and HeartbeatTicks are Raft's timeouts in ticks.
	ElectionTicks, HeartbeatTicks int
	// SnapshotEntries: a snapshot is taken once this many entries were
	// applied since the last one.
	SnapshotEntries uint64
	// SnapshotBytes: a snapshot is also taken once the commands applied
	// since the last one add up to this many bytes (default 64 MiB), so a
	// log of large commands is compacted before it grows large.
	SnapshotBytes uint64
	// CompactKeepEntries: entries kept in memory behind a snapshot, so a
	// slightly lagging follower catches up from the log, not a snapshot.
	CompactKeepEntries uint64
	// MaxSizePerMsg, MaxInflightMsgs, MaxUncommittedBytes bound Raft's
	// replication messages, pipelining and uncommitted log (raft.Config).
	MaxSizePerMsg       uint64
	MaxInflightMsgs     int
	MaxUncommittedBytes uint64
	// LeaseReads serves Read from the leader's lease (no quorum round trip)
	// instead of ReadIndex. It relies on bounded clock drift between nodes.
	LeaseReads bool
	// SegmentSizeBytes is the walrus segment size of the Raft log.
	SegmentSizeBytes int64
	// Incarnation tags this run's proposals, so that results are matched
	// to their callers across restarts; 0 draws one from crypto/rand.
	Incarnation uint64
	// Logger receives events; nil discards them.
	Logger *slog.Logger
	// Now is the clock for the log's timestamps (default time.Now).
	Now func() time.Time
	// SendEarly, if set, receives a leader's messages before the Ready's
	// entries are saved, so that replication overlaps the leader's own
	// fdatasync; messages it is given are not in Output.Messages. It is
	// called on the replica's goroutine and must not block.
	SendEarly func([]raftpb.Message)
	// Background, if set, runs a snapshot's write off the replica's
	// goroutine when the state machine implements AsyncSnapshotter (a Node
	// runs it on a goroutine of its own). Nil writes snapshots inline.
	Background func(job func())
	// UnsafeNoSync makes the Raft log skip fdatasync, breaking the
	// durability contract. It exists only so that tests can prove the
	// simulator catches lost acknowledged writes. Never set it otherwise.
	UnsafeNoSync bool
}

func (c *ReplicaConfig) validate() error {
	switch {
	case c.ID == 0:
		return errors.New("octopii: config: ID must be nonzero")
	case c.Dir == "":
		return errors.New("octopii: config: Dir is empty")
	case c.StateMachine == nil:
		return errors.New("octopii: config: StateMachine is nil")
	case c.ElectionTicks < 0 || c.HeartbeatTicks < 0:
		return errors.New("octopii: config: negative ticks")
	}
	return nil
}

func (c ReplicaConfig) withDefaults() ReplicaConfig {
	if c.FS == nil {
		c.FS = vfs.Default
	}
	if c.ElectionTicks == 0 {
		c.ElectionTicks = DefaultElectionTicks
	}
	if c.HeartbeatTicks == 0 {
		c.HeartbeatTicks = DefaultHeartbeatTicks
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = DefaultSnapshotEntries
	}
	if c.CompactKeepEntries == 0 {
		c.CompactKeepEntries = DefaultCompactKeepEntries
	}
	if c.SnapshotBytes == 0 {
		c.SnapshotBytes = DefaultSnapshotBytes
	}
	if c.MaxSizePerMsg == 0 {
		c.MaxSizePerMsg = DefaultMaxSizePerMsg
	}
	if c.MaxInflightMsgs == 0 {
		c.MaxInflightMsgs = DefaultMaxInflightMsgs
	}
	if c.MaxUncommittedBytes == 0 {
		c.MaxUncommittedBytes = DefaultMaxUncommittedSize
	}
	if c.SegmentSizeBytes == 0 {
		c.SegmentSizeBytes = DefaultSegmentSizeBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Result is the outcome of a proposal, a configuration change or a read.
type Result struct {
	// ID is what Propose, ProposeConfChange or Read returned.
	ID uint64
	// Index is the log index the command was applied at; for a read, the
	// index the read was served at (everything up to it was applied).
	Index uint64
	// Value is the state machine's result (Apply or Query).
	Value []byte
	// Err is set when a read's Query failed.
	Err error
}

// Output is what one Process call produced.
type Output struct {
	// Messages go to peers, now that what they depend on is durable. A
	// MsgSnap's body is read with SnapshotBody.
	Messages []raftpb.Message
	// Results complete this replica's proposals and reads.
	Results []Result
	// PeersChanged says the membership or the address book changed (see
	// Peers).
	PeersChanged bool
	// Applied lists the (index, term) of each entry applied, in order,
	// conf changes and empty entries included (for the simulator's oracles).
	Applied []AppliedEntry
}

// AppliedEntry identifies one applied log entry.
type AppliedEntry struct {
	Index, Term uint64
	Type        raftpb.EntryType
	// Data is the entry's payload as stored in the log.
	Data []byte
	// Duplicate: the entry repeats a proposal already applied (a network
	// duplicate or a retry); the state machine did not see it.
	Duplicate bool
}

// Entry payload header (docs/format/octopii.md): a command proposed
// through Propose is stored as kind, incarnation, sequence, command.
const (
	payloadCommand = 1
	payloadHeader  = 17
)

type pendingRead struct {
	id    uint64
	query []byte
	index uint64 // 0 until Raft has answered with a read index
}

// Replica is the deterministic core of a Node: a Raft RawNode, its durable
// log and snapshots, and the state machine. It has no goroutines, no clock
// and no network; it touches files only through its FS. A Node drives one
// on a goroutine; the simulator drives many from one goroutine.
//
// The caller's loop: feed it ticks (Tick), messages (Step) and requests
// (Propose, Read, ProposeConfChange, TransferLeadership), then call Process,
// send Output.Messages and deliver Output.Results. Process persists before
// it returns messages, so sending them at once obeys Raft's rule that
// nothing is sent before the state it depends on is durable.
//
// Replica is not safe for concurrent use, except ReceiveSnapshot.
type Replica struct {
	cfg   ReplicaConfig
	rn    *raft.RawNode
	ms    *raft.MemoryStorage
	log   *logStore
	snaps *snapStore
	sm    StateMachine

	seq         uint64
	applied     uint64
	appliedTerm uint64
	snapIndex   uint64
	snapBytes   uint64 // command bytes applied since the last snapshot
	// A snapshot being written by Background (AsyncSnapshotter).
	snapInFlight bool
	snapDone     chan snapshotOutcome
	bg           sync.WaitGroup
	confState    raftpb.ConfState
	peers        map[uint64]string   // address book: initial peers, snapshots, conf changes
	sessions     map[uint64]*session // applied proposals, per incarnation (session.go)
	reads        map[string]*pendingRead
	readQueue    []*pendingRead // answered by Raft, waiting for applied >= index
	failed       error
}

// OpenReplica opens (or creates) the replica in cfg.Dir: it recovers the
// Raft log, restores the newest snapshot into the state machine and
// replays nothing else (Raft re-applies the committed entries after the
// snapshot through Process).
func OpenReplica(cfg ReplicaConfig) (*Replica, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	fs := cfg.FS
	if err := makeDirs(fs, cfg.Dir, "snap", "log"); err != nil {
		return nil, fmt.Errorf("octopii: create %s: %w", cfg.Dir, err)
	}
	snaps := &snapStore{fs: fs, dir: cfg.Dir + "/snap"}
	if err := snaps.removeTemporary(); err != nil {
		return nil, fmt.Errorf("octopii: open snapshots: %w", err)
	}
	ls, err := openLogStore(storeOptions{fs: fs, dir: cfg.Dir + "/log", noSync: cfg.UnsafeNoSync,
		now: cfg.Now, logger: cfg.Logger, segmentBytes: cfg.SegmentSizeBytes})
	if err != nil {
		return nil, err
	}
	r := &Replica{cfg: cfg, log: ls, snaps: snaps, sm: cfg.StateMachine, reads: map[string]*pendingRead{}, peers: map[uint64]string{}, sessions: map[uint64]*session{},
		snapDone: make(chan snapshotOutcome, 1)}
	for id, a := range cfg.Addrs {
		r.peers[id] = a
	}
	if err := r.start(); err != nil {
		ls.close()
		return nil, err
	}
	return r, nil
}

// makeDirs creates dir's subdirectories durably: dir and its parent are
// synced, so a power loss cannot take the names back. (Directories above
// dir's parent are the operator's.)
func makeDirs(fs vfs.FS, dir string, subs ...string) error {
	for _, sub := range subs {
		if err := fs.MkdirAll(dir+"/"+sub, 0o755); err != nil {
			return err
		}
	}
	if err := vfs.SyncDir(fs, dir); err != nil {
		return err
	}
	return vfs.SyncDir(fs, path.Dir(dir))
}

func (r *Replica) start() error {
	cfg := r.cfg
	st := r.log.state
	r.ms = raft.NewMemoryStorage()
	if st.snap.Index > 0 {
		if err := r.snaps.restore(st.snap, r.restoreState); err != nil {
			return err
		}
		if err := r.ms.ApplySnapshot(raftpb.Snapshot{Metadata: st.snap}); err != nil {
			return fmt.Errorf("octopii: load snapshot: %w", err)
		}
		r.applied, r.appliedTerm, r.snapIndex = st.snap.Index, st.snap.Term, st.snap.Index
		r.confState = st.snap.ConfState
	}
	if st.hard.Commit < st.snap.Index {
		st.hard.Commit = st.snap.Index // a snapshot holds only committed entries
	}
	if err := r.ms.SetHardState(st.hard); err != nil {
		return fmt.Errorf("octopii: load hard state: %w", err)
	}
	if err := r.ms.Append(st.entries); err != nil {
		return fmt.Errorf("octopii: load entries: %w", err)
	}
	readOnly := raft.ReadOnlySafe
	if cfg.LeaseReads {
		readOnly = raft.ReadOnlyLeaseBased
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID:                        cfg.ID,
		ElectionTick:              cfg.ElectionTicks,
		HeartbeatTick:             cfg.HeartbeatTicks,
		Storage:                   r.ms,
		Applied:                   r.applied,
		MaxSizePerMsg:             cfg.MaxSizePerMsg,
		MaxInflightMsgs:           cfg.MaxInflightMsgs,
		MaxUncommittedEntriesSize: cfg.MaxUncommittedBytes,
		CheckQuorum:               true,
		PreVote:                   true,
		ReadOnlyOption:            readOnly,
		StepDownOnRemoval:         true,
		Logger:                    raftLogger{cfg.Logger},
	})
	if err != nil {
		return fmt.Errorf("octopii: start raft: %w", err)
	}
	r.rn = rn
	fresh := st.snap.Index == 0 && len(st.entries) == 0 && raft.IsEmptyHardState(st.hard)
	if fresh && len(cfg.Peers) > 0 {
		peers := make([]raft.Peer, len(cfg.Peers))
		for i, id := range cfg.Peers {
			peers[i] = raft.Peer{ID: id}
		}
		if err := rn.Bootstrap(peers); err != nil {
			return fmt.Errorf("octopii: bootstrap: %w", err)
		}
	}
	r.seq = 0
	if cfg.Incarnation == 0 {
		var b [8]byte
		crand.Read(b[:])
		r.cfg.Incarnation = binary.BigEndian.Uint64(b[:]) | 1
	}
	return nil
}

// ID returns the replica's node id.
func (r *Replica) ID() uint64 { return r.cfg.ID }

// Tick advances Raft's logical clock by one tick.
func (r *Replica) Tick() { r.rn.Tick() }

// Step delivers a message from a peer. Messages Raft cannot use (from
// removed nodes, stale terms) are dropped without an error.
func (r *Replica) Step(m raftpb.Message) {
	if err := r.rn.Step(m); err != nil {
		r.cfg.Logger.Debug("step dropped", "from", m.From, "type", m.Type, "err", err)
	}
}

// Campaign makes this node start an election now.
func (r *Replica) Campaign() error { return r.rn.Campaign() }

func (r *Replica) nextID() (uint64, [16]byte) {
	r.seq++
	var tag [16]byte
	binary.BigEndian.PutUint64(tag[:], r.cfg.Incarnation)
	binary.BigEndian.PutUint64(tag[8:], r.seq)
	return r.seq, tag
}

// Propose hands cmd to Raft and returns the id its Result will carry. It
// returns ErrDropped when Raft drops the proposal at once (no leader).
func (r *Replica) Propose(cmd []byte) (uint64, error) {
	if r.failed != nil {
		return 0, r.failed
	}
	id, tag := r.nextID()
	data := make([]byte, 1+len(tag)+len(cmd))
	data[0] = payloadCommand
	copy(data[1:], tag[:])
	copy(data[payloadHeader:], cmd)
	if err := r.rn.Propose(data); err != nil {
		if errors.Is(err, raft.ErrProposalDropped) {
			return 0, ErrDropped
		}
		return 0, fmt.Errorf("octopii: propose: %w", err)
	}
	return id, nil
}

// ProposeConfChange proposes a membership change (joint consensus when it
// changes more than one voter). addr, if set, is where the nodes it adds
// listen; every node learns it when the change is applied. Its Result has
// no value.
func (r *Replica) ProposeConfChange(cc raftpb.ConfChangeV2, addr string) (uint64, error) {
	if r.failed != nil {
		return 0, r.failed
	}
	id, tag := r.nextID()
	cc.Context = append(tag[:], addr...)
	if err := r.rn.ProposeConfChange(cc); err != nil {
		if errors.Is(err, raft.ErrProposalDropped) {
			return 0, ErrDropped
		}
		return 0, fmt.Errorf("octopii: propose conf change: %w", err)
	}
	return id, nil
}

// Read starts a linearizable read: the query runs once this replica has
// applied everything committed before the read began (ReadIndex, or the
// leader's lease with LeaseReads). With no leader known it returns
// ErrDropped; a read lost on the way (a leader change) is never answered,
// so the caller times out and retries.
func (r *Replica) Read(query []byte) (uint64, error) {
	if r.failed != nil {
		return 0, r.failed
	}
	if r.rn.BasicStatus().Lead == raft.None {
		return 0, ErrDropped // Raft would drop it silently
	}
	id, tag := r.nextID()
	r.reads[string(tag[:])] = &pendingRead{id: id, query: query}
	r.rn.ReadIndex(tag[:])
	return id, nil
}

// Forget drops a pending read the caller gave up on.
func (r *Replica) Forget(id uint64) {
	for k, p := range r.reads {
		if p.id == id {
			delete(r.reads, k)
		}
	}
}

// TransferLeadership asks the leader to hand leadership to id.
func (r *Replica) TransferLeadership(id uint64) { r.rn.TransferLeader(id) }

// ReportUnreachable tells Raft a message to id was not delivered.
func (r *Replica) ReportUnreachable(id uint64) { r.rn.ReportUnreachable(id) }

// ReportSnapshot tells Raft whether the snapshot sent to id arrived.
func (r *Replica) ReportSnapshot(id uint64, failed bool) {
	st := raft.SnapshotFinish
	if failed {
		st = raft.SnapshotFailure
	}
	r.rn.ReportSnapshot(id, st)
}

// Status returns Raft's view of this node.
func (r *Replica) Status() raft.Status { return r.rn.Status() }

// BasicStatus returns Raft's view of this node without progress.
func (r *Replica) BasicStatus() raft.BasicStatus { return r.rn.BasicStatus() }

// Applied returns the index of the last applied entry.
func (r *Replica) Applied() uint64 { return r.applied }

// SnapshotIndex returns the index of the newest snapshot.
func (r *Replica) SnapshotIndex() uint64 { return r.snapIndex }

// ConfState returns the applied membership.
func (r *Replica) ConfState() raftpb.ConfState { return r.confState }

// SnapshotBody opens the snapshot file a MsgSnap names, for streaming.
func (r *Replica) SnapshotBody(m raftpb.Message) (io.ReadCloser, int64, error) {
	return r.snaps.open(m.Snapshot.Metadata)
}

// ReceiveSnapshot stores the body of a MsgSnap streamed by a leader; call it
// before Step(m). It may run on any goroutine, concurrently with the rest.
func (r *Replica) ReceiveSnapshot(m raftpb.Message, body io.Reader) error {
	if m.Type != raftpb.MsgSnap || m.Snapshot == nil {
		return fmt.Errorf("octopii: receive snapshot: message is %v", m.Type)
	}
	return r.snaps.receive(m.Snapshot.Metadata, body)
}

// Failed reports the error that stopped the replica, if any. A replica
// whose disk failed must be closed and reopened (after the fault is fixed):
// after a failed fdatasync nothing it holds in memory can be trusted.
func (r *Replica) Failed() error { return r.failed }

// Close waits for a snapshot being written in the background, then closes
// the log. Pending requests are abandoned.
func (r *Replica) Close() error {
	r.bg.Wait()
	return r.log.close()
}

// Process handles everything Raft has ready: it persists entries, the
// HardState and received snapshots, applies committed entries, answers
// reads, and takes a snapshot when one is due. A returned error means the
// disk failed; the replica is then unusable (see Failed).
func (r *Replica) Process() (Output, error) {
	var out Output
	if r.failed != nil {
		return out, r.failed
	}
	for r.rn.HasReady() {
		if err := r.handleReady(&out); err != nil {
			r.failed = err
			return out, err
		}
	}
	r.serveReads(&out)
	if err := r.maybeSnapshot(false); err != nil {
		r.failed = err
		return out, err
	}
	if err := r.freshenSnapshots(out.Messages); err != nil {
		r.failed = err
		return out, err
	}
	return out, nil
}

// freshenSnapshots replaces the snapshot of a MsgSnap to a node that the
// snapshot's configuration does not know (a node added after it was taken,
// which would refuse it) with a snapshot of the applied state, taken now.
func (r *Replica) freshenSnapshots(msgs []raftpb.Message) error {
	for i := range msgs {
		m := &msgs[i]
		if m.Type != raftpb.MsgSnap || m.Snapshot == nil || IsMember(m.Snapshot.Metadata.ConfState, m.To) {
			continue
		}
		if !IsMember(r.confState, m.To) {
			continue // not a member of the applied configuration either
		}
		if r.snapIndex < r.applied {
			if err := r.maybeSnapshot(true); err != nil {
				return err
			}
		}
		snap, err := r.ms.Snapshot()
		if err != nil {
			return fmt.Errorf("octopii: snapshot for %d: %w", m.To, err)
		}
		m.Snapshot = &snap
	}
	return nil
}

// IsMember reports whether id is in cs: a voter or learner, incoming or
// outgoing.
func IsMember(cs raftpb.ConfState, id uint64) bool {
	return slices.Contains(cs.Voters, id) || slices.Contains(cs.Learners, id) ||
		slices.Contains(cs.VotersOutgoing, id) || slices.Contains(cs.LearnersNext, id)
}

func (r *Replica) handleReady(out *Output) error {
	rd := r.rn.Ready()
	var snap *raftpb.SnapshotMetadata
	if !raft.IsEmptySnap(rd.Snapshot) {
		snap = &rd.Snapshot.Metadata
	}
	// A leader's messages may leave while its own entries of the same Ready
	// are being made durable (Raft thesis §10.2.1; etcd does the same):
	// the leader counts itself toward a commit, but acknowledges nothing
	// before its own fdatasync (it applies below, after save), and its term
	// and vote are already durable. This overlaps its fdatasync with the
	// followers'. Everyone else sends only after saving.
	early := false
	if r.cfg.SendEarly != nil && len(rd.Messages) > 0 && r.rn.BasicStatus().RaftState == raft.StateLeader &&
		(raft.IsEmptyHardState(rd.HardState) || (rd.HardState.Term == r.log.state.hard.Term && rd.HardState.Vote == r.log.state.hard.Vote)) {
		early = true
		now := make([]raftpb.Message, 0, len(rd.Messages))
		for _, m := range rd.Messages {
			if m.Type == raftpb.MsgSnap {
				out.Messages = append(out.Messages, m) // may be freshened (freshenSnapshots)
			} else {
				now = append(now, m)
			}
		}
		r.cfg.SendEarly(now)
	}
	// A Ready that only moves the commit index needs no fdatasync (Raft's
	// MustSync): the commit index is relearned from the leader after a
	// restart, so it is kept in memory until the next durable batch.
	if rd.MustSync || snap != nil {
		if err := r.log.save(rd.HardState, snap, false, rd.Entries); err != nil {
			return err
		}
	}
	if snap != nil {
		if err := r.ms.ApplySnapshot(rd.Snapshot); err != nil {
			return fmt.Errorf("octopii: apply snapshot: %w", err)
		}
		if err := r.snaps.restore(*snap, r.restoreState); err != nil {
			return err
		}
		r.applied, r.appliedTerm, r.snapIndex = snap.Index, snap.Term, snap.Index
		r.confState = snap.ConfState
		if err := r.snaps.prune(*snap); err != nil {
			r.cfg.Logger.Warn("prune snapshots", "err", err)
		}
	}
	if err := r.ms.Append(rd.Entries); err != nil {
		return fmt.Errorf("octopii: append entries: %w", err)
	}
	if !raft.IsEmptyHardState(rd.HardState) {
		if err := r.ms.SetHardState(rd.HardState); err != nil {
			return fmt.Errorf("octopii: set hard state: %w", err)
		}
	}
	if !early {
		out.Messages = append(out.Messages, rd.Messages...)
	}
	for _, e := range rd.CommittedEntries {
		if err := r.apply(e, out); err != nil {
			return err
		}
	}
	for _, rs := range rd.ReadStates {
		if p, ok := r.reads[string(rs.RequestCtx)]; ok {
			delete(r.reads, string(rs.RequestCtx))
			p.index = rs.Index
			r.readQueue = append(r.readQueue, p)
		}
	}
	r.rn.Advance(rd)
	return nil
}

// mine returns the sequence number in tag if this incarnation made it.
func (r *Replica) mine(tag []byte) (uint64, bool) {
	if len(tag) < 16 || binary.BigEndian.Uint64(tag) != r.cfg.Incarnation {
		return 0, false
	}
	return binary.BigEndian.Uint64(tag[8:]), true
}

func (r *Replica) apply(e raftpb.Entry, out *Output) error {
	if e.Index <= r.applied {
		return nil // covered by a snapshot restored meanwhile
	}
	if e.Index != r.applied+1 {
		return fmt.Errorf("octopii: apply entry %d after %d: gap", e.Index, r.applied)
	}
	switch e.Type {
	case raftpb.EntryNormal:
		if len(e.Data) >= payloadHeader && e.Data[0] == payloadCommand {
			inc, seq := binary.BigEndian.Uint64(e.Data[1:]), binary.BigEndian.Uint64(e.Data[9:])
			if !r.firstTime(inc, seq, e.Index) {
				r.applied, r.appliedTerm = e.Index, e.Term
				out.Applied = append(out.Applied, AppliedEntry{Index: e.Index, Term: e.Term, Type: e.Type, Data: e.Data, Duplicate: true})
				return nil
			}
			res := r.sm.Apply(e.Index, e.Data[payloadHeader:])
			if id, ok := r.mine(e.Data[1:payloadHeader]); ok {
				out.Results = append(out.Results, Result{ID: id, Index: e.Index, Value: res})
			}
		}
	case raftpb.EntryConfChange, raftpb.EntryConfChangeV2:
		var cc raftpb.ConfChangeI
		var ctx []byte
		if e.Type == raftpb.EntryConfChange {
			var c raftpb.ConfChange
			if err := c.Unmarshal(e.Data); err != nil {
				return fmt.Errorf("octopii: entry %d: %w", e.Index, err)
			}
			cc, ctx = c, c.Context
		} else {
			var c raftpb.ConfChangeV2
			if err := c.Unmarshal(e.Data); err != nil {
				return fmt.Errorf("octopii: entry %d: %w", e.Index, err)
			}
			cc, ctx = c, c.Context
		}
		r.confState = *r.rn.ApplyConfChange(cc)
		r.notePeers(cc.AsV2(), ctx)
		out.PeersChanged = true
		if id, ok := r.mine(ctx); ok {
			out.Results = append(out.Results, Result{ID: id, Index: e.Index})
		}
	}
	r.applied, r.appliedTerm = e.Index, e.Term
	r.snapBytes += uint64(len(e.Data))
	out.Applied = append(out.Applied, AppliedEntry{Index: e.Index, Term: e.Term, Type: e.Type, Data: e.Data})
	return nil
}

func (r *Replica) serveReads(out *Output) {
	q := r.readQueue[:0]
	for _, p := range r.readQueue {
		if p.index > r.applied {
			q = append(q, p)
			continue
		}
		v, err := r.sm.Query(p.query)
		out.Results = append(out.Results, Result{ID: p.id, Index: p.index, Value: v, Err: err})
	}
	clear(r.readQueue[len(q):])
	r.readQueue = q
}

// maybeSnapshot takes a snapshot of the applied state once SnapshotEntries
// entries or SnapshotBytes bytes were applied since the last one (or now,
// with force), and compacts the log behind it. With a state machine that
// implements AsyncSnapshotter and a ReplicaConfig.Background runner, the
// file is written off the replica's goroutine and finished by a later call.
func (r *Replica) maybeSnapshot(force bool) error {
	if r.snapInFlight {
		select {
		case o := <-r.snapDone:
			r.snapInFlight = false
			if o.err != nil {
				return o.err
			}
			if err := r.finishSnapshot(o.meta); err != nil {
				return err
			}
		default:
			if !force {
				return nil
			}
		}
	}
	due := r.applied >= r.snapIndex+r.cfg.SnapshotEntries || r.snapBytes >= r.cfg.SnapshotBytes
	if r.applied <= r.snapIndex || (!force && !due) {
		return nil
	}
	meta := raftpb.SnapshotMetadata{Index: r.applied, Term: r.appliedTerm, ConfState: r.confState}
	head := r.stateHeader()
	if async, ok := r.sm.(AsyncSnapshotter); ok && r.cfg.Background != nil && !force && !r.snapInFlight {
		write := async.SnapshotFunc()
		r.snapInFlight = true
		r.snapBytes = 0 // do not start another while this one runs
		r.bg.Add(1)
		r.cfg.Background(func() {
			defer r.bg.Done()
			err := r.snaps.create(meta, func(w io.Writer) error {
				if _, err := w.Write(head); err != nil {
					return err
				}
				return write(w)
			})
			r.snapDone <- snapshotOutcome{meta, err}
		})
		return nil
	}
	err := r.snaps.create(meta, func(w io.Writer) error {
		if _, err := w.Write(head); err != nil {
			return err
		}
		if async, ok := r.sm.(AsyncSnapshotter); ok {
			return async.SnapshotFunc()(w)
		}
		return r.sm.Snapshot(w)
	})
	if err != nil {
		return err
	}
	return r.finishSnapshot(meta)
}

type snapshotOutcome struct {
	meta raftpb.SnapshotMetadata
	err  error
}

// finishSnapshot makes a written snapshot file the log's new start.
func (r *Replica) finishSnapshot(meta raftpb.SnapshotMetadata) error {
	if meta.Index <= r.snapIndex {
		return nil // a newer snapshot (received from a leader) came first
	}
	if _, err := r.ms.CreateSnapshot(meta.Index, &meta.ConfState, nil); err != nil {
		if errors.Is(err, raft.ErrSnapOutOfDate) {
			return nil
		}
		return fmt.Errorf("octopii: snapshot %d: %w", meta.Index, err)
	}
	// The HardState goes with it: the persisted commit index may lag
	// (Readies that only move it are not synced) and must not be left
	// below the snapshot.
	hs, _, err := r.ms.InitialState()
	if err != nil {
		return fmt.Errorf("octopii: snapshot %d: %w", meta.Index, err)
	}
	if err := r.log.save(hs, &meta, true, nil); err != nil {
		return err
	}
	r.snapIndex = meta.Index
	if !r.snapInFlight {
		r.snapBytes = 0
	}
	if meta.Index > r.cfg.CompactKeepEntries {
		if err := r.ms.Compact(meta.Index - r.cfg.CompactKeepEntries); err != nil && !errors.Is(err, raft.ErrCompacted) {
			return fmt.Errorf("octopii: compact: %w", err)
		}
	}
	if err := r.snaps.prune(meta); err != nil {
		r.cfg.Logger.Warn("prune snapshots", "err", err)
	}
	return nil
}

// raftLogger routes etcd raft's logging to slog. Panics stay panics: they
// mean a broken Raft invariant.
type raftLogger struct{ l *slog.Logger }

func (g raftLogger) Debug(v ...any)              { g.l.Debug(fmt.Sprint(v...)) }
func (g raftLogger) Debugf(f string, v ...any)   { g.l.Debug(fmt.Sprintf(f, v...)) }
func (g raftLogger) Info(v ...any)               { g.l.Debug(fmt.Sprint(v...)) }
func (g raftLogger) Infof(f string, v ...any)    { g.l.Debug(fmt.Sprintf(f, v...)) }
func (g raftLogger) Warning(v ...any)            { g.l.Warn(fmt.Sprint(v...)) }
func (g raftLogger) Warningf(f string, v ...any) { g.l.Warn(fmt.Sprintf(f, v...)) }
func (g raftLogger) Error(v ...any)              { g.l.Error(fmt.Sprint(v...)) }
func (g raftLogger) Errorf(f string, v ...any)   { g.l.Error(fmt.Sprintf(f, v...)) }
func (g raftLogger) Fatal(v ...any)              { panic(fmt.Sprint(v...)) }
func (g raftLogger) Fatalf(f string, v ...any)   { panic(fmt.Sprintf(f, v...)) }
func (g raftLogger) Panic(v ...any)              { panic(fmt.Sprint(v...)) }
func (g raftLogger) Panicf(f string, v ...any)   { panic(fmt.Sprintf(f, v...)) }

// Peers returns the address book: every known member's address.
func (r *Replica) Peers() map[uint64]string {
	m := make(map[uint64]string, len(r.peers))
	for id, a := range r.peers {
		if IsMember(r.confState, id) || len(r.confState.Voters) == 0 {
			m[id] = a
		}
	}
	return m
}

// notePeers updates the address book from an applied conf change, whose
// context carries the added nodes' address after the request tag.
func (r *Replica) notePeers(cc raftpb.ConfChangeV2, ctx []byte) {
	addr := ""
	if len(ctx) > 16 {
		addr = string(ctx[16:])
	}
	for _, c := range cc.Changes {
		switch c.Type {
		case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode:
			if addr != "" {
				r.peers[c.NodeID] = addr
			}
		case raftpb.ConfChangeRemoveNode:
			delete(r.peers, c.NodeID)
		}
	}
}

// snapshotState writes a snapshot's data section: the address book (u32
// count, then u64 id, u16 length, address per peer, in id order), the
// proposal sessions (session.go), then the state machine's snapshot.
func (r *Replica) snapshotState(w io.Writer) error {
	if _, err := w.Write(r.stateHeader()); err != nil {
		return err
	}
	return r.sm.Snapshot(w)
}

// stateHeader encodes the address book and the sessions, the part of a
// snapshot's data that is the replica's own.
func (r *Replica) stateHeader() []byte {
	ids := make([]uint64, 0, len(r.peers))
	for id := range r.peers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := binary.BigEndian.AppendUint32(nil, uint32(len(ids)))
	for _, id := range ids {
		b = binary.BigEndian.AppendUint64(b, id)
		b = binary.BigEndian.AppendUint16(b, uint16(len(r.peers[id])))
		b = append(b, r.peers[id]...)
	}
	return r.writeSessions(b)
}

// restoreState reads what snapshotState wrote.
func (r *Replica) restoreState(rd io.Reader) error {
	var n [4]byte
	if _, err := io.ReadFull(rd, n[:]); err != nil {
		return fmt.Errorf("%w: snapshot address book: %v", ErrCorrupt, err)
	}
	count := binary.BigEndian.Uint32(n[:])
	if count > 1<<16 {
		return fmt.Errorf("%w: snapshot address book of %d peers", ErrCorrupt, count)
	}
	for i := uint32(0); i < count; i++ {
		var h [10]byte
		if _, err := io.ReadFull(rd, h[:]); err != nil {
			return fmt.Errorf("%w: snapshot address book: %v", ErrCorrupt, err)
		}
		a := make([]byte, binary.BigEndian.Uint16(h[8:]))
		if _, err := io.ReadFull(rd, a); err != nil {
			return fmt.Errorf("%w: snapshot address book: %v", ErrCorrupt, err)
		}
		r.peers[binary.BigEndian.Uint64(h[:8])] = string(a)
	}
	if err := r.readSessions(rd); err != nil {
		return err
	}
	return r.sm.Restore(rd)
}

// LogBounds returns the first and last index of the log Raft holds in
// memory (entries before first are in the snapshot).
func (r *Replica) LogBounds() (first, last uint64) {
	first, _ = r.ms.FirstIndex()
	last, _ = r.ms.LastIndex()
	return first, last
}

// LogEntries returns the entries [lo, hi) the in-memory log holds.
func (r *Replica) LogEntries(lo, hi uint64) ([]raftpb.Entry, error) {
	return r.ms.Entries(lo, hi, math.MaxUint64)
}

// LogTerm returns the term of the entry at index i, if the log holds it.
func (r *Replica) LogTerm(i uint64) (uint64, bool) {
	t, err := r.ms.Term(i)
	return t, err == nil
}
