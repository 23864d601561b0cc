package storage

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// TestAdopt: a row group written but never committed survives Open only
// when Options.Keep names it, and Adopt then lets Commit make it live.
func TestAdopt(t *testing.T) {
	fsys := vfs.NewMem()
	tb, err := Create(fsys, "/t", testSchema(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := genRows(rand.New(rand.NewPCG(1, 1)), 100, 0)
	g1, err := tb.WriteRowGroup(cols)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := tb.WriteRowGroup(cols)
	if err != nil {
		t.Fatal(err)
	}
	tb.Close()

	keep := func(name string) bool { return name == g1.Name }
	tb, err = Open(fsys, "/t", Options{Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Stat(filepath.Join("/t", g2.Name)); err == nil {
		t.Fatalf("%s (not kept) survived Open", g2.Name)
	}
	if _, err := tb.Adopt([]string{g2.Name}); err == nil {
		t.Fatal("adopted a removed file")
	}
	metas, err := tb.Adopt([]string{g1.Name})
	if err != nil {
		t.Fatal(err)
	}
	if metas[0].Rows != 100 || metas[0].SizeBytes != g1.SizeBytes {
		t.Fatalf("adopted %+v", metas[0])
	}
	if err := tb.Commit(metas, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A new group must not reuse the adopted file's number.
	g3, err := tb.WriteRowGroup(cols)
	if err != nil {
		t.Fatal(err)
	}
	if g3.Name == g1.Name {
		t.Fatalf("new group reused %s", g1.Name)
	}
	if err := tb.Commit([]RowGroupMeta{g3}, nil, nil); err != nil {
		t.Fatal(err)
	}
	v, err := tb.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Release()
	if v.LiveRows() != 200 {
		t.Fatalf("live rows %d, want 200", v.LiveRows())
	}
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Adopt([]string{g1.Name}); err == nil {
		t.Fatal("adopted a live group")
	}
	tb.Close()
}
