package quic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	quicgo "github.com/quic-go/quic-go"
	"go.etcd.io/raft/v3/raftpb"
)

// waitTimeout bounds every wait in these tests.
const waitTimeout = 5 * time.Second

// recorder is a Handler that records what it is given.
type recorder struct {
	// onSnapshot, if set, replaces the default HandleSnapshot (which reads
	// the whole body). Set before the transport starts.
	onSnapshot func(m raftpb.Message, body io.Reader) error
	// gate, if set, makes HandleMessage wait until it is closed.
	gate chan struct{}

	changed chan struct{} // signalled (non-blocking) on every event

	mu          sync.Mutex
	msgs        map[uint64][]raftpb.Message // by From
	unreachable map[uint64]int
	snapReports []snapReport
	snapshots   []gotSnapshot
}

type snapReport struct {
	to     uint64
	failed bool
}

type gotSnapshot struct {
	m      raftpb.Message
	bytes  int64
	sha256 [32]byte
	err    error // from reading the body
}

func newRecorder() *recorder {
	return &recorder{
		changed:     make(chan struct{}, 1),
		msgs:        make(map[uint64][]raftpb.Message),
		unreachable: make(map[uint64]int),
	}
}

func (r *recorder) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) HandleMessage(m raftpb.Message) {
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.msgs[m.From] = append(r.msgs[m.From], m)
	r.mu.Unlock()
	r.signal()
}

func (r *recorder) HandleSnapshot(m raftpb.Message, body io.Reader) error {
	if r.onSnapshot != nil {
		err := r.onSnapshot(m, body)
		r.signal()
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, body)
	got := gotSnapshot{m: m, bytes: n, err: err}
	h.Sum(got.sha256[:0])
	r.mu.Lock()
	r.snapshots = append(r.snapshots, got)
	r.mu.Unlock()
	r.signal()
	return err
}

func (r *recorder) ReportUnreachable(id uint64) {
	r.mu.Lock()
	r.unreachable[id]++
	r.mu.Unlock()
	r.signal()
}

func (r *recorder) ReportSnapshot(id uint64, failed bool) {
	r.mu.Lock()
	r.snapReports = append(r.snapReports, snapReport{id, failed})
	r.mu.Unlock()
	r.signal()
}

func (r *recorder) messagesFrom(id uint64) []raftpb.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]raftpb.Message(nil), r.msgs[id]...)
}

func (r *recorder) unreachableCount(id uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unreachable[id]
}

func (r *recorder) reports() []snapReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]snapReport(nil), r.snapReports...)
}

func (r *recorder) received() []gotSnapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]gotSnapshot(nil), r.snapshots...)
}

// waitFor polls cond, waking on the recorders' events and every few
// milliseconds (for Metrics), until it holds or waitTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool, recs ...*recorder) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var changed <-chan struct{}
	if len(recs) > 0 {
		changed = recs[0].changed
	}
	for !cond() {
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
	}
}

// testLogger sends the transport's logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// node is one transport under test.
type node struct {
	id  uint64
	tr  *Transport
	rec *recorder
	cfg Config
}

// testConfig returns a Config with short timeouts for node id, its
// certificate taken from dir.
func testConfig(t *testing.T, dir string, id uint64, rec *recorder) Config {
	t.Helper()
	tlsConf, err := LoadTLS(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		ID:          id,
		ListenAddr:  "127.0.0.1:0",
		TLS:         tlsConf,
		Handler:     rec,
		Logger:      testLogger(t),
		DialTimeout: 500 * time.Millisecond,
		MinBackoff:  10 * time.Millisecond,
		MaxBackoff:  100 * time.Millisecond,
		IdleTimeout: 3 * time.Second,
	}
}

func startNode(t *testing.T, cfg Config) *node {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{id: cfg.ID, tr: tr, rec: cfg.Handler.(*recorder), cfg: cfg}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("close node %d: %v", cfg.ID, err)
		}
	})
	return n
}

// newCluster starts one transport per id, certificates from one CA, every
// node knowing every other.
// tweak, if not nil, adjusts each Config.
func newCluster(t *testing.T, tweak func(*Config), ids ...uint64) (string, map[uint64]*node) {
	t.Helper()
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, ids, nil); err != nil {
		t.Fatal(err)
	}
	nodes := make(map[uint64]*node)
	for _, id := range ids {
		cfg := testConfig(t, dir, id, newRecorder())
		if tweak != nil {
			tweak(&cfg)
		}
		nodes[id] = startNode(t, cfg)
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				a.tr.AddPeer(b.id, b.tr.Addr())
			}
		}
	}
	return dir, nodes
}

// testMessage returns a MsgApp from → to whose content depends on i,
// carrying an entry of dataBytes bytes.
func testMessage(from, to uint64, i, dataBytes int) raftpb.Message {
	data := make([]byte, dataBytes)
	for j := range data {
		data[j] = byte(i*31 + j*7 + int(from))
	}
	return raftpb.Message{
		Type: raftpb.MsgApp, From: from, To: to, Term: 3, LogTerm: 2,
		Index: uint64(i), Commit: uint64(i / 2),
		Entries: []raftpb.Entry{{Term: 3, Index: uint64(i + 1), Type: raftpb.EntryNormal, Data: data}},
	}
}

func mustMarshal(t *testing.T, m raftpb.Message) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkSame fails unless got holds exactly want, in order, byte for byte.
func checkSame(t *testing.T, what string, got, want []raftpb.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d messages, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(mustMarshal(t, got[i]), mustMarshal(t, want[i])) {
			t.Fatalf("%s: message %d differs:\n got %v\nwant %v", what, i, got[i], want[i])
		}
	}
}

func TestMessagesArriveInOrder(t *testing.T) {
	_, nodes := newCluster(t, nil, 1, 2, 3)
	a, b, c := nodes[1], nodes[2], nodes[3]
	const n = 600

	var ab, ac, ba, cb []raftpb.Message
	for i := range n {
		ab = append(ab, testMessage(1, 2, i, i%700))
		ac = append(ac, testMessage(1, 3, i, (i*13)%300))
		ba = append(ba, testMessage(2, 1, i, i%50))
		cb = append(cb, testMessage(3, 2, i, 10))
	}
	// Mixed Send shapes: one big call, many single calls, and a call
	// holding messages for two peers.
	a.tr.Send(ab[:n/2])
	for i := n / 2; i < n; i++ {
		a.tr.Send(ab[i : i+1])
		a.tr.Send(ac[i-n/2 : i-n/2+1])
	}
	a.tr.Send(ac[n/2:])
	b.tr.Send(ba)
	c.tr.Send(cb)

	waitFor(t, "all messages", func() bool {
		return len(b.rec.messagesFrom(1)) >= n && len(c.rec.messagesFrom(1)) >= n &&
			len(a.rec.messagesFrom(2)) >= n && len(b.rec.messagesFrom(3)) >= n
	})
	checkSame(t, "1→2", b.rec.messagesFrom(1), ab)
	checkSame(t, "1→3", c.rec.messagesFrom(1), ac)
	checkSame(t, "2→1", a.rec.messagesFrom(2), ba)
	checkSame(t, "3→2", b.rec.messagesFrom(3), cb)
	for _, nd := range nodes {
		for _, peer := range []uint64{1, 2, 3} {
			if u := nd.rec.unreachableCount(peer); u != 0 {
				t.Errorf("node %d reported node %d unreachable %d times", nd.id, peer, u)
			}
		}
		if m := nd.tr.Metrics(); m.MessagesDropped != 0 || m.StreamsRejected != 0 {
			t.Errorf("node %d metrics %+v", nd.id, m)
		}
	}
	if got := a.tr.Metrics().MessagesSent; got != 2*n {
		t.Errorf("node 1 sent %d messages, want %d", got, 2*n)
	}
	if got := b.tr.Metrics().MessagesReceived; got != 2*n {
		t.Errorf("node 2 received %d messages, want %d", got, 2*n)
	}
}

// TestBatching blocks the receiver's Handler so that the sender is held by
// flow control; everything queued meanwhile must go out as one batch.
func TestBatching(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	a := startNode(t, testConfig(t, dir, 1, newRecorder()))
	recB := newRecorder()
	recB.gate = make(chan struct{})
	b := startNode(t, testConfig(t, dir, 2, recB))
	a.tr.AddPeer(2, b.tr.Addr())

	const n, dataBytes = 64, 256 << 10 // 16 MiB: far past the initial flow-control windows
	var msgs []raftpb.Message
	for i := range n {
		msgs = append(msgs, testMessage(1, 2, i, dataBytes))
	}
	a.tr.Send(msgs)
	// The sender can have written at most a few messages before flow
	// control stops it; all the others are queued now.
	close(recB.gate)
	waitFor(t, "all messages", func() bool { return len(recB.messagesFrom(1)) >= n }, recB)
	checkSame(t, "1→2", recB.messagesFrom(1), msgs)

	m := a.tr.Metrics()
	if m.MessagesSent != n {
		t.Fatalf("sent %d messages, want %d (metrics %+v)", m.MessagesSent, n, m)
	}
	if m.BatchesSent == 0 || m.BatchesSent > n/4 {
		t.Fatalf("%d messages went out in %d batches; want at most %d", n, m.BatchesSent, n/4)
	}
	t.Logf("%d messages in %d batches", m.MessagesSent, m.BatchesSent)
}

func TestReconnect(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	a := startNode(t, testConfig(t, dir, 1, newRecorder()))
	cfgB := testConfig(t, dir, 2, newRecorder())
	b, err := New(cfgB)
	if err != nil {
		t.Fatal(err)
	}
	addrB := b.Addr()
	a.tr.AddPeer(2, addrB)
	recB := cfgB.Handler.(*recorder)

	// sendUntil re-sends a fresh message until rec holds one with its index.
	next := 0
	sendUntil := func(rec *recorder) {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for time.Now().Before(deadline) {
			next++
			a.tr.Send([]raftpb.Message{testMessage(1, 2, next, 16)})
			want := uint64(next)
			got := false
			waitUntil := time.Now().Add(50 * time.Millisecond)
			for !got && time.Now().Before(waitUntil) {
				for _, m := range rec.messagesFrom(1) {
					got = got || m.Index == want
				}
				if !got {
					select {
					case <-rec.changed:
					case <-time.After(5 * time.Millisecond):
					}
				}
			}
			if got {
				return
			}
		}
		t.Fatalf("no message reached node 2 within %v", waitTimeout)
	}

	sendUntil(recB)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	before := a.rec.unreachableCount(2)
	deadline := time.Now().Add(waitTimeout)
	for a.rec.unreachableCount(2) == before {
		if time.Now().After(deadline) {
			t.Fatal("node 1 never reported node 2 unreachable after it closed")
		}
		next++
		a.tr.Send([]raftpb.Message{testMessage(1, 2, next, 16)})
		select {
		case <-a.rec.changed:
		case <-time.After(10 * time.Millisecond):
		}
	}

	// Attempts to reconnect go on, and fail while nothing listens.
	waitFor(t, "a failed dial to the dead address", func() bool {
		if a.tr.Metrics().DialFailures > 0 {
			return true
		}
		next++
		a.tr.Send([]raftpb.Message{testMessage(1, 2, next, 16)})
		return false
	}, a.rec)

	// A new node 2 on the same address.
	cfgB2 := testConfig(t, dir, 2, newRecorder())
	cfgB2.ListenAddr = addrB
	b2 := startNode(t, cfgB2)
	sendUntil(b2.rec)
	if m := a.tr.Metrics(); m.MessagesDropped == 0 {
		t.Fatalf("metrics %+v: want dropped messages while node 2 was down", m)
	}
}

func TestForeignCARejected(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	otherDir := t.TempDir()
	if err := GenerateDevCerts(otherDir, []uint64{3}, nil); err != nil {
		t.Fatal(err)
	}
	b := startNode(t, testConfig(t, dir, 2, newRecorder()))
	x := startNode(t, testConfig(t, otherDir, 3, newRecorder()))
	x.tr.AddPeer(2, b.tr.Addr())
	b.tr.AddPeer(3, x.tr.Addr())

	// Both directions: each side rejects the other's certificate.
	for _, c := range []struct {
		from, to *node
	}{{x, b}, {b, x}} {
		waitFor(t, fmt.Sprintf("node %d to report node %d unreachable", c.from.id, c.to.id), func() bool {
			if c.from.rec.unreachableCount(c.to.id) > 0 {
				return true
			}
			c.from.tr.Send([]raftpb.Message{testMessage(c.from.id, c.to.id, 1, 8)})
			return false
		}, c.from.rec)
		if c.from.tr.Metrics().DialFailures == 0 {
			t.Errorf("node %d: no dial failure recorded", c.from.id)
		}
	}
	if got := b.rec.messagesFrom(3); len(got) != 0 {
		t.Fatalf("node 2 received %d messages from a foreign CA's node", len(got))
	}
	if got := x.rec.messagesFrom(2); len(got) != 0 {
		t.Fatalf("node 3 received %d messages across CAs", len(got))
	}

	// Direct dials. A client that does not trust node 2's CA fails the
	// handshake itself.
	if c, err := rawDial(t, b.tr.Addr(), x.cfg.TLS); err == nil {
		_ = c.CloseWithError(0, "")
		t.Fatal("handshake succeeded although the client does not trust the server's CA")
	}
	// A client that trusts node 2's CA but presents a foreign certificate
	// is refused by the server: the handshake fails or the connection is
	// closed right after it, and nothing is delivered.
	conf := b.cfg.TLS.Clone()
	conf.Certificates = x.cfg.TLS.Certificates
	c, err := rawDial(t, b.tr.Addr(), conf)
	if err == nil {
		if s, err := c.OpenUniStream(); err == nil {
			_, _ = s.Write(append(appendHeader(nil, streamHeader{kind: kindMessages, sender: 3}), frameOf(t, testMessage(3, 2, 1, 8))...))
		}
		select {
		case <-c.Context().Done():
		case <-time.After(waitTimeout):
			t.Fatal("server kept a connection whose client certificate is from a foreign CA")
		}
	}
	if got := b.rec.messagesFrom(3); len(got) != 0 {
		t.Fatalf("node 2 received %d messages over a foreign-certificate connection", len(got))
	}
}

func TestDialChecksServerIdentity(t *testing.T) {
	_, nodes := newCluster(t, nil, 1, 2)
	a, b := nodes[1], nodes[2]
	// Node 1 believes node 3 lives at node 2's address: the certificate
	// there names node 2, so the handshake must fail.
	a.tr.AddPeer(3, b.tr.Addr())
	waitFor(t, "node 3 unreachable", func() bool {
		if a.rec.unreachableCount(3) > 0 {
			return true
		}
		a.tr.Send([]raftpb.Message{testMessage(1, 3, 1, 8)})
		return false
	}, a.rec)
	if a.tr.Metrics().DialFailures == 0 {
		t.Fatal("no dial failure recorded")
	}
	if m := b.tr.Metrics(); m.MessagesReceived != 0 || m.StreamsRejected != 0 {
		t.Fatalf("node 2 metrics %+v: nothing should have reached it", m)
	}
}

// rawDial connects to addr with conf from a socket bound to 127.0.0.1.
func rawDial(t *testing.T, addr string, conf *tls.Config) (*quicgo.Conn, error) {
	t.Helper()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	tr := &quicgo.Transport{Conn: udp}
	t.Cleanup(func() {
		_ = tr.Close()
		_ = udp.Close()
	})
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conf = conf.Clone()
	conf.ServerName = "127.0.0.1"
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return tr.Dial(ctx, raddr, conf, &quicgo.Config{HandshakeIdleTimeout: time.Second})
}

func frameOf(t *testing.T, m raftpb.Message) []byte {
	return appendFrame(nil, mustMarshal(t, m))
}

// TestReceiverRejects speaks the wire format directly, as node 7, to node
// 1, and checks what is delivered and what closes the stream.
func TestReceiverRejects(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2, 7}, nil); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir, 1, newRecorder())
	cfg.MaxMessageBytes = 1 << 20
	r := startNode(t, cfg)
	conf7, err := LoadTLS(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	header := func(kind byte, sender uint64) []byte {
		return appendHeader(nil, streamHeader{kind: kind, sender: sender})
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	badCRC := frameOf(t, testMessage(7, 1, 105, 40))
	badCRC[len(badCRC)-1] ^= 1
	tooLarge := binary.BigEndian.AppendUint32(nil, 2<<20)
	tooLarge = binary.BigEndian.AppendUint32(tooLarge, 0)
	badMagic := header(kindMessages, 7)
	badMagic[0] = 'X'
	badVersion := header(kindMessages, 7)
	badVersion[4] = 2

	cases := []struct {
		name      string
		index     int // of the message sent
		bytes     []byte
		delivered bool
	}{
		{"valid", 100, cat(header(kindMessages, 7), frameOf(t, testMessage(7, 1, 100, 40))), true},
		{"header claims node 2", 101, cat(header(kindMessages, 2), frameOf(t, testMessage(2, 1, 101, 40))), false},
		{"only the header claims node 2", 110, cat(header(kindMessages, 2), frameOf(t, testMessage(7, 1, 110, 40))), false},
		{"message claims node 2", 102, cat(header(kindMessages, 7), frameOf(t, testMessage(2, 1, 102, 40))), false},
		{"bad magic", 103, cat(badMagic, frameOf(t, testMessage(7, 1, 103, 40))), false},
		{"bad version", 104, cat(badVersion, frameOf(t, testMessage(7, 1, 104, 40))), false},
		{"bad crc", 105, cat(header(kindMessages, 7), badCRC), false},
		{"too large", 106, cat(header(kindMessages, 7), tooLarge, make([]byte, 1000)), false},
		{"addressed to node 3", 107, cat(header(kindMessages, 7), frameOf(t, testMessage(7, 3, 107, 40))), false},
		{"snapshot kind on a message stream", 108, cat(header(kindSnapshot, 7), frameOf(t, testMessage(7, 1, 108, 40))), false},
		{"not a message", 109, cat(header(kindMessages, 7), appendFrame(nil, []byte{0xff, 0xff, 0xff})), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := rawDial(t, r.tr.Addr(), conf7)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseWithError(0, "")
			s, err := c.OpenUniStream()
			if err != nil {
				t.Fatal(err)
			}
			rejectedBefore := r.tr.Metrics().StreamsRejected
			if _, err := s.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			hasIt := func() bool {
				for _, m := range r.rec.messagesFrom(7) {
					if m.Index == uint64(tc.index) {
						return true
					}
				}
				for _, m := range r.rec.messagesFrom(2) {
					if m.Index == uint64(tc.index) {
						return true
					}
				}
				return false
			}
			if tc.delivered {
				waitFor(t, "delivery", hasIt, r.rec)
				if s.Context().Err() != nil {
					t.Fatalf("valid stream was closed: %v", context.Cause(s.Context()))
				}
				return
			}
			// The receiver stops the stream (STOP_SENDING cancels its context).
			select {
			case <-s.Context().Done():
			case <-time.After(waitTimeout):
				t.Fatal("stream not rejected")
			}
			var se *quicgo.StreamError
			if !errors.As(context.Cause(s.Context()), &se) || se.ErrorCode != codeProtocol {
				t.Fatalf("stream closed with %v, want a stream error with code %d", context.Cause(s.Context()), codeProtocol)
			}
			if hasIt() {
				t.Fatal("message delivered")
			}
			waitFor(t, "rejection counted", func() bool { return r.tr.Metrics().StreamsRejected > rejectedBefore })
		})
	}
}

func TestSendEdgeCases(t *testing.T) {
	const maxBytes = 64 << 10
	_, nodes := newCluster(t, func(c *Config) { c.MaxMessageBytes = maxBytes }, 1, 2)
	a, b := nodes[1], nodes[2]

	// Unknown peer: dropped and reported from within Send.
	a.tr.Send([]raftpb.Message{testMessage(1, 9, 1, 8)})
	if a.rec.unreachableCount(9) != 1 {
		t.Fatal("message to an unknown peer not reported unreachable")
	}
	// MsgSnap belongs to SendSnapshot.
	a.tr.Send([]raftpb.Message{snapMessage(1, 2, 5)})
	if got := a.rec.reports(); len(got) != 1 || got[0] != (snapReport{2, true}) {
		t.Fatalf("MsgSnap through Send: reports %+v", got)
	}
	// Too large for the sender's MaxMessageBytes: dropped, reported, the
	// connection still carries the next message.
	big := testMessage(1, 2, 1, maxBytes+1)
	a.tr.Send([]raftpb.Message{big, testMessage(1, 2, 2, 8)})
	waitFor(t, "the small message", func() bool { return len(b.rec.messagesFrom(1)) == 1 }, b.rec)
	if got := b.rec.messagesFrom(1)[0].Index; got != 2 {
		t.Fatalf("received index %d, want 2", got)
	}
	if a.rec.unreachableCount(2) != 1 {
		t.Fatalf("oversized message reported %d times, want 1", a.rec.unreachableCount(2))
	}

	// Removed peer: Send reports it unreachable.
	a.tr.RemovePeer(2)
	a.tr.Send([]raftpb.Message{testMessage(1, 2, 3, 8)})
	if a.rec.unreachableCount(2) != 2 {
		t.Fatal("message to a removed peer not reported unreachable")
	}
	// After Close, Send and SendSnapshot do nothing but close the body.
	if err := a.tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.tr.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	before := a.rec.unreachableCount(9)
	a.tr.Send([]raftpb.Message{testMessage(1, 9, 1, 8)})
	body := newGenReader(1, 10)
	a.tr.SendSnapshot(snapMessage(1, 2, 1), body, 10)
	if a.rec.unreachableCount(9) != before || len(a.rec.reports()) != 1 || !body.closed.Load() {
		t.Fatal("Send or SendSnapshot acted after Close")
	}
}

func TestQueueFull(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir, 1, newRecorder())
	cfg.QueueLen = 4
	a := startNode(t, cfg)
	recB := newRecorder()
	recB.gate = make(chan struct{})
	b := startNode(t, testConfig(t, dir, 2, recB))
	a.tr.AddPeer(2, b.tr.Addr())

	// With the receiver blocked and flow control holding the sender, a
	// queue of 4 overflows.
	const n = 200
	for i := range n {
		a.tr.Send([]raftpb.Message{testMessage(1, 2, i, 64<<10)})
	}
	dropped := a.rec.unreachableCount(2)
	close(recB.gate)
	if dropped == 0 {
		t.Fatalf("%d sends into a queue of 4 with a blocked receiver dropped nothing", n)
	}
	waitFor(t, "queue drained", func() bool {
		m := a.tr.Metrics()
		return m.MessagesSent+m.MessagesDropped == n
	})
	got := recB.messagesFrom(1)
	waitFor(t, "delivery", func() bool {
		got = recB.messagesFrom(1)
		return uint64(len(got)) == a.tr.Metrics().MessagesSent
	}, recB)
	for i := 1; i < len(got); i++ {
		if got[i].Index <= got[i-1].Index {
			t.Fatalf("order broken: index %d after %d", got[i].Index, got[i-1].Index)
		}
	}
}
