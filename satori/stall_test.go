package satori

import (
	"errors"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/satori/synth"
)

// TestStalledWritesFail: when maintenance fails round after round (here
// every read of a bucket fails), a writer waiting for delta room gets
// ErrStalled with the cause, instead of waiting for ever, and Stats
// reports the failure. Once maintenance works again, writes go through.
func TestStalledWritesFail(t *testing.T) {
	old := maintBackoff
	maintBackoff = 5 * time.Millisecond
	defer func() { maintBackoff = old }()
	const dim = 16
	spec := synth.Spec{N: 20000, Dim: dim, Clusters: 20, Skew: 1, Spread: 0.3, Seed: 3}
	data, _, err := synth.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	fs := vfs.NewInjecting(vfs.Default, 1)
	db := openTest(t, t.TempDir(), Options{Dim: dim, Durability: SyncNone, FS: fs, MaxBucket: 64, MaxDeltaBytes: 64 << 10})
	defer db.Close()
	put := func(lo, hi int) error {
		items := make([]Item, 0, hi-lo)
		for i := lo; i < hi; i++ {
			items = append(items, Item{ID: uint64(i), Vector: data[i*dim : (i+1)*dim]})
		}
		return db.UpsertBatch(items)
	}
	if err := put(0, 5000); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	fs.SetRules(vfs.Rule{Ops: []vfs.Op{vfs.OpRead}, PathContains: bucketsDir})
	var werr error
	deadline := time.Now().Add(30 * time.Second)
	for i := 5000; i < len(data)/dim && time.Now().Before(deadline); i += 100 {
		if werr = put(i, min(i+100, len(data)/dim)); werr != nil {
			break
		}
	}
	if !errors.Is(werr, ErrStalled) || !errors.Is(werr, vfs.ErrInjected) {
		t.Fatalf("writes under failing maintenance: %v, want ErrStalled wrapping the injected read error", werr)
	}
	st := db.Stats()
	if st.MaintenanceFailing < stallRounds || st.LastMaintenanceError == "" {
		t.Errorf("stats: failing %d, last %q", st.MaintenanceFailing, st.LastMaintenanceError)
	}
	fs.SetRules()
	if err := db.Flush(); err != nil {
		t.Fatalf("flush once reads work: %v", err)
	}
	if st := db.Stats(); st.MaintenanceFailing != 0 {
		t.Errorf("after a good flush: failing %d rounds", st.MaintenanceFailing)
	}
	if err := put(19000, 19100); err != nil {
		t.Fatalf("write once maintenance works: %v", err)
	}
}
