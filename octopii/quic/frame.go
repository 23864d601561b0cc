package quic

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// Wire format (docs/format/octopii-quic.md). All integers are big endian.
const (
	magic         = "OCTQ"
	formatVersion = 1

	// kindMessages is a unidirectional stream of message frames.
	kindMessages = 1
	// kindSnapshot is a bidirectional stream carrying one MsgSnap and its
	// body; the receiver answers with one status byte.
	kindSnapshot = 2

	headerBytes      = 4 + 1 + 1 + 8 // magic, version, kind, sender
	frameHeaderBytes = 4 + 4         // length, crc

	statusOK     = 0
	statusFailed = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// streamHeader opens every stream.
type streamHeader struct {
	kind   byte
	sender uint64
}

// appendHeader appends the encoded header h to dst.
func appendHeader(dst []byte, h streamHeader) []byte {
	dst = append(dst, magic...)
	dst = append(dst, formatVersion, h.kind)
	return binary.BigEndian.AppendUint64(dst, h.sender)
}

// readHeader reads and checks a stream header: magic, version and a known
// kind. Whether the sender is who the certificate says is the caller's check.
func readHeader(r io.Reader) (streamHeader, error) {
	var b [headerBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return streamHeader{}, fmt.Errorf("octopii/quic: read stream header: %w", err)
	}
	if string(b[:4]) != magic {
		return streamHeader{}, fmt.Errorf("octopii/quic: stream header: bad magic %q: %w", b[:4], ErrCorrupt)
	}
	if b[4] != formatVersion {
		return streamHeader{}, fmt.Errorf("octopii/quic: stream header: version %d: %w", b[4], ErrVersion)
	}
	h := streamHeader{kind: b[5], sender: binary.BigEndian.Uint64(b[6:])}
	if h.kind != kindMessages && h.kind != kindSnapshot {
		return streamHeader{}, fmt.Errorf("octopii/quic: stream header: unknown kind %d: %w", h.kind, ErrProtocol)
	}
	return h, nil
}

// putFrameHeader encodes the length and checksum that precede payload.
func putFrameHeader(b *[frameHeaderBytes]byte, payload []byte) {
	binary.BigEndian.PutUint32(b[0:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(b[4:8], crc32.Checksum(payload, castagnoli))
}

// appendFrame appends payload, framed, to dst. len(payload) must fit a
// uint32 (Config.Validate bounds MaxMessageBytes accordingly).
func appendFrame(dst, payload []byte) []byte {
	if uint64(len(payload)) > maxFrameBytes {
		panic(fmt.Sprintf("octopii/quic: frame payload of %d bytes", len(payload)))
	}
	var h [frameHeaderBytes]byte
	putFrameHeader(&h, payload)
	dst = append(dst, h[:]...)
	return append(dst, payload...)
}

// readFrame reads one frame from r and returns its payload, read into buf
// when it is large enough. It returns io.EOF if r ends before the frame
// starts, io.ErrUnexpectedEOF if it ends inside it, ErrTooLarge (before
// allocating) if the frame announces more than maxBytes, and ErrCorrupt if
// the checksum does not match.
func readFrame(r io.Reader, buf []byte, maxBytes int) ([]byte, error) {
	var h [frameHeaderBytes]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[0:4])
	if maxBytes < 0 || uint64(n) > uint64(maxBytes) {
		return nil, fmt.Errorf("octopii/quic: frame of %d bytes, limit %d: %w", n, maxBytes, ErrTooLarge)
	}
	if uint64(cap(buf)) < uint64(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if got, want := crc32.Checksum(buf, castagnoli), binary.BigEndian.Uint32(h[4:8]); got != want {
		return nil, fmt.Errorf("octopii/quic: frame of %d bytes: crc %#08x, want %#08x: %w", n, got, want, ErrCorrupt)
	}
	return buf, nil
}
