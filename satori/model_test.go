package satori

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/satori/attr"
)

var modelSeeds = flag.Int("satori.model-seeds", 6, "seeds of TestModel")

// modelDB is the reference: a map of live vectors searched by brute force.
type modelDB struct {
	metric Metric
	vecs   map[uint64][]float32
	attrs  map[uint64]attr.Set
}

func (m *modelDB) dist(q, v []float32) float32 {
	var s float64
	switch m.metric {
	case L2:
		for i := range q {
			d := float64(q[i]) - float64(v[i])
			s += d * d
		}
		return float32(s)
	default:
		for i := range q {
			s += float64(q[i]) * float64(v[i])
		}
		if m.metric == Cosine {
			return float32(1 - s)
		}
		return float32(-s)
	}
}

// knn returns the exact k nearest (id, distance) pairs passing filter.
func (m *modelDB) knn(q []float32, k int, f *attr.Filter) []Result {
	var all []Result
	for id, v := range m.vecs {
		if f != nil && !f.MatchSet(m.attrs[id]) {
			continue
		}
		all = append(all, Result{id, m.dist(q, v)})
	}
	slices.SortFunc(all, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return all[:min(k, len(all))]
}

func normalized(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / math.Sqrt(n))
	}
	return out
}

// TestModel is acceptance point 2: random inserts, upserts, deletes,
// batches, gets and searches (with and without filters), maintenance
// rounds and restarts (clean and abandoned, i.e. a process crash) against
// a brute-force model. Every search result holds only live ids, sorted,
// without repeats, with their exact distances; probing every bucket gives
// exactly the model's k-NN; at the default probes the mean recall stays
// high; nothing deleted ever appears.
func TestModel(t *testing.T) {
	seeds := *modelSeeds
	if raceEnabled {
		seeds = 2
	}
	var splits, merges uint64
	for seed := range seeds {
		metric := Metric(seed % 3)
		t.Run(fmt.Sprintf("seed%d-%s", seed, metric), func(t *testing.T) {
			s, m := runModel(t, uint64(seed), metric)
			splits += s
			merges += m
		})
	}
	if splits == 0 || merges == 0 {
		t.Fatalf("the runs exercised %d splits and %d merges", splits, merges)
	}
}

// runModel runs one seed and returns the splits and merges it saw.
func runModel(t *testing.T, seed uint64, metric Metric) (splits, merges uint64) {
	const dim = 8
	r := rand.New(rand.NewPCG(seed, 99))
	dir := t.TempDir()
	opts := Options{Dim: dim, Metric: metric, MaxBucket: 24, MinBucket: 10, Probes: 8, DisableMaintenance: true, Durability: SyncNone, Seed: seed}
	db := openTest(t, dir, opts)
	defer func() { db.Close() }()
	m := &modelDB{metric: metric, vecs: map[uint64][]float32{}, attrs: map[uint64]attr.Set{}}
	ctx := context.Background()
	colors := []string{"red", "green", "blue"}
	newItem := func(id uint64) Item {
		// Clustered vectors, so buckets mean something.
		c := float64(r.IntN(5))
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32(c*3 + r.NormFloat64())
		}
		var a attr.Set
		if r.IntN(4) > 0 {
			a = attr.Set{"color": attr.String(colors[r.IntN(3)]), "n": attr.Int(int64(r.IntN(100)))}
		}
		return Item{ID: id, Vector: v, Attrs: a}
	}
	stored := func(v []float32) []float32 {
		if metric == Cosine {
			return normalized(v)
		}
		return slices.Clone(v)
	}
	liveIDs := func() []uint64 {
		ids := make([]uint64, 0, len(m.vecs))
		for id := range m.vecs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return ids
	}
	pickID := func() uint64 {
		if len(m.vecs) > 0 && r.IntN(4) > 0 {
			ids := liveIDs()
			return ids[r.IntN(len(ids))]
		}
		return uint64(r.IntN(3000))
	}
	var hits, wanted int
	steps := 3000
	if raceEnabled {
		steps = 1200
	}
	for step := range steps {
		switch op := r.IntN(100); {
		case op < 30: // insert
			it := newItem(pickID())
			err := db.Insert(it.ID, it.Vector, it.Attrs)
			if _, ok := m.vecs[it.ID]; ok {
				if !errors.Is(err, ErrExists) {
					t.Fatalf("step %d: insert of live %d: %v", step, it.ID, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: insert %d: %v", step, it.ID, err)
			}
			m.vecs[it.ID], m.attrs[it.ID] = stored(it.Vector), it.Attrs
		case op < 40: // upsert
			it := newItem(pickID())
			if err := db.Upsert(it.ID, it.Vector, it.Attrs); err != nil {
				t.Fatalf("step %d: upsert %d: %v", step, it.ID, err)
			}
			m.vecs[it.ID], m.attrs[it.ID] = stored(it.Vector), it.Attrs
		case op < 45: // batch of inserts or upserts
			upsert := r.IntN(2) == 0
			items := make([]Item, 1+r.IntN(60))
			for i := range items {
				items[i] = newItem(uint64(3000 + r.IntN(2000)))
			}
			var err error
			if upsert {
				err = db.UpsertBatch(items)
			} else {
				err = db.InsertBatch(items)
			}
			conflict := false
			seen := map[uint64]bool{}
			for _, it := range items {
				_, live := m.vecs[it.ID]
				conflict = conflict || live || seen[it.ID]
				seen[it.ID] = true
			}
			if !upsert && conflict {
				if !errors.Is(err, ErrExists) {
					t.Fatalf("step %d: conflicting batch: %v", step, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: batch: %v", step, err)
			}
			for _, it := range items {
				m.vecs[it.ID], m.attrs[it.ID] = stored(it.Vector), it.Attrs
			}
		case op < 60: // delete
			id := pickID()
			err := db.Delete(id)
			if _, ok := m.vecs[id]; !ok {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("step %d: delete of absent %d: %v", step, id, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: delete %d: %v", step, id, err)
			}
			delete(m.vecs, id)
			delete(m.attrs, id)
		case op < 68: // get
			id := pickID()
			it, err := db.Get(id)
			want, ok := m.vecs[id]
			if !ok {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("step %d: get of absent %d: %v", step, id, err)
				}
				continue
			}
			if err != nil || !slices.Equal(it.Vector, want) || !equalSet(it.Attrs, m.attrs[id]) {
				t.Fatalf("step %d: get %d = %v %v %v, want %v %v", step, id, it.Vector, it.Attrs, err, want, m.attrs[id])
			}
		case op < 90: // search
			q := newItem(0).Vector
			k := 1 + r.IntN(12)
			var f *attr.Filter
			if r.IntN(3) == 0 {
				f = attr.Or(attr.Eq("color", attr.String(colors[r.IntN(3)])), attr.Lt("n", attr.Int(int64(r.IntN(50)))))
			}
			all := r.IntN(3) == 0
			so := SearchOptions{Filter: f}
			if all {
				so.Probes, so.ProbeSlack = 1<<20, -1
			}
			got, err := db.Search(ctx, q, k, so)
			if err != nil {
				t.Fatalf("step %d: search: %v", step, err)
			}
			mq := q
			if metric == Cosine {
				mq = normalized(q)
			}
			want := m.knn(mq, k, f)
			checkResults(t, step, m, mq, f, got, want, all)
			if !all && f == nil {
				wanted += len(want)
				hits += overlap(got, want)
			}
		case op < 96:
			if err := db.Maintain(); err != nil {
				t.Fatalf("step %d: maintain: %v", step, err)
			}
		case op < 98:
			if err := db.Flush(); err != nil {
				t.Fatalf("step %d: flush: %v", step, err)
			}
		default: // restart, cleanly or as after a crash
			st := db.Stats()
			splits += st.Splits
			merges += st.Merges
			if r.IntN(2) == 0 {
				if err := db.Close(); err != nil {
					t.Fatalf("step %d: close: %v", step, err)
				}
			} else {
				db.abandon()
			}
			db = openTest(t, dir, Options{MaxBucket: 24, MinBucket: 10, Probes: 8, DisableMaintenance: true, Durability: SyncNone, Seed: seed, Metric: metric})
		}
		if step%100 == 0 && db.Len() != len(m.vecs) {
			t.Fatalf("step %d: Len %d, model %d", step, db.Len(), len(m.vecs))
		}
	}
	st := db.Stats()
	recall := float64(hits) / float64(max(wanted, 1))
	t.Logf("recall at default probes %.3f over %d results; %+v", recall, wanted, st)
	if recall < 0.85 {
		t.Fatalf("mean recall %.3f at the configured probes", recall)
	}
	return splits + st.Splits, merges + st.Merges
}

func equalSet(a, b attr.Set) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func overlap(got, want []Result) int {
	n := 0
	for _, w := range want {
		for _, g := range got {
			if g.ID == w.ID {
				n++
				break
			}
		}
	}
	return n
}

// checkResults asserts what every search result must satisfy, and with
// exact (every bucket probed) that it is the model's k-NN up to ties.
func checkResults(t *testing.T, step int, m *modelDB, q []float32, f *attr.Filter, got, want []Result, exact bool) {
	t.Helper()
	seen := map[uint64]bool{}
	for i, g := range got {
		v, ok := m.vecs[g.ID]
		if !ok {
			t.Fatalf("step %d: search returned %d, which is not live", step, g.ID)
		}
		if seen[g.ID] {
			t.Fatalf("step %d: search returned %d twice", step, g.ID)
		}
		seen[g.ID] = true
		if f != nil && !f.MatchSet(m.attrs[g.ID]) {
			t.Fatalf("step %d: %d does not match the filter %v", step, g.ID, f)
		}
		if d := m.dist(q, v); math.Abs(float64(d-g.Distance)) > 1e-3*math.Max(1, math.Abs(float64(d))) {
			t.Fatalf("step %d: %d at distance %v, exact %v", step, g.ID, g.Distance, d)
		}
		if i > 0 && g.Distance < got[i-1].Distance {
			t.Fatalf("step %d: results out of order: %v", step, got)
		}
	}
	if len(got) > len(want) {
		t.Fatalf("step %d: %d results, only %d candidates", step, len(got), len(want))
	}
	if !exact {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("step %d: probing every bucket gave %d results, want %d", step, len(got), len(want))
	}
	for i := range got {
		if d := got[i].Distance - want[i].Distance; math.Abs(float64(d)) > 1e-3*math.Max(1, math.Abs(float64(want[i].Distance))) {
			t.Fatalf("step %d: probing every bucket: result %d at %v, exact k-NN has %v\n got %v\nwant %v", step, i, got[i].Distance, want[i].Distance, got, want)
		}
	}
}
