package quic

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	quicgo "github.com/quic-go/quic-go"
	"go.etcd.io/raft/v3/raftpb"
)

// sendSnapshot runs one SendSnapshot: stream, close body, report.
func (p *peer) sendSnapshot(m raftpb.Message, body io.ReadCloser, size int64) {
	defer p.t.wg.Done()
	start := time.Now()
	err := p.streamSnapshot(m, body, size)
	if cerr := body.Close(); cerr != nil {
		p.t.log.Warn("close snapshot body", "peer", p.id, "err", cerr)
	}
	<-p.snapSlots // before reporting: the Handler may send the next snapshot at once
	if err != nil {
		p.t.metrics.snapshotsFailed.Add(1)
		p.t.log.Warn("snapshot not sent", "peer", p.id, "index", snapshotIndex(&m), "err", err)
	} else {
		p.t.metrics.snapshotsSent.Add(1)
		p.t.log.Info("snapshot sent", "peer", p.id, "index", snapshotIndex(&m), "bytes", size, "duration", time.Since(start))
	}
	p.t.handler.ReportSnapshot(m.To, err != nil)
}

// streamSnapshot writes the snapshot stream and waits for the receiver's
// status byte. Any error means the snapshot was not taken.
func (p *peer) streamSnapshot(m raftpb.Message, body io.Reader, size int64) (err error) {
	if size < 0 {
		return fmt.Errorf("octopii/quic: snapshot size %d", size)
	}
	payload, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("octopii/quic: marshal snapshot message: %w", err)
	}
	if len(payload) > p.t.cfg.MaxMessageBytes {
		return fmt.Errorf("octopii/quic: snapshot message of %d bytes, limit %d: %w", len(payload), p.t.cfg.MaxMessageBytes, ErrTooLarge)
	}
	c, err := p.connection()
	if err != nil {
		return err
	}
	s, err := c.OpenStreamSync(p.ctx)
	if err != nil {
		return fmt.Errorf("octopii/quic: open snapshot stream to node %d: %w", p.id, err)
	}
	defer func() {
		if err != nil { // tell the receiver at once, whatever state the stream is in
			s.CancelWrite(codeAborted)
			s.CancelRead(codeAborted)
		}
	}()

	w := bufio.NewWriterSize(s, writeBufferBytes)
	head := make([]byte, 0, headerBytes+frameHeaderBytes+len(payload)+8)
	head = appendHeader(head, streamHeader{kind: kindSnapshot, sender: p.t.cfg.ID})
	head = appendFrame(head, payload)
	head = binary.BigEndian.AppendUint64(head, uint64(size))
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("octopii/quic: write snapshot to node %d: %w", p.id, err)
	}
	// bufio.Writer.ReadFrom reads body in writeBufferBytes chunks: the body
	// is never held in memory.
	sum := crc32.New(castagnoli)
	n, err := io.Copy(w, io.TeeReader(io.LimitReader(body, size), sum))
	if err != nil {
		return fmt.Errorf("octopii/quic: stream snapshot to node %d after %d of %d bytes: %w", p.id, n, size, err)
	}
	if n != size {
		return fmt.Errorf("octopii/quic: snapshot body ended after %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
	}
	var trailer [4]byte
	binary.BigEndian.PutUint32(trailer[:], sum.Sum32())
	if _, err := w.Write(trailer[:]); err != nil {
		return fmt.Errorf("octopii/quic: write snapshot to node %d: %w", p.id, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("octopii/quic: write snapshot to node %d: %w", p.id, err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("octopii/quic: finish snapshot stream to node %d: %w", p.id, err)
	}

	var status [1]byte
	if _, err := io.ReadFull(s, status[:]); err != nil {
		return fmt.Errorf("octopii/quic: read snapshot status from node %d: %w", p.id, err)
	}
	switch status[0] {
	case statusOK:
	case statusFailed:
		return fmt.Errorf("octopii/quic: node %d failed to take the snapshot", p.id)
	default:
		return fmt.Errorf("octopii/quic: snapshot status %d from node %d: %w", status[0], p.id, ErrProtocol)
	}
	// The receiver closes its side after the status; reading its FIN
	// completes the stream. The snapshot is taken either way.
	if _, err := s.Read(status[:]); !errors.Is(err, io.EOF) {
		p.t.log.Debug("snapshot stream not closed after status", "peer", p.id, "err", err)
		s.CancelRead(codeAborted)
	}
	return nil
}

// receiveSnapshot serves one snapshot stream from node from: it hands the
// message and body to Handler.HandleSnapshot and answers with a status
// byte. A stream that breaks the rules before the Handler is called is
// reset without an answer; the sender reports failure either way.
func (t *Transport) receiveSnapshot(s *quicgo.Stream, from uint64) {
	defer t.wg.Done()
	br := bufio.NewReaderSize(s, readBufferBytes)
	m, size, err := t.readSnapshotHead(br, from)
	if err != nil {
		s.CancelRead(codeProtocol)
		s.CancelWrite(codeProtocol)
		if isRejection(err) {
			t.metrics.streamsRejected.Add(1)
			t.log.Warn("rejected snapshot stream", "peer", from, "err", err)
		} else {
			t.log.Debug("snapshot stream ended", "peer", from, "err", err)
		}
		return
	}

	body := &snapshotReader{r: br, remaining: size}
	err = t.handler.HandleSnapshot(m, body)
	if err == nil && !body.verified {
		err = fmt.Errorf("octopii/quic: HandleSnapshot returned before reading the whole body (%d bytes left)", body.remaining)
	}
	if err == nil {
		// The sender closes its side right after the trailer.
		_ = s.SetReadDeadline(time.Now().Add(t.cfg.DialTimeout))
		if _, rerr := br.ReadByte(); !errors.Is(rerr, io.EOF) {
			if rerr == nil {
				rerr = fmt.Errorf("octopii/quic: bytes after the snapshot body: %w", ErrProtocol)
			}
			err = fmt.Errorf("octopii/quic: end of snapshot stream: %w", rerr)
		}
	}
	status := byte(statusOK)
	if err != nil {
		status = statusFailed
	}
	_, werr := s.Write([]byte{status})
	_ = s.Close()
	if err != nil {
		s.CancelRead(codeAborted) // stop the sender if it is still streaming
		t.log.Warn("snapshot not taken", "peer", from, "index", snapshotIndex(&m), "err", err)
		return
	}
	if werr != nil {
		// Taken, but the sender will not learn it and reports failure;
		// Raft sends another snapshot later.
		t.log.Warn("snapshot status not sent", "peer", from, "index", snapshotIndex(&m), "err", werr)
	}
	t.metrics.snapshotsReceived.Add(1)
	t.log.Info("snapshot received", "peer", from, "index", snapshotIndex(&m), "bytes", size)
}

// readSnapshotHead reads a snapshot stream up to its body: header, MsgSnap
// frame, body size.
func (t *Transport) readSnapshotHead(r io.Reader, from uint64) (raftpb.Message, uint64, error) {
	var m raftpb.Message
	if err := t.checkHeader(r, kindSnapshot, from); err != nil {
		return m, 0, err
	}
	payload, err := readFrame(r, nil, t.cfg.MaxMessageBytes)
	if err != nil {
		return m, 0, err
	}
	if err := m.Unmarshal(payload); err != nil {
		return m, 0, fmt.Errorf("octopii/quic: decode snapshot message: %v: %w", err, ErrProtocol)
	}
	if m.Type != raftpb.MsgSnap {
		return m, 0, fmt.Errorf("octopii/quic: %v on a snapshot stream: %w", m.Type, ErrProtocol)
	}
	if err := t.checkMessage(&m, from); err != nil {
		return m, 0, err
	}
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return m, 0, fmt.Errorf("octopii/quic: read snapshot size: %w", err)
	}
	return m, binary.BigEndian.Uint64(b[:]), nil
}

// snapshotReader yields the remaining bytes of a snapshot body from r and
// checks the CRC32C trailer that follows them. The read that delivers the
// last byte verifies the trailer first, so a caller that reads exactly the
// body size (io.ReadFull) still sees a mismatch. Errors are sticky.
type snapshotReader struct {
	r         io.Reader
	remaining uint64
	sum       uint32
	verified  bool // all bytes delivered and the trailer matched
	err       error
}

func (s *snapshotReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.remaining == 0 {
		if !s.verified {
			s.err = s.checkTrailer()
			if s.err != nil {
				return 0, s.err
			}
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if uint64(len(p)) > s.remaining {
		p = p[:s.remaining]
	}
	n, err := s.r.Read(p)
	s.sum = crc32.Update(s.sum, castagnoli, p[:n])
	s.remaining -= uint64(n)
	if s.remaining == 0 {
		if s.err = s.checkTrailer(); s.err != nil {
			return 0, s.err // withhold the last bytes: they are not to be trusted
		}
		return n, nil
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		s.err = fmt.Errorf("octopii/quic: read snapshot body (%d bytes left): %w", s.remaining, err)
		return n, s.err
	}
	return n, nil
}

func (s *snapshotReader) checkTrailer() error {
	var b [4]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("octopii/quic: read snapshot checksum: %w", err)
	}
	if want := binary.BigEndian.Uint32(b[:]); s.sum != want {
		return fmt.Errorf("octopii/quic: snapshot body crc %#08x, want %#08x: %w", s.sum, want, ErrCorrupt)
	}
	s.verified = true
	return nil
}

// snapshotIndex returns the index of the snapshot m carries, for logs.
func snapshotIndex(m *raftpb.Message) uint64 {
	if m.Snapshot == nil {
		return 0
	}
	return m.Snapshot.Metadata.Index
}
