package persist

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// testSegmentBytes keeps MemFS segments small: MemFS materialises the
// preallocated size.
const testSegmentBytes = 64 << 10

// openLoad opens the AOF in o and loads it into a fresh model, recording
// the replayed commands.
func openLoad(t testing.TB, o Options) (*AOF, *model, [][][]byte) {
	t.Helper()
	if o.SegmentSizeBytes == 0 {
		o.SegmentSizeBytes = testSegmentBytes
	}
	a, err := Open(o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	m := newModel()
	var replayed [][][]byte
	err = a.Load(func(args [][]byte) error {
		c := make([][]byte, len(args))
		for i := range args {
			c[i] = bytes.Clone(args[i])
		}
		replayed = append(replayed, c)
		return m.replay(args)
	}, m.applyRecord)
	if err != nil {
		a.Close()
		t.Fatalf("load: %v", err)
	}
	return a, m, replayed
}

func sameCommands(a, b [][]byte) bool {
	return bytes.Equal(appendRESP(nil, a), appendRESP(nil, b))
}

// runWorkload applies n random effects through s with the given writers,
// each Syncing after every few commands.
func runWorkload(t testing.TB, s *server, seed uint64, writers, n, bigBytes int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var last uint64
			for i := 0; i < n/writers; i++ {
				seq, err := s.do(randomEffect(rng, bigBytes))
				if err != nil {
					errs <- err
					return
				}
				last = max(last, seq)
				if rng.IntN(4) == 0 {
					if err := s.aof.Sync(last); err != nil {
						errs <- err
						return
					}
				}
			}
			if err := s.aof.Sync(last); err != nil {
				errs <- err
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func policies() []Fsync { return []Fsync{FsyncAlways, FsyncEverySec, FsyncNo} }

// Appends survive Close and reopen under every policy, in order, and a
// reopened AOF keeps appending after what it loaded.
func TestAOFRoundTrip(t *testing.T) {
	for _, p := range policies() {
		t.Run(p.String(), func(t *testing.T) {
			o := Options{Dir: "/data", FS: vfs.NewMem(), Fsync: p}
			var hist [][][]byte
			state := newModel()
			for round := 0; round < 3; round++ {
				a, m, replayed := openLoad(t, o)
				if len(replayed) != len(hist) {
					t.Fatalf("round %d: %d commands replayed, %d appended", round, len(replayed), len(hist))
				}
				for i := range hist {
					if !sameCommands(replayed[i], hist[i]) {
						t.Fatalf("round %d: command %d is %q, want %q", round, i, replayed[i], hist[i])
					}
				}
				if !m.equal(state) {
					t.Fatalf("round %d: loaded %v\nwant %v", round, m, state)
				}
				s := newServer(a, m)
				runWorkload(t, s, uint64(round), 3, 300, 0)
				for seq := uint64(len(hist) + 1); seq < uint64(len(hist)+1+len(s.hist)); seq++ {
					if s.hist[seq] == nil {
						t.Fatalf("round %d: sequence numbers not contiguous at %d", round, seq)
					}
				}
				for seq := uint64(len(hist) + 1); s.hist[seq] != nil; seq++ {
					hist = append(hist, s.hist[seq])
				}
				state = s.state()
				if err := a.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// The same over the operating system's file system (direct I/O in Always
// mode where the file system has it).
func TestAOFRoundTripOS(t *testing.T) {
	o := Options{Dir: t.TempDir() + "/data", Fsync: FsyncAlways, MaxEntryBytes: 512}
	a, m, _ := openLoad(t, o)
	s := newServer(a, m)
	runWorkload(t, s, 1, 2, 200, 2000)
	want := s.state()
	if err := a.Rewrite(s.iterate(nil)); err != nil {
		t.Fatal(err)
	}
	runWorkload(t, s, 2, 2, 200, 2000)
	want = s.state()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a, m, _ = openLoad(t, o)
	defer a.Close()
	if !m.equal(want) {
		t.Fatalf("loaded %v\nwant %v", m, want)
	}
}

// Commands larger than an entry, a batch and the pending bound are split
// over entries and batches and come back whole.
func TestAOFBigCommands(t *testing.T) {
	for _, p := range policies() {
		t.Run(p.String(), func(t *testing.T) {
			o := Options{Dir: "/data", FS: vfs.NewMem(), Fsync: p, MaxEntryBytes: 200, MaxBatchBytes: 700, MaxPendingBytes: 1000, SegmentSizeBytes: 8 << 10}
			a, m, _ := openLoad(t, o)
			s := newServer(a, m)
			runWorkload(t, s, 3, 2, 300, 3000)
			big := bytes.Repeat([]byte("0123456789abcdef"), 1<<10)
			seq, _ := s.do([][]byte{[]byte("SET"), []byte("big"), big})
			if err := a.Sync(seq); err != nil {
				t.Fatal(err)
			}
			want := s.state()
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			a, m, replayed := openLoad(t, o)
			defer a.Close()
			if !m.equal(want) {
				t.Fatalf("loaded %v\nwant %v", m, want)
			}
			if got := replayed[len(replayed)-1]; !bytes.Equal(got[2], big) {
				t.Fatalf("big value of %d bytes came back as %d bytes", len(big), len(got[2]))
			}
			if segs := a.Metrics().Log.Segments; segs < 2 {
				t.Fatalf("%d segments: the test should roll segments", segs)
			}
		})
	}
}

// Append waits while MaxPendingBytes are pending, so the buffer never holds
// more than the bound (or one larger command).
func TestAOFPendingBound(t *testing.T) {
	const bound = 2000
	a, _, _ := openLoad(t, Options{Dir: "/d", FS: vfs.NewMem(), Fsync: FsyncAlways, MaxPendingBytes: bound, MaxEntryBytes: 256})
	defer a.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	maxSeen := 0
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				mu.Lock()
				v := make([]byte, rng.IntN(300))
				mu.Unlock()
				a.Append([][]byte{[]byte("SET"), []byte("k"), v})
				a.mu.Lock()
				n := len(a.buf)
				a.mu.Unlock()
				mu.Lock()
				maxSeen = max(maxSeen, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if maxSeen > bound {
		t.Fatalf("pending buffer reached %d bytes, bound %d", maxSeen, bound)
	}
	huge := bytes.Repeat([]byte("h"), 5*bound)
	if err := a.Sync(a.Append([][]byte{[]byte("SET"), []byte("h"), huge})); err != nil {
		t.Fatalf("a command above the bound: %v", err)
	}
}

func TestAOFSyncAndClose(t *testing.T) {
	a, _, _ := openLoad(t, Options{Dir: "/d", FS: vfs.NewMem(), Fsync: FsyncAlways})
	if err := a.Sync(0); err != nil {
		t.Fatal(err)
	}
	seq := a.Append([][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	if seq != 1 {
		t.Fatalf("first sequence number %d", seq)
	}
	if err := a.Sync(seq + 1); err == nil {
		t.Fatal("Sync of a command never appended succeeded")
	}
	if err := a.Sync(seq); err != nil {
		t.Fatal(err)
	}
	if m := a.Metrics(); m.AckedSeq != 1 || m.LastSeq != 1 || m.WriteErr != nil || m.Fsync != FsyncAlways {
		t.Fatalf("metrics %+v", m)
	}
	unsynced := a.Append([][]byte{[]byte("DEL"), []byte("k")})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(unsynced); err != nil {
		t.Fatalf("a command appended before Close was not written by it: %v", err)
	}
	after := a.Append([][]byte{[]byte("DEL"), []byte("x")})
	if err := a.Sync(after); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close: %v", err)
	}
	if err := a.Rewrite(newModel().emit); !errors.Is(err, ErrClosed) {
		t.Fatalf("Rewrite after Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// A failed write makes the AOF fail: Sync reports it, Metrics shows it,
// and after a reopen everything acknowledged before is there.
func TestAOFWriteFailure(t *testing.T) {
	for _, p := range policies() {
		t.Run(p.String(), func(t *testing.T) {
			mem := vfs.NewMem()
			inj := vfs.NewInjecting(mem, 1)
			o := Options{Dir: "/d", FS: inj, Fsync: p}
			a, m, _ := openLoad(t, o)
			s := newServer(a, m)
			runWorkload(t, s, 1, 1, 50, 0)
			acked := s.state()
			inj.SetRules(vfs.Rule{Ops: []vfs.Op{vfs.OpWrite, vfs.OpSync}, PathContains: "topics"})
			seq, _ := s.do([][]byte{[]byte("SET"), []byte("after"), []byte("failure")})
			if err := a.Sync(seq); !errors.Is(err, vfs.ErrInjected) {
				t.Fatalf("Sync after an injected fault: %v", err)
			}
			if a.Metrics().WriteErr == nil {
				t.Fatal("Metrics.WriteErr not set")
			}
			if seq2 := a.Append([][]byte{[]byte("DEL"), []byte("x")}); a.Sync(seq2) == nil {
				t.Fatal("an append after a failure was acknowledged")
			}
			a.Close()
			inj.SetEnabled(false)
			a, m, _ = openLoad(t, o)
			defer a.Close()
			delete(m.keys, "after") // may or may not have reached the disk
			if !m.equal(acked) {
				t.Fatalf("after a write failure, loaded %v\nwant %v", m, acked)
			}
		})
	}
}
