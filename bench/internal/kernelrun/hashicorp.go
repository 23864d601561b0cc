package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/reefdb/reef/octopii"
)

// hashicorp/raft set up the way Consul runs it, in process: clusterNodes
// rafts connected by raft.InmemTransport (pairwise Connect), raft-boltdb/v2
// as LogStore and StableStore (bbolt with NoSync false: every commit writes
// its pages and fdatasyncs, then writes the meta page and fdatasyncs again),
// the log store behind a raft.LogCache of the newest hashicorpLogCache
// entries (Consul's, so replication does not read back from bbolt what was
// just written), and a FileSnapshotStore in the node's directory (snapshot
// files are fsynced too). The leader's loop takes
// everything queued on its apply channel into one StoreLogs, one bbolt
// transaction, so concurrent proposals share fdatasyncs, as Octopii's do.
//
// Settings that differ from raft.DefaultConfig, each to match Octopii:
//   - HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout = 100 ms (default
//     1 s, 1 s, 500 ms): heartbeats every 10 ms (HeartbeatTimeout/10),
//     elections after 100–200 ms of silence, a leader steps down after
//     100 ms without a quorum: Octopii's 10 ms tick × (10 election, 1
//     heartbeat) with CheckQuorum. CommitTimeout = 10 ms (default 50 ms):
//     followers learn the commit index at most a heartbeat late, as in
//     Octopii.
//   - MaxAppendEntries = 1024 and BatchApplyCh (default 64, unbuffered):
//     up to 1024 proposals per log write, Octopii's MaxBatchProposals.
//   - SnapshotThreshold = 10000, TrailingLogs = 5000, SnapshotInterval =
//     100 ms (default 8192, 10240, 120 s): a snapshot and log compaction every
//     10000 entries, keeping 5000, Octopii's SnapshotEntries and
//     CompactKeepEntries. With the 120 s default check a 5 s run would never
//     snapshot, and Octopii would pay for compactions hashicorp skips.

const (
	// hashicorpLogCache is raft.NewLogCache's capacity (Consul's value).
	hashicorpLogCache = 512
	// hashicorpSnapshotsRetained is how many snapshots FileSnapshotStore keeps.
	hashicorpSnapshotsRetained = 1
	// hashicorpSnapshotCheck is how often raft checks whether a snapshot is due.
	hashicorpSnapshotCheck = 100 * time.Millisecond
)

// hashicorpConfig returns the configuration of node id.
func hashicorpConfig(id raft.ServerID, logger hclog.Logger) *raft.Config {
	conf := raft.DefaultConfig()
	conf.LocalID = id
	conf.Logger = logger
	conf.HeartbeatTimeout = electionTimeout
	conf.ElectionTimeout = electionTimeout
	conf.LeaderLeaseTimeout = electionTimeout
	conf.CommitTimeout = tick * heartbeatTicks
	conf.MaxAppendEntries = octopii.DefaultMaxBatchProposals
	conf.BatchApplyCh = true
	conf.SnapshotThreshold = octopii.DefaultSnapshotEntries
	conf.TrailingLogs = octopii.DefaultCompactKeepEntries
	conf.SnapshotInterval = hashicorpSnapshotCheck
	return conf
}

// hashicorpFSM is kernelState as a raft.FSM.
type hashicorpFSM struct{ *kernelState }

func (f hashicorpFSM) Apply(l *raft.Log) any {
	f.apply(l.Data)
	return nil
}

// Snapshot copies the state: raft persists it on another goroutine while
// Apply goes on.
func (f hashicorpFSM) Snapshot() (raft.FSMSnapshot, error) {
	return hashicorpSnapshot(f.snapshot()), nil
}

func (f hashicorpFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	return f.restore(rc)
}

type hashicorpSnapshot []byte

func (s hashicorpSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		return errors.Join(err, sink.Cancel())
	}
	return sink.Close()
}

func (s hashicorpSnapshot) Release() {}

type hashicorpCluster struct {
	rafts      []*raft.Raft
	stores     []*raftboltdb.BoltStore
	transports []*raft.InmemTransport
	states     []*kernelState
	leader     *raft.Raft
	state      *kernelState // the leader's
}

func openHashicorp(ctx context.Context, dir string) (cluster, error) {
	logger := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Off, Output: io.Discard})
	c := &hashicorpCluster{}
	var servers []raft.Server
	for i := 0; i < clusterNodes; i++ {
		addr, tr := raft.NewInmemTransport("")
		c.transports = append(c.transports, tr)
		servers = append(servers, raft.Server{
			Suffrage: raft.Voter,
			ID:       raft.ServerID(fmt.Sprint(i + 1)),
			Address:  addr,
		})
	}
	for i, a := range c.transports {
		for j, b := range c.transports {
			if i != j {
				a.Connect(b.LocalAddr(), b)
			}
		}
	}
	configuration := raft.Configuration{Servers: servers}
	for i, s := range servers {
		r, st, err := c.startNode(filepath.Join(dir, "hashicorp-"+string(s.ID)), s.ID, c.transports[i], configuration, logger)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("start node %s: %w", s.ID, err), c.Close())
		}
		c.rafts = append(c.rafts, r)
		c.states = append(c.states, st)
	}
	err := waitLeader(ctx, func() bool {
		for i, r := range c.rafts {
			if r.State() == raft.Leader {
				c.leader, c.state = r, c.states[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// startNode opens node id's stores in dir, bootstraps it with configuration
// and starts it.
func (c *hashicorpCluster) startNode(dir string, id raft.ServerID, tr *raft.InmemTransport,
	configuration raft.Configuration, logger hclog.Logger) (*raft.Raft, *kernelState, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(dir, "raft.db"), NoSync: false})
	if err != nil {
		return nil, nil, fmt.Errorf("open bolt store: %w", err)
	}
	c.stores = append(c.stores, store)
	logs, err := raft.NewLogCache(hashicorpLogCache, store)
	if err != nil {
		return nil, nil, err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, hashicorpSnapshotsRetained, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("open snapshot store: %w", err)
	}
	conf := hashicorpConfig(id, logger)
	if err := raft.BootstrapCluster(conf, logs, store, snaps, tr, configuration); err != nil {
		return nil, nil, fmt.Errorf("bootstrap: %w", err)
	}
	st := &kernelState{}
	r, err := raft.NewRaft(conf, hashicorpFSM{st}, logs, store, snaps, tr)
	if err != nil {
		return nil, nil, err
	}
	return r, st, nil
}

func (c *hashicorpCluster) Propose(cmd []byte) error {
	// Timeout 0: wait for room in the apply queue as long as it takes, like
	// Octopii's Propose without a deadline; a run that wedges is ended by
	// Close (drainTimeout).
	return c.leader.Apply(cmd, 0).Error()
}

func (c *hashicorpCluster) Applied() uint64 { return c.state.Applied() }

// Close shuts every raft down (which waits for its goroutines and closes
// its transport), then closes the stores and any transport whose raft never
// started.
func (c *hashicorpCluster) Close() error {
	var errs []error
	for i, r := range c.rafts {
		if err := r.Shutdown().Error(); err != nil {
			errs = append(errs, fmt.Errorf("shut down node %d: %w", i+1, err))
		}
	}
	for _, tr := range c.transports {
		tr.Close()
	}
	for i, s := range c.stores {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store of node %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}
