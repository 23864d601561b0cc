package bucket

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// crashModel is what a reopened store must hold: the last committed set,
// or, after a Commit failed with ErrFailed, one of two sets.
type crashModel struct {
	buckets map[uint32]*Bucket
	meta    []byte
}

func (m crashModel) matches(s *Store) error {
	live, meta := s.Manifest()
	if !slices.Equal(meta, m.meta) {
		return fmt.Errorf("meta %q, want %q", meta, m.meta)
	}
	if len(live) != len(m.buckets) {
		return fmt.Errorf("%d live buckets, want %d", len(live), len(m.buckets))
	}
	var into Bucket
	for id, b := range m.buckets {
		e, ok := live[id]
		if !ok {
			return fmt.Errorf("bucket %d missing", id)
		}
		if err := s.Read(e.Loc, &into); err != nil {
			return fmt.Errorf("bucket %d: %w", id, err)
		}
		if !equalBucket(b, &into) {
			return fmt.Errorf("bucket %d reads back different", id)
		}
	}
	return nil
}

// TestCrash runs seeded random workloads of writes, commits and power
// losses over MemFS, with and without injected I/O faults. After every
// crash the reopened store must hold exactly the last committed manifest,
// and no segment file that manifest does not use.
func TestCrash(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 20
	}
	var total crashStats
	for seed := range uint64(seeds) {
		faults := seed%2 == 1
		t.Run(fmt.Sprintf("seed=%d/faults=%v", seed, faults), func(t *testing.T) {
			st := runCrash(t, seed, faults)
			total.commits += st.commits
			total.crashes += st.crashes
			total.faults += st.faults
			total.failed += st.failed
		})
	}
	t.Logf("%d seeds: %d commits, %d crashes, %d injected faults, %d commits with unknown outcome", seeds, total.commits, total.crashes, total.faults, total.failed)
	if total.commits == 0 || total.crashes == 0 || total.faults == 0 {
		t.Fatalf("workload exercised too little: %+v", total)
	}
}

type crashStats struct{ commits, crashes, faults, failed int }

func runCrash(t *testing.T, seed uint64, faults bool) (st crashStats) {
	r := rand.New(rand.NewPCG(seed, 1))
	mem := vfs.NewMem()
	inj := vfs.NewInjecting(mem, seed)
	if faults {
		inj.SetRules(vfs.Rule{
			Ops:  []vfs.Op{vfs.OpCreate, vfs.OpWrite, vfs.OpSync, vfs.OpRename, vfs.OpRemove},
			Prob: 0.03,
		}, vfs.Rule{
			Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.02, Fault: vfs.FaultTornWrite,
		})
	}
	dim := 1 + r.IntN(24)
	opts := Options{Dim: dim, SegmentBytes: int64(256 + r.IntN(4096))}
	inj.SetEnabled(false)
	s, err := Create(inj, testDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	inj.SetEnabled(true)
	model := []crashModel{{buckets: map[uint32]*Bucket{}}}
	var staged map[uint32]*Bucket // buckets of the next commit
	var stagedLive map[uint32]Entry
	resetStage := func() {
		staged = maps.Clone(model[0].buckets)
		stagedLive, _ = s.Manifest()
	}
	resetStage()
	reopen := func(crash bool) {
		if crash {
			st.crashes++
			keep := r.IntN(2) == 0
			mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: keep, Rand: rand.New(rand.NewPCG(seed, r.Uint64()))})
		} else {
			s.Close()
		}
		inj.SetEnabled(false)
		s, err = Open(inj, testDir, Options{})
		if err != nil {
			t.Fatalf("seed %d: reopen: %v", seed, err)
		}
		var errs []error
		for i, m := range model {
			err := m.matches(s)
			if err == nil {
				model = model[i : i+1]
				break
			}
			errs = append(errs, err)
		}
		if len(errs) == len(model) {
			t.Fatalf("seed %d: reopened store matches no model: %v", seed, errors.Join(errs...))
		}
		live, _ := s.Manifest()
		used := map[uint32]bool{}
		for _, e := range live {
			used[e.Loc.Segment] = true
		}
		for _, num := range listSegments(t, mem) {
			if !used[num] {
				t.Fatalf("seed %d: orphan segment %d survived Open", seed, num)
			}
		}
		inj.SetEnabled(true)
		resetStage()
	}
	nextID := uint32(0)
	for step := range 150 {
		switch op := r.IntN(10); {
		case op < 5: // write a new bucket or a replacement
			id := nextID
			if len(staged) > 0 && r.IntN(3) == 0 {
				id = slices.Sorted(maps.Keys(staged))[r.IntN(len(staged))]
			} else {
				nextID++
			}
			b := randomBucket(r, id, r.IntN(20), dim)
			loc, err := s.Write(b)
			if err != nil {
				if !faults || !errors.Is(err, vfs.ErrInjected) {
					t.Fatalf("seed %d step %d: write: %v", seed, step, err)
				}
				continue
			}
			staged[id] = b
			stagedLive[id] = Entry{Loc: loc, Centroid: centroid(b), Count: b.Len()}
		case op < 6 && len(staged) > 0: // drop a bucket
			id := slices.Sorted(maps.Keys(staged))[r.IntN(len(staged))]
			delete(staged, id)
			delete(stagedLive, id)
		case op < 8: // commit
			meta := fmt.Appendf(nil, "step %d", step)
			err := s.Commit(stagedLive, meta)
			next := crashModel{buckets: maps.Clone(staged), meta: meta}
			switch {
			case err == nil:
				st.commits++
				model = []crashModel{next}
			case faults && errors.Is(err, ErrFailed):
				st.failed++
				model = append(model, next)
				reopen(true) // the store is unusable; restart it
				continue
			case faults && errors.Is(err, vfs.ErrInjected):
				// The previous manifest stays committed.
			default:
				t.Fatalf("seed %d step %d: commit: %v", seed, step, err)
			}
			if err := model[0].matches(s); err != nil {
				t.Fatalf("seed %d step %d: after commit: %v", seed, step, err)
			}
			resetStage()
		case op < 9:
			reopen(true)
		default:
			reopen(false)
		}
	}
	reopen(true)
	s.Close()
	st.faults = int(inj.Stats().Faults)
	return st
}
