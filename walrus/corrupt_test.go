package walrus

import (
	"errors"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// TestSealedCorruptionReported flips one byte inside a sealed segment: reads
// of the damaged frame fail with ErrCorrupt, reads elsewhere still work, and
// Verify reports the segment.
func TestSealedCorruptionReported(t *testing.T) {
	fs := vfs.NewMem()
	o := Options{FS: fs, SegmentSizeBytes: 4096, FrameTargetBytes: 256}
	l := openT(t, "/c", o)
	tp := mustTopic(t, l, "t")
	for i := 0; i < 600; i++ {
		if _, err := tp.Append(val(i)); err != nil {
			t.Fatal(err)
		}
	}
	seg0, _ := tp.segs[0].extent()
	l.Close()

	// Damage a byte in the middle of the first (sealed) segment.
	f, err := fs.OpenReadWrite("/c/topics/t/" + segmentName(0))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	const at = 2000
	f.ReadAt(b, at)
	b[0] ^= 0x40
	f.WriteAt(b, at)
	f.Close()

	l = openT(t, "/c", o)
	defer l.Close()
	tp = mustTopic(t, l, "t")
	if es, err := tp.Read(0, 5, 0); err != nil || len(es) != 5 {
		t.Fatalf("read before the damage: %d entries, %v", len(es), err)
	}
	_, err = tp.Read(0, 0, 0)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("read across the damage: %v, want ErrCorrupt", err)
	}
	es, err := tp.Read(seg0, 10, 0)
	if err != nil || len(es) != 10 || es[0].Offset != seg0 {
		t.Fatalf("read after the damaged segment: %d entries, %v", len(es), err)
	}
	rep, err := Verify("/c", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.Err(), ErrCorrupt) {
		t.Fatalf("verify: %v, want ErrCorrupt", rep.Err())
	}
	if m := l.Metrics(); m.Corruptions == 0 {
		t.Fatal("metrics count no corruption")
	}
}
