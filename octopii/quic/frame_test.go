package quic

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"
	"testing/iotest"
)

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []streamHeader{{kindMessages, 1}, {kindSnapshot, 1<<64 - 1}} {
		b := appendHeader(nil, h)
		if len(b) != headerBytes {
			t.Fatalf("header of %d bytes, want %d", len(b), headerBytes)
		}
		if !bytes.HasPrefix(b, []byte("OCTQ\x01")) {
			t.Fatalf("header %x does not start with OCTQ, version 1", b)
		}
		got, err := readHeader(bytes.NewReader(b))
		if err != nil || got != h {
			t.Fatalf("readHeader = %+v, %v; want %+v", got, err, h)
		}
	}
}

func TestReadHeaderRejects(t *testing.T) {
	good := appendHeader(nil, streamHeader{kindMessages, 7})
	edit := func(i int, v byte) []byte {
		b := bytes.Clone(good)
		b[i] = v
		return b
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"short", good[:10], io.ErrUnexpectedEOF},
		{"magic", edit(3, 'X'), ErrCorrupt},
		{"version 0", edit(4, 0), ErrVersion},
		{"version 2", edit(4, 2), ErrVersion},
		{"kind 0", edit(5, 0), ErrProtocol},
		{"kind 3", edit(5, 3), ErrProtocol},
	} {
		_, err := readHeader(bytes.NewReader(tc.in))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestReadFrame(t *testing.T) {
	payload := []byte("a raft message")
	good := appendFrame(nil, payload)
	if got := binary.BigEndian.Uint32(good[0:4]); got != uint32(len(payload)) {
		t.Fatalf("length field %d", got)
	}
	if got := binary.BigEndian.Uint32(good[4:8]); got != crc32c(payload) {
		t.Fatalf("crc field %#x", got)
	}
	got, err := readFrame(bytes.NewReader(good), nil, 100)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("readFrame = %q, %v", got, err)
	}
	// One byte at a time, into a buffer that is reused.
	buf := make([]byte, 0, 64)
	got, err = readFrame(iotest.OneByteReader(bytes.NewReader(good)), buf, 100)
	if err != nil || !bytes.Equal(got, payload) || &got[0] != &buf[:1][0] {
		t.Fatalf("readFrame with a buffer = %q, %v (buffer reused: %v)", got, err, err == nil && &got[0] == &buf[:1][0])
	}
	// Several frames back to back, the empty payload included.
	stream := appendFrame(appendFrame(appendFrame(nil, []byte("one")), nil), []byte("three"))
	r := bytes.NewReader(stream)
	for _, want := range []string{"one", "", "three"} {
		got, err := readFrame(r, nil, 100)
		if err != nil || string(got) != want {
			t.Fatalf("frame %q: got %q, %v", want, got, err)
		}
	}
	if _, err := readFrame(r, nil, 100); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}

	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		return b
	}
	for _, tc := range []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"truncated header", good[:5], 100, io.ErrUnexpectedEOF},
		{"truncated payload", good[:len(good)-1], 100, io.ErrUnexpectedEOF},
		{"payload bit flip", flip(len(good) - 1), 100, ErrCorrupt},
		{"crc bit flip", flip(5), 100, ErrCorrupt},
		{"over the limit", good, len(payload) - 1, ErrTooLarge},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 1 << 20, ErrTooLarge},
		{"negative limit", good, -1, ErrTooLarge},
	} {
		_, err := readFrame(bytes.NewReader(tc.in), nil, tc.max)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

// FuzzReadFrame checks the frame decoder on arbitrary input: it never
// panics, never returns more than the limit, returns a payload only if
// its checksum holds, and a frame it encoded decodes back — unless a byte
// was flipped, which ErrCorrupt must catch.
func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, []byte("hello")), uint16(0))
	f.Add(appendFrame(nil, nil), uint16(3))
	f.Add([]byte{0, 0, 0, 5, 1, 2, 3, 4, 'h', 'e'}, uint16(9))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint16(1))
	f.Add(append(appendFrame(nil, []byte("x")), appendFrame(nil, []byte("yz"))...), uint16(12))
	const maxBytes = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte, flipAt uint16) {
		// Arbitrary bytes as a stream of frames.
		r := bytes.NewReader(data)
		var buf []byte
		for range len(data) + 1 { // each frame consumes at least 8 bytes
			payload, err := readFrame(r, buf, maxBytes)
			if err != nil {
				break
			}
			if len(payload) > maxBytes {
				t.Fatalf("payload of %d bytes over the %d limit", len(payload), maxBytes)
			}
			start := len(data) - r.Len() - len(payload)
			if sum := binary.BigEndian.Uint32(data[start-4 : start]); sum != crc32c(payload) {
				t.Fatalf("payload returned with crc %#x in the header, %#x computed", sum, crc32c(payload))
			}
			buf = payload
		}

		// data as a payload: round trip, then one flipped bit.
		if len(data) > maxBytes {
			return
		}
		frame := appendFrame(nil, data)
		got, err := readFrame(bytes.NewReader(frame), nil, maxBytes)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip: %v (payload equal: %v)", err, bytes.Equal(got, data))
		}
		i := frameHeaderBytes - 4 + int(flipAt)%(len(frame)-frameHeaderBytes+4) // in the crc or the payload
		frame[i] ^= 1 << (flipAt % 8)
		if _, err := readFrame(bytes.NewReader(frame), nil, maxBytes); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("bit %d of byte %d flipped: err %v, want ErrCorrupt", flipAt%8, i, err)
		}
	})
}
