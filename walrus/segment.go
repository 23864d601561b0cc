package walrus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/internal/vfs"
)

// Segment file layout (docs/format/walrus.md): a 32-byte header, then frames
// back to back. The active segment is preallocated, so its tail reads as zeros
// and a zero bodyLen marks the end of its data; a sealed segment is truncated
// to its last frame.
//
//	0   [8]byte magic "REEFWSEG"
//	8   u16 version (1)
//	10  u16 flags (0)
//	12  u32 reserved (0)
//	16  u64 baseOffset  offset of the first entry; also the file name
//	24  u32 crc         CRC32C of bytes [0, 24)
//	28  u32 reserved (0)
const (
	segmentHeaderSize = 32
	segmentVersion    = 1
	segmentSuffix     = ".seg"
	indexSuffix       = ".idx"
)

var segmentMagic = [8]byte{'R', 'E', 'E', 'F', 'W', 'S', 'E', 'G'}

func segmentName(base uint64) string { return fmt.Sprintf("%020d%s", base, segmentSuffix) }

// parseSegmentName returns the base offset encoded in a segment file name.
func parseSegmentName(name string) (uint64, bool) {
	s, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(s) != 20 {
		return 0, false
	}
	base, err := strconv.ParseUint(s, 10, 64)
	return base, err == nil
}

func encodeSegmentHeader(base uint64) []byte {
	b := make([]byte, segmentHeaderSize)
	copy(b, segmentMagic[:])
	binary.LittleEndian.PutUint16(b[8:], segmentVersion)
	binary.LittleEndian.PutUint64(b[16:], base)
	binary.LittleEndian.PutUint32(b[24:], crc32.Checksum(b[:24], castagnoli))
	return b
}

func checkSegmentHeader(b []byte, base uint64) error {
	if len(b) < segmentHeaderSize {
		return fmt.Errorf("%w: segment header of %d bytes", ErrCorrupt, len(b))
	}
	if !equalBytes(b[:8], segmentMagic[:]) {
		return fmt.Errorf("%w: bad segment magic %q", ErrCorrupt, b[:8])
	}
	if crc32.Checksum(b[:24], castagnoli) != binary.LittleEndian.Uint32(b[24:]) {
		return fmt.Errorf("%w: segment header checksum", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != segmentVersion {
		return fmt.Errorf("%w: segment format version %d, this build reads %d", ErrCorrupt, v, segmentVersion)
	}
	if got := binary.LittleEndian.Uint64(b[16:]); got != base {
		return fmt.Errorf("%w: segment header base %d, file name says %d", ErrCorrupt, got, base)
	}
	return nil
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

// indexEntry maps the base offset of a frame to its file position.
type indexEntry struct {
	offset uint64
	pos    int64
}

// segment is one file of a topic. Its extent fields are guarded by mu; the
// active segment's are advanced by the topic's flusher, sealed segments' are
// fixed.
type segment struct {
	base uint64
	path string

	mu        sync.RWMutex
	index     []indexEntry // sparse, ascending; always has the first frame
	next      uint64       // offset after the last entry
	end       int64        // position after the last frame
	lastTime  int64        // time of the last frame (0 if empty); drives age retention
	lastIndex int64        // position of the last index entry
	corruptAt int64        // ≥ 0: data stops verifying here (sealed segments only)
	// sealDone is closed when a background seal (truncate, fdatasync, index)
	// finished; nil for segments that were never active in this process.
	sealDone chan struct{}

	// refs counts users: the topic's list holds one, every reader one. The
	// segment's files are closed (and deleted, if doomed) when it drops to 0.
	refs   atomic.Int32
	doomed atomic.Bool

	file vfs.File // open handle, nil when closed (sealed segments)
	lru  *lruNode // position in the Log's open-file list, nil if none

	// With direct I/O (Options.IO) the active segment is also open for direct I/O:
	// the flusher writes whole aligned blocks through direct, and tail holds
	// the bytes of the partial last block, rewritten with the next write.
	// Both are owned by the flusher.
	direct vfs.File
	tail   []byte
}

func (s *segment) acquire() { s.refs.Add(1) }

// extent returns the segment's data bounds.
func (s *segment) extent() (next uint64, end int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.next, s.end
}

// seek returns the position of the frame holding offset (or the last frame
// before it), and that frame's base offset.
func (s *segment) seek(offset uint64) (int64, uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.index), func(i int) bool { return s.index[i].offset > offset })
	if i == 0 {
		return segmentHeaderSize, s.base
	}
	return s.index[i-1].pos, s.index[i-1].offset
}

// noteFrameLocked records a frame written at pos (s.mu held).
func (s *segment) noteFrameLocked(h frameHeader, pos int64, indexInterval int) {
	if len(s.index) == 0 || pos-s.lastIndex >= int64(indexInterval) {
		s.index = append(s.index, indexEntry{h.baseOffset, pos})
		s.lastIndex = pos
	}
	s.next = h.next()
	s.end = pos + h.size()
	s.lastTime = h.baseTime
}

// frameReader walks the frames of a segment file from a position, reading in
// chunks. Frames it returns alias its buffer; with fresh set, every chunk is a
// new allocation so earlier frames stay valid.
type frameReader struct {
	f      vfs.File
	pos    int64 // position of the next frame
	limit  int64 // no frame may extend past this
	expect uint64
	buf    []byte
	bufPos int64
	chunk  int
	fresh  bool
}

// errEndOfData marks a zero length field: the preallocated tail of the active
// segment.
var errEndOfData = errors.New("walrus: end of data")

// bytes returns the file's bytes [pos, pos+n), reading if needed.
func (r *frameReader) bytes(pos int64, n int) ([]byte, error) {
	if pos >= r.bufPos && pos+int64(n) <= r.bufPos+int64(len(r.buf)) {
		return r.buf[pos-r.bufPos : pos-r.bufPos+int64(n)], nil
	}
	size := max(r.chunk, n)
	if rest := r.limit - pos; int64(size) > rest {
		size = int(rest)
	}
	if size < n {
		return nil, io.ErrUnexpectedEOF
	}
	if r.fresh || cap(r.buf) < size {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	m, err := r.f.ReadAt(r.buf, pos)
	if m < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	r.buf, r.bufPos = r.buf[:m], pos
	return r.buf[:n], nil
}

// next returns the next frame, verified. At r.limit it returns io.EOF; at a
// zero length field errEndOfData; a frame that fails any check, ErrCorrupt;
// a frame cut off by the end of the file, io.ErrUnexpectedEOF.
func (r *frameReader) next() (frameHeader, []byte, error) {
	if r.pos >= r.limit {
		return frameHeader{}, nil, io.EOF
	}
	if r.limit-r.pos < frameHeaderSize {
		p, err := r.bytes(r.pos, int(r.limit-r.pos))
		if err == nil && allZero(p) {
			return frameHeader{}, nil, errEndOfData
		}
		return frameHeader{}, nil, fmt.Errorf("%w: %d stray bytes at position %d", ErrCorrupt, r.limit-r.pos, r.pos)
	}
	p, err := r.bytes(r.pos, frameHeaderSize)
	if err != nil {
		return frameHeader{}, nil, err
	}
	h := parseFrameHeader(p)
	if h.bodyLen == 0 {
		return h, nil, errEndOfData
	}
	if h.bodyLen < frameBodyFixed || int64(h.bodyLen) > maxFrameBody || h.size() > r.limit-r.pos {
		return h, nil, fmt.Errorf("%w: frame length %d at position %d", ErrCorrupt, h.bodyLen, r.pos)
	}
	b, err := r.bytes(r.pos, int(h.size()))
	if err != nil {
		return h, nil, err
	}
	if _, err := checkFrame(b, r.expect); err != nil {
		return h, nil, fmt.Errorf("position %d: %w", r.pos, err)
	}
	r.pos += h.size()
	r.expect = h.next()
	return h, b, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// scanResult is what a full scan of a segment found.
type scanResult struct {
	index    []indexEntry
	next     uint64
	end      int64 // position after the last valid frame
	lastTime int64
	lastIdx  int64
	stop     error // why the scan stopped before the end of the file (nil: clean end)
	size     int64 // file size
}

// scanSegment reads every frame of a segment from its header on, stopping at
// the first frame that does not verify.
func scanSegment(f vfs.File, base uint64, indexInterval int) (scanResult, error) {
	fi, err := f.Stat()
	if err != nil {
		return scanResult{}, err
	}
	size := fi.Size()
	hdr := make([]byte, segmentHeaderSize)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return scanResult{size: size}, fmt.Errorf("%w: read segment header: %v", ErrCorrupt, err)
	}
	if err := checkSegmentHeader(hdr, base); err != nil {
		return scanResult{size: size}, err
	}
	s := segment{base: base, next: base, end: segmentHeaderSize}
	r := frameReader{f: f, pos: segmentHeaderSize, limit: size, expect: base, chunk: 1 << 20}
	res := scanResult{size: size}
	for {
		h, _, err := r.next()
		if err != nil {
			if err != io.EOF && err != errEndOfData {
				res.stop = err
			}
			break
		}
		s.noteFrameLocked(h, r.pos-h.size(), indexInterval)
	}
	res.index, res.next, res.end, res.lastTime, res.lastIdx = s.index, s.next, s.end, s.lastTime, s.lastIndex
	return res, nil
}

// Index file layout (docs/format/walrus.md), written when a segment is sealed:
//
//	0   [8]byte magic "REEFWIDX"
//	8   u16 version (1), u16 flags (0), u32 count
//	16  u64 baseOffset
//	24  u64 nextOffset   offset after the segment's last entry
//	32  i64 dataEnd      size of the sealed segment file
//	40  i64 lastTime     time of the last entry
//	48  count × { u64 offset, i64 position }
//	end u32 crc          CRC32C of everything before it
const indexHeaderSize = 48

var indexMagic = [8]byte{'R', 'E', 'E', 'F', 'W', 'I', 'D', 'X'}

func encodeIndex(s *segment) []byte {
	b := make([]byte, indexHeaderSize, indexHeaderSize+16*len(s.index)+4)
	copy(b, indexMagic[:])
	binary.LittleEndian.PutUint16(b[8:], segmentVersion)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(s.index)))
	binary.LittleEndian.PutUint64(b[16:], s.base)
	binary.LittleEndian.PutUint64(b[24:], s.next)
	binary.LittleEndian.PutUint64(b[32:], uint64(s.end))
	binary.LittleEndian.PutUint64(b[40:], uint64(s.lastTime))
	for _, e := range s.index {
		b = binary.LittleEndian.AppendUint64(b, e.offset)
		b = binary.LittleEndian.AppendUint64(b, uint64(e.pos))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeIndex parses an index file and checks it against its segment's base
// and file size.
func decodeIndex(b []byte, base uint64, fileSize int64) (scanResult, error) {
	if len(b) < indexHeaderSize+4 || !equalBytes(b[:8], indexMagic[:]) {
		return scanResult{}, fmt.Errorf("%w: index header", ErrCorrupt)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return scanResult{}, fmt.Errorf("%w: index checksum", ErrCorrupt)
	}
	count := binary.LittleEndian.Uint32(b[12:])
	if binary.LittleEndian.Uint16(b[8:]) != segmentVersion || len(body) != indexHeaderSize+16*int(count) || count == 0 {
		return scanResult{}, fmt.Errorf("%w: index version or size", ErrCorrupt)
	}
	res := scanResult{
		next:     binary.LittleEndian.Uint64(b[24:]),
		end:      int64(binary.LittleEndian.Uint64(b[32:])),
		lastTime: int64(binary.LittleEndian.Uint64(b[40:])),
		size:     fileSize,
	}
	if binary.LittleEndian.Uint64(b[16:]) != base || res.end != fileSize || res.next < base {
		return scanResult{}, fmt.Errorf("%w: index does not match its segment", ErrCorrupt)
	}
	res.index = make([]indexEntry, count)
	prev := indexEntry{offset: base, pos: segmentHeaderSize}
	for i := range res.index {
		p := body[indexHeaderSize+16*i:]
		e := indexEntry{binary.LittleEndian.Uint64(p), int64(binary.LittleEndian.Uint64(p[8:]))}
		if e.offset < prev.offset || e.pos < prev.pos || e.pos >= res.end || e.offset >= res.next {
			return scanResult{}, fmt.Errorf("%w: index entry %d out of order", ErrCorrupt, i)
		}
		res.index[i], prev = e, e
	}
	res.lastIdx = prev.pos
	return res, nil
}

func indexPath(segPath string) string {
	return strings.TrimSuffix(segPath, segmentSuffix) + indexSuffix
}

func joinPath(dir, name string) string { return filepath.Join(dir, name) }
