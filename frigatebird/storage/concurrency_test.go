package storage

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// TestConcurrentReaders: views taken while a writer commits and merges
// always see a whole version (live row count matches their manifest).
func TestConcurrentReaders(t *testing.T) {
	mem := vfs.NewMem()
	tab := mustCreate(t, mem, Options{RowGroupRows: 200})
	defer tab.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := tab.Snapshot()
				if err != nil {
					t.Error(err)
					return
				}
				if got := len(viewRows(t, v)); got != v.LiveRows() {
					t.Errorf("version %d: read %d rows, manifest says %d", v.Version(), got, v.LiveRows())
				}
				v.Release()
			}
		}()
	}
	r := rand.New(rand.NewPCG(30, 30))
	for i := range 30 {
		cols, _ := genRows(r, 1+r.IntN(100), int64(i*1000))
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Commit([]RowGroupMeta{meta}, map[string][]uint32{meta.Name: {0}}, nil); err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			if _, err := tab.MergeSmall(150); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
}
