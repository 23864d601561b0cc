package quic

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"go.etcd.io/raft/v3/raftpb"
)

// genReader yields size deterministic pseudo-random bytes, generated as
// they are read, and records how it was read.
type genReader struct {
	state    uint64
	left     int64
	reads    atomic.Int64
	maxRead  atomic.Int64
	total    atomic.Int64
	closed   atomic.Bool
	closeErr error
}

func newGenReader(seed uint64, size int64) *genReader {
	return &genReader{state: seed, left: size}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.closed.Load() {
		return 0, errors.New("genReader: read after close")
	}
	if g.left == 0 {
		return 0, io.EOF
	}
	g.reads.Add(1)
	if int64(len(p)) > g.maxRead.Load() {
		g.maxRead.Store(int64(len(p)))
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	for i := range p {
		// splitmix64, one byte per step: cheap and deterministic.
		g.state += 0x9e3779b97f4a7c15
		z := g.state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		p[i] = byte(z ^ (z >> 31))
	}
	g.left -= int64(len(p))
	g.total.Add(int64(len(p)))
	return len(p), nil
}

func (g *genReader) Close() error {
	g.closed.Store(true)
	return g.closeErr
}

func genSHA256(t *testing.T, seed uint64, size int64) [32]byte {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, newGenReader(seed, size)); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func snapMessage(from, to, index uint64) raftpb.Message {
	return raftpb.Message{
		Type: raftpb.MsgSnap, From: from, To: to, Term: 5,
		Snapshot: &raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{
			Index: index, Term: 4,
			ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}},
		}},
	}
}

func TestSnapshotStreams(t *testing.T) {
	_, nodes := newCluster(t, nil, 1, 2)
	a, b := nodes[1], nodes[2]
	const size = 8 << 20
	body := newGenReader(42, size)
	m := snapMessage(1, 2, 1000)
	a.tr.SendSnapshot(m, body, size)

	waitFor(t, "snapshot report", func() bool { return len(a.rec.reports()) > 0 }, a.rec)
	if got := a.rec.reports(); len(got) != 1 || got[0] != (snapReport{2, false}) {
		t.Fatalf("reports %+v, want one success for node 2", got)
	}
	got := b.rec.received()
	if len(got) != 1 {
		t.Fatalf("node 2 received %d snapshots, want 1", len(got))
	}
	if got[0].err != nil {
		t.Fatalf("reading the body: %v", got[0].err)
	}
	if got[0].bytes != size || got[0].sha256 != genSHA256(t, 42, size) {
		t.Fatalf("received %d bytes (sha256 %x), want %d bytes of the generator", got[0].bytes, got[0].sha256, size)
	}
	if !bytes.Equal(mustMarshal(t, got[0].m), mustMarshal(t, m)) {
		t.Fatalf("message %v, want %v", got[0].m, m)
	}
	if !body.closed.Load() {
		t.Fatal("body not closed")
	}
	// Streamed: read in small chunks, never asked for all at once.
	if mr := body.maxRead.Load(); mr > 1<<20 {
		t.Fatalf("body read with a %d-byte buffer; want chunks of at most 1 MiB", mr)
	}
	if r := body.reads.Load(); r < size/(1<<20) {
		t.Fatalf("body read in %d calls; want at least %d", r, size/(1<<20))
	}
	if tot := body.total.Load(); tot != size {
		t.Fatalf("body read %d bytes, want %d", tot, size)
	}
	if ma, mb := a.tr.Metrics(), b.tr.Metrics(); ma.SnapshotsSent != 1 || mb.SnapshotsReceived != 1 {
		t.Fatalf("metrics: sender %+v receiver %+v", ma, mb)
	}
}

func TestSnapshotHandlerError(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	a := startNode(t, testConfig(t, dir, 1, newRecorder()))
	recB := newRecorder()
	var fail atomic.Bool
	fail.Store(true)
	var taken atomic.Int64
	recB.onSnapshot = func(m raftpb.Message, body io.Reader) error {
		if fail.Load() {
			// Read part of it, then give up: the sender is still streaming.
			if _, err := io.CopyN(io.Discard, body, 1<<20); err != nil {
				return err
			}
			return errors.New("disk full")
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
		taken.Add(1)
		return nil
	}
	b := startNode(t, testConfig(t, dir, 2, recB))
	a.tr.AddPeer(2, b.tr.Addr())

	body := newGenReader(1, 4<<20)
	a.tr.SendSnapshot(snapMessage(1, 2, 10), body, 4<<20)
	waitFor(t, "failure report", func() bool { return len(a.rec.reports()) == 1 }, a.rec)
	if got := a.rec.reports()[0]; got != (snapReport{2, true}) {
		t.Fatalf("report %+v, want failure for node 2", got)
	}
	if !body.closed.Load() {
		t.Fatal("body not closed after a failed send")
	}

	// Failed streams must not use up the receiver's stream limit
	// (MaxSnapshotSends = 2): more snapshots than that still go through.
	fail.Store(false)
	for i := range 4 {
		a.tr.SendSnapshot(snapMessage(1, 2, uint64(20+i)), newGenReader(uint64(i), 100<<10), 100<<10)
		waitFor(t, "success report", func() bool { return len(a.rec.reports()) == 2+i }, a.rec)
		if got := a.rec.reports()[1+i]; got != (snapReport{2, false}) {
			t.Fatalf("snapshot %d: report %+v, want success", i, got)
		}
	}
	if taken.Load() != 4 {
		t.Fatalf("handler took %d snapshots, want 4", taken.Load())
	}
}

func TestSnapshotShortBody(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	a := startNode(t, testConfig(t, dir, 1, newRecorder()))
	b := startNode(t, testConfig(t, dir, 2, newRecorder()))
	a.tr.AddPeer(2, b.tr.Addr())

	// The body ends 900 KiB short of the announced size.
	body := newGenReader(7, 100<<10)
	a.tr.SendSnapshot(snapMessage(1, 2, 10), body, 1<<20)
	waitFor(t, "failure report", func() bool { return len(a.rec.reports()) == 1 }, a.rec)
	if got := a.rec.reports()[0]; got != (snapReport{2, true}) {
		t.Fatalf("report %+v, want failure", got)
	}
	// The sender resets the stream; depending on timing the receiver's
	// handler sees a failed read or is never called. Close waits for it.
	if err := b.tr.Close(); err != nil {
		t.Fatal(err)
	}
	for _, got := range b.rec.received() {
		if got.err == nil {
			t.Fatalf("receiver's handler read %d bytes without an error", got.bytes)
		}
	}
	if b.tr.Metrics().SnapshotsReceived != 0 {
		t.Fatal("receiver counted a short snapshot as received")
	}
}

func TestSnapshotBounds(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	a := startNode(t, testConfig(t, dir, 1, newRecorder()))
	recB := newRecorder()
	release := make(chan struct{})
	var entered atomic.Int64
	recB.onSnapshot = func(m raftpb.Message, body io.Reader) error {
		entered.Add(1)
		<-release
		_, err := io.Copy(io.Discard, body)
		return err
	}
	b := startNode(t, testConfig(t, dir, 2, recB))
	a.tr.AddPeer(2, b.tr.Addr())

	// Unknown peer: fails at once, body closed.
	unknown := newGenReader(1, 10)
	a.tr.SendSnapshot(snapMessage(1, 9, 1), unknown, 10)
	if got := a.rec.reports(); len(got) != 1 || got[0] != (snapReport{9, true}) || !unknown.closed.Load() {
		t.Fatalf("unknown peer: reports %+v, body closed %v", got, unknown.closed.Load())
	}

	// Two in flight (the default bound); the third fails at once.
	a.tr.SendSnapshot(snapMessage(1, 2, 2), newGenReader(2, 1000), 1000)
	a.tr.SendSnapshot(snapMessage(1, 2, 3), newGenReader(3, 1000), 1000)
	waitFor(t, "two snapshots in the handler", func() bool { return entered.Load() == 2 }, recB)
	third := newGenReader(4, 1000)
	a.tr.SendSnapshot(snapMessage(1, 2, 4), third, 1000)
	if got := a.rec.reports(); len(got) != 2 || got[1] != (snapReport{2, true}) || !third.closed.Load() {
		t.Fatalf("third snapshot: reports %+v, body closed %v", got, third.closed.Load())
	}
	close(release)
	waitFor(t, "two successes", func() bool { return len(a.rec.reports()) == 4 }, a.rec)
	for _, r := range a.rec.reports()[2:] {
		if r != (snapReport{2, false}) {
			t.Fatalf("reports %+v, want two successes after the failures", a.rec.reports())
		}
	}
}

// TestSnapshotCorruptBody sends snapshot streams by hand, one intact, one
// with a wrong body checksum, one that ends early: the handler's read must
// fail on the last two and the status be 1.
func TestSnapshotCorruptBody(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 7}, nil); err != nil {
		t.Fatal(err)
	}
	r := startNode(t, testConfig(t, dir, 1, newRecorder()))
	conf7, err := LoadTLS(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		corrupt bool  // flip a bit of the checksum
		cut     int   // bytes missing at the end of the stream
		wantErr error // from the handler's read; nil: taken
	}{
		{"intact", false, 0, nil},
		{"bad checksum", true, 0, ErrCorrupt},
		{"short body", false, 1000, io.ErrUnexpectedEOF},
	} {
		c, err := rawDial(t, r.tr.Addr(), conf7)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.OpenStream()
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.Repeat([]byte("snapshot"), 5000)
		sum := crc32c(body)
		if tc.corrupt {
			sum ^= 0x100
		}
		var buf []byte
		buf = appendHeader(buf, streamHeader{kind: kindSnapshot, sender: 7})
		buf = append(buf, frameOf(t, snapMessage(7, 1, 99))...)
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(body)))
		buf = append(buf, body...)
		buf = binary.BigEndian.AppendUint32(buf, sum)
		buf = buf[:len(buf)-tc.cut]
		if _, err := s.Write(buf); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		status, err := io.ReadAll(s)
		if err != nil {
			t.Fatal(err)
		}
		want := []byte{statusOK}
		if tc.wantErr != nil {
			want = []byte{statusFailed}
		}
		if !bytes.Equal(status, want) {
			t.Fatalf("%s: status %v, want %v", tc.name, status, want)
		}
		got := r.rec.received()
		last := got[len(got)-1]
		if (tc.wantErr == nil) != (last.err == nil) || !errors.Is(last.err, tc.wantErr) {
			t.Fatalf("%s: handler's read ended with %v, want %v", tc.name, last.err, tc.wantErr)
		}
		if tc.wantErr == nil && (last.bytes != int64(len(body)) || last.sha256 != sha256.Sum256(body)) {
			t.Fatalf("%s: handler read %d bytes, not the body", tc.name, last.bytes)
		}
		_ = c.CloseWithError(0, "")
	}
}

func TestSnapshotReader(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	stream := func(body []byte, sum uint32, extra int) []byte {
		b := append(bytes.Clone(body), binary.BigEndian.AppendUint32(nil, sum)...)
		return b[:len(b)-extra]
	}
	tampered := bytes.Clone(body)
	tampered[1000] ^= 1

	type readFunc func(r io.Reader, size int) ([]byte, error)
	readAll := func(r io.Reader, _ int) ([]byte, error) { return io.ReadAll(r) }
	readExact := func(r io.Reader, size int) ([]byte, error) { // never asks past the body
		b := make([]byte, size)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	readBytes := func(r io.Reader, _ int) ([]byte, error) { return io.ReadAll(iotest.OneByteReader(r)) }

	for _, rf := range []struct {
		name string
		read readFunc
	}{{"ReadAll", readAll}, {"ReadFull", readExact}, {"OneByte", readBytes}} {
		for _, tc := range []struct {
			name string
			in   []byte
			size uint64
			want error // nil: body returned and verified
		}{
			{"good", stream(body, crc32c(body), 0), uint64(len(body)), nil},
			{"empty", stream(nil, crc32c(nil), 0), 0, nil},
			{"tampered body", stream(tampered, crc32c(body), 0), uint64(len(body)), ErrCorrupt},
			{"tampered crc", stream(body, crc32c(body)^1, 0), uint64(len(body)), ErrCorrupt},
			{"short crc", stream(body, crc32c(body), 2), uint64(len(body)), io.ErrUnexpectedEOF},
			{"short body", body[:1000], uint64(len(body)), io.ErrUnexpectedEOF},
		} {
			if rf.name == "ReadFull" && tc.size == 0 {
				continue // nothing to read: ReadFull never calls Read
			}
			sr := &snapshotReader{r: bytes.NewReader(tc.in), remaining: tc.size}
			got, err := rf.read(sr, int(tc.size))
			if tc.want == nil {
				if err != nil || !bytes.Equal(got, body[:tc.size]) || !sr.verified {
					t.Errorf("%s/%s: %d bytes, err %v, verified %v", rf.name, tc.name, len(got), err, sr.verified)
				}
				continue
			}
			if !errors.Is(err, tc.want) || sr.verified {
				t.Errorf("%s/%s: err %v (verified %v), want %v", rf.name, tc.name, err, sr.verified, tc.want)
			}
			// Errors stick.
			if _, err2 := sr.Read(make([]byte, 10)); err2 == nil || err2 == io.EOF {
				t.Errorf("%s/%s: read after the error returned %v", rf.name, tc.name, err2)
			}
		}
	}
}
