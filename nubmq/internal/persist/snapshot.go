package persist

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"

	"github.com/reefdb/reef/internal/vfs"
)

// Kind is the type of a keyspace entry in a snapshot.
type Kind uint8

const (
	// KindString is a string value (Record.Value).
	KindString Kind = 1
	// KindHash is a hash (Record.Fields).
	KindHash Kind = 2
)

// String returns "string" or "hash".
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindHash:
		return "hash"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Record is one key of a snapshot.
//
// A large hash may be written, and is then read back, as several Records
// with the same Key, Kind and ExpireAt, each holding some of the fields:
// applying a hash Record means adding its fields to the key (HSET), which on
// an empty keyspace rebuilds the whole hash.
type Record struct {
	Kind Kind
	Key  []byte
	// Value is the string value (KindString only).
	Value []byte
	// Fields are the hash's field/value pairs (KindHash only, at least one).
	Fields [][2][]byte
	// ExpireAt is the absolute expiry in unix milliseconds; 0 means none.
	ExpireAt int64
}

func (r *Record) validate() error {
	switch {
	case r.ExpireAt < 0:
		return fmt.Errorf("persist: record %q: negative ExpireAt %d", r.Key, r.ExpireAt)
	case r.Kind == KindString && r.Fields != nil:
		return fmt.Errorf("persist: record %q: string with fields", r.Key)
	case r.Kind == KindHash && (len(r.Fields) == 0 || r.Value != nil):
		return fmt.Errorf("persist: record %q: hash needs fields and no value", r.Key)
	case r.Kind != KindString && r.Kind != KindHash:
		return fmt.Errorf("persist: record %q: unknown kind %d", r.Key, r.Kind)
	}
	return nil
}

// Snapshot file layout constants (docs/format/nubmq-persist.md).
const (
	snapMagic        = "REEFNSNP"
	snapVersion      = 1
	snapHeaderSize   = 16
	frameOverhead    = 8 // u32 length before the body, u32 CRC after it
	frameTrailer     = 0xFF
	trailerBodySize  = 1 + 8 + 4
	maxFrameBodySize = 1<<32 - 1
	// snapChunkBytes is the field data above which a hash is split into
	// several frames, so that no frame, and no buffer of the reader, grows
	// with the size of a hash.
	snapChunkBytes = 64 << 20
	snapBufferSize = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes a snapshot of the records iterate emits to path,
// atomically: it writes path+".tmp", fdatasyncs it, renames it over path
// and syncs the directory, so after a crash path holds either the old
// snapshot or the whole new one. emit returns the write error, if any;
// iterate should then stop and return it. If iterate returns an error, the
// temporary file is removed and path is left as it was.
func WriteSnapshot(fs vfs.FS, path string, iterate func(emit func(Record) error) error) error {
	return writeSnapshot(fs, path, snapChunkBytes, iterate)
}

func writeSnapshot(fs vfs.FS, path string, chunkBytes int, iterate func(emit func(Record) error) error) (err error) {
	tmp := path + ".tmp"
	f, err := fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("persist: write snapshot %s: %w", path, err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			fs.Remove(tmp)
		}
	}()
	w := &snapWriter{w: bufio.NewWriterSize(f, snapBufferSize), chunkBytes: chunkBytes}
	var hdr [snapHeaderSize]byte
	copy(hdr[:], snapMagic)
	binary.LittleEndian.PutUint16(hdr[8:], snapVersion)
	binary.LittleEndian.PutUint32(hdr[12:], crc32.Checksum(hdr[:12], castagnoli))
	w.raw(hdr[:])
	if err := iterate(w.emit); err != nil {
		return fmt.Errorf("persist: write snapshot %s: %w", path, err)
	}
	if w.err != nil {
		return fmt.Errorf("persist: write snapshot %s: %w", path, w.err)
	}
	w.trailer()
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if w.err != nil {
		return fmt.Errorf("persist: write snapshot %s: %w", path, w.err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("persist: sync snapshot %s: %w", tmp, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("persist: close snapshot %s: %w", tmp, err)
	}
	if err := fs.Rename(tmp, path); err != nil {
		return fmt.Errorf("persist: rename snapshot %s: %w", tmp, err)
	}
	if err := vfs.SyncDir(fs, filepath.Dir(path)); err != nil {
		return fmt.Errorf("persist: write snapshot %s: %w", path, err)
	}
	return nil
}

// snapWriter streams frames: each body goes through the buffered writer and
// the CRC as it is produced, so a 512 MiB value is never copied whole.
type snapWriter struct {
	w          *bufio.Writer
	chunkBytes int
	err        error
	crc        uint32 // of the frame being written
	chain      uint32 // CRC32C of the record frames' CRCs, in order
	records    uint64
	scratch    [binary.MaxVarintLen64]byte
}

func (w *snapWriter) raw(p []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(p)
	}
}

// body writes p as part of the current frame's body.
func (w *snapWriter) body(p []byte) {
	w.crc = crc32.Update(w.crc, castagnoli, p)
	w.raw(p)
}

func (w *snapWriter) uvarint(v uint64) {
	w.body(w.scratch[:binary.PutUvarint(w.scratch[:], v)])
}

func (w *snapWriter) bytes(p []byte) {
	w.uvarint(uint64(len(p)))
	w.body(p)
}

func (w *snapWriter) begin(bodyLen uint64) {
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(bodyLen))
	w.crc = crc32.Update(0, castagnoli, l[:])
	w.raw(l[:])
}

func (w *snapWriter) end(record bool) {
	var c [4]byte
	binary.LittleEndian.PutUint32(c[:], w.crc)
	w.raw(c[:])
	if record {
		w.chain = crc32.Update(w.chain, castagnoli, c[:])
		w.records++
	}
}

func (w *snapWriter) emit(r Record) error {
	if w.err != nil {
		return w.err
	}
	if err := r.validate(); err != nil {
		w.err = err // sticky: a snapshot never silently lacks a record
		return err
	}
	head := 1 + 8 + uvarintLen(uint64(len(r.Key))) + len(r.Key)
	var exp [8]byte
	binary.LittleEndian.PutUint64(exp[:], uint64(r.ExpireAt))
	if r.Kind == KindString {
		n := uint64(head + uvarintLen(uint64(len(r.Value))) + len(r.Value))
		if n > maxFrameBodySize {
			w.err = fmt.Errorf("persist: record %q of %d bytes is too large", r.Key[:min(len(r.Key), 64)], n)
			return w.err
		}
		w.begin(n)
		w.body([]byte{byte(KindString)})
		w.body(exp[:])
		w.bytes(r.Key)
		w.bytes(r.Value)
		w.end(true)
		return w.err
	}
	for fields := r.Fields; len(fields) > 0; {
		// Take pairs up to the chunk size, at least one.
		k, size := 0, 0
		for k < len(fields) && (k == 0 || size+pairLen(fields[k]) <= w.chunkBytes) {
			size += pairLen(fields[k])
			k++
		}
		n := uint64(head + uvarintLen(uint64(k)) + size)
		if n > maxFrameBodySize {
			w.err = fmt.Errorf("persist: hash field of %d bytes is too large", size)
			return w.err
		}
		w.begin(n)
		w.body([]byte{byte(KindHash)})
		w.body(exp[:])
		w.bytes(r.Key)
		w.uvarint(uint64(k))
		for _, p := range fields[:k] {
			w.bytes(p[0])
			w.bytes(p[1])
		}
		w.end(true)
		fields = fields[k:]
	}
	return w.err
}

func pairLen(p [2][]byte) int {
	return uvarintLen(uint64(len(p[0]))) + len(p[0]) + uvarintLen(uint64(len(p[1]))) + len(p[1])
}

func (w *snapWriter) trailer() {
	var b [trailerBodySize]byte
	b[0] = frameTrailer
	binary.LittleEndian.PutUint64(b[1:], w.records)
	binary.LittleEndian.PutUint32(b[9:], w.chain)
	w.begin(trailerBodySize)
	w.body(b[:])
	w.end(false)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// ReadSnapshot reads the snapshot at path and calls fn for each record, in
// file order. Every frame is checked before its record is passed on, but the
// trailer (and with it truncation) is checked at the end: on an error, fn may
// already have seen a prefix of the records, so the caller must discard what
// it built. Corruption and truncation return an error wrapping ErrCorrupt; a
// missing file one wrapping fs.ErrNotExist; an error from fn is returned
// wrapped. The slices of a Record are not reused: fn may keep them.
func ReadSnapshot(fs vfs.FS, path string, fn func(Record) error) error {
	f, err := fs.Open(path)
	if err != nil {
		return fmt.Errorf("persist: read snapshot %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("persist: read snapshot %s: %w", path, err)
	}
	if err := readSnapshot(bufio.NewReaderSize(f, snapBufferSize), fi.Size(), fn); err != nil {
		return fmt.Errorf("persist: read snapshot %s: %w", path, err)
	}
	return nil
}

// errApply marks an error returned by the callback, to keep it apart from
// the reader's own.
type errApply struct{ err error }

func (e errApply) Error() string { return "apply: " + e.err.Error() }
func (e errApply) Unwrap() error { return e.err }

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// readSnapshot decodes a snapshot of size bytes from r. It never allocates
// more than the bytes the file has left.
func readSnapshot(r io.Reader, size int64, fn func(Record) error) error {
	var hdr [snapHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return readErr(err, "header")
	}
	switch {
	case string(hdr[:8]) != snapMagic:
		return corruptf("bad magic %q", hdr[:8])
	case binary.LittleEndian.Uint32(hdr[12:]) != crc32.Checksum(hdr[:12], castagnoli):
		return corruptf("header checksum mismatch")
	case binary.LittleEndian.Uint16(hdr[8:]) != snapVersion:
		return fmt.Errorf("persist: snapshot version %d not supported (want %d)", binary.LittleEndian.Uint16(hdr[8:]), snapVersion)
	}
	pos := int64(snapHeaderSize)
	var chain uint32
	var records uint64
	for {
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return readErr(err, fmt.Sprintf("frame at %d", pos))
		}
		n := int64(binary.LittleEndian.Uint32(l[:]))
		if n < 1 || n > size-pos-frameOverhead {
			return corruptf("frame at %d: length %d does not fit the file (%d bytes)", pos, n, size)
		}
		frame := make([]byte, n+4)
		if _, err := io.ReadFull(r, frame); err != nil {
			return readErr(err, fmt.Sprintf("frame at %d", pos))
		}
		body, sum := frame[:n], frame[n:]
		crc := crc32.Update(crc32.Update(0, castagnoli, l[:]), castagnoli, body)
		if binary.LittleEndian.Uint32(sum) != crc {
			return corruptf("frame at %d: checksum mismatch", pos)
		}
		pos += n + frameOverhead
		if body[0] == frameTrailer {
			if len(body) != trailerBodySize {
				return corruptf("trailer at %d: %d bytes", pos, len(body))
			}
			if got := binary.LittleEndian.Uint64(body[1:]); got != records {
				return corruptf("trailer counts %d records, file has %d", got, records)
			}
			if got := binary.LittleEndian.Uint32(body[9:]); got != chain {
				return corruptf("trailer chain checksum mismatch")
			}
			if pos != size {
				return corruptf("%d bytes after the trailer", size-pos)
			}
			return nil
		}
		rec, err := decodeRecord(body)
		if err != nil {
			return fmt.Errorf("frame at %d: %w", pos-n-frameOverhead, err)
		}
		chain = crc32.Update(chain, castagnoli, sum)
		records++
		if err := fn(rec); err != nil {
			return errApply{err}
		}
	}
}

func readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf("truncated in %s", what)
	}
	return err
}

// decodeRecord parses a checksummed record body; its slices alias body.
func decodeRecord(body []byte) (Record, error) {
	d := decoder{b: body}
	kind := Kind(d.byte())
	rec := Record{Kind: kind, ExpireAt: int64(d.u64())}
	rec.Key = d.bytes()
	switch kind {
	case KindString:
		rec.Value = d.bytes()
	case KindHash:
		n := d.uvarint()
		// Each pair takes at least two bytes: a corrupt count cannot make
		// us allocate more than the body's size.
		if n == 0 || n > uint64(len(d.b))/2 {
			return Record{}, corruptf("hash record with %d fields", n)
		}
		rec.Fields = make([][2][]byte, n)
		for i := range rec.Fields {
			rec.Fields[i] = [2][]byte{d.bytes(), d.bytes()}
		}
	default:
		return Record{}, corruptf("unknown record kind %d", kind)
	}
	if d.err != nil {
		return Record{}, d.err
	}
	if len(d.b) != 0 {
		return Record{}, corruptf("%d trailing bytes in record", len(d.b))
	}
	if rec.ExpireAt < 0 {
		return Record{}, corruptf("negative expiry %d", rec.ExpireAt)
	}
	return rec, nil
}

// decoder reads fields from a checksummed buffer; the first failure sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = corruptf("record ends inside %s", what)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("kind")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.fail("expiry")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("string")
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}
