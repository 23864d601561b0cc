package satori

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/reefdb/reef/satori/attr"
)

func openTest(t testing.TB, dir string, opts Options) *DB {
	t.Helper()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestBasic(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, Options{Dim: 4, DisableMaintenance: true})
	ctx := context.Background()
	if err := db.Insert(1, []float32{1, 0, 0, 0}, attr.Set{"color": attr.String("red")}); err != nil {
		t.Fatal(err)
	}
	if err := db.Insert(2, []float32{0, 1, 0, 0}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Insert(1, []float32{0, 0, 1, 0}, nil); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate insert: %v", err)
	}
	for _, bad := range [][]float32{{1, 2, 3}, {1, 2, 3, float32(math.NaN())}, {float32(math.Inf(1)), 0, 0, 0}} {
		if err := db.Insert(9, bad, nil); !errors.Is(err, ErrDimension) && !errors.Is(err, ErrInvalidVector) {
			t.Fatalf("insert %v: %v", bad, err)
		}
	}
	res, err := db.Search(ctx, []float32{0.9, 0.1, 0, 0}, 2, SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].ID != 1 || res[1].ID != 2 {
		t.Fatalf("search: %v", res)
	}
	it, err := db.Get(1)
	if err != nil || !slices.Equal(it.Vector, []float32{1, 0, 0, 0}) || it.Attrs["color"] != attr.String("red") {
		t.Fatalf("get 1: %+v %v", it, err)
	}
	if err := db.Upsert(1, []float32{0, 0, 0, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(2); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := db.Get(2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	res, _ = db.Search(ctx, []float32{0, 1, 0, 0}, 5, SearchOptions{})
	if len(res) != 1 || res[0].ID != 1 {
		t.Fatalf("search after delete: %v", res)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, dir, Options{})
	defer db.Close()
	if db.Dim() != 4 || db.Len() != 1 {
		t.Fatalf("reopen: dim %d len %d", db.Dim(), db.Len())
	}
	it, err = db.Get(1)
	if err != nil || !slices.Equal(it.Vector, []float32{0, 0, 0, 1}) || it.Attrs != nil {
		t.Fatalf("get 1 after reopen: %+v %v", it, err)
	}
}

// TestMaintenanceSplits: inserting far more than MaxBucket vectors splits
// buckets until every one is within bounds, and every vector stays
// findable with its own vector as the query.
func TestMaintenanceSplits(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, Options{Dim: 8, MaxBucket: 64, DisableMaintenance: true, Probes: 4})
	r := rand.New(rand.NewPCG(1, 1))
	const n = 3000
	vecs := make([][]float32, n)
	items := make([]Item, 0, 100)
	for i := range n {
		vecs[i] = randVec(r, 8)
		items = append(items, Item{ID: uint64(i), Vector: vecs[i]})
		if len(items) == cap(items) {
			if err := db.InsertBatch(items); err != nil {
				t.Fatal(err)
			}
			items = items[:0]
			if err := db.Maintain(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	t.Logf("%+v", st)
	if st.Vectors != n || st.MaxBucketSize > 64 || st.DeltaVectors != 0 || st.Splits == 0 {
		t.Fatalf("stats after flush: %+v", st)
	}
	ctx := context.Background()
	found := 0
	for i := range n {
		res, err := db.Search(ctx, vecs[i], 1, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 1 && res[0].ID == uint64(i) {
			found++
		}
	}
	if found < n*95/100 {
		t.Fatalf("self-search found %d of %d", found, n)
	}
	db.Close()
	db = openTest(t, dir, Options{DisableMaintenance: true})
	defer db.Close()
	if db.Len() != n {
		t.Fatalf("reopen: %d vectors", db.Len())
	}
	for i := 0; i < n; i += 97 {
		it, err := db.Get(uint64(i))
		if err != nil || !slices.Equal(it.Vector, vecs[i]) {
			t.Fatalf("get %d: %v", i, err)
		}
	}
}
