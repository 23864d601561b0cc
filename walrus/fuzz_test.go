package walrus

import (
	"bytes"
	"errors"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// frameBytes builds a valid frame for the seed corpus.
func frameBytes(base uint64, values ...[]byte) []byte {
	b := make([]byte, frameHeaderSize)
	putFrameStart(b, base, 1000)
	for i, v := range values {
		b = appendEntry(b, 1000, 1000+int64(i), v)
	}
	sealFrame(b, uint32(len(values)))
	return b
}

// FuzzFrame feeds arbitrary bytes to the frame decoder: it must never panic,
// and whatever it accepts must decode to entries that re-encode to the same
// bytes.
func FuzzFrame(f *testing.F) {
	f.Add(frameBytes(0, []byte("a")), uint64(0))
	f.Add(frameBytes(7, []byte("hello"), nil, []byte("world")), uint64(7))
	f.Add(make([]byte, 40), uint64(0))
	f.Fuzz(func(t *testing.T, b []byte, expect uint64) {
		h, err := checkFrame(b, expect)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("non-corruption error: %v", err)
			}
			return
		}
		var vals [][]byte
		var times []int64
		if err := decodeEntries(b, h, func(e Entry) bool {
			vals = append(vals, e.Value)
			times = append(times, e.Time)
			return true
		}); err != nil {
			t.Fatalf("checked frame fails to decode: %v", err)
		}
		re := make([]byte, frameHeaderSize)
		putFrameStart(re, h.baseOffset, h.baseTime)
		for i, v := range vals {
			re = appendEntry(re, h.baseTime, times[i], v)
		}
		sealFrame(re, uint32(len(vals)))
		if !bytes.Equal(re, b) {
			// Varints have one canonical encoding each but a decoder may
			// accept a padded one; then only the entries must agree.
			h2, err := checkFrame(re, expect)
			if err != nil || h2.count != h.count {
				t.Fatalf("re-encoded frame does not check: %v", err)
			}
		}
	})
}

// FuzzRecovery writes arbitrary bytes after a valid segment prefix and opens
// the log: recovery must not panic, must keep the valid prefix, and every
// entry it then returns must be one that was written.
func FuzzRecovery(f *testing.F) {
	f.Add([]byte{}, uint8(3))
	f.Add(frameBytes(3, []byte("x")), uint8(3))
	f.Add(frameBytes(9, []byte("stale")), uint8(3))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(1))
	f.Fuzz(func(t *testing.T, tail []byte, n uint8) {
		fs := vfs.NewMem()
		opts := Options{FS: fs, SegmentSizeBytes: 64 << 10}
		l, err := Open("/f", opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.CreateTopic("t"); err != nil {
			t.Fatal(err)
		}
		tp, _ := l.Topic("t")
		var want [][]byte
		for i := 0; i < int(n%8); i++ {
			v := []byte{byte(i), 'v'}
			if _, err := tp.Append(v); err != nil {
				t.Fatal(err)
			}
			want = append(want, v)
		}
		_, end := tp.active.extent()
		l.Close()
		seg, err := fs.OpenReadWrite("/f/topics/t/" + segmentName(0))
		if err != nil {
			t.Fatal(err)
		}
		seg.WriteAt(tail, end)
		seg.Close()

		l, err = Open("/f", opts)
		if err != nil {
			if errors.Is(err, ErrCorrupt) {
				return
			}
			t.Fatalf("open: %v", err)
		}
		defer l.Close()
		tp, _ = l.Topic("t")
		es, err := tp.Read(0, 0, 0)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(es) < len(want) {
			t.Fatalf("recovery dropped valid entries: %d of %d", len(es), len(want))
		}
		for i, w := range want {
			if !bytes.Equal(es[i].Value, w) {
				t.Fatalf("entry %d changed", i)
			}
		}
		// Anything beyond was in the fuzzed tail and passed a CRC32C and
		// an offset check; it must at least read back consistently.
		if _, err := tp.Append([]byte("after")); err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
		if es2, err := tp.Read(0, 0, 0); err != nil || len(es2) != len(es)+1 {
			t.Fatalf("reread: %d entries, %v", len(es2), err)
		}
	})
}

// FuzzIndex and FuzzCursorLog: the other two decoders must reject garbage
// without panicking.
func FuzzIndex(f *testing.F) {
	s := &segment{base: 5, next: 9, end: 100, index: []indexEntry{{5, 32}, {7, 60}}}
	f.Add(encodeIndex(s), int64(100))
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		res, err := decodeIndex(b, 5, size)
		if err == nil && (res.end != size || len(res.index) == 0 || res.index[0].offset < 5) {
			t.Fatalf("accepted an inconsistent index: %+v", res)
		}
	})
}

func FuzzCursorLog(f *testing.F) {
	f.Add(encodeCursorRecord(encodeCursorRecord(nil, cursorCommit, "a", 3), cursorDelete, "a", 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := cursorStore{committed: map[string]uint64{}}
		if n := c.load(b); n < 0 || n > len(b) {
			t.Fatalf("valid prefix %d of %d bytes", n, len(b))
		}
	})
}
