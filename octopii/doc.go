// Package octopii is Reef's replication kernel: write a StateMachine, and
// Octopii runs it on every node of a Raft cluster (go.etcd.io/raft/v3,
// RawNode), with its log on the Walrus engine, snapshots streamed to
// lagging nodes, membership changes and a simulator that proves it under
// faults (package octopii/sim).
//
// # Types
//
//   - StateMachine: the user's service (Apply, Query, Snapshot, Restore).
//     A large one also implements AsyncSnapshotter, so that its snapshots
//     are written on another goroutine while the node keeps applying.
//   - Replica: the deterministic core: a RawNode, its durable log and
//     snapshot files, the state machine. No goroutines, no clock, no
//     network; files only through internal/vfs. The simulator drives many
//     Replicas from one goroutine; a Node drives one.
//   - Node: a Replica on its own goroutine with a ticker and a Transport:
//     Propose, Read (linearizable), AddVoter, AddLearner, RemoveNode,
//     ChangeMembership (joint consensus), TransferLeadership, Status,
//     Metrics.
//   - Transport and Handler: how Raft messages travel. MemNetwork is the
//     in-process one; package octopii/quic the real one (QUIC, mutual TLS).
//   - Package octopii/kv: a key-value StateMachine (the example and the
//     simulator's linearizability model).
//
// # The Ready loop, in order (the caller's obligations in etcd raft's doc)
//
// Replica.Process, for each Ready: (1) persist the received snapshot's
// metadata, the new entries and the HardState in one log batch, fdatasync'ed
// (skipped when Raft says nothing must be synced: a Ready that only moves
// the commit index); a leader whose term and vote are already durable hands
// its messages out before this step (ReplicaConfig.SendEarly), so that its
// fdatasync overlaps its followers', as the Raft thesis (§10.2.1) and etcd
// do: it still acknowledges nothing before its own sync;
// (2) install the snapshot into the state machine and the in-memory log;
// (3) hand back the messages, which may now be sent: nothing is sent before
// the state it depends on is durable; (4) apply the committed entries and
// conf changes, answering the local proposals; (5) Advance. Then it serves
// reads whose index has been applied, and takes a snapshot when
// SnapshotEntries entries were applied since the last.
//
// # What an acknowledgement promises
//
// Propose returns a result once the command is committed (a majority has
// it fdatasync'ed) and applied on this node. It survives the crash of any
// minority, and a power loss of the whole cluster. Read returns a state that
// includes every command acknowledged before Read was called (ReadIndex: the
// leader confirms its leadership with a quorum first). With
// Options.LeaseReads, the leader skips that round trip while its lease holds
// (CheckQuorum), which relies on bounded clock drift. If Propose's context
// ends first, the command may still be applied later. A proposal is
// applied at most once, even when the network delivers it twice: replicas
// remember each proposer's recent sequence numbers (session.go).
//
// # Durability on disk (docs/format/octopii.md)
//
// The Raft log is a walrus topic per generation. Each Ready writes one batch
// of records (entries, HardState, snapshot metadata) followed by a commit
// marker that counts them; recovery applies only batches whose marker it
// read, so a batch torn by a crash is never half-applied. A batch that fits
// walrus's frame bound is one checksummed frame; larger ones span frames and
// rely on the marker. Compaction writes the live state (snapshot metadata,
// HardState, entries after the snapshot) to the next generation and then
// deletes the old one. Snapshots are files (write to a temporary name,
// fdatasync, rename, sync the directory) with a CRC32C over all their bytes;
// the same file is what a leader streams to a follower.
//
// A failed write or fdatasync fails the replica (Process returns the error,
// the Node stops): after a failed fdatasync the kernel may have dropped the
// pages, so the only safe recovery is to restart from the disk.
//
// # Bounds
//
// MaxPendingProposals (callers wait for room), MaxBatchProposals (proposals
// per fdatasync), MaxInboundMessages (then messages are dropped and Raft
// retransmits), raft's MaxSizePerMsg, MaxInflightMsgs and
// MaxUncommittedBytes, and SnapshotEntries / CompactKeepEntries for the log.
//
// # Concurrency
//
// Replica is single-goroutine (except ReceiveSnapshot, which only writes a
// new file). Node's methods are safe for concurrent use; its state lives on
// its loop goroutine, and transports call its Handler from theirs.
package octopii
