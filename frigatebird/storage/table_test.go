package storage

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/vfs"
)

func TestRoundTripAndReopen(t *testing.T) {
	mem := vfs.NewMem()
	tab := mustCreate(t, mem, Options{})
	r := rand.New(rand.NewPCG(1, 1))
	var want []string
	var add []RowGroupMeta
	for i, n := range []int{1, 700, 3000} {
		cols, rows := genRows(r, n, int64(i*10000))
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			t.Fatal(err)
		}
		add = append(add, meta)
		want = append(want, rows...)
	}
	// Not live before Commit.
	v, _ := tab.Snapshot()
	if v.NumRowGroups() != 0 {
		t.Fatalf("uncommitted groups visible: %d", v.NumRowGroups())
	}
	v.Release()
	if err := tab.Commit(add, nil, nil); err != nil {
		t.Fatal(err)
	}
	v, _ = tab.Snapshot()
	if got := viewRows(t, v); !slices.Equal(got, want) {
		t.Fatalf("rows differ: got %d want %d", len(got), len(want))
	}
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	z := v.ZoneMap(2, 0)
	if !z.HasMinMax || z.MinInt != 20000 || z.MaxInt != 22999 || z.Rows != 3000 {
		t.Fatalf("zone map %+v", z)
	}
	v.Release()
	if err := tab.Close(); err != nil {
		t.Fatal(err)
	}
	tab, err := Open(mem, "db/t", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if s := tab.Schema(); !slices.Equal(s.Columns, testSchema().Columns) || tab.Version() != 2 {
		t.Fatalf("schema %+v version %d", s, tab.Version())
	}
	v, _ = tab.Snapshot()
	defer v.Release()
	if got := viewRows(t, v); !slices.Equal(got, want) {
		t.Fatalf("after reopen rows differ")
	}
}

func TestCreateOpenErrors(t *testing.T) {
	mem := vfs.NewMem()
	if _, err := Open(mem, "nope", Options{}); !errors.Is(err, ErrNoTable) {
		t.Fatalf("open missing: %v", err)
	}
	tab := mustCreate(t, mem, Options{})
	if _, err := Open(mem, "db/t", Options{}); !errors.Is(err, vfs.ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	tab.Close()
	if _, err := Create(mem, "db/t", testSchema(), Options{}); !errors.Is(err, ErrExist) {
		t.Fatalf("create over table: %v", err)
	}
	bad := testSchema(7)
	if _, err := Create(mem, "db/u", bad, Options{}); !errors.Is(err, ErrInvalidSchema) {
		t.Fatalf("bad sort key: %v", err)
	}
	if err := (Options{RowGroupRows: -1}).Validate(); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("validate: %v", err)
	}
	if _, err := Create(mem, "db/v", testSchema(), Options{MaxColumns: 2}); !errors.Is(err, ErrInvalidSchema) {
		t.Fatalf("too many columns: %v", err)
	}
}

func TestWriteAndCommitErrors(t *testing.T) {
	mem := vfs.NewMem()
	tab := mustCreate(t, mem, Options{RowGroupRows: 100})
	defer tab.Close()
	r := rand.New(rand.NewPCG(2, 2))
	cols, _ := genRows(r, 101, 0)
	if _, err := tab.WriteRowGroup(cols); !errors.Is(err, ErrLimit) {
		t.Fatalf("too many rows: %v", err)
	}
	if _, err := tab.WriteRowGroup(cols[:3]); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("missing column: %v", err)
	}
	cols, _ = genRows(r, 10, 0)
	meta, err := tab.WriteRowGroup(cols)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]func() error{
		"unknown add":    func() error { return tab.Commit([]RowGroupMeta{{Name: "000099.rg"}}, nil, nil) },
		"unknown remove": func() error { return tab.Commit(nil, nil, []string{"x"}) },
		"row range":      func() error { return tab.Commit([]RowGroupMeta{meta}, map[string][]uint32{meta.Name: {10}}, nil) },
		"unknown delete": func() error { return tab.Commit(nil, map[string][]uint32{"y": {1}}, nil) },
	} {
		if err := c(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if tab.Version() != 1 {
		t.Fatalf("failed commits changed the version: %d", tab.Version())
	}
	if err := tab.Commit([]RowGroupMeta{meta}, map[string][]uint32{meta.Name: {3, 1, 3}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := tab.Commit([]RowGroupMeta{meta}, nil, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("adding twice: %v", err)
	}
	v, _ := tab.Snapshot()
	defer v.Release()
	if d := v.Deleted(0); d.Len() != 2 || !d.Contains(1) || !d.Contains(3) || d.Contains(2) {
		t.Fatalf("deleted %v", d.AppendRows(nil))
	}
}

// TestZoneMapPruning: a reader that skips row groups by their zone maps
// reads no byte of them.
func TestZoneMapPruning(t *testing.T) {
	mem := vfs.NewMem()
	cfs := newCountingFS(mem)
	tab := mustCreate(t, cfs, Options{})
	r := rand.New(rand.NewPCG(3, 3))
	var add []RowGroupMeta
	for i := range 4 {
		cols, _ := genRows(r, 500, int64(i*1000))
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			t.Fatal(err)
		}
		add = append(add, meta)
	}
	if err := tab.Commit(add, nil, nil); err != nil {
		t.Fatal(err)
	}
	tab.Close()
	tab, err := Open(cfs, "db/t", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	before := cfs.total()
	v, _ := tab.Snapshot()
	defer v.Release()
	// WHERE id BETWEEN 2100 AND 2200
	var col chunk.Column
	var hit []int
	for rg := 0; rg < v.NumRowGroups(); rg++ {
		z := v.ZoneMap(rg, 0)
		if !z.MayContainIntRange(2100, 2200) {
			continue
		}
		hit = append(hit, rg)
		if err := v.ReadColumn(rg, 0, &col); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(hit, []int{2}) {
		t.Fatalf("zone maps selected %v, want [2]", hit)
	}
	if got := cfs.total() - before; got != 1 {
		t.Fatalf("%d ReadAt calls, want exactly 1", got)
	}
	for _, g := range v.RowGroups() {
		n := cfs.reads[filepath.Join("db/t", g.Name)]
		if (g.Name == v.RowGroup(2).Name) != (n == 1) {
			t.Fatalf("group %s read %d times", g.Name, n)
		}
	}
}

func TestCorruptionDetected(t *testing.T) {
	setup := func(t *testing.T) (*vfs.MemFS, RowGroupMeta) {
		mem := vfs.NewMem()
		tab := mustCreate(t, mem, Options{})
		cols, _ := genRows(rand.New(rand.NewPCG(4, 4)), 300, 0)
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Commit([]RowGroupMeta{meta}, nil, nil); err != nil {
			t.Fatal(err)
		}
		tab.Close()
		return mem, meta
	}
	t.Run("chunk payload", func(t *testing.T) {
		mem, meta := setup(t)
		c := meta.Columns[3]
		flipByte(t, mem, "db/t/"+meta.Name, c.Offset+int64(c.Length)-6)
		tab, err := Open(mem, "db/t", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tab.Close()
		v, _ := tab.Snapshot()
		defer v.Release()
		var col chunk.Column
		if err := v.ReadColumn(0, 3, &col); !errors.Is(err, ErrCorrupt) || !errors.Is(err, chunk.ErrCorrupt) {
			t.Fatalf("read: %v", err)
		}
		if err := v.Check(); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("check: %v", err)
		}
	})
	t.Run("footer", func(t *testing.T) {
		mem, meta := setup(t)
		flipByte(t, mem, "db/t/"+meta.Name, -rgTrailerBytes-3)
		tab, err := Open(mem, "db/t", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tab.Close()
		v, _ := tab.Snapshot()
		defer v.Release()
		if err := v.Check(); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("check: %v", err)
		}
	})
	t.Run("truncated file", func(t *testing.T) {
		mem, meta := setup(t)
		f, _ := mem.OpenReadWrite("db/t/" + meta.Name)
		f.Truncate(meta.SizeBytes - 1)
		f.Sync()
		f.Close()
		if _, err := Open(mem, "db/t", Options{}); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("open: %v", err)
		}
	})
	t.Run("manifest", func(t *testing.T) {
		mem, _ := setup(t)
		flipByte(t, mem, "db/t/"+manifestName(2), 30)
		if _, err := Open(mem, "db/t", Options{}); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("open: %v", err)
		}
	})
	t.Run("CURRENT falls back", func(t *testing.T) {
		mem, _ := setup(t)
		flipByte(t, mem, "db/t/"+currentName, 9)
		tab, err := Open(mem, "db/t", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tab.Close()
		if tab.Version() != 2 {
			t.Fatalf("version %d", tab.Version())
		}
	})
}

// TestViewKeepsRemovedFiles: a commit that removes a group leaves its file
// until the last view that names it is released.
func TestViewKeepsRemovedFiles(t *testing.T) {
	mem := vfs.NewMem()
	tab := mustCreate(t, mem, Options{})
	defer tab.Close()
	r := rand.New(rand.NewPCG(5, 5))
	cols, want := genRows(r, 200, 0)
	meta, _ := tab.WriteRowGroup(cols)
	if err := tab.Commit([]RowGroupMeta{meta}, nil, nil); err != nil {
		t.Fatal(err)
	}
	old, _ := tab.Snapshot()
	old2, _ := tab.Snapshot()
	if err := tab.Commit(nil, nil, []string{meta.Name}); err != nil {
		t.Fatal(err)
	}
	name := "db/t/" + meta.Name
	if _, err := mem.Stat(name); err != nil {
		t.Fatalf("file removed while views use it: %v", err)
	}
	cur, _ := tab.Snapshot()
	if cur.NumRowGroups() != 0 || old.NumRowGroups() != 1 {
		t.Fatalf("views: cur %d old %d", cur.NumRowGroups(), old.NumRowGroups())
	}
	cur.Release()
	old.Release()
	if got := viewRows(t, old2); !slices.Equal(got, want) {
		t.Fatal("old view lost rows")
	}
	if _, err := mem.Stat(name); err != nil {
		t.Fatalf("file removed while a view uses it: %v", err)
	}
	old2.Release()
	if _, err := mem.Stat(name); !isNotExist(err) {
		t.Fatalf("file kept after last view: %v", err)
	}
}

func TestMergeSmall(t *testing.T) {
	for _, sortKey := range [][]int{nil, {3, 0}} {
		mem := vfs.NewMem()
		tab, err := Create(mem, "db/t", testSchema(sortKey...), Options{RowGroupRows: 1000})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(6, 6))
		var want []string
		var add []RowGroupMeta
		dels := map[string][]uint32{}
		for i, n := range []int{50, 900, 30, 400, 10, 999} {
			cols, rows := genRows(r, n, int64(i*1000))
			meta, _ := tab.WriteRowGroup(cols)
			add = append(add, meta)
			var ds []uint32
			if i%2 == 0 {
				ds = []uint32{0, uint32(n - 1)}
				dels[meta.Name] = ds
			}
			set := DeleteSet{}.Add(ds)
			for k, row := range rows {
				if !set.Contains(uint32(k)) {
					want = append(want, row)
				}
			}
		}
		if err := tab.Commit(add, dels, nil); err != nil {
			t.Fatal(err)
		}
		st, err := tab.MergeSmall(500)
		if err != nil {
			t.Fatal(err)
		}
		if st.Removed != 4 || st.Written != 1 || st.Rows != 48+28+400+8 {
			t.Fatalf("stats %+v", st)
		}
		v, _ := tab.Snapshot()
		if v.NumRowGroups() != 3 || v.Deleted(2).Len() != 0 {
			t.Fatalf("%d groups after merge", v.NumRowGroups())
		}
		if got := viewRows(t, v); !slices.Equal(sorted(got), sorted(want)) {
			t.Fatalf("merge changed rows: %d vs %d", len(got), len(want))
		}
		if sortKey != nil {
			var cols [4]chunk.Column
			for c := range cols {
				v.ReadColumn(2, c, &cols[c])
			}
			for i := 1; i < cols[0].Len; i++ {
				if compareRows(&cols[3], i-1, i) > 0 || (compareRows(&cols[3], i-1, i) == 0 && cols[0].Ints[i-1] > cols[0].Ints[i]) {
					t.Fatalf("merged group not sorted at row %d", i)
				}
			}
		}
		if err := v.Check(); err != nil {
			t.Fatal(err)
		}
		v.Release()
		names, _ := mem.List("db/t")
		if len(names) != 3+3 { // 3 groups, MANIFEST, CURRENT, LOCK
			t.Fatalf("files left: %v", names)
		}
		tab.Close()
	}
}

func TestOrphansRemovedAtOpen(t *testing.T) {
	mem := vfs.NewMem()
	tab := mustCreate(t, mem, Options{})
	cols, _ := genRows(rand.New(rand.NewPCG(7, 7)), 20, 0)
	meta, _ := tab.WriteRowGroup(cols)
	tab.Close()
	if _, err := mem.Stat("db/t/" + meta.Name); err != nil {
		t.Fatal(err)
	}
	f, _ := mem.Create("db/t/CURRENT.tmp")
	f.Close()
	tab, err := Open(mem, "db/t", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	names, _ := mem.List("db/t")
	if !slices.Equal(names, []string{currentName, lockName, manifestName(1)}) {
		t.Fatalf("after open: %v", names)
	}
}

func TestDeleteSet(t *testing.T) {
	var d DeleteSet
	d = d.Add([]uint32{5, 3, 4, 9, 10, 3, 0})
	if got := d.AppendRows(nil); !slices.Equal(got, []uint32{0, 3, 4, 5, 9, 10}) || d.Runs() != 3 || d.Len() != 6 {
		t.Fatalf("rows %v runs %d", got, d.Runs())
	}
	d = d.Add([]uint32{1, 2, 6, 7, 8})
	if d.Runs() != 1 || d.Len() != 11 || !d.Contains(10) || d.Contains(11) {
		t.Fatalf("runs %d len %d", d.Runs(), d.Len())
	}
	b := d.appendTo(nil)
	r := reader{b: b}
	if got := readDeleteSet(&r, 11); r.err != nil || got.Len() != 11 {
		t.Fatalf("decode: %v", r.err)
	}
	r = reader{b: b}
	if readDeleteSet(&r, 10); r.err == nil {
		t.Fatal("run past the group accepted")
	}
}
