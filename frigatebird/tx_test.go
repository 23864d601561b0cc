package frigatebird

import (
	"context"
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

func mustExec(t *testing.T, s interface {
	Exec(context.Context, string) (*Result, error)
}, sql string) *Result {
	t.Helper()
	r, err := s.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return r
}

func count(t *testing.T, s interface {
	Exec(context.Context, string) (*Result, error)
}, table string) int64 {
	t.Helper()
	r := mustExec(t, s, "SELECT count(*) FROM "+table)
	return r.Rows.Value(0, 0).Int
}

func TestTransactionVisibility(t *testing.T) {
	db, err := OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustExec(t, db, "CREATE TABLE a (x INTEGER); CREATE TABLE b (y VARCHAR)")
	mustExec(t, db, "INSERT INTO a VALUES (1), (2)")

	s := db.Session()
	mustExec(t, s, "BEGIN")
	mustExec(t, s, "INSERT INTO a VALUES (3)")
	mustExec(t, s, "INSERT INTO b VALUES ('x'), ('y')")
	mustExec(t, s, "DELETE FROM a WHERE x = 1")
	mustExec(t, s, "UPDATE a SET x = x * 10 WHERE x = 3") // a pending row
	if n := count(t, s, "a"); n != 2 {
		t.Fatalf("inside: a has %d rows, want 2", n)
	}
	r := mustExec(t, s, "SELECT sum(x) FROM a")
	if got := r.Rows.Value(0, 0).Int; got != 32 {
		t.Fatalf("inside: sum %d, want 32", got)
	}
	// Another session reads the committed state, unblocked.
	if n := count(t, db, "a"); n != 2 {
		t.Fatalf("outside: a has %d rows, want 2", n)
	}
	if n := count(t, db, "b"); n != 0 {
		t.Fatalf("outside: b has %d rows, want 0", n)
	}
	// A failing statement changes nothing and leaves the transaction open.
	if _, err := s.Exec(context.Background(), "INSERT INTO a SELECT 1 / (x - 2) FROM a"); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if !s.InTransaction() {
		t.Fatal("a failed statement ended the transaction")
	}
	if _, err := s.Exec(context.Background(), "CREATE TABLE c (z INTEGER)"); err == nil {
		t.Fatal("CREATE TABLE inside a transaction succeeded")
	}
	mustExec(t, s, "COMMIT")
	if n := count(t, db, "b"); n != 2 {
		t.Fatalf("after commit: b has %d rows, want 2", n)
	}
	r = mustExec(t, db, "SELECT sum(x) FROM a")
	if got := r.Rows.Value(0, 0).Int; got != 32 {
		t.Fatalf("after commit: sum %d, want 32", got)
	}

	mustExec(t, s, "BEGIN; DELETE FROM a; INSERT INTO b VALUES ('z')")
	if n := count(t, s, "a"); n != 0 {
		t.Fatalf("inside: a has %d rows", n)
	}
	mustExec(t, s, "ROLLBACK")
	if n := count(t, db, "a"); n != 2 {
		t.Fatalf("after rollback: a has %d rows, want 2", n)
	}
	if n := count(t, db, "b"); n != 2 {
		t.Fatalf("after rollback: b has %d rows, want 2", n)
	}
	if _, err := s.Exec(context.Background(), "COMMIT"); err == nil {
		t.Fatal("COMMIT without a transaction succeeded")
	}
	if _, err := db.Exec(context.Background(), "BEGIN; INSERT INTO a VALUES (9)"); err == nil {
		t.Fatal("an open transaction at the end of Exec was not reported")
	}
	if n := count(t, db, "a"); n != 2 {
		t.Fatalf("the unfinished transaction was committed: a has %d rows", n)
	}
	s.Close()
}

// TestWALRecovery crashes a two-table commit at each point after its WAL
// record is durable and checks that reopening finishes it; a torn record
// means the transaction never happened.
func TestWALRecovery(t *testing.T) {
	for _, stage := range []string{"wal", "first table", "torn"} {
		t.Run(strings.ReplaceAll(stage, " ", "_"), func(t *testing.T) {
			fsys := vfs.NewMem()
			db, err := Open("/db", &Options{FS: fsys})
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER)")
			mustExec(t, db, "INSERT INTO a VALUES (1), (2), (3)")
			crash := errors.New("crash")
			hookStage := stage
			if stage == "torn" {
				hookStage = "wal"
			}
			commitHook = func(s string) error {
				if s == hookStage {
					return crash
				}
				return nil
			}
			defer func() { commitHook = nil }()
			_, err = db.Exec(context.Background(), "BEGIN; DELETE FROM a WHERE x = 2; INSERT INTO b VALUES (10), (20); COMMIT")
			if !errors.Is(err, crash) {
				t.Fatalf("commit: %v", err)
			}
			commitHook = nil
			if stage == "torn" {
				// Cut the durable record in half.
				p := path.Join("/db", walName)
				f, err := fsys.OpenReadWrite(p)
				if err != nil {
					t.Fatal(err)
				}
				st, _ := f.Stat()
				if err := f.Truncate(st.Size() / 2); err != nil {
					t.Fatal(err)
				}
				f.Sync()
				f.Close()
			}
			fsys.Crash(vfs.CrashOptions{})
			db, err = Open("/db", &Options{FS: fsys})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			wantA, wantB := int64(2), int64(2)
			if stage == "torn" {
				wantA, wantB = 3, 0
			}
			if n := count(t, db, "a"); n != wantA {
				t.Fatalf("a has %d rows, want %d", n, wantA)
			}
			if n := count(t, db, "b"); n != wantB {
				t.Fatalf("b has %d rows, want %d", n, wantB)
			}
			if _, err := fsys.Stat(path.Join("/db", walName)); err == nil {
				t.Fatal("the WAL was not trimmed")
			}
			if err := db.Check(); err != nil {
				t.Fatal(err)
			}
			// Writes go on normally.
			mustExec(t, db, "BEGIN; INSERT INTO a VALUES (7); INSERT INTO b VALUES (8); COMMIT")
			if n := count(t, db, "b"); n != wantB+1 {
				t.Fatalf("b has %d rows after another commit, want %d", n, wantB+1)
			}
		})
	}
}
