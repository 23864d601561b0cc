package quic

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	quicgo "github.com/quic-go/quic-go"
	"go.etcd.io/raft/v3/raftpb"
)

// errBackoff is returned by peer.connection while a failed peer waits out
// its backoff.
var errBackoff = errors.New("octopii/quic: waiting to reconnect")

// peer is the outgoing side of one remote node: its queue, the goroutine
// that drains it, and the connection it dials.
type peer struct {
	t  *Transport
	id uint64

	queue     chan raftpb.Message // bounded by Config.QueueLen
	snapSlots chan struct{}       // bounded by Config.MaxSnapshotSends

	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc

	dialMu sync.Mutex // one connection attempt at a time; taken before mu

	mu      sync.Mutex
	addr    string        // guarded by mu
	conn    *quicgo.Conn  // guarded by mu: the outgoing connection, nil if none
	backoff time.Duration // guarded by mu: the last wait imposed, 0 after a sent batch
	retryAt time.Time     // guarded by mu: no connection attempt before
}

func newPeer(t *Transport, id uint64, addr string) *peer {
	p := &peer{
		t:         t,
		id:        id,
		addr:      addr,
		queue:     make(chan raftpb.Message, t.cfg.QueueLen),
		snapSlots: make(chan struct{}, t.cfg.MaxSnapshotSends),
	}
	p.ctx, p.cancel = context.WithCancel(t.ctx)
	return p
}

// stop ends the peer's goroutines: the sender sees ctx, snapshot sends fail
// when the connection closes under them.
func (p *peer) stop() {
	p.cancel()
	p.mu.Lock()
	c := p.conn
	p.conn = nil
	p.mu.Unlock()
	if c != nil {
		_ = c.CloseWithError(codeClosing, "peer removed")
	}
}

// setAddr moves the peer: the current connection is closed and the next
// attempt, without backoff, goes to addr.
func (p *peer) setAddr(addr string) {
	p.mu.Lock()
	if p.addr == addr {
		p.mu.Unlock()
		return
	}
	p.addr = addr
	c := p.conn
	p.conn = nil
	p.backoff, p.retryAt = 0, time.Time{}
	p.mu.Unlock()
	if c != nil {
		_ = c.CloseWithError(codeClosing, "peer moved")
	}
	p.t.log.Info("peer address changed", "peer", p.id, "addr", addr)
}

// connection returns the live outgoing connection, dialling one if there is
// none and the backoff allows it.
func (p *peer) connection() (*quicgo.Conn, error) {
	p.dialMu.Lock()
	defer p.dialMu.Unlock()

	p.mu.Lock()
	c := p.conn
	if c != nil && c.Context().Err() != nil { // closed by the peer or timed out
		p.failedLocked(context.Cause(c.Context()))
		c = nil
	}
	if c != nil {
		p.mu.Unlock()
		return c, nil
	}
	if time.Now().Before(p.retryAt) {
		p.mu.Unlock()
		return nil, errBackoff
	}
	addr := p.addr
	p.mu.Unlock()

	c, err := p.dial(addr)

	p.mu.Lock()
	switch {
	case err != nil:
		p.t.metrics.dialFailures.Add(1)
		p.failedLocked(err)
		p.mu.Unlock()
		return nil, err
	case p.ctx.Err() != nil || p.addr != addr: // stopped or moved while dialling
		p.mu.Unlock()
		_ = c.CloseWithError(codeClosing, "peer removed or moved")
		return nil, fmt.Errorf("octopii/quic: node %d removed or moved while dialling", p.id)
	}
	p.conn = c
	p.mu.Unlock()
	p.t.log.Debug("connected", "peer", p.id, "addr", addr)
	return c, nil
}

// connFailed records that c broke: it is closed and the peer backs off. It
// does nothing if c was already replaced (another goroutine saw it break).
func (p *peer) connFailed(c *quicgo.Conn, err error) {
	p.mu.Lock()
	if p.conn != c {
		p.mu.Unlock()
		return
	}
	p.conn = nil
	p.failedLocked(err)
	p.mu.Unlock()
	_ = c.CloseWithError(codeClosing, "write failed")
}

// sent records a batch that reached the connection: the backoff resets.
func (p *peer) sent() {
	p.mu.Lock()
	p.backoff = 0
	p.mu.Unlock()
}

// failedLocked doubles the backoff (within [MinBackoff, MaxBackoff]) and
// forbids connection attempts until it has passed.
func (p *peer) failedLocked(err error) {
	p.conn = nil
	if p.ctx.Err() != nil {
		return // stopping: nothing to wait for
	}
	first := p.backoff == 0
	p.backoff = min(max(2*p.backoff, p.t.cfg.MinBackoff), p.t.cfg.MaxBackoff)
	p.retryAt = time.Now().Add(p.backoff)
	if first {
		p.t.log.Warn("peer unreachable", "peer", p.id, "addr", p.addr, "err", err)
	} else {
		p.t.log.Debug("peer still unreachable", "peer", p.id, "addr", p.addr, "backoff", p.backoff, "err", err)
	}
}

// dial connects to addr and checks that the certificate there names node
// p.id.
func (p *peer) dial(addr string) (*quicgo.Conn, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.t.cfg.DialTimeout)
	defer cancel()
	host, udpAddr, err := resolveUDP(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: dial node %d: %w", p.id, err)
	}
	conf := p.t.tls.Clone()
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	verify := conf.VerifyConnection
	conf.VerifyConnection = func(cs tls.ConnectionState) error {
		if verify != nil {
			if err := verify(cs); err != nil {
				return err
			}
		}
		got, err := PeerID(cs)
		if err != nil {
			return err
		}
		if got != p.id {
			return fmt.Errorf("octopii/quic: dialled node %d, certificate names node %d: %w", p.id, got, ErrIdentity)
		}
		return nil
	}
	c, err := p.t.qt.Dial(ctx, udpAddr, conf, p.t.dialConf)
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: dial node %d at %s: %w", p.id, addr, err)
	}
	return c, nil
}

// resolveUDP splits addr and resolves its host (the first address wins).
func resolveUDP(ctx context.Context, addr string) (string, *net.UDPAddr, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, fmt.Errorf("address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return "", nil, fmt.Errorf("address %q: bad port: %w", addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if lerr != nil {
			return "", nil, fmt.Errorf("address %q: %w", addr, lerr)
		}
		if len(ips) == 0 {
			return "", nil, fmt.Errorf("address %q: host has no address", addr)
		}
		ip = ips[0]
	}
	return host, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip.Unmap(), uint16(port))), nil
}

// run drains the queue until stop: each batch is what the queue holds
// (at most QueueLen messages), written to the message stream and flushed
// once.
func (p *peer) run() {
	defer p.t.wg.Done()
	var out messageStream
	defer out.close()
	batch := make([]raftpb.Message, 0, min(p.t.cfg.QueueLen, 256))
	for {
		select {
		case <-p.ctx.Done():
			return
		case m := <-p.queue:
			batch = append(batch[:0], m)
		}
		// Connect first: messages queued during the dial join this batch.
		c, err := p.connection()
		batch = p.drain(batch)
		if err != nil {
			p.drop(len(batch))
		} else {
			p.write(&out, c, batch)
		}
		clear(batch) // let the entries be collected
	}
}

// drain appends what the queue holds to batch, up to QueueLen messages.
func (p *peer) drain(batch []raftpb.Message) []raftpb.Message {
	for len(batch) < p.t.cfg.QueueLen {
		select {
		case m := <-p.queue:
			batch = append(batch, m)
		default:
			return batch
		}
	}
	return batch
}

// drop discards n messages and tells Raft, once per batch (not when the
// peer is being removed or the transport closed).
func (p *peer) drop(n int) {
	if n == 0 {
		return
	}
	p.t.metrics.messagesDropped.Add(uint64(n))
	if p.ctx.Err() == nil {
		p.t.handler.ReportUnreachable(p.id)
	}
}

// messageStream is the sender's stream on its current connection.
type messageStream struct {
	conn   *quicgo.Conn
	stream *quicgo.SendStream
	w      *bufio.Writer
	buf    []byte // marshalling buffer, reused
}

func (s *messageStream) close() {
	if s.stream != nil {
		_ = s.stream.Close() // FIN; errors mean the connection is gone anyway
	}
	s.conn, s.stream = nil, nil
}

// write sends batch on c's message stream (opened with its header if c is
// new) with one flush. A failure drops the batch and the connection.
func (p *peer) write(out *messageStream, c *quicgo.Conn, batch []raftpb.Message) {
	if out.conn != c {
		out.close()
		s, err := c.OpenUniStreamSync(p.ctx)
		if err != nil {
			p.connFailed(c, fmt.Errorf("octopii/quic: open message stream to node %d: %w", p.id, err))
			p.drop(len(batch))
			return
		}
		out.conn, out.stream = c, s
		if out.w == nil {
			out.w = bufio.NewWriterSize(s, writeBufferBytes)
		} else {
			out.w.Reset(s)
		}
		var h [headerBytes]byte
		_, _ = out.w.Write(appendHeader(h[:0], streamHeader{kind: kindMessages, sender: p.t.cfg.ID}))
	}

	tooLarge := 0
	for i := range batch {
		m := &batch[i]
		size := m.Size()
		if size > p.t.cfg.MaxMessageBytes {
			tooLarge++
			continue
		}
		if cap(out.buf) < size {
			out.buf = make([]byte, size)
		}
		n, err := m.MarshalTo(out.buf[:size])
		if err != nil || n != size {
			panic(fmt.Sprintf("octopii/quic: marshal message: %d of %d bytes: %v", n, size, err))
		}
		var h [frameHeaderBytes]byte
		putFrameHeader(&h, out.buf[:size])
		_, _ = out.w.Write(h[:]) // a write error sticks; Flush returns it
		_, _ = out.w.Write(out.buf[:size])
	}
	if cap(out.buf) > keepBufferBytes {
		out.buf = nil
	}
	if tooLarge > 0 {
		p.t.log.Warn("dropped messages over MaxMessageBytes", "peer", p.id, "count", tooLarge, "limit", p.t.cfg.MaxMessageBytes)
		p.drop(tooLarge)
	}
	if err := out.w.Flush(); err != nil {
		p.connFailed(c, fmt.Errorf("octopii/quic: write to node %d: %w", p.id, err))
		out.close()
		p.drop(len(batch) - tooLarge)
		return
	}
	p.t.metrics.batchesSent.Add(1)
	p.t.metrics.messagesSent.Add(uint64(len(batch) - tooLarge))
	p.sent()
}
