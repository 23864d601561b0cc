package bucket

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// TestReadAllocs: in steady state (a reused Bucket, a warm buffer pool)
// Read allocates nothing.
func TestReadAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race (sync.Pool drops items)")
	}
	s := mustCreate(t, vfs.NewMem(), Options{Dim: 64})
	defer s.Close()
	e := writeEntry(t, s, randomBucket(rand.New(rand.NewPCG(12, 0)), 1, 100, 64))
	var into Bucket
	if err := s.Read(e.Loc, &into); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := s.Read(e.Loc, &into); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Read allocates %v times per call", n)
	}
}

func BenchmarkRead(b *testing.B) {
	for _, shape := range []struct{ n, dim int }{{1000, 128}, {100, 1024}} {
		fsys := vfs.NewMem()
		s, err := Create(fsys, testDir, Options{Dim: shape.dim})
		if err != nil {
			b.Fatal(err)
		}
		loc, err := s.Write(randomBucket(rand.New(rand.NewPCG(13, 0)), 1, shape.n, shape.dim))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d/dim=%d", shape.n, shape.dim), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(loc.Length))
			var into Bucket
			for b.Loop() {
				if err := s.Read(loc, &into); err != nil {
					b.Fatal(err)
				}
			}
		})
		s.Close()
	}
}

// TestReadFaults: a failing pread gives an error, never data, and a later
// Read of the same Loc succeeds.
func TestReadFaults(t *testing.T) {
	inj := vfs.NewInjecting(vfs.NewMem(), 14)
	s := mustCreate(t, inj, Options{Dim: 8})
	defer s.Close()
	b := randomBucket(rand.New(rand.NewPCG(14, 0)), 1, 20, 8)
	e := writeEntry(t, s, b)
	inj.SetRules(vfs.Rule{Ops: []vfs.Op{vfs.OpRead}, Prob: 0.5})
	ok, failed := 0, 0
	for range 200 {
		var into Bucket
		err := s.Read(e.Loc, &into)
		switch {
		case err == nil && equalBucket(b, &into):
			ok++
		case err != nil && errors.Is(err, vfs.ErrInjected):
			failed++
		default:
			t.Fatalf("read: %v", err)
		}
	}
	if ok == 0 || failed == 0 {
		t.Fatalf("%d reads ok, %d failed: injection did not exercise both paths", ok, failed)
	}
}
