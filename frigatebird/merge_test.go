package frigatebird

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestBackgroundMerge: many one-row inserts leave many small row groups;
// the background merge folds them while reads keep their answers.
func TestBackgroundMerge(t *testing.T) {
	db, err := OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustExec(t, db, "CREATE TABLE m (k INTEGER, v VARCHAR) ORDER BY (k)")
	for i := 0; i < 40; i++ {
		mustExec(t, db, fmt.Sprintf("INSERT INTO m VALUES (%d, 'v%d')", 40-i, i))
		if i == 20 {
			mustExec(t, db, "DELETE FROM m WHERE k = 30")
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		tables, err := db.Tables()
		if err != nil {
			t.Fatal(err)
		}
		if tables[0].RowGroups < mergeTrigger {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d row groups", tables[0].RowGroups)
		}
		time.Sleep(10 * time.Millisecond)
	}
	db.bg.Wait()
	if db.merges.Load() == 0 {
		t.Fatal("no merge recorded")
	}
	r, err := db.Query(context.Background(), "SELECT count(*), sum(k), min(k), max(k) FROM m")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(r.Value(0, 0), r.Value(0, 1), r.Value(0, 2), r.Value(0, 3))
	if want := fmt.Sprint(39, 820-30, 1, 40); got != want {
		t.Fatalf("after merging: %s, want %s", got, want)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
