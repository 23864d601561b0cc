package storage

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/current"
	"github.com/reefdb/reef/internal/vfs"
)

// TestModel applies random writes, commits, deletes, removals, merges,
// reopens and power cuts to a table and to a plain list of row groups,
// and checks after each step that they hold the same live rows.
func TestModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	steps := 300
	if raceEnabled || testing.Short() {
		steps = 80
	}
	r := rand.New(rand.NewPCG(seed, 0))
	mem := vfs.NewMem()
	opts := Options{RowGroupRows: 256}
	tab, err := Create(mem, "db/t", testSchema(0), opts)
	if err != nil {
		t.Fatal(err)
	}
	type group struct {
		rows    []string
		deleted DeleteSet
	}
	model := map[string]*group{}
	live := func() []string {
		var out []string
		for _, g := range model {
			for i, row := range g.rows {
				if !g.deleted.Contains(uint32(i)) {
					out = append(out, row)
				}
			}
		}
		return sorted(out)
	}
	nextID := int64(0)
	for step := 0; step < steps; step++ {
		switch op := r.IntN(10); {
		case op < 4: // write 1-3 groups, commit with deletes and removals
			var add []RowGroupMeta
			pending := map[string][]string{}
			for range 1 + r.IntN(3) {
				n := 1 + r.IntN(opts.RowGroupRows)
				cols, rows := genRows(r, n, nextID)
				nextID += int64(n)
				meta, err := tab.WriteRowGroup(cols)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				add = append(add, meta)
				pending[meta.Name] = rows
			}
			dels, remove := randomEdits(r, model2rows(model, func(g *group) int { return len(g.rows) }))
			if err := tab.Commit(add, dels, remove); err != nil {
				t.Fatalf("step %d: commit: %v", step, err)
			}
			for name, rows := range pending {
				model[name] = &group{rows: rows}
			}
			applyEdits(model, dels, remove, func(g *group, rows []uint32) { g.deleted = g.deleted.Add(rows) })
		case op < 6: // deletes only
			dels, remove := randomEdits(r, model2rows(model, func(g *group) int { return len(g.rows) }))
			if err := tab.Commit(nil, dels, remove); err != nil {
				t.Fatalf("step %d: commit: %v", step, err)
			}
			applyEdits(model, dels, remove, func(g *group, rows []uint32) { g.deleted = g.deleted.Add(rows) })
		case op < 7: // merge: the model keeps the same live rows; rebuild it from the table
			if _, err := tab.MergeSmall(1 + r.IntN(opts.RowGroupRows)); err != nil {
				t.Fatalf("step %d: merge: %v", step, err)
			}
			before := live()
			model = map[string]*group{}
			v, _ := tab.Snapshot()
			for rg, g := range v.RowGroups() {
				rows := groupRows(t, v, rg)
				model[g.Name] = &group{rows: rows, deleted: v.Deleted(rg)}
			}
			v.Release()
			if got := live(); !slices.Equal(got, before) {
				t.Fatalf("step %d: merge changed the live rows", step)
			}
		case op < 8: // an uncommitted write, then a power cut
			cols, _ := genRows(r, 1+r.IntN(50), nextID)
			if _, err := tab.WriteRowGroup(cols); err != nil {
				t.Fatal(err)
			}
			mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rand.New(rand.NewPCG(seed, uint64(step)))})
			if tab, err = Open(mem, "db/t", opts); err != nil {
				t.Fatalf("step %d: reopen after crash: %v", step, err)
			}
		default: // clean reopen
			if err := tab.Close(); err != nil {
				t.Fatal(err)
			}
			if tab, err = Open(mem, "db/t", opts); err != nil {
				t.Fatalf("step %d: reopen: %v", step, err)
			}
		}
		v, _ := tab.Snapshot()
		if got, want := sorted(viewRows(t, v)), live(); !slices.Equal(got, want) {
			t.Fatalf("step %d (seed %d): table has %d live rows, model %d", step, seed, len(got), len(want))
		}
		if v.NumRowGroups() != len(model) {
			t.Fatalf("step %d: %d groups, model %d", step, v.NumRowGroups(), len(model))
		}
		v.Release()
	}
	v, _ := tab.Snapshot()
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	v.Release()
	tab.Close()
	names, _ := mem.List("db/t")
	for _, n := range names {
		if _, ok := model[n]; !ok && n != currentName && n != lockName && !strings.HasPrefix(n, current.ManifestPrefix) {
			t.Fatalf("stray file %s", n)
		}
	}
}

type chunkColumnT = chunk.Column

func model2rows[G any](m map[string]G, rows func(G) int) map[string]int {
	out := make(map[string]int, len(m))
	for k, g := range m {
		out[k] = rows(g)
	}
	return out
}

// randomEdits picks random rows to delete and groups to remove.
func randomEdits(r *rand.Rand, groups map[string]int) (map[string][]uint32, []string) {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	slices.Sort(names)
	dels := map[string][]uint32{}
	var remove []string
	for _, n := range names {
		switch r.IntN(6) {
		case 0:
			remove = append(remove, n)
		case 1, 2:
			for range 1 + r.IntN(10) {
				dels[n] = append(dels[n], uint32(r.IntN(groups[n])))
			}
		}
	}
	return dels, remove
}

func applyEdits[G any](m map[string]G, dels map[string][]uint32, remove []string, del func(G, []uint32)) {
	for n, rows := range dels {
		del(m[n], rows)
	}
	for _, n := range remove {
		delete(m, n)
	}
}

// groupRows reads every row of one group, deleted ones included.
func groupRows(t *testing.T, v *View, rg int) []string {
	t.Helper()
	cols := make([]*chunkColumnT, len(v.v.m.schema.Columns))
	for c := range cols {
		cols[c] = new(chunkColumnT)
		if err := v.ReadColumn(rg, c, cols[c]); err != nil {
			t.Fatal(err)
		}
	}
	return renderRows(cols, nil)
}
