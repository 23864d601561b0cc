package storage

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// crashWorkload is one commit (with whatever writes precede it) run
// against a table holding the base state.
type crashWorkload struct {
	name string
	run  func(tab *Table, r *rand.Rand) error
}

var crashWorkloads = []crashWorkload{
	{"write+commit", func(tab *Table, r *rand.Rand) error {
		cols, _ := genRows(r, 300, 50000)
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			return err
		}
		v, _ := tab.Snapshot()
		g0, g1 := v.RowGroup(0).Name, v.RowGroup(1).Name
		v.Release()
		return tab.Commit([]RowGroupMeta{meta}, map[string][]uint32{g0: {2, 3, 50}, meta.Name: {7}}, []string{g1})
	}},
	{"merge", func(tab *Table, r *rand.Rand) error {
		_, err := tab.MergeSmall(1000)
		return err
	}},
}

// crashBase builds the state every crash run starts from: three committed
// groups, one with deleted rows.
func crashBase(t *testing.T) *vfs.MemFS {
	mem := vfs.NewMem()
	tab := mustCreate(t, mem, Options{})
	r := rand.New(rand.NewPCG(10, 10))
	var add []RowGroupMeta
	for i, n := range []int{100, 200, 150} {
		cols, _ := genRows(r, n, int64(i*1000))
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			t.Fatal(err)
		}
		add = append(add, meta)
	}
	if err := tab.Commit(add, map[string][]uint32{add[2].Name: {0, 1, 2, 149}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := tab.Close(); err != nil {
		t.Fatal(err)
	}
	return mem
}

func tableRows(t *testing.T, fsys vfs.FS) (uint64, []string) {
	t.Helper()
	tab, err := Open(fsys, "db/t", Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer tab.Close()
	v, err := tab.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Release()
	if err := v.Check(); err != nil {
		t.Fatalf("check version %d: %v", v.Version(), err)
	}
	return v.Version(), viewRows(t, v)
}

// TestCommitAtomicUnderPowerLoss fails the Nth file operation of a commit,
// for every N until the commit completes, then cuts the power (keeping a
// random prefix of unsynced writes) and reopens: the table holds exactly
// the old or exactly the new version, every chunk verifies, and a commit
// that returned nil survives.
func TestCommitAtomicUnderPowerLoss(t *testing.T) {
	for _, w := range crashWorkloads {
		t.Run(w.name, func(t *testing.T) {
			// The reference outcome: the workload without faults.
			mem := crashBase(t)
			oldVersion, oldRows := tableRows(t, mem)
			tab, err := Open(mem, "db/t", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.run(tab, rand.New(rand.NewPCG(11, 11))); err != nil {
				t.Fatal(err)
			}
			tab.Close()
			newVersion, newRows := tableRows(t, mem)
			if newVersion != oldVersion+1 {
				t.Fatalf("workload did not change the table: v%d -> v%d", oldVersion, newVersion)
			}

			sawOld, sawNew := 0, 0
			for n := 1; n < 1000; n++ {
				mem := crashBase(t)
				inj := vfs.NewInjecting(mem, uint64(n))
				inj.SetEnabled(false)
				tab, err := Open(inj, "db/t", Options{})
				if err != nil {
					t.Fatal(err)
				}
				inj.SetRules(vfs.Rule{After: n - 1, Limit: 1})
				inj.SetEnabled(true)
				werr := w.run(tab, rand.New(rand.NewPCG(11, 11)))
				faults := inj.Stats().Faults
				if werr != nil && !errors.Is(werr, vfs.ErrInjected) {
					t.Fatalf("n=%d: non-injected error: %v", n, werr)
				}
				mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rand.New(rand.NewPCG(uint64(n), 12))})
				inj.SetEnabled(false)
				v, rows := tableRows(t, mem)
				switch {
				case v == oldVersion && slices.Equal(rows, oldRows):
					sawOld++
					if werr == nil {
						t.Fatalf("n=%d: commit returned nil but the crash lost it", n)
					}
				case v == newVersion && slices.Equal(rows, newRows):
					sawNew++
				default:
					t.Fatalf("n=%d: reopened at version %d with %d rows: neither old (%d, %d rows) nor new (%d, %d rows)",
						n, v, len(rows), oldVersion, len(oldRows), newVersion, len(newRows))
				}
				if faults == 0 {
					if werr != nil {
						t.Fatalf("n=%d: error without a fault: %v", n, werr)
					}
					t.Logf("%d crash points: %d old, %d new", n, sawOld, sawNew)
					return
				}
			}
			t.Fatal("commit never completed")
		})
	}
}
