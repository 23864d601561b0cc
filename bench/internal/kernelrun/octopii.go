package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/reefdb/reef/octopii"
)

// Octopii, through its public API only: clusterNodes octopii.Nodes joined
// by an octopii.MemNetwork (messages handed to the receiver in process),
// each with its data directory under the run's directory on the real disk.
// Its Raft log is a walrus topic in walrus.Sync mode: every Ready's batch
// (entries, HardState) is fdatasync'ed before its messages are sent or its
// proposals answered. Timing is set to match hashicorp's (see workload.go);
// everything else is at its defaults: MaxBatchProposals 1024 proposals per
// Ready, SnapshotEntries 10000, CompactKeepEntries 5000.

type octopiiCluster struct {
	nodes  []*octopii.Node
	states []*kernelState
	leader *octopii.Node
	state  *kernelState // the leader's
}

// octopiiMachine is kernelState as an octopii.StateMachine.
type octopiiMachine struct{ *kernelState }

func (m octopiiMachine) Apply(_ uint64, cmd []byte) []byte {
	m.apply(cmd)
	return nil
}

func (m octopiiMachine) Query([]byte) ([]byte, error) { return m.snapshot(), nil }

func (m octopiiMachine) Snapshot(w io.Writer) error {
	_, err := w.Write(m.snapshot())
	return err
}

func (m octopiiMachine) Restore(r io.Reader) error { return m.restore(r) }

func openOctopii(ctx context.Context, dir string) (cluster, error) {
	net := octopii.NewMemNetwork()
	peers := make(map[uint64]string, clusterNodes)
	for id := uint64(1); id <= clusterNodes; id++ {
		peers[id] = fmt.Sprintf("mem-%d", id)
	}
	c := &octopiiCluster{}
	for id := uint64(1); id <= clusterNodes; id++ {
		st := &kernelState{}
		n, err := octopii.Start(octopii.Options{
			ID:             id,
			Dir:            filepath.Join(dir, fmt.Sprintf("octopii-%d", id)),
			Peers:          peers,
			Transport:      net.Transport(id),
			TickInterval:   tick,
			ElectionTicks:  electionTicks,
			HeartbeatTicks: heartbeatTicks,
		}, octopiiMachine{st})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("start node %d: %w", id, err), c.Close())
		}
		c.nodes = append(c.nodes, n)
		c.states = append(c.states, st)
	}
	err := waitLeader(ctx, func() bool {
		for i, n := range c.nodes {
			if n.Metrics().State == "leader" {
				c.leader, c.state = n, c.states[i]
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

func (c *octopiiCluster) Propose(cmd []byte) error {
	// No deadline, like hashicorp's Apply with timeout 0: a run that wedges
	// is ended by Close (drainTimeout).
	_, err := c.leader.Propose(context.Background(), cmd)
	return err
}

func (c *octopiiCluster) Applied() uint64 { return c.state.Applied() }

func (c *octopiiCluster) Close() error {
	var errs []error
	for i, n := range c.nodes {
		if err := n.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop node %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}
