package persist

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// Rewrites run while writers append concurrently; between shards, the
// iteration waits for more writes, so every snapshot is fuzzy. After the
// last one, a reopen loads exactly the writers' final state, from the
// snapshot plus the newest topic only.
func TestRewriteConcurrent(t *testing.T) {
	for _, p := range policies() {
		t.Run(p.String(), func(t *testing.T) {
			mem := vfs.NewMem()
			o := Options{Dir: "/d", FS: mem, Fsync: p, MaxEntryBytes: 300, SegmentSizeBytes: testSegmentBytes}
			a, m, _ := openLoad(t, o)
			s := newServer(a, m)
			var appended atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := 0; w < 3; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(7, uint64(w)))
					for {
						select {
						case <-stop:
							return
						default:
						}
						seq, err := s.do(randomEffect(rng, 1000))
						if err != nil {
							t.Error(err)
							return
						}
						if err := a.Sync(seq); err != nil {
							t.Error(err)
							return
						}
						appended.Add(1)
					}
				}(w)
			}
			// Between shards, let at least 20 more commands in.
			waitWrites := func() {
				target := appended.Load() + 20
				for appended.Load() < target {
					select {
					case <-stop:
						return
					default:
					}
					runtime.Gosched() // a wait on the writers' progress, not on time
				}
			}
			for i := 0; i < 4; i++ {
				if err := a.Rewrite(s.iterate(waitWrites)); err != nil {
					t.Fatal(err)
				}
			}
			close(stop)
			wg.Wait()
			want := s.state()
			met := a.Metrics()
			if met.Rewrites != 4 || met.LastRewriteErr != nil || met.Generation != 5 || met.RewriteInProgress {
				t.Fatalf("metrics after rewrites: %+v", met)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			names, _ := mem.List("/d")
			if !slices.Equal(names, []string{"MANIFEST", "aof", snapName(5)}) {
				t.Fatalf("files: %v", names)
			}
			if topics, _ := mem.List("/d/aof/topics"); !slices.Equal(topics, []string{topicName(5)}) {
				t.Fatalf("topics: %v", topics)
			}
			a, m, replayed := openLoad(t, o)
			defer a.Close()
			if !m.equal(want) {
				t.Fatalf("loaded %v\nwant %v", m, want)
			}
			if uint64(len(replayed)) >= met.LastSeq {
				t.Fatalf("replayed %d commands of %d: the snapshot did not shorten the log", len(replayed), met.LastSeq)
			}
			t.Logf("%d commands, %d replayed after the last snapshot", met.LastSeq, len(replayed))
		})
	}
}

func TestRewriteInProgressAndClose(t *testing.T) {
	a, _, _ := openLoad(t, Options{Dir: "/d", FS: vfs.NewMem()})
	started := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		result <- a.Rewrite(func(emit func(Record) error) error {
			close(started)
			for i := 0; ; i++ {
				if err := emit(Record{Kind: KindString, Key: []byte(fmt.Sprint(i)), Value: []byte("v")}); err != nil {
					return err
				}
			}
		})
	}()
	<-started
	if err := a.Rewrite(newModel().emit); !errors.Is(err, ErrRewriteInProgress) {
		t.Fatalf("second rewrite: %v", err)
	}
	if !a.Metrics().RewriteInProgress {
		t.Fatal("metrics: no rewrite in progress")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; !errors.Is(err, ErrClosed) {
		t.Fatalf("rewrite interrupted by Close: %v", err)
	}
	if m := a.Metrics(); m.RewriteFailures != 1 || !errors.Is(m.LastRewriteErr, ErrClosed) {
		t.Fatalf("metrics: %+v", m)
	}
}

// A failed rewrite keeps a valid AOF: its topic stays in the MANIFEST, the
// next rewrite succeeds, and nothing is lost.
func TestRewriteFailureKeepsLog(t *testing.T) {
	mem := vfs.NewMem()
	o := Options{Dir: "/d", FS: mem, SegmentSizeBytes: testSegmentBytes}
	a, m, _ := openLoad(t, o)
	s := newServer(a, m)
	runWorkload(t, s, 1, 2, 100, 0)
	boom := errors.New("boom")
	if err := a.Rewrite(func(func(Record) error) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("failed rewrite: %v", err)
	}
	runWorkload(t, s, 2, 2, 100, 0)
	if err := a.Rewrite(s.iterate(nil)); err != nil {
		t.Fatal(err)
	}
	runWorkload(t, s, 3, 2, 100, 0)
	want := s.state()
	a.Close()
	a, m, _ = openLoad(t, o)
	defer a.Close()
	if !m.equal(want) {
		t.Fatalf("loaded %v\nwant %v", m, want)
	}
	if g := a.Metrics().Generation; g != 3 {
		t.Fatalf("generation %d, want 3", g)
	}
}

func TestRewriteDue(t *testing.T) {
	a, _, _ := openLoad(t, Options{Dir: "/d", FS: vfs.NewMem(), AutoRewriteMinBytes: 4 << 10, AutoRewritePercent: 100})
	defer a.Close()
	if a.RewriteDue() {
		t.Fatal("due on an empty log")
	}
	v := make([]byte, 100)
	for a.Size() < 4<<10 {
		if err := a.Sync(a.Append([][]byte{[]byte("SET"), []byte("k"), v})); err != nil {
			t.Fatal(err)
		}
	}
	if !a.RewriteDue() {
		t.Fatalf("not due at %d bytes", a.Size())
	}
	m := newModel()
	m.apply([][]byte{[]byte("SET"), []byte("k"), v})
	if err := a.Rewrite(m.emit); err != nil {
		t.Fatal(err)
	}
	if a.RewriteDue() {
		t.Fatalf("due right after a rewrite (size %d, base %d)", a.Size(), a.Metrics().BaseSizeBytes)
	}
	// Due again once the log has doubled (and is above the minimum).
	base := a.Metrics().BaseSizeBytes
	for a.Size() < max(2*base, 4<<10) {
		if a.RewriteDue() {
			t.Fatalf("due at %d bytes, base %d", a.Size(), base)
		}
		if err := a.Sync(a.Append([][]byte{[]byte("SET"), []byte("k"), v})); err != nil {
			t.Fatal(err)
		}
	}
	if !a.RewriteDue() {
		t.Fatalf("not due at %d bytes, base %d", a.Size(), base)
	}
	off, _, _ := openLoad(t, Options{Dir: "/e", FS: vfs.NewMem(), AutoRewritePercent: -1, AutoRewriteMinBytes: 1})
	defer off.Close()
	off.Sync(off.Append([][]byte{[]byte("SET"), []byte("k"), v}))
	if off.RewriteDue() {
		t.Fatal("due with automatic rewrites disabled")
	}
}
