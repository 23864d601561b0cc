package walrus

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// A frame is the unit Walrus writes and checksums: one or more entries with
// consecutive offsets. Layout (little endian; docs/format/walrus.md):
//
//	0   u32 bodyLen   bytes after this 8-byte prefix (0 marks the end of data)
//	4   u32 crc       CRC32C of the body
//	8   u64 baseOffset
//	16  i64 baseTime  unix nanoseconds of the first entry
//	24  u32 count     number of entries (≥ 1)
//	28  u32 flags     0 in version 1
//	32  entries: count × { varint timeDelta (zigzag ns), uvarint len, len bytes }
//
// A batch appended with AppendBatch is always one frame, so it survives a crash
// whole or not at all.
const (
	framePrefixSize = 8
	frameHeaderSize = 32
	frameBodyFixed  = frameHeaderSize - framePrefixSize
	// maxFrameBody bounds bodyLen so that a torn length field cannot make a
	// reader allocate gigabytes. Options bounds are checked against it.
	maxFrameBody = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Entry is one record of a topic.
type Entry struct {
	// Offset is the entry's position in its topic, from 0, with no gaps.
	Offset uint64
	// Time is when the entry was appended, in unix nanoseconds.
	Time int64
	// Value is the appended bytes. It may share memory with other entries of
	// the same Read; copy it to keep it beyond the next Read.
	Value []byte
}

type frameHeader struct {
	bodyLen    uint32
	crc        uint32
	baseOffset uint64
	baseTime   int64
	count      uint32
	flags      uint32
}

// size is the total encoded size of the frame.
func (h frameHeader) size() int64 { return framePrefixSize + int64(h.bodyLen) }

// next is the offset after the frame's last entry.
func (h frameHeader) next() uint64 { return h.baseOffset + uint64(h.count) }

func parseFrameHeader(b []byte) frameHeader {
	_ = b[frameHeaderSize-1]
	return frameHeader{
		bodyLen:    binary.LittleEndian.Uint32(b[0:]),
		crc:        binary.LittleEndian.Uint32(b[4:]),
		baseOffset: binary.LittleEndian.Uint64(b[8:]),
		baseTime:   int64(binary.LittleEndian.Uint64(b[16:])),
		count:      binary.LittleEndian.Uint32(b[24:]),
		flags:      binary.LittleEndian.Uint32(b[28:]),
	}
}

// putFrameStart writes the fields known when a frame is begun. bodyLen, crc
// and count are filled in by sealFrame.
func putFrameStart(b []byte, baseOffset uint64, baseTime int64) {
	binary.LittleEndian.PutUint64(b[8:], baseOffset)
	binary.LittleEndian.PutUint64(b[16:], uint64(baseTime))
	binary.LittleEndian.PutUint32(b[28:], 0)
}

// sealFrame fills in length, count and checksum of the frame that occupies
// all of b.
func sealFrame(b []byte, count uint32) {
	binary.LittleEndian.PutUint32(b[0:], uint32(len(b)-framePrefixSize))
	binary.LittleEndian.PutUint32(b[24:], count)
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(b[framePrefixSize:], castagnoli))
}

// appendEntry encodes one entry of a frame that began at baseTime.
func appendEntry(dst []byte, baseTime, t int64, value []byte) []byte {
	dst = binary.AppendVarint(dst, t-baseTime)
	dst = binary.AppendUvarint(dst, uint64(len(value)))
	return append(dst, value...)
}

// entryOverhead is an upper bound on the bytes appendEntry adds besides the
// value.
const entryOverhead = 2 * binary.MaxVarintLen64

// checkFrame verifies a whole frame (prefix included) read from disk: the
// checksum, the header fields, and that the entries parse to exactly the end.
// expect is the base offset the frame must carry.
func checkFrame(b []byte, expect uint64) (frameHeader, error) {
	if len(b) < frameHeaderSize {
		return frameHeader{}, fmt.Errorf("%w: frame of %d bytes is shorter than its header", ErrCorrupt, len(b))
	}
	h := parseFrameHeader(b)
	if int64(len(b)) != h.size() {
		return h, fmt.Errorf("%w: frame length %d does not match %d bytes", ErrCorrupt, h.bodyLen, len(b))
	}
	if got := crc32.Checksum(b[framePrefixSize:], castagnoli); got != h.crc {
		return h, fmt.Errorf("%w: frame at offset %d: checksum %08x, want %08x", ErrCorrupt, h.baseOffset, got, h.crc)
	}
	if h.baseOffset != expect {
		return h, fmt.Errorf("%w: frame has base offset %d, want %d", ErrCorrupt, h.baseOffset, expect)
	}
	if h.count == 0 || h.flags != 0 {
		return h, fmt.Errorf("%w: frame at offset %d: count %d flags %d", ErrCorrupt, h.baseOffset, h.count, h.flags)
	}
	n := 0
	err := decodeEntries(b, h, func(Entry) bool { n++; return true })
	return h, err
}

// decodeEntries calls fn for each entry of a checked frame until fn returns
// false. Values alias b.
func decodeEntries(b []byte, h frameHeader, fn func(Entry) bool) error {
	p := b[frameHeaderSize:]
	for i := uint32(0); i < h.count; i++ {
		dt, n := binary.Varint(p)
		if n <= 0 {
			return fmt.Errorf("%w: frame at offset %d: bad time of entry %d", ErrCorrupt, h.baseOffset, i)
		}
		p = p[n:]
		l, n := binary.Uvarint(p)
		if n <= 0 || l > uint64(len(p)-n) {
			return fmt.Errorf("%w: frame at offset %d: bad length of entry %d", ErrCorrupt, h.baseOffset, i)
		}
		p = p[n:]
		if !fn(Entry{Offset: h.baseOffset + uint64(i), Time: h.baseTime + dt, Value: p[:l:l]}) {
			return nil
		}
		p = p[l:]
	}
	if len(p) != 0 {
		return fmt.Errorf("%w: frame at offset %d: %d trailing bytes", ErrCorrupt, h.baseOffset, len(p))
	}
	return nil
}
