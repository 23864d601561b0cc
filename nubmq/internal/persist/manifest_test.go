package persist

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

func TestManifestRoundTrip(t *testing.T) {
	m := manifest{base: 3, topics: []manifestTopic{{3, 10}, {4, 10}, {7, 99}}}
	got, err := decodeManifest(m.encode())
	if err != nil || fmt.Sprint(got) != fmt.Sprint(m) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []manifest{{}, {base: 5, topics: []manifestTopic{{4, 1}}}, {topics: []manifestTopic{{2, 1}, {2, 1}}}, {topics: []manifestTopic{{1, 5}, {2, 4}}}} {
		if _, err := decodeManifest(bad.encode()); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%v accepted", bad)
		}
	}
}

func TestOpenCorruptManifest(t *testing.T) {
	mem := vfs.NewMem()
	o := Options{Dir: "/d", FS: mem, SegmentSizeBytes: testSegmentBytes}
	a, _, _ := openLoad(t, o)
	a.Sync(a.Append([][]byte{[]byte("SET"), []byte("k"), []byte("v")}))
	a.Close()
	good := fileBytes(t, mem, "/d/MANIFEST")
	write := func(b []byte) {
		f, _ := mem.Create("/d/MANIFEST")
		f.Write(b)
		f.Close()
	}
	for i := range good {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		write(b)
		if _, err := Open(o); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
	// A lost MANIFEST with data in the log: refuse, touch nothing.
	mem.Remove("/d/MANIFEST")
	if _, err := Open(o); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("missing manifest: %v", err)
	}
	// A MANIFEST whose start disagrees with the log is a hole.
	if err := writeManifest(mem, "/d", manifest{topics: []manifestTopic{{gen: 1, startSeq: 5}}}); err != nil {
		t.Fatal(err)
	}
	a, err := Open(o)
	if err == nil {
		err = a.Load(func([][]byte) error { return nil }, nil)
		a.Close()
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("start mismatch: %v", err)
	}
	write(good)
	a, m, _ := openLoad(t, o)
	defer a.Close()
	if string(m.keys["k"].str) != "v" {
		t.Fatalf("after restoring the manifest: %v", m)
	}
}
