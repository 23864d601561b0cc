package persist

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

func sampleRecords(rng *rand.Rand, n int) []Record {
	var out []Record
	for i := 0; i < n; i++ {
		key := []byte(fmt.Sprintf("key-%d", i))
		if i == 0 {
			key = []byte{} // the empty key is a valid key
		}
		var exp int64
		if rng.IntN(3) == 0 {
			exp = 1_700_000_000_000 + rng.Int64N(1e9)
		}
		if rng.IntN(2) == 0 {
			v := make([]byte, rng.IntN(200))
			for j := range v {
				v[j] = byte(rng.Uint32())
			}
			out = append(out, Record{Kind: KindString, Key: key, Value: v, ExpireAt: exp})
			continue
		}
		r := Record{Kind: KindHash, Key: key, ExpireAt: exp}
		for f := 0; f < 1+rng.IntN(8); f++ {
			r.Fields = append(r.Fields, [2][]byte{[]byte(fmt.Sprintf("f%d", f)), bytes.Repeat([]byte{byte(f)}, rng.IntN(40))})
		}
		out = append(out, r)
	}
	return out
}

func emitAll(recs []Record) func(func(Record) error) error {
	return func(emit func(Record) error) error {
		for _, r := range recs {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func readAll(t *testing.T, fs vfs.FS, path string) ([]Record, error) {
	t.Helper()
	var got []Record
	err := ReadSnapshot(fs, path, func(r Record) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

func sameRecords(a, b []Record) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d records, want %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind || !bytes.Equal(x.Key, y.Key) || !bytes.Equal(x.Value, y.Value) || x.ExpireAt != y.ExpireAt || len(x.Fields) != len(y.Fields) {
			return fmt.Errorf("record %d: %+v, want %+v", i, x, y)
		}
		for j := range x.Fields {
			if !bytes.Equal(x.Fields[j][0], y.Fields[j][0]) || !bytes.Equal(x.Fields[j][1], y.Fields[j][1]) {
				return fmt.Errorf("record %d field %d differs", i, j)
			}
		}
	}
	return nil
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 50} {
		mem := vfs.NewMem()
		recs := sampleRecords(rand.New(rand.NewPCG(uint64(n), 1)), n)
		if err := WriteSnapshot(mem, "/dump.snap", emitAll(recs)); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, mem, "/dump.snap")
		if err != nil {
			t.Fatalf("%d records: %v", n, err)
		}
		if err := sameRecords(got, recs); err != nil {
			t.Fatalf("%d records: %v", n, err)
		}
		if names, _ := mem.List("/"); len(names) != 1 {
			t.Fatalf("files left: %v", names)
		}
	}
}

// A hash larger than the chunk size comes back as several records of the
// same key that together hold every field; a single huge field still fits.
func TestSnapshotHashChunks(t *testing.T) {
	mem := vfs.NewMem()
	r := Record{Kind: KindHash, Key: []byte("h"), ExpireAt: 42}
	for i := 0; i < 100; i++ {
		r.Fields = append(r.Fields, [2][]byte{[]byte(fmt.Sprintf("field-%03d", i)), bytes.Repeat([]byte("v"), i)})
	}
	r.Fields = append(r.Fields, [2][]byte{[]byte("huge"), bytes.Repeat([]byte("x"), 5000)})
	if err := writeSnapshot(mem, "/h.snap", 256, emitAll([]Record{r})); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, mem, "/h.snap")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 10 {
		t.Fatalf("%d chunks, want the hash split", len(got))
	}
	var fields [][2][]byte
	for _, g := range got {
		if g.Kind != KindHash || string(g.Key) != "h" || g.ExpireAt != 42 || len(g.Fields) == 0 {
			t.Fatalf("chunk %+v", g)
		}
		fields = append(fields, g.Fields...)
	}
	if err := sameRecords([]Record{{Kind: KindHash, Key: []byte("h"), ExpireAt: 42, Fields: fields}}, []Record{r}); err != nil {
		t.Fatal(err)
	}
}

// Every truncation and every single-byte corruption of a snapshot is
// reported as ErrCorrupt, and nothing but a prefix of the true records is
// ever passed on.
func TestSnapshotCorruption(t *testing.T) {
	mem := vfs.NewMem()
	recs := sampleRecords(rand.New(rand.NewPCG(7, 7)), 12)
	if err := WriteSnapshot(mem, "/s", emitAll(recs)); err != nil {
		t.Fatal(err)
	}
	good := fileBytes(t, mem, "/s")
	check := func(what string, b []byte) {
		t.Helper()
		var got []Record
		err := readSnapshot(bytes.NewReader(b), int64(len(b)), func(r Record) error {
			got = append(got, r)
			return nil
		})
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: err %v, want ErrCorrupt", what, err)
		}
		if err := sameRecords(got, recs[:len(got)]); err != nil {
			t.Fatalf("%s: returned garbage: %v", what, err)
		}
	}
	for n := 0; n < len(good); n++ {
		check(fmt.Sprintf("truncated to %d", n), good[:n])
	}
	for i := 0; i < len(good); i++ {
		b := bytes.Clone(good)
		b[i] ^= 1 << (i % 8)
		check(fmt.Sprintf("bit flipped at %d", i), b)
	}
	check("trailing byte", append(bytes.Clone(good), 0))
	// A whole frame dropped breaks the trailer's count (the records after
	// it verify one by one, and are passed on before the trailer is read).
	r0 := snapHeaderSize
	l := int(good[r0]) | int(good[r0+1])<<8 | int(good[r0+2])<<16
	dropped := append(bytes.Clone(good[:r0]), good[r0+l+frameOverhead:]...)
	if err := readSnapshot(bytes.NewReader(dropped), int64(len(dropped)), func(Record) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("frame dropped: %v, want ErrCorrupt", err)
	}
}

func fileBytes(t testing.TB, fs vfs.FS, path string) []byte {
	t.Helper()
	f, err := fs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSnapshotErrors(t *testing.T) {
	mem := vfs.NewMem()
	if _, err := readAll(t, mem, "/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	// An invalid record fails the write even if iterate ignores emit's
	// error; the old snapshot stays.
	if err := WriteSnapshot(mem, "/s", emitAll(sampleRecords(rand.New(rand.NewPCG(1, 1)), 3))); err != nil {
		t.Fatal(err)
	}
	bad := []Record{
		{Kind: KindHash, Key: []byte("k")},
		{Kind: KindString, Key: []byte("k"), ExpireAt: -1},
		{Kind: 9, Key: []byte("k")},
		{Kind: KindString, Key: []byte("k"), Fields: [][2][]byte{{}}},
	}
	for _, r := range bad {
		err := WriteSnapshot(mem, "/s", func(emit func(Record) error) error {
			emit(r)
			return nil
		})
		if err == nil {
			t.Fatalf("record %+v accepted", r)
		}
	}
	if got, err := readAll(t, mem, "/s"); err != nil || len(got) != 3 {
		t.Fatalf("old snapshot damaged: %d records, %v", len(got), err)
	}
	// An error from iterate leaves no temporary file; one from fn stops
	// the read and is returned.
	stop := errors.New("stop")
	if err := WriteSnapshot(mem, "/s", func(func(Record) error) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("iterate error: %v", err)
	}
	if _, err := mem.Stat("/s.tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temporary file left: %v", err)
	}
	if err := ReadSnapshot(mem, "/s", func(Record) error { return stop }); !errors.Is(err, stop) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("fn error: %v", err)
	}
}

// A power loss during WriteSnapshot leaves the old snapshot or the new one,
// whole, whatever prefix of the unsynced writes survives.
func TestSnapshotCrashAtomic(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		mem := vfs.NewMem()
		p := &procFS{fs: mem}
		old := sampleRecords(rand.New(rand.NewPCG(seed, 1)), 5)
		if err := WriteSnapshot(p, "/s", emitAll(old)); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		recs := sampleRecords(rng, 30)
		cut := rng.IntN(len(recs) + 1) // len(recs): after WriteSnapshot returns
		err := WriteSnapshot(p, "/s", func(emit func(Record) error) error {
			for i, r := range recs {
				if i == cut {
					p.kill()
					mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rng})
				}
				if err := emit(r); err != nil {
					return err
				}
			}
			return nil
		})
		if cut == len(recs) {
			p.kill()
			mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rng})
		}
		got, rerr := readAll(t, mem, "/s")
		if rerr != nil {
			t.Fatalf("seed %d: after crash: %v", seed, rerr)
		}
		if sameRecords(got, old) != nil && sameRecords(got, recs) != nil {
			t.Fatalf("seed %d: %d records, neither the old snapshot nor the new one", seed, len(got))
		}
		if err == nil && sameRecords(got, recs) != nil {
			t.Fatalf("seed %d: WriteSnapshot returned nil but the new snapshot is not there", seed)
		}
	}
}

// FuzzSnapshot: any bytes give records and nil, or an error; nil only for a
// file that the writer reproduces byte for byte from those records.
func FuzzSnapshot(f *testing.F) {
	mem := vfs.NewMem()
	for i, n := range []int{0, 1, 4} {
		path := fmt.Sprintf("/seed%d", i)
		if err := WriteSnapshot(mem, path, emitAll(sampleRecords(rand.New(rand.NewPCG(uint64(n), 3)), n))); err != nil {
			f.Fatal(err)
		}
		b := fileBytes(f, mem, path)
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, in []byte) {
		var got []Record
		err := readSnapshot(bytes.NewReader(in), int64(len(in)), func(r Record) error {
			if err := r.validate(); err != nil {
				t.Fatalf("invalid record passed on: %v", err)
			}
			got = append(got, r)
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !bytes.HasPrefix(in, []byte(snapMagic)) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		mem := vfs.NewMem()
		if err := writeSnapshot(mem, "/re", 1<<30, emitAll(got)); err != nil {
			t.Fatal(err)
		}
		if out := fileBytes(t, mem, "/re"); !bytes.Equal(out, in) {
			t.Fatalf("accepted input does not re-encode to itself")
		}
	})
}
