package frigatebird_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/sqllogictest"
)

// TestSQLLogic runs every sqllogictest script in testdata/sql, each on a
// fresh database.
func TestSQLLogic(t *testing.T) {
	files, err := filepath.Glob("testdata/sql/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := frigatebird.Open(t.TempDir(), &frigatebird.Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			fails, n, err := sqllogictest.RunFile(context.Background(), db, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, fl := range fails {
				t.Error(fl.Error())
			}
			t.Logf("%d records, %d failed", n, len(fails))
		})
	}
}
