// Package quic is octopii's network Transport: Raft messages and snapshots
// between nodes over QUIC (quic-go), authenticated both ways with TLS 1.3
// client and server certificates.
//
// # Types
//
// Transport implements octopii.Transport; New builds one from a Config
// (Validate lists what is required, every bound has a default). The
// certificate helpers GenerateDevCerts, LoadTLS and PeerID make and read
// the node certificates, which carry the node ID as the URI SAN
// octopii://node/<id>.
//
// # Connections
//
// Each node dials its own outgoing connection to each peer and accepts the
// peers' connections: between two nodes there is one connection per
// direction, each carrying only its dialler's streams. This is the simplest
// correct design: no tie-breaking between simultaneous dials, and a
// connection's failure is seen by the side that sends on it.
//
// Dialling is lazy (on the first message to a peer). A failed dial or a
// broken connection makes the peer wait MinBackoff, doubled on each further
// failure up to MaxBackoff, and reset once a batch is written; messages for
// the peer meanwhile are dropped and Handler.ReportUnreachable is called
// (once per dropped batch). Raft retransmits. A dead peer that sends no
// CONNECTION_CLOSE is noticed after IdleTimeout.
//
// # Authentication
//
// Both sides present a certificate and verify the other's against the CA
// in Config.TLS (standard chain and host name verification, never
// InsecureSkipVerify). A dialler also requires the server's certificate to
// name the node it meant to reach; a listener accepts any node of the CA.
// Every stream header names its sender, and every message its From: both
// must equal the node in the connection's certificate, or the stream is
// closed.
//
// # Wire format
//
// docs/format/octopii-quic.md has the byte diagrams. In short, every
// stream opens with "OCTQ", version 1, a kind byte and the sender's node ID
// (uint64). A message stream (kind 1, unidirectional, one per connection)
// then carries frames: uint32 length, uint32 CRC32C of the payload, and the
// payload, a marshalled raftpb.Message. A snapshot stream (kind 2,
// bidirectional, one per snapshot) carries one MsgSnap frame, the body size
// (uint64), the body and its CRC32C (uint32); the receiver answers with one
// status byte, 0 for taken and 1 for failed. Integers are big endian. A bad
// magic, version, checksum, size or sender closes the stream (logged,
// counted in Metrics.StreamsRejected); nothing unchecked reaches the
// Handler.
//
// # Bounds
//
//   - MaxMessageBytes (64 MiB): one marshalled message, both directions.
//   - QueueLen (4096): messages queued per peer, and per batch.
//   - MaxSnapshotSends (2): snapshots in flight to one peer, and snapshot
//     streams a peer may open here.
//   - DialTimeout (2s), MinBackoff (50ms), MaxBackoff (2s), IdleTimeout (10s).
//   - A peer may open at most 4 message streams on one connection.
//   - Snapshot bodies are streamed through 64 KiB buffers at both ends.
//
// # Concurrency
//
// Transport's methods are safe for concurrent use. Send never waits on the
// network: it appends to the peer's queue, or drops the message and calls
// Handler.ReportUnreachable from within Send. Per peer, one goroutine
// drains the queue, writes everything it holds to the message stream and
// flushes once, so messages to a peer keep their order; each SendSnapshot
// runs in its own goroutine. A receiver that reads slowly holds its
// senders back through QUIC flow control, and their queues fill: Send then
// drops (the bound is QueueLen, not time). On the receiving side each stream has a
// goroutine that calls the Handler, so messages from one peer are delivered
// in order, one at a time; different peers and snapshots run concurrently.
// Close waits for every goroutine, including those inside Handler calls.
// Lock order is written on Transport.
package quic
