package persist

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

var crashSeeds = flag.Int("persist.crash-seeds", 6, "seeds per crash scenario")

// crashRun is a workload of several rounds, each ended by killing the
// process and cutting the power, then a reboot that must load a prefix of
// the history that holds every acknowledged command (FsyncAlways).
type crashRun struct {
	seed       uint64
	fsync      Fsync
	rewrite    bool   // a goroutine rewrites in a loop during the workload
	crashAt    string // a rewrite step to crash at ("" = after some acks)
	keepPrefix bool   // the crash keeps a random prefix of unsynced writes
}

func (c crashRun) String() string {
	return fmt.Sprintf("seed=%d fsync=%s rewrite=%v crash-at=%q keep-prefix=%v", c.seed, c.fsync, c.rewrite, c.crashAt, c.keepPrefix)
}

const crashRounds = 3

// cutTails counts the reboots that found a split command cut by the crash.
var cutTails atomic.Uint64

func (c crashRun) run() error {
	rng := rand.New(rand.NewPCG(c.seed, 0xc0ffee))
	mem := vfs.NewMem()
	o := Options{
		Dir: "/d", Fsync: c.fsync,
		MaxEntryBytes:    128 + rng.IntN(512),
		MaxPendingBytes:  512 + rng.IntN(8<<10),
		SegmentSizeBytes: 8<<10 + int64(rng.IntN(16<<10)),
	}
	o.MaxBatchBytes = o.MaxEntryBytes * (1 + rng.IntN(3))
	hist := map[uint64][][]byte{}
	var acked atomic.Uint64 // the largest sequence number whose Sync returned nil
	for round := 0; ; round++ {
		p := &procFS{fs: mem}
		o.FS = p
		a, err := Open(o)
		if err != nil {
			return fmt.Errorf("round %d: open: %w", round, err)
		}
		cutTails.Add(a.Metrics().TruncatedTails)
		m := newModel()
		if err := a.Load(m.replay, m.applyRecord); err != nil {
			a.Close()
			return fmt.Errorf("round %d: load: %w", round, err)
		}
		a.mu.Lock()
		loaded := a.nextSeq - 1
		a.mu.Unlock()
		if c.fsync == FsyncAlways && loaded < acked.Load() {
			a.Close()
			return fmt.Errorf("round %d: loaded commands up to %d, but %d was acknowledged", round, loaded, acked.Load())
		}
		want, err := replayHistory(hist, loaded)
		if err != nil {
			a.Close()
			return fmt.Errorf("round %d: loaded up to %d: %w (garbage loaded)", round, loaded, err)
		}
		if !m.equal(want) {
			a.Close()
			return fmt.Errorf("round %d: loaded state is not the history up to %d:\n got %v\nwant %v", round, loaded, m, want)
		}
		if round == crashRounds {
			return a.Close()
		}
		// What was not loaded is lost; its sequence numbers are reused.
		for seq := range hist {
			if seq > loaded {
				delete(hist, seq)
			}
		}
		acked.Store(min(acked.Load(), loaded))
		s := newServer(a, m)
		s.hist = hist
		if err := c.crashOnce(a, s, mem, p, rng, &acked); err != nil {
			return fmt.Errorf("round %d: %w", round, err)
		}
	}
}

// crashOnce runs writers (and a rewriter) until the crash point, kills the
// process, crashes the disk and reaps the dead AOF.
func (c crashRun) crashOnce(a *AOF, s *server, mem *vfs.MemFS, p *procFS, rng *rand.Rand, acked *atomic.Uint64) error {
	crashRng := rand.New(rand.NewPCG(rng.Uint64(), 1))
	crashed := make(chan struct{})
	var once sync.Once
	crash := func() {
		once.Do(func() {
			p.kill()
			mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: c.keepPrefix, Rand: crashRng})
			close(crashed)
		})
	}
	ackTarget := uint64(20 + rng.IntN(400))
	emitTarget := 1 + rng.IntN(30)
	var acks, emitted atomic.Uint64
	if c.crashAt != "" {
		skip := rng.IntN(2) // sometimes crash in the second rewrite
		a.hook = func(step string) {
			if step == c.crashAt {
				if skip == 0 {
					crash()
				}
				skip--
			}
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 1+rng.IntN(3); w++ {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-crashed:
					return
				default:
				}
				seq, err := s.do(randomEffect(wrng, 2000))
				if err != nil || seq == 0 {
					continue
				}
				if a.Sync(seq) != nil {
					continue // dead: wait for the crash to be complete
				}
				for {
					cur := acked.Load()
					if seq <= cur || acked.CompareAndSwap(cur, seq) {
						break
					}
				}
				if acks.Add(1) == ackTarget && c.crashAt == "" {
					crash()
				}
			}
		}()
	}
	if c.rewrite || c.crashAt != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-crashed:
					return
				default:
				}
				a.Rewrite(s.iterate(nil)) // fails once the process is dead
				if c.crashAt == "iterate" {
					// Crash in the middle of a snapshot.
					a.Rewrite(func(emit func(Record) error) error {
						return s.iterate(nil)(func(r Record) error {
							if emitted.Add(1) == uint64(emitTarget) {
								crash()
							}
							return emit(r)
						})
					})
				}
			}
		}()
	}
	<-crashed
	wg.Wait()
	a.Close() // the process is dead: this only stops its goroutines
	return nil
}

func TestCrash(t *testing.T) {
	n := *crashSeeds
	before := cutTails.Load()
	defer func() { t.Logf("%d reboots found a split command cut by the crash", cutTails.Load()-before) }()
	for _, p := range policies() {
		for _, rewrite := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/rewrite=%v", p, rewrite), func(t *testing.T) {
				for seed := uint64(1); seed <= uint64(n); seed++ {
					c := crashRun{seed: seed, fsync: p, rewrite: rewrite, keepPrefix: seed%2 == 0}
					if err := c.run(); err != nil {
						t.Fatalf("%v: %v\nreplay: go test ./nubmq/internal/persist -run 'TestCrash$/%s/rewrite=%v' -persist.crash-seeds=%d", c, err, p, rewrite, seed)
					}
				}
			})
		}
	}
}

// A crash at each step of a rewrite never loses an acknowledged command
// nor loads anything but a prefix of the history.
func TestCrashDuringRewrite(t *testing.T) {
	n := *crashSeeds
	for _, step := range []string{"created", "switch-synced", "switched", "iterate", "snapshot", "log-synced", "manifest", "deleted"} {
		for _, p := range []Fsync{FsyncAlways, FsyncEverySec} {
			t.Run(fmt.Sprintf("%s/%s", step, p), func(t *testing.T) {
				for seed := uint64(1); seed <= uint64(max(1, n/2)); seed++ {
					c := crashRun{seed: seed, fsync: p, crashAt: step, keepPrefix: seed%2 == 1}
					if err := c.run(); err != nil {
						t.Fatalf("%v: %v\nreplay: go test ./nubmq/internal/persist -run 'TestCrashDuringRewrite/%s/%s' -persist.crash-seeds=%d", c, err, step, p, 2*seed)
					}
				}
			})
		}
	}
}
