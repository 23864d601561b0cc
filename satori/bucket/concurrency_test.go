package bucket

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// TestConcurrentReaders: readers scan views and read stale Locs while one
// writer writes, commits and drops buckets, so segments are deleted under
// them. Through a View every read succeeds with the right bucket; a stale
// Loc read without a View either succeeds correctly or fails with
// ErrNotFound. Run with -race.
func TestConcurrentReaders(t *testing.T) {
	fsys := vfs.NewMem()
	const dim = 16
	s := mustCreate(t, fsys, Options{Dim: dim, SegmentBytes: 2048})
	defer s.Close()
	var written sync.Map // Loc -> *Bucket, stored before the Loc is committed
	const commits = 150
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() { // the writer
		defer wg.Done()
		defer close(done)
		r := rand.New(rand.NewPCG(10, 0))
		live := map[uint32]Entry{}
		for i := range commits {
			for range 1 + r.IntN(3) {
				b := randomBucket(r, uint32(r.IntN(12)), r.IntN(10), dim)
				loc, err := s.Write(b)
				if err != nil {
					t.Error(err)
					return
				}
				written.Store(loc, b)
				live[b.ID] = Entry{Loc: loc, Centroid: centroid(b), Count: b.Len()}
			}
			if r.IntN(4) == 0 {
				for id := range live {
					delete(live, id)
					break
				}
			}
			if err := s.Commit(live, []byte{byte(i)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var reads, stale sync.Map
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var into Bucket
			var old []Loc
			n, notFound := 0, 0
			for {
				select {
				case <-done:
					reads.Store(g, n)
					stale.Store(g, notFound)
					return
				default:
				}
				v, err := s.View()
				if err != nil {
					t.Error(err)
					return
				}
				live, _ := v.Manifest()
				for _, e := range live {
					if err := v.Read(e.Loc, &into); err != nil {
						t.Errorf("read through view: %v", err)
						v.Release()
						return
					}
					want, _ := written.Load(e.Loc)
					if !equalBucket(want.(*Bucket), &into) {
						t.Errorf("view read of %+v differs", e.Loc)
					}
					old = append(old, e.Loc)
					n++
				}
				v.Release()
				if len(old) > 0 { // a Loc from an earlier view, read unpinned
					loc := old[len(old)/2]
					err := s.Read(loc, &into)
					switch {
					case errors.Is(err, ErrNotFound):
						notFound++
					case err != nil:
						t.Errorf("stale read: %v", err)
					default:
						want, _ := written.Load(loc)
						if !equalBucket(want.(*Bucket), &into) {
							t.Errorf("stale read of %+v differs", loc)
						}
					}
					if len(old) > 1000 {
						old = old[:0]
					}
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	reads.Range(func(_, v any) bool { total += v.(int); return true })
	notFound := 0
	stale.Range(func(_, v any) bool { notFound += v.(int); return true })
	t.Logf("%d commits, %d reads through views, %d stale reads found their segment deleted", commits, total, notFound)
	// Every segment not in the last manifest (and not the active one) is
	// gone once the views are released.
	live, _ := s.Manifest()
	used := map[uint32]bool{}
	for _, e := range live {
		used[e.Loc.Segment] = true
	}
	for _, num := range listSegments(t, fsys) {
		if !used[num] && (s.active == nil || num != s.active.num) {
			t.Errorf("segment %d left on disk", num)
		}
	}
}
