package bucket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/internal/vfs"
)

// Store is a directory of segment files holding encoded buckets and the
// manifest naming the live ones. See the package comment for the commit
// protocol, the durability promise and the concurrency contract.
type Store struct {
	fs   vfs.FS
	dir  string
	opts Options
	dim  int
	lock io.Closer
	log  *slog.Logger

	// writeMu serialises Write, Commit and Close. Lock order: writeMu,
	// then mu. Readers take only mu, briefly.
	writeMu sync.Mutex
	active  *segment   // segment Write appends to; nil before the first Write and after a failed one
	pending []*segment // segments created since the last Commit; each holds one ref
	nextSeg uint32     // next segment number
	failed  error      // set when a Commit failed after switching CURRENT
	encBuf  []byte     // Write's encoding buffer

	mu      sync.Mutex
	closed  bool
	segs    map[uint32]*segment // open segments, each with refs > 0
	current *version            // last committed manifest; the store holds one ref
}

// segment is one open segment file.
type segment struct {
	num       uint32
	f         vfs.File
	sizeBytes atomic.Int64 // bytes of whole buckets written (synced by Commit); written under writeMu (fixed at Open for old segments)
	unsynced  bool         // written since its last sync; writer only (writeMu)
	refs      int          // guarded by Store.mu: versions naming it, the writer's pending ref, reads in flight
}

// version is one installed manifest and the views that pin it.
type version struct {
	m    *manifest
	segs []*segment // distinct segments m names, each holding one ref for this version
	refs int        // guarded by Store.mu
}

// Create creates a store in dir (created if missing) holding no buckets
// and opens it. It fails with ErrExist if dir already holds a store. When
// it returns nil the empty store is durable.
func Create(fsys vfs.FS, dir string, opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Dim == 0 {
		return nil, fmt.Errorf("%w: Create needs Options.Dim", ErrInvalid)
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("satori/bucket: create %s: %w", dir, err)
	}
	if err := syncParents(fsys, dir); err != nil {
		return nil, fmt.Errorf("satori/bucket: create %s: %w", dir, err)
	}
	lock, err := fsys.Lock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("satori/bucket: create %s: lock: %w", dir, err)
	}
	s, err := create(fsys, dir, opts, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

func create(fsys vfs.FS, dir string, opts Options, lock io.Closer) (*Store, error) {
	names, err := fsys.List(dir)
	if err != nil {
		return nil, fmt.Errorf("satori/bucket: create %s: %w", dir, err)
	}
	for _, n := range names {
		if _, ok := parseManifestName(n); ok || n == currentName {
			return nil, fmt.Errorf("satori/bucket: create %s: %w", dir, ErrExist)
		}
	}
	m := &manifest{seq: 1, nextSeg: 1, dim: opts.Dim, live: map[uint32]Entry{}}
	if err := writeAtomic(fsys, dir, manifestName(1), encodeManifest(m)); err != nil {
		return nil, fmt.Errorf("satori/bucket: create %s: %w", dir, err)
	}
	if err := writeAtomic(fsys, dir, currentName, encodeCurrent(1)); err != nil {
		return nil, fmt.Errorf("satori/bucket: create %s: %w", dir, err)
	}
	return openLocked(fsys, dir, opts, lock)
}

// Open opens the store in dir, recovering from any crash: it reads the
// manifest CURRENT names (or, only when CURRENT is missing or corrupt, the
// newest valid MANIFEST-*), checks that every live bucket lies within its
// segment file, and removes what belongs to no commit: temporary files,
// other manifests and segment files no live bucket uses.
func Open(fsys vfs.FS, dir string, opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if _, err := fsys.Stat(dir); err != nil {
		if isNotExist(err) {
			return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, ErrNoStore)
		}
		return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, err)
	}
	lock, err := fsys.Lock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("satori/bucket: open %s: lock: %w", dir, err)
	}
	s, err := openLocked(fsys, dir, opts, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

func openLocked(fsys vfs.FS, dir string, opts Options, lock io.Closer) (s *Store, err error) {
	opts = opts.withDefaults()
	names, err := fsys.List(dir)
	if err != nil {
		return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, err)
	}
	m, err := recoverManifest(fsys, dir, names)
	if err != nil {
		return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, err)
	}
	if opts.Dim != 0 && opts.Dim != m.dim {
		return nil, fmt.Errorf("satori/bucket: open %s: %w: dim %d, store has %d", dir, ErrInvalid, opts.Dim, m.dim)
	}
	segs := make(map[uint32]*segment)
	s = &Store{
		fs: fsys, dir: dir, opts: opts, dim: m.dim, lock: lock, log: opts.Logger,
		nextSeg: m.nextSeg, segs: segs,
	}
	defer func() {
		if err != nil { // s is nil by now
			for _, sg := range segs {
				sg.f.Close()
			}
		}
	}()
	for _, num := range m.segments() {
		name := filepath.Join(dir, segmentName(num))
		f, err := fsys.Open(name)
		if isNotExist(err) {
			return nil, corruptf("open %s: segment %s is missing", dir, segmentName(num))
		}
		if err != nil {
			return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, err)
		}
		sg := &segment{num: num, f: f}
		sg.sizeBytes.Store(st.Size())
		s.segs[num] = sg
	}
	for id, e := range m.live {
		if end := e.Loc.Offset + int64(e.Loc.Length); end > s.segs[e.Loc.Segment].sizeBytes.Load() {
			return nil, corruptf("open %s: bucket %d ends at %d in %s of %d bytes", dir, id, end, segmentName(e.Loc.Segment), s.segs[e.Loc.Segment].sizeBytes.Load())
		}
	}
	s.current = s.newVersionLocked(m)
	// Remove what no commit owns; a failure only leaves garbage the next
	// Open removes again. Never reuse the number of a segment still listed.
	removed := false
	for _, n := range names {
		seq, isManifest := parseManifestName(n)
		num, isSeg := parseSegmentName(n)
		if isSeg && num >= s.nextSeg && num < math.MaxUint32 {
			s.nextSeg = num + 1
		}
		if strings.HasSuffix(n, tmpSuffix) || (isManifest && seq != m.seq) || (isSeg && s.segs[num] == nil) {
			if err := fsys.Remove(filepath.Join(dir, n)); err != nil && !isNotExist(err) {
				s.log.Warn("satori/bucket: remove leftover", "file", n, "err", err)
				continue
			}
			removed = true
		}
	}
	if removed {
		if err := vfs.SyncDir(fsys, dir); err != nil {
			return nil, fmt.Errorf("satori/bucket: open %s: %w", dir, err)
		}
	}
	return s, nil
}

// recoverManifest finds the committed manifest: the one CURRENT names, or
// without a valid CURRENT the newest valid MANIFEST-*.
func recoverManifest(fsys vfs.FS, dir string, names []string) (*manifest, error) {
	cur, curErr := readFile(fsys, filepath.Join(dir, currentName), currentBytes)
	var seq uint64
	if curErr == nil {
		seq, curErr = decodeCurrent(cur)
	}
	if curErr == nil {
		m, err := readManifest(fsys, dir, seq)
		if isNotExist(err) {
			return nil, corruptf("CURRENT names %s, which is missing", manifestName(seq))
		}
		return m, err
	}
	if errors.Is(curErr, ErrUnsupportedVersion) || !(isNotExist(curErr) || errors.Is(curErr, ErrCorrupt)) {
		return nil, curErr
	}
	var seqs []uint64
	for _, n := range names {
		if v, ok := parseManifestName(n); ok {
			seqs = append(seqs, v)
		}
	}
	slices.Sort(seqs)
	var firstErr error
	for _, v := range slices.Backward(seqs) {
		m, err := readManifest(fsys, dir, v)
		if err == nil {
			return m, nil
		}
		if errors.Is(err, ErrUnsupportedVersion) {
			return nil, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("no valid manifest (CURRENT: %v): %w", curErr, firstErr)
	}
	if isNotExist(curErr) {
		return nil, ErrNoStore
	}
	return nil, fmt.Errorf("no manifest: %w", curErr)
}

func readManifest(fsys vfs.FS, dir string, seq uint64) (*manifest, error) {
	b, err := readFile(fsys, filepath.Join(dir, manifestName(seq)), maxManifestBytes)
	if err != nil {
		return nil, err
	}
	m, err := decodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName(seq), err)
	}
	if m.seq != seq {
		return nil, corruptf("%s holds sequence %d", manifestName(seq), m.seq)
	}
	return m, nil
}

// newVersionLocked wraps m as a version with one ref, taking a ref on each
// segment it names (which must be open).
func (s *Store) newVersionLocked(m *manifest) *version {
	v := &version{m: m, refs: 1}
	for _, num := range m.segments() {
		sg := s.segs[num]
		if sg == nil {
			panic(fmt.Sprintf("satori/bucket: manifest %d names segment %d, which is not open", m.seq, num))
		}
		sg.refs++
		v.segs = append(v.segs, sg)
	}
	return v
}

// unrefVersionLocked drops one ref of v and appends to dead the segments
// that lost their last ref.
func (s *Store) unrefVersionLocked(v *version, dead []*segment) []*segment {
	if v.refs <= 0 {
		panic("satori/bucket: version ref count below zero")
	}
	v.refs--
	if v.refs == 0 {
		for _, sg := range v.segs {
			dead = s.unrefSegmentLocked(sg, dead)
		}
	}
	return dead
}

func (s *Store) unrefSegmentLocked(sg *segment, dead []*segment) []*segment {
	if sg.refs <= 0 {
		panic(fmt.Sprintf("satori/bucket: segment %d ref count below zero", sg.num))
	}
	sg.refs--
	if sg.refs == 0 {
		delete(s.segs, sg.num)
		dead = append(dead, sg)
	}
	return dead
}

// removeSegments closes and deletes dead segments, best effort: a file
// left behind is removed by the next Open. It is called without mu.
func (s *Store) removeSegments(dead []*segment) {
	if len(dead) == 0 {
		return
	}
	for _, sg := range dead {
		sg.f.Close()
		if err := s.fs.Remove(filepath.Join(s.dir, segmentName(sg.num))); err != nil {
			s.log.Warn("satori/bucket: remove segment", "segment", sg.num, "err", err)
		}
	}
	if err := vfs.SyncDir(s.fs, s.dir); err != nil {
		s.log.Warn("satori/bucket: sync after removing segments", "err", err)
	}
}

// checkWritableLocked reports why Write or Commit cannot run. writeMu held.
func (s *Store) checkWritableLocked() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if s.failed != nil {
		return fmt.Errorf("%w: %w", ErrFailed, s.failed)
	}
	return nil
}

// maxKeptEncBuf is the largest encoding buffer Write keeps for reuse
// (until ReleaseBuffers).
const maxKeptEncBuf = 16 << 20

// ReleaseBuffers drops the encoding buffer Write keeps between writes, for
// a caller going idle: a busy writer reuses it across Writes and Commits,
// an idle store should hold no memory for writing.
func (s *Store) ReleaseBuffers() {
	s.writeMu.Lock()
	s.encBuf = nil
	s.writeMu.Unlock()
}

// Dim returns the vector dimension of the store.
func (s *Store) Dim() int { return s.dim }

// Write appends the encoding of b to the current segment, starting a new
// segment when it would pass Options.SegmentBytes. The bucket is readable
// at once but neither durable nor live: the next Commit syncs it, and only
// a Commit naming its Loc makes it live; a crash before that Commit
// discards it. b.Dim must be the
// store's dimension. After a failed Write the segment is abandoned and the
// next Write starts a new one.
func (s *Store) Write(b *Bucket) (Loc, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.checkWritableLocked(); err != nil {
		return Loc{}, err
	}
	if err := b.validate(s.dim); err != nil {
		return Loc{}, err
	}
	size := int64(b.encodedSize())
	if size > math.MaxInt32 {
		return Loc{}, fmt.Errorf("%w: bucket %d encodes to %d bytes (limit %d)", ErrInvalid, b.ID, size, math.MaxInt32)
	}
	if s.active != nil && s.active.sizeBytes.Load() > 0 && s.active.sizeBytes.Load()+size > s.opts.SegmentBytes {
		s.active = nil // stays pending until the next Commit
	}
	if s.active == nil {
		if err := s.newSegmentLocked(); err != nil {
			return Loc{}, err
		}
	}
	sg := s.active
	s.encBuf = appendBucket(s.encBuf[:0], b)
	off := sg.sizeBytes.Load()
	sg.unsynced = true
	if _, err := sg.f.WriteAt(s.encBuf, off); err != nil {
		s.active = nil
		return Loc{}, fmt.Errorf("satori/bucket: write bucket %d to segment %d: %w", b.ID, sg.num, err)
	}
	loc := Loc{Segment: sg.num, Offset: off, Length: int32(size), Head: int32(binary.LittleEndian.Uint32(s.encBuf[24:]))}
	sg.sizeBytes.Store(off + size)
	if cap(s.encBuf) > maxKeptEncBuf {
		s.encBuf = nil // one oversized bucket must not pin its memory
	}
	return loc, nil
}

// SegmentSizes returns the size in bytes of every segment file the store
// holds open (committed, pending or still read), keyed by segment number,
// and the number of the segment Write appends to (0 when none). The
// caller compares them with the bytes its live buckets use in each to
// decide what to compact: rewriting a segment's live buckets elsewhere
// lets the next Commit delete the segment.
func (s *Store) SegmentSizes() (sizes map[uint32]int64, active uint32) {
	s.writeMu.Lock()
	if s.active != nil {
		active = s.active.num
	}
	s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	sizes = make(map[uint32]int64, len(s.segs))
	for num, sg := range s.segs {
		sizes[num] = sg.sizeBytes.Load()
	}
	return sizes, active
}

// SegmentBytes returns the size past which Write starts a new segment.
func (s *Store) SegmentBytes() int64 { return s.opts.SegmentBytes }

// newSegmentLocked creates the next segment file, makes its name durable
// and makes it the active one. writeMu held.
func (s *Store) newSegmentLocked() error {
	if s.nextSeg == math.MaxUint32 {
		return fmt.Errorf("%w: segment numbers exhausted", ErrInvalid)
	}
	num := s.nextSeg
	s.nextSeg++
	name := filepath.Join(s.dir, segmentName(num))
	f, err := s.fs.Create(name)
	if err != nil {
		return fmt.Errorf("satori/bucket: create segment %d: %w", num, err)
	}
	if err := vfs.SyncDir(s.fs, s.dir); err != nil {
		f.Close()
		s.fs.Remove(name)
		return fmt.Errorf("satori/bucket: create segment %d: %w", num, err)
	}
	sg := &segment{num: num, f: f, refs: 1}
	s.mu.Lock()
	s.segs[num] = sg
	s.mu.Unlock()
	s.pending = append(s.pending, sg)
	s.active = sg
	return nil
}

// Commit atomically replaces the manifest with live (the set of live
// buckets, by bucket id) and meta (an opaque blob for the caller, such as
// its log checkpoint). Every Loc must come from a Write of this store or
// from the current manifest. When Commit returns nil the new manifest is
// durable; when it returns an error wrapping ErrFailed the durable state
// is unknown (either manifest may survive a crash) and the store accepts
// no more writes; any other error leaves the previous manifest committed.
// After the switch, segments no live bucket, View or in-flight Read uses
// are deleted, best effort.
func (s *Store) Commit(live map[uint32]Entry, meta []byte) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.checkWritableLocked(); err != nil {
		return err
	}
	if uint64(len(meta)) > math.MaxUint32 {
		return fmt.Errorf("%w: meta of %d bytes", ErrInvalid, len(meta))
	}
	s.mu.Lock()
	cur := s.current.m
	m := &manifest{seq: cur.seq + 1, nextSeg: s.nextSeg, dim: s.dim, live: make(map[uint32]Entry, len(live)), meta: slices.Clone(meta)}
	var bad error
	for id, e := range live {
		sg := s.segs[e.Loc.Segment]
		switch {
		case len(e.Centroid) != s.dim:
			bad = fmt.Errorf("%w: bucket %d: centroid of %d floats, dim %d", ErrInvalid, id, len(e.Centroid), s.dim)
		case e.Count < 0 || uint64(e.Count) > math.MaxUint32 || !e.locFits(s.dim):
			bad = fmt.Errorf("%w: bucket %d: %d vectors in %d bytes", ErrInvalid, id, e.Count, e.Loc.Length)
		case sg == nil || e.Loc.Offset < 0 || e.Loc.Offset > sg.sizeBytes.Load()-int64(e.Loc.Length): // no overflow: Length >= 0 here
			bad = fmt.Errorf("%w: bucket %d: %+v is outside written data", ErrInvalid, id, e.Loc)
		}
		if bad != nil {
			break
		}
		e.Centroid = slices.Clone(e.Centroid)
		m.live[id] = e
	}
	s.mu.Unlock()
	if bad != nil {
		return fmt.Errorf("satori/bucket: commit: %w", bad)
	}
	data := encodeManifest(m)
	if len(data) > maxManifestBytes {
		return fmt.Errorf("satori/bucket: commit: %w: manifest of %d bytes", ErrInvalid, len(data))
	}
	// The buckets written since the last Commit become durable before any
	// manifest can name them. After a failed sync nothing about the file
	// can be trusted (vfs doc, rule 4), so the store fails.
	for _, sg := range s.pending {
		if !sg.unsynced {
			continue
		}
		if err := sg.f.Sync(); err != nil {
			s.failed = err
			return fmt.Errorf("satori/bucket: commit %d: %w: sync segment %d: %w", m.seq, ErrFailed, sg.num, err)
		}
		sg.unsynced = false
	}
	// The manifest file is not the switch: CURRENT still names the old
	// one, so a failure here (even after its rename) changes nothing.
	if err := writeAtomic(s.fs, s.dir, manifestName(m.seq), data); err != nil {
		s.fs.Remove(filepath.Join(s.dir, manifestName(m.seq)))
		return fmt.Errorf("satori/bucket: commit %d: %w", m.seq, err)
	}
	if err := writeAtomic(s.fs, s.dir, currentName, encodeCurrent(m.seq)); err != nil {
		if errors.Is(err, errRenamed) {
			s.failed = err
			return fmt.Errorf("satori/bucket: commit %d: %w: %w", m.seq, ErrFailed, err)
		}
		s.fs.Remove(filepath.Join(s.dir, manifestName(m.seq)))
		return fmt.Errorf("satori/bucket: commit %d: %w", m.seq, err)
	}
	// Committed. Install it, drop the writer's refs on finished segments,
	// and delete what nothing uses any more.
	s.mu.Lock()
	old := s.current
	s.current = s.newVersionLocked(m)
	dead := s.unrefVersionLocked(old, nil)
	keep := s.pending[:0]
	for _, sg := range s.pending {
		if sg == s.active {
			keep = append(keep, sg)
			continue
		}
		dead = s.unrefSegmentLocked(sg, dead)
	}
	clear(s.pending[len(keep):])
	s.pending = keep
	s.mu.Unlock()
	if err := s.fs.Remove(filepath.Join(s.dir, manifestName(old.m.seq))); err != nil && !isNotExist(err) {
		s.log.Warn("satori/bucket: remove old manifest", "seq", old.m.seq, "err", err)
	}
	s.removeSegments(dead)
	return nil
}

// Manifest returns copies of the live buckets and the meta blob of the
// last Commit (or of the manifest Open recovered).
func (s *Store) Manifest() (map[uint32]Entry, []byte) {
	s.mu.Lock()
	m := s.current.m
	s.mu.Unlock()
	return m.copyLive(), slices.Clone(m.meta)
}

func (m *manifest) copyLive() map[uint32]Entry {
	live := maps.Clone(m.live)
	if live == nil {
		live = map[uint32]Entry{}
	}
	for id, e := range live {
		e.Centroid = slices.Clone(e.Centroid)
		live[id] = e
	}
	return live
}

// Read reads the whole bucket at loc (head and vectors) with one ReadAt of
// exactly loc.Length bytes into into's read buffer, verifies the head
// checksum and every vector's, and points into's slices at the buffer
// (copies on big-endian machines). Bytes that fail verification give an
// error wrapping ErrCorrupt, never data. A Loc whose segment has been
// deleted gives ErrNotFound; a View pins the segments of its manifest. A
// Loc past the written end of its segment gives ErrInvalid, before any
// buffer is sized by it. Read is safe for concurrent use with everything
// but Close.
func (s *Store) Read(loc Loc, into *Bucket) error {
	return s.withSegment(loc, loc.Length, func(sg *segment) error { return s.readInto(sg, loc, loc.Length, into, true) })
}

// ReadHead reads only the head of the bucket at loc (ids, versions, the
// u8 codes and their quantizer, the vector checksums and the attributes:
// what a search probe scans) into into, as Read does; into.Vectors is
// left empty. The float32 vectors are loc.Length-loc.Head more bytes that
// ReadVector fetches one at a time.
func (s *Store) ReadHead(loc Loc, into *Bucket) error {
	return s.withSegment(loc, loc.Head, func(sg *segment) error { return s.readInto(sg, loc, loc.Head, into, false) })
}

// ReadVector reads vector i of the bucket at loc into dst (len dim) with
// one ReadAt and checks it against sum, its CRC32C from the bucket's head
// (VectorCRCs[i]): a mismatch is ErrCorrupt. It allocates nothing on
// little-endian machines.
func (s *Store) ReadVector(loc Loc, i int, sum uint32, dst []float32) error {
	if len(dst) != s.dim {
		return fmt.Errorf("satori/bucket: read vector: %w: dst of %d floats, dim %d", ErrInvalid, len(dst), s.dim)
	}
	size := int64(4 * s.dim)
	off := int64(loc.Head) + int64(i)*size
	if i < 0 || loc.Head < 0 || off+size > int64(loc.Length) {
		return fmt.Errorf("satori/bucket: read vector %d of %+v: %w", i, loc, ErrInvalid)
	}
	return s.withSegment(loc, loc.Length, func(sg *segment) error {
		var buf []byte
		if littleEndian {
			buf = bytesOf(dst)
		} else {
			buf = make([]byte, size)
		}
		if err := readFull(sg.f, buf, loc.Offset+off); err != nil {
			return fmt.Errorf("satori/bucket: read vector %d of %+v: %w", i, loc, err)
		}
		if crc32.Checksum(buf, castagnoli) != sum {
			return fmt.Errorf("satori/bucket: read vector %d of %+v: %w", i, loc, corruptf("vector checksum mismatch"))
		}
		if !littleEndian {
			decodeLE(dst, buf)
		}
		return nil
	})
}

// withSegment runs fn on loc's segment, holding a reference so that the
// file stays open, after checking that loc is written data and size fits
// in it.
func (s *Store) withSegment(loc Loc, size int32, fn func(*segment) error) error {
	if size < minBucketBytes || loc.Offset < 0 || size > loc.Length {
		return fmt.Errorf("satori/bucket: read %+v: %w", loc, ErrInvalid)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	sg := s.segs[loc.Segment]
	if sg == nil {
		s.mu.Unlock()
		return fmt.Errorf("satori/bucket: read %+v: %w", loc, ErrNotFound)
	}
	if loc.Offset > sg.sizeBytes.Load()-int64(loc.Length) {
		s.mu.Unlock()
		return fmt.Errorf("satori/bucket: read %+v: %w: past the %d bytes of the segment", loc, ErrInvalid, sg.sizeBytes.Load())
	}
	sg.refs++
	s.mu.Unlock()
	err := fn(sg)
	s.mu.Lock()
	var dead []*segment
	if !s.closed {
		dead = s.unrefSegmentLocked(sg, nil)
	}
	s.mu.Unlock()
	s.removeSegments(dead)
	return err
}

// readInto reads size bytes at loc into into's read buffer and views them
// (the whole bucket, or its head).
func (s *Store) readInto(sg *segment, loc Loc, size int32, into *Bucket, whole bool) error {
	into.detach() // the slices may be views of raw, about to be overwritten
	into.raw = resize(into.raw, int(size))
	if err := readFull(sg.f, into.raw, loc.Offset); err != nil {
		return fmt.Errorf("satori/bucket: read %+v: %w", loc, err)
	}
	if err := viewBucket(into.raw, into, whole); err != nil {
		return fmt.Errorf("satori/bucket: read %+v: %w", loc, err)
	}
	if into.Dim != s.dim {
		return fmt.Errorf("satori/bucket: read %+v: %w: dim %d in a store of dim %d", loc, ErrCorrupt, into.Dim, s.dim)
	}
	return nil
}

// readFull reads len(buf) bytes at off; a short read is ErrCorrupt (the
// manifest promised them).
func readFull(f vfs.File, buf []byte, off int64) error {
	n, err := f.ReadAt(buf, off)
	if n < len(buf) {
		if err == nil || errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: %d of %d bytes", ErrCorrupt, n, len(buf))
		}
		return err
	}
	return nil
}

// View is a snapshot of the committed manifest that pins its segments:
// every Loc of View.Manifest stays readable, whatever is committed since,
// until Release.
type View struct {
	s    *Store
	v    *version
	once sync.Once
}

// View returns a snapshot of the last committed manifest. Release it when
// done; a View not released keeps its segment files on disk until Close.
func (s *Store) View() (*View, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	s.current.refs++
	return &View{s: s, v: s.current}, nil
}

// Manifest returns copies of the view's live buckets and meta blob.
func (v *View) Manifest() (map[uint32]Entry, []byte) {
	return v.v.m.copyLive(), slices.Clone(v.v.m.meta)
}

// Read is Store.Read; it cannot fail with ErrNotFound for a Loc of the
// view's manifest before Release.
func (v *View) Read(loc Loc, into *Bucket) error { return v.s.Read(loc, into) }

// Release unpins the view's segments; those no longer used are deleted.
// Calling it more than once is harmless.
func (v *View) Release() {
	v.once.Do(func() {
		s := v.s
		s.mu.Lock()
		var dead []*segment
		if !s.closed {
			dead = s.unrefVersionLocked(v.v, nil)
		}
		s.mu.Unlock()
		s.removeSegments(dead)
	})
}

// Close closes the segment files and releases the directory lock. Reads
// and Views must be finished first; nothing is lost, since everything
// committed is already durable.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	segs := s.segs
	s.segs = nil
	s.mu.Unlock()
	var firstErr error
	for _, sg := range segs {
		if err := sg.f.Close(); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if err := s.lock.Close(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return fmt.Errorf("satori/bucket: close %s: %w", s.dir, firstErr)
	}
	return nil
}
