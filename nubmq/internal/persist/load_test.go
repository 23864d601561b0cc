package persist

import (
	"errors"
	"slices"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/walrus"
)

func TestLoadOrder(t *testing.T) {
	mem := vfs.NewMem()
	a, _, _ := openLoad(t, Options{Dir: "/d", FS: mem, SegmentSizeBytes: testSegmentBytes})
	nop := func([][]byte) error { return nil }
	if err := a.Load(nop, newModel().applyRecord); !errors.Is(err, ErrLoadOrder) {
		t.Fatalf("second Load: %v", err)
	}
	// One process at a time: Walrus's directory lock covers the AOF.
	if _, err := Open(Options{Dir: "/d", FS: mem}); !errors.Is(err, walrus.ErrLocked) {
		t.Fatalf("second Open of a directory in use: %v", err)
	}
	a.Close()
	a, err := Open(Options{Dir: "/d", FS: mem, SegmentSizeBytes: testSegmentBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// A rewrite before Load would snapshot an empty keyspace over the log.
	if err := a.Rewrite(newModel().emit); !errors.Is(err, ErrLoadOrder) {
		t.Fatalf("Rewrite before Load: %v", err)
	}
	a.Append([][]byte{[]byte("DEL"), []byte("k")})
	if err := a.Load(nop, newModel().applyRecord); !errors.Is(err, ErrLoadOrder) {
		t.Fatalf("Load after Append: %v", err)
	}
	// An error from apply stops the load and comes back.
	a.Close()
	a, err = Open(Options{Dir: "/d", FS: mem, SegmentSizeBytes: testSegmentBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	stop := errors.New("stop")
	if err := a.Load(func([][]byte) error { return stop }, nil); !errors.Is(err, stop) {
		t.Fatalf("apply error: %v", err)
	}
}

func TestOpenCleansUp(t *testing.T) {
	mem := vfs.NewMem()
	o := Options{Dir: "/d", FS: mem, SegmentSizeBytes: testSegmentBytes}
	a, m, _ := openLoad(t, o)
	s := newServer(a, m)
	runWorkload(t, s, 1, 1, 50, 0)
	if err := a.Rewrite(s.iterate(nil)); err != nil {
		t.Fatal(err)
	}
	want := s.state()
	a.Close()
	// What a crashed rewrite leaves: a newer topic and snapshot the
	// MANIFEST does not name, temporary files.
	l, err := walrus.Open("/d/aof", walrus.Options{FS: mem, SegmentSizeBytes: testSegmentBytes})
	if err != nil {
		t.Fatal(err)
	}
	l.CreateTopic(topicName(9))
	l.Append(topicName(9), []byte("garbage"))
	l.Close()
	for _, name := range []string{snapName(9), snapName(9) + ".tmp", "MANIFEST.tmp"} {
		f, _ := mem.Create("/d/" + name)
		f.Write([]byte("junk"))
		f.Close()
	}
	a, m, _ = openLoad(t, o)
	if !m.equal(want) {
		t.Fatalf("loaded %v\nwant %v", m, want)
	}
	a.Close()
	names, _ := mem.List("/d")
	if !slices.Equal(names, []string{"MANIFEST", "aof", snapName(2)}) {
		t.Fatalf("files after open: %v", names)
	}
	topics, _ := mem.List("/d/aof/topics")
	if !slices.Equal(topics, []string{topicName(2)}) {
		t.Fatalf("topics after open: %v", topics)
	}
}

// A damaged sealed segment stops Load with ErrCorrupt (and Walrus's), and
// nothing from the damaged frame is replayed.
func TestLoadCorruptSegment(t *testing.T) {
	mem := vfs.NewMem()
	o := Options{Dir: "/d", FS: mem, SegmentSizeBytes: 4096, MaxEntryBytes: 256, MaxBatchBytes: 512}
	a, m, _ := openLoad(t, o)
	s := newServer(a, m)
	runWorkload(t, s, 1, 1, 300, 0)
	a.Close()
	dir := "/d/aof/topics/" + topicName(1)
	names, _ := mem.List(dir)
	if len(names) < 4 || names[0] != "00000000000000000000.idx" {
		t.Fatalf("want sealed segments, have %v", names)
	}
	seg := dir + "/00000000000000000000.seg"
	b := fileBytes(t, mem, seg)
	f, _ := mem.OpenReadWrite(seg)
	f.WriteAt([]byte{b[len(b)/2] ^ 0xff}, int64(len(b)/2))
	f.Sync()
	f.Close()
	a, err := Open(o)
	if err == nil {
		err = a.Load(func([][]byte) error { return nil }, nil)
		a.Close()
	}
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, walrus.ErrCorrupt) {
		t.Fatalf("load of a damaged segment: %v", err)
	}
}
