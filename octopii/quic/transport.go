package quic

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	quicgo "github.com/quic-go/quic-go"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/octopii"
)

// Buffer sizes. The write buffer also sets the chunk size in which snapshot
// bodies are read from the caller's reader.
const (
	writeBufferBytes = 64 << 10
	readBufferBytes  = 64 << 10
	// keepBufferBytes is the largest frame buffer kept between messages;
	// a larger one (a rare big message) is dropped after use.
	keepBufferBytes = 1 << 20
	// maxMessageStreams bounds the message streams a peer may have open on
	// one connection. A sender uses one per connection; the slack covers a
	// stream still being torn down.
	maxMessageStreams = 4
)

// QUIC error codes, sent on connection and stream closes.
const (
	codeClosing  quicgo.ApplicationErrorCode = 0 // transport closing, peer removed or moved
	codeIdentity quicgo.ApplicationErrorCode = 1 // certificate without a node ID

	codeProtocol quicgo.StreamErrorCode = 1 // stream rejected: corrupt, bad header, wrong sender
	codeAborted  quicgo.StreamErrorCode = 2 // snapshot abandoned by either side
)

var _ octopii.Transport = (*Transport)(nil)

// Transport carries Raft messages between nodes over QUIC with mutual TLS.
// It implements octopii.Transport; see the package documentation.
//
// Lock order: Transport.mu, then peer.dialMu, then peer.mu. No lock is held
// while calling the Handler or closing a connection.
type Transport struct {
	cfg     Config
	log     *slog.Logger
	handler octopii.Handler

	udp      *net.UDPConn
	qt       *quicgo.Transport
	ln       *quicgo.Listener
	tls      *tls.Config    // base for dialling: cfg.TLS with ALPN
	dialConf *quicgo.Config // outgoing connections accept no streams

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the Transport starts

	metrics metrics

	mu      sync.RWMutex
	closed  bool                    // guarded by mu
	peers   map[uint64]*peer        // guarded by mu
	inbound map[*quicgo.Conn]uint64 // guarded by mu: accepted connections → peer node ID
}

// Metrics counts what a Transport did since New.
type Metrics struct {
	MessagesSent      uint64 // written to a stream and flushed
	MessagesDropped   uint64 // unknown peer, queue full, no connection, too large, failed write
	BatchesSent       uint64 // flushes of a message stream
	MessagesReceived  uint64 // delivered to Handler.HandleMessage
	StreamsRejected   uint64 // incoming streams closed for a bad header, checksum, size or sender
	DialFailures      uint64 // failed connection attempts
	SnapshotsSent     uint64 // acknowledged by the receiver as applied
	SnapshotsFailed   uint64 // reported to Handler.ReportSnapshot as failed
	SnapshotsReceived uint64 // accepted by Handler.HandleSnapshot
}

type metrics struct {
	messagesSent, messagesDropped, batchesSent, messagesReceived, streamsRejected,
	dialFailures, snapshotsSent, snapshotsFailed, snapshotsReceived atomic.Uint64
}

// New starts a Transport listening on cfg.ListenAddr. It dials no peer
// until a message is sent to it.
func New(cfg Config) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()

	base := cfg.TLS.Clone()
	if len(base.NextProtos) == 0 {
		base.NextProtos = []string{ALPN}
	}
	server := base.Clone()
	verify := server.VerifyConnection
	server.VerifyConnection = func(cs tls.ConnectionState) error {
		if verify != nil {
			if err := verify(cs); err != nil {
				return err
			}
		}
		_, err := PeerID(cs) // only nodes may connect
		return err
	}

	addr, err := net.ResolveUDPAddr("udp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: resolve listen address %q: %w", cfg.ListenAddr, err)
	}
	udp, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: listen on %s: %w", cfg.ListenAddr, err)
	}
	qt := &quicgo.Transport{Conn: udp}
	ln, err := qt.Listen(server, quicConfig(cfg, int64(cfg.MaxSnapshotSends), maxMessageStreams))
	if err != nil {
		err = fmt.Errorf("octopii/quic: listen on %s: %w", cfg.ListenAddr, err)
		return nil, errors.Join(err, qt.Close(), udp.Close())
	}

	t := &Transport{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "octopii/quic", "node", cfg.ID),
		handler:  cfg.Handler,
		udp:      udp,
		qt:       qt,
		ln:       ln,
		tls:      base,
		dialConf: quicConfig(cfg, -1, -1),
		peers:    make(map[uint64]*peer),
		inbound:  make(map[*quicgo.Conn]uint64),
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.wg.Add(1)
	go t.acceptLoop()
	t.log.Info("transport listening", "addr", t.Addr())
	return t, nil
}

// quicConfig returns the QUIC settings; incoming stream limits differ
// between accepted connections (which carry the peer's streams) and dialled
// ones (which carry only ours).
func quicConfig(cfg Config, incomingStreams, incomingUniStreams int64) *quicgo.Config {
	return &quicgo.Config{
		HandshakeIdleTimeout:  cfg.DialTimeout,
		MaxIdleTimeout:        cfg.IdleTimeout,
		KeepAlivePeriod:       cfg.IdleTimeout / 2,
		MaxIncomingStreams:    incomingStreams,
		MaxIncomingUniStreams: incomingUniStreams,
	}
}

// Addr returns the UDP address the Transport listens on, as host:port.
func (t *Transport) Addr() string { return t.udp.LocalAddr().String() }

// Metrics returns the Transport's counters.
func (t *Transport) Metrics() Metrics {
	m := &t.metrics
	return Metrics{
		MessagesSent:      m.messagesSent.Load(),
		MessagesDropped:   m.messagesDropped.Load(),
		BatchesSent:       m.batchesSent.Load(),
		MessagesReceived:  m.messagesReceived.Load(),
		StreamsRejected:   m.streamsRejected.Load(),
		DialFailures:      m.dialFailures.Load(),
		SnapshotsSent:     m.snapshotsSent.Load(),
		SnapshotsFailed:   m.snapshotsFailed.Load(),
		SnapshotsReceived: m.snapshotsReceived.Load(),
	}
}

// Send queues msgs on their peers' queues and returns. A message to an
// unknown peer, or to a peer whose queue is full, is dropped and reported
// with Handler.ReportUnreachable, from within Send. A MsgSnap (which belongs
// to SendSnapshot) is dropped and reported with ReportSnapshot(to, true).
// After Close, Send does nothing.
func (t *Transport) Send(msgs []raftpb.Message) {
	for i := range msgs {
		m := &msgs[i]
		t.mu.RLock()
		closed, p := t.closed, t.peers[m.To]
		t.mu.RUnlock()
		if closed {
			return
		}
		if m.Type == raftpb.MsgSnap {
			t.metrics.messagesDropped.Add(1)
			t.log.Warn("MsgSnap given to Send, not SendSnapshot; dropped", "peer", m.To)
			t.handler.ReportSnapshot(m.To, true)
			continue
		}
		if p == nil {
			t.metrics.messagesDropped.Add(1)
			t.handler.ReportUnreachable(m.To)
			continue
		}
		select {
		case p.queue <- *m:
		default:
			t.metrics.messagesDropped.Add(1)
			t.handler.ReportUnreachable(m.To)
		}
	}
}

// SendSnapshot streams m and size bytes of body to m.To on a stream of its
// own, in a goroutine, and reports the outcome with
// Handler.ReportSnapshot. It closes body. If the peer is unknown or already
// has Config.MaxSnapshotSends snapshots in flight, it fails at once.
func (t *Transport) SendSnapshot(m raftpb.Message, body io.ReadCloser, size int64) {
	t.mu.RLock()
	closed, p := t.closed, t.peers[m.To]
	started := false
	if !closed && p != nil {
		select {
		case p.snapSlots <- struct{}{}:
			t.wg.Add(1)
			go p.sendSnapshot(m, body, size)
			started = true
		default:
		}
	}
	t.mu.RUnlock()
	if started {
		return
	}
	if err := body.Close(); err != nil {
		t.log.Warn("close snapshot body", "peer", m.To, "err", err)
	}
	if closed {
		return
	}
	t.metrics.snapshotsFailed.Add(1)
	if p == nil {
		t.log.Warn("snapshot for unknown peer", "peer", m.To)
	} else {
		t.log.Warn("too many snapshots in flight", "peer", m.To, "limit", t.cfg.MaxSnapshotSends)
	}
	t.handler.ReportSnapshot(m.To, true)
}

// AddPeer registers node id at addr (host:port, UDP), or moves a known
// peer: its connection is closed and the next message dials addr.
func (t *Transport) AddPeer(id uint64, addr string) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	if p := t.peers[id]; p != nil {
		t.mu.Unlock()
		p.setAddr(addr)
		return
	}
	p := newPeer(t, id, addr)
	t.peers[id] = p
	t.wg.Add(1)
	go p.run()
	t.mu.Unlock()
}

// RemovePeer forgets node id: its queue is dropped, its snapshots in flight
// fail, and the connections to and from it are closed.
func (t *Transport) RemovePeer(id uint64) {
	t.mu.Lock()
	p := t.peers[id]
	delete(t.peers, id)
	var in []*quicgo.Conn
	for c, from := range t.inbound {
		if from == id {
			in = append(in, c)
		}
	}
	t.mu.Unlock()
	if p != nil {
		p.stop()
	}
	for _, c := range in {
		_ = c.CloseWithError(codeClosing, "peer removed") // always nil
	}
}

// Close closes every connection and the listener, and returns once every
// goroutine of the Transport has exited. Later calls return nil.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	peers := t.peers
	t.peers = nil
	in := make([]*quicgo.Conn, 0, len(t.inbound))
	for c := range t.inbound {
		in = append(in, c)
	}
	t.mu.Unlock()

	t.cancel()
	for _, p := range peers {
		p.stop()
	}
	for _, c := range in {
		_ = c.CloseWithError(codeClosing, "closing")
	}
	err := t.ln.Close()
	// Anything left (a connection accepted during Close) is torn down
	// without CONNECTION_CLOSE; the peer's idle timeout catches it.
	err = errors.Join(err, t.qt.Close())
	t.wg.Wait()
	if uerr := t.udp.Close(); uerr != nil && !errors.Is(uerr, net.ErrClosed) {
		err = errors.Join(err, uerr)
	}
	if err != nil {
		return fmt.Errorf("octopii/quic: close: %w", err)
	}
	t.log.Info("transport closed")
	return nil
}

// acceptLoop accepts connections until Close.
func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept(t.ctx)
		if err != nil {
			if t.ctx.Err() == nil {
				t.log.Error("accept", "err", err)
			}
			return
		}
		t.wg.Add(1)
		go t.serveConn(c)
	}
}

// serveConn accepts the streams a peer opens on connection c: message
// streams here, snapshot streams in a second goroutine.
func (t *Transport) serveConn(c *quicgo.Conn) {
	defer t.wg.Done()
	// The server's VerifyConnection already required a node ID.
	from, err := PeerID(c.ConnectionState().TLS)
	if err != nil {
		t.log.Warn("rejected connection", "remote", c.RemoteAddr(), "err", err)
		_ = c.CloseWithError(codeIdentity, "no node identity")
		return
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		_ = c.CloseWithError(codeClosing, "closing")
		return
	}
	t.inbound[c] = from
	t.mu.Unlock()
	t.log.Debug("accepted connection", "peer", from, "remote", c.RemoteAddr())
	defer func() {
		t.mu.Lock()
		delete(t.inbound, c)
		t.mu.Unlock()
		_ = c.CloseWithError(codeClosing, "closing")
	}()

	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for {
			s, err := c.AcceptStream(t.ctx)
			if err != nil {
				return
			}
			t.wg.Add(1)
			go t.receiveSnapshot(s, from)
		}
	}()
	for {
		s, err := c.AcceptUniStream(t.ctx)
		if err != nil {
			t.log.Debug("connection ended", "peer", from, "err", err)
			return
		}
		t.wg.Add(1)
		go t.receiveMessages(s, from)
	}
}

// receiveMessages delivers the messages of one message stream from node
// from, until the stream ends or breaks a rule.
func (t *Transport) receiveMessages(s *quicgo.ReceiveStream, from uint64) {
	defer t.wg.Done()
	err := t.readMessages(s, from)
	if isRejection(err) {
		t.metrics.streamsRejected.Add(1)
		s.CancelRead(codeProtocol)
		t.log.Warn("rejected message stream", "peer", from, "err", err)
		return
	}
	t.log.Debug("message stream ended", "peer", from, "err", err)
}

// readMessages reads a message stream: header, then frames until r ends.
func (t *Transport) readMessages(r io.Reader, from uint64) error {
	br := bufio.NewReaderSize(r, readBufferBytes)
	if err := t.checkHeader(br, kindMessages, from); err != nil {
		return err
	}
	var buf []byte
	for {
		payload, err := readFrame(br, buf, t.cfg.MaxMessageBytes)
		if err != nil {
			return err
		}
		var m raftpb.Message
		if err := m.Unmarshal(payload); err != nil { // copies what it keeps
			return fmt.Errorf("octopii/quic: decode message: %v: %w", err, ErrProtocol)
		}
		if m.Type == raftpb.MsgSnap {
			return fmt.Errorf("octopii/quic: MsgSnap on a message stream: %w", ErrProtocol)
		}
		if err := t.checkMessage(&m, from); err != nil {
			return err
		}
		t.metrics.messagesReceived.Add(1)
		t.handler.HandleMessage(m)
		if cap(payload) <= keepBufferBytes {
			buf = payload[:0]
		} else {
			buf = nil
		}
	}
}

// checkHeader reads a stream header and checks that it opens a stream of
// kind from node from (the node named by the connection's certificate).
func (t *Transport) checkHeader(r io.Reader, kind byte, from uint64) error {
	h, err := readHeader(r)
	if err != nil {
		return err
	}
	if h.kind != kind {
		return fmt.Errorf("octopii/quic: stream kind %d, want %d: %w", h.kind, kind, ErrProtocol)
	}
	if h.sender != from {
		return fmt.Errorf("octopii/quic: stream header claims node %d, certificate names node %d: %w", h.sender, from, ErrIdentity)
	}
	return nil
}

// checkMessage checks that m comes from node from and is addressed here.
func (t *Transport) checkMessage(m *raftpb.Message, from uint64) error {
	if m.From != from {
		return fmt.Errorf("octopii/quic: message from node %d on a stream of node %d: %w", m.From, from, ErrIdentity)
	}
	if m.To != t.cfg.ID {
		return fmt.Errorf("octopii/quic: message for node %d received by node %d: %w", m.To, t.cfg.ID, ErrProtocol)
	}
	return nil
}

// isRejection tells a peer's rule violation (the stream is closed and
// logged) from a stream that just ended or a connection that went away.
func isRejection(err error) bool {
	return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrVersion) || errors.Is(err, ErrTooLarge) ||
		errors.Is(err, ErrProtocol) || errors.Is(err, ErrIdentity)
}
