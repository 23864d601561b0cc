package octopii

import (
	"io"

	"go.etcd.io/raft/v3/raftpb"
)

// Transport carries Raft messages between the nodes of a cluster. A Node
// hands it the messages of each Ready after they may be sent (after the
// entries and HardState they depend on are durable) and receives messages
// from peers through the Handler it was built with.
//
// Implementations: MemTransport (in-process, for tests) and package
// octopii/quic (QUIC with mutual TLS). The simulator has its own network.
type Transport interface {
	// Send queues msgs for delivery and returns at once: it never waits on
	// the network. A message may be dropped (Raft retransmits); messages to
	// one peer should keep their order. MsgSnap messages never come here
	// (see SendSnapshot).
	Send(msgs []raftpb.Message)
	// SendSnapshot streams a MsgSnap to m.To: the message, then size bytes
	// of body, read from body as they are sent (never all in memory). It
	// returns at once; the outcome is reported to the Handler's
	// ReportSnapshot. The transport closes body.
	SendSnapshot(m raftpb.Message, body io.ReadCloser, size int64)
	// AddPeer tells the transport where node id listens (an address in the
	// transport's own form). Adding a known peer updates its address.
	AddPeer(id uint64, addr string)
	// RemovePeer forgets a peer and closes its connection.
	RemovePeer(id uint64)
	// Close stops the transport: it closes every connection and the
	// listener, and returns once its goroutines have exited.
	Close() error
}

// Handler receives what a Transport delivers. Its methods are safe for
// concurrent use and must not block for long.
type Handler interface {
	// HandleMessage delivers one message from a peer.
	HandleMessage(m raftpb.Message)
	// HandleSnapshot delivers a MsgSnap with its body: body yields exactly
	// the bytes the sender streamed. HandleSnapshot consumes body before it
	// returns; an error means the snapshot was not taken (the transport
	// tells the sender, which retries later).
	HandleSnapshot(m raftpb.Message, body io.Reader) error
	// ReportUnreachable tells Raft that a message to id could not be sent.
	ReportUnreachable(id uint64)
	// ReportSnapshot tells Raft whether the snapshot sent to id arrived.
	ReportSnapshot(id uint64, failed bool)
}
