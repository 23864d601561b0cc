package bucket

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

const testDir = "db/buckets"

func mustCreate(t *testing.T, fsys vfs.FS, opts Options) *Store {
	t.Helper()
	s, err := Create(fsys, testDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustOpen(t *testing.T, fsys vfs.FS, opts Options) *Store {
	t.Helper()
	s, err := Open(fsys, testDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func centroid(b *Bucket) []float32 {
	c := make([]float32, b.Dim)
	for i := range b.Len() {
		for j, x := range b.Vector(i) {
			c[j] += x
		}
	}
	return c
}

// writeEntry writes b and returns its manifest entry.
func writeEntry(t *testing.T, s *Store, b *Bucket) Entry {
	t.Helper()
	loc, err := s.Write(b)
	if err != nil {
		t.Fatal(err)
	}
	return Entry{Loc: loc, Centroid: centroid(b), Count: b.Len()}
}

// checkStore asserts that s's manifest is exactly want (by bucket
// content) with meta, and that every bucket reads back.
func checkStore(t *testing.T, s *Store, want map[uint32]*Bucket, meta []byte) {
	t.Helper()
	live, gotMeta := s.Manifest()
	if !slices.Equal(gotMeta, meta) {
		t.Fatalf("meta %q, want %q", gotMeta, meta)
	}
	if len(live) != len(want) {
		t.Fatalf("%d live buckets, want %d", len(live), len(want))
	}
	var into Bucket
	for id, b := range want {
		e, ok := live[id]
		if !ok {
			t.Fatalf("bucket %d missing", id)
		}
		if e.Count != b.Len() || !slices.Equal(e.Centroid, centroid(b)) {
			t.Fatalf("bucket %d: entry %+v", id, e)
		}
		if err := s.Read(e.Loc, &into); err != nil {
			t.Fatalf("bucket %d: %v", id, err)
		}
		if !equalBucket(b, &into) {
			t.Fatalf("bucket %d reads back different", id)
		}
	}
}

func listSegments(t *testing.T, fsys vfs.FS) []uint32 {
	t.Helper()
	names, err := fsys.List(testDir)
	if err != nil {
		t.Fatal(err)
	}
	var segs []uint32
	for _, n := range names {
		if num, ok := parseSegmentName(n); ok {
			segs = append(segs, num)
		}
	}
	return segs
}

func TestStoreBasic(t *testing.T) {
	fsys := vfs.NewMem()
	r := rand.New(rand.NewPCG(4, 0))
	s := mustCreate(t, fsys, Options{Dim: 8, SegmentBytes: 4096})
	if _, err := Create(fsys, testDir, Options{Dim: 8}); err == nil {
		t.Fatal("second Create on a locked dir succeeded")
	}
	want := map[uint32]*Bucket{}
	live := map[uint32]Entry{}
	for id := range uint32(20) {
		b := randomBucket(r, id, r.IntN(30), 8)
		want[id] = b
		live[id] = writeEntry(t, s, b)
	}
	if got, _ := s.Manifest(); len(got) != 0 {
		t.Fatalf("written buckets live before Commit: %d", len(got))
	}
	if err := s.Commit(live, []byte("ckpt-1")); err != nil {
		t.Fatal(err)
	}
	checkStore(t, s, want, []byte("ckpt-1"))
	if n := len(listSegments(t, fsys)); n < 3 {
		t.Fatalf("%d segments for 20 buckets at 4 KiB per segment", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	s = mustOpen(t, fsys, Options{})
	checkStore(t, s, want, []byte("ckpt-1"))
	if s.Dim() != 8 {
		t.Fatalf("dim %d", s.Dim())
	}
	// Rewrite: drop half, replace one; segments only the dropped buckets
	// used go away.
	for id := range uint32(10) {
		delete(want, id)
		delete(live, id)
	}
	want[15] = randomBucket(r, 15, 3, 8)
	live[15] = writeEntry(t, s, want[15])
	if err := s.Commit(live, nil); err != nil {
		t.Fatal(err)
	}
	checkStore(t, s, want, nil)
	used := map[uint32]bool{}
	for _, e := range live {
		used[e.Loc.Segment] = true
	}
	for _, num := range listSegments(t, fsys) {
		if !used[num] && num != s.active.num {
			t.Errorf("segment %d is on disk but unused", num)
		}
	}
	s.Close()
	if _, err := Open(fsys, testDir, Options{Dim: 9}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("open with the wrong dim: %v", err)
	}
	if _, err := Open(fsys, "nowhere", Options{}); !errors.Is(err, ErrNoStore) {
		t.Fatalf("open missing: %v", err)
	}
	s = mustOpen(t, fsys, Options{Dim: 8})
	checkStore(t, s, want, nil)
	s.Close()
}

func TestStoreInvalid(t *testing.T) {
	fsys := vfs.NewMem()
	s := mustCreate(t, fsys, Options{Dim: 4})
	defer s.Close()
	if _, err := s.Write(&Bucket{Dim: 3}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("wrong dim: %v", err)
	}
	b := randomBucket(rand.New(rand.NewPCG(5, 0)), 1, 2, 4)
	e := writeEntry(t, s, b)
	for name, bad := range map[string]Entry{
		"centroid": {Loc: e.Loc, Centroid: []float32{1}, Count: 2},
		"count":    {Loc: e.Loc, Centroid: e.Centroid, Count: 3},
		"segment":  {Loc: Loc{Segment: 99, Length: e.Loc.Length}, Centroid: e.Centroid, Count: 2},
		"offset":   {Loc: Loc{Segment: e.Loc.Segment, Offset: 1, Length: e.Loc.Length}, Centroid: e.Centroid, Count: 2},
		"overflow": {Loc: Loc{Segment: e.Loc.Segment, Offset: math.MaxInt64 - 10, Length: e.Loc.Length}, Centroid: e.Centroid, Count: 2},
		"negative": {Loc: Loc{Segment: e.Loc.Segment, Offset: -1, Length: e.Loc.Length}, Centroid: e.Centroid, Count: 2},
	} {
		if err := s.Commit(map[uint32]Entry{1: bad}, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := s.Read(Loc{Segment: 99, Length: minBucketBytes}, &Bucket{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("read missing segment: %v", err)
	}
	if err := s.Read(Loc{Segment: e.Loc.Segment, Length: 3}, &Bucket{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("read short loc: %v", err)
	}
	// A Loc past the end of the segment is rejected before allocating.
	if err := s.Read(Loc{Segment: e.Loc.Segment, Offset: 1 << 20, Length: e.Loc.Length}, &Bucket{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("read past end: %v", err)
	}
	if err := s.Read(Loc{Segment: e.Loc.Segment, Length: 1<<31 - 1}, &Bucket{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("read of a huge length: %v", err)
	}
	if err := s.Commit(map[uint32]Entry{1: e}, nil); err != nil {
		t.Fatal(err)
	}
	checkStore(t, s, map[uint32]*Bucket{1: b}, nil)
}

// TestStoreCorruptSegment: a flipped byte in a segment is reported as
// ErrCorrupt by Read, never returned as data.
func TestStoreCorruptSegment(t *testing.T) {
	fsys := vfs.NewMem()
	s := mustCreate(t, fsys, Options{Dim: 4})
	b := randomBucket(rand.New(rand.NewPCG(6, 0)), 1, 5, 4)
	e := writeEntry(t, s, b)
	if err := s.Commit(map[uint32]Entry{1: e}, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	name := filepath.Join(testDir, segmentName(e.Loc.Segment))
	f, err := fsys.OpenReadWrite(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0x5a}, e.Loc.Offset+40); err != nil {
		t.Fatal(err)
	}
	f.Sync()
	f.Close()
	s = mustOpen(t, fsys, Options{})
	defer s.Close()
	var into Bucket
	if err := s.Read(e.Loc, &into); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("read corrupt bucket: %v", err)
	}
}

func writeRaw(t *testing.T, fsys vfs.FS, name string, data []byte) {
	t.Helper()
	f, err := fsys.Create(filepath.Join(testDir, name))
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	f.Sync()
	f.Close()
}

// TestStoreCorruptCurrent: a damaged CURRENT falls back to the newest
// valid manifest; a damaged manifest that CURRENT names is an error.
func TestStoreCorruptCurrent(t *testing.T) {
	fsys := vfs.NewMem()
	s := mustCreate(t, fsys, Options{Dim: 2})
	b := randomBucket(rand.New(rand.NewPCG(7, 0)), 3, 4, 2)
	e := writeEntry(t, s, b)
	if err := s.Commit(map[uint32]Entry{3: e}, []byte("m")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	cur, err := readFile(fsys, filepath.Join(testDir, currentName), 100)
	if err != nil {
		t.Fatal(err)
	}
	// An older, valid manifest must not be preferred over the newest.
	writeRaw(t, fsys, manifestName(1), encodeManifest(&manifest{seq: 1, nextSeg: 1, dim: 2, live: map[uint32]Entry{}}))
	cur[10] ^= 1
	writeRaw(t, fsys, currentName, cur)
	s = mustOpen(t, fsys, Options{})
	checkStore(t, s, map[uint32]*Bucket{3: b}, []byte("m"))
	s.Close()
	fsys.Remove(filepath.Join(testDir, currentName))
	s = mustOpen(t, fsys, Options{})
	checkStore(t, s, map[uint32]*Bucket{3: b}, []byte("m"))
	if err := s.Commit(nil, []byte("empty")); err != nil { // writes a fresh CURRENT
		t.Fatal(err)
	}
	s.Close()
	// Damage the manifest CURRENT names: no silent fallback.
	m, err := readFile(fsys, filepath.Join(testDir, manifestName(3)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	m[len(m)/2] ^= 1
	writeRaw(t, fsys, manifestName(3), m)
	if _, err := Open(fsys, testDir, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open with a corrupt committed manifest: %v", err)
	}
}

// TestViewPinsSegments: a segment dropped by a Commit stays readable
// through a View taken before it, and is deleted on Release.
func TestViewPinsSegments(t *testing.T) {
	fsys := vfs.NewMem()
	s := mustCreate(t, fsys, Options{Dim: 4, SegmentBytes: 1})
	defer s.Close()
	r := rand.New(rand.NewPCG(8, 0))
	b1 := randomBucket(r, 1, 3, 4)
	e1 := writeEntry(t, s, b1)
	if err := s.Commit(map[uint32]Entry{1: e1}, nil); err != nil {
		t.Fatal(err)
	}
	v, err := s.View()
	if err != nil {
		t.Fatal(err)
	}
	b2 := randomBucket(r, 2, 3, 4)
	e2 := writeEntry(t, s, b2) // SegmentBytes 1: a new segment
	if e2.Loc.Segment == e1.Loc.Segment {
		t.Fatal("expected a new segment")
	}
	if err := s.Commit(map[uint32]Entry{2: e2}, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(listSegments(t, fsys), e1.Loc.Segment) {
		t.Fatal("segment pinned by a view was deleted")
	}
	live, _ := v.Manifest()
	var into Bucket
	if err := v.Read(live[1].Loc, &into); err != nil || !equalBucket(b1, &into) {
		t.Fatalf("read through view: %v", err)
	}
	v.Release()
	v.Release()
	if slices.Contains(listSegments(t, fsys), e1.Loc.Segment) {
		t.Fatal("segment still on disk after the view's release")
	}
	if err := s.Read(e1.Loc, &into); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read of a deleted segment: %v", err)
	}
	checkStore(t, s, map[uint32]*Bucket{2: b2}, nil)
}

// TestOpenMissingOrShortSegment: a segment the manifest needs that is
// missing or too short makes Open fail with ErrCorrupt.
func TestOpenMissingOrShortSegment(t *testing.T) {
	for _, damage := range []string{"truncate", "remove"} {
		fsys := vfs.NewMem()
		s := mustCreate(t, fsys, Options{Dim: 3})
		e := writeEntry(t, s, randomBucket(rand.New(rand.NewPCG(11, 0)), 1, 4, 3))
		if err := s.Commit(map[uint32]Entry{1: e}, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		name := filepath.Join(testDir, segmentName(e.Loc.Segment))
		if damage == "remove" {
			if err := fsys.Remove(name); err != nil {
				t.Fatal(err)
			}
		} else {
			f, err := fsys.OpenReadWrite(name)
			if err != nil {
				t.Fatal(err)
			}
			f.Truncate(e.Loc.Offset + int64(e.Loc.Length) - 1)
			f.Close()
		}
		if _, err := Open(fsys, testDir, Options{}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: open: %v", damage, err)
		}
	}
}

// TestReadHeadAndVector: ReadHead gives ids, versions, attributes and
// u8 codes within half a quantization step of every component, without
// the vectors; ReadVector returns each vector exactly, and a flipped byte
// in a vector is ErrCorrupt from ReadVector (and from Read) while
// ReadHead, which does not cover it, still succeeds.
func TestReadHeadAndVector(t *testing.T) {
	fsys := vfs.NewMem()
	s := mustCreate(t, fsys, Options{Dim: 5})
	defer s.Close()
	r := rand.New(rand.NewPCG(8, 0))
	var b Bucket
	b.Reset(3, 5)
	for i := range 40 {
		var a []byte
		if i%3 == 0 {
			a = []byte{byte(i), 1, 2}
		}
		v := make([]float32, 5)
		for j := range v {
			v[j] = float32(r.NormFloat64() * float64(j+1))
		}
		v[4] = 7 // a constant dimension: scale 0
		b.Append(uint64(100+i), uint64(i+1), v, a)
	}
	e := writeEntry(t, s, &b)
	var head Bucket
	if err := s.ReadHead(e.Loc, &head); err != nil {
		t.Fatal(err)
	}
	if len(head.Vectors) != 0 || len(head.Codes) != 40*5 || len(head.VectorCRCs) != 40 {
		t.Fatalf("head: %d vectors, %d codes, %d sums", len(head.Vectors), len(head.Codes), len(head.VectorCRCs))
	}
	got := make([]float32, 5)
	for i := range 40 {
		if head.IDs[i] != b.IDs[i] || head.Versions[i] != b.Versions[i] || !slices.Equal(head.Attrs(i), b.Attrs(i)) {
			t.Fatalf("vector %d: head differs", i)
		}
		for j, c := range head.Code(i) {
			approx := head.Min[j] + head.Scale[j]*float32(c)
			if d := math.Abs(float64(approx - b.Vector(i)[j])); d > float64(head.Scale[j])/2+1e-5 {
				t.Fatalf("vector %d dim %d: code %d decodes to %v, value %v (scale %v)", i, j, c, approx, b.Vector(i)[j], head.Scale[j])
			}
		}
		if err := s.ReadVector(e.Loc, i, head.VectorCRCs[i], got); err != nil || !slices.Equal(got, b.Vector(i)) {
			t.Fatalf("ReadVector %d: %v %v, want %v", i, got, err, b.Vector(i))
		}
	}
	if err := s.ReadVector(e.Loc, 40, 0, got); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ReadVector past the end: %v", err)
	}
	// Flip a byte of vector 7 on disk.
	f, err := fsys.OpenReadWrite(filepath.Join(testDir, segmentName(e.Loc.Segment)))
	if err != nil {
		t.Fatal(err)
	}
	off := e.Loc.Offset + int64(e.Loc.Head) + 7*20 + 2
	var one [1]byte
	f.ReadAt(one[:], off)
	one[0] ^= 0x10
	f.WriteAt(one[:], off)
	f.Close()
	if err := s.ReadVector(e.Loc, 7, head.VectorCRCs[7], got); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ReadVector of a damaged vector: %v", err)
	}
	if err := s.ReadVector(e.Loc, 8, head.VectorCRCs[8], got); err != nil {
		t.Fatalf("ReadVector of an intact neighbour: %v", err)
	}
	var whole Bucket
	if err := s.Read(e.Loc, &whole); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Read of a bucket with a damaged vector: %v", err)
	}
	if err := s.ReadHead(e.Loc, &head); err != nil {
		t.Fatalf("ReadHead of a bucket whose vectors are damaged: %v", err)
	}
}
