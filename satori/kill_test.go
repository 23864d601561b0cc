package satori

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/killtest"
)

var killRounds = flag.Int("satori.kill-rounds", 20, "kill -9 rounds of TestKill9")

const (
	killDim = 8
	killIDs = 3000
)

// killModel is the collection as the operations leave it: id → vector.
type killModel map[uint64][]float32

// killOp is operation i of round r: an upsert batch, a single upsert or a
// delete, with ids and vectors drawn from (r, i) and the state m only, so
// that the parent can replay what the child acknowledged. Each is one
// atomic call. It applies the operation to m and, when db is not nil,
// performs it.
func killOp(r, i int, m killModel, db *DB) error {
	rng := rand.New(rand.NewPCG(uint64(r), uint64(i)))
	vec := func() []float32 {
		c := float32(rng.IntN(6)) * 4
		v := make([]float32, killDim)
		for d := range v {
			v[d] = c + float32(rng.NormFloat64())
		}
		return v
	}
	switch op := rng.IntN(10); {
	case op < 3: // upsert batch
		items := make([]Item, 1+rng.IntN(80))
		for j := range items {
			items[j] = Item{ID: uint64(rng.IntN(killIDs)), Vector: vec()}
		}
		for _, it := range items {
			m[it.ID] = it.Vector
		}
		if db != nil {
			return db.UpsertBatch(items)
		}
	case op < 5: // single upsert
		id, v := uint64(rng.IntN(killIDs)), vec()
		m[id] = v
		if db != nil {
			return db.Upsert(id, v, nil)
		}
	default: // a delete of an id that may or may not be live
		id := uint64(rng.IntN(killIDs))
		if _, ok := m[id]; !ok && len(m) > 0 && rng.IntN(4) > 0 {
			// Mostly live ids: pick the smallest live id at or after it.
			for d := range uint64(killIDs) {
				if _, ok := m[(id+d)%killIDs]; ok {
					id = (id + d) % killIDs
					break
				}
			}
		}
		delete(m, id)
		if db != nil {
			if err := db.Delete(id); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// killOptions keep buckets small and maintenance busy, so that kills land
// in splits, merges, flushes and commits, not only in log appends.
func killOptions() Options {
	return Options{Dim: killDim, MaxBucket: 32, MinBucket: 6, Probes: 4, MaintenanceInterval: 2 * time.Millisecond, LogBytes: 1 << 20}
}

// TestKill9 is acceptance point 4: a child process upserts and deletes,
// printing a line after each acknowledged operation, and is killed with
// SIGKILL at a random point, 20 times. After every kill the reopened
// collection holds exactly the acknowledged operations (and possibly the
// one in flight): every acknowledged vector present with its last value,
// nothing deleted back.
func TestKill9(t *testing.T) {
	if dir := os.Getenv("SATORI_KILL_DIR"); dir != "" {
		killChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("kill -9 rounds are slow in -short mode")
	}
	dir := t.TempDir()
	model := killModel{}
	rng := rand.New(rand.NewPCG(5, 5))
	ctx := context.Background()
	for round := 1; round <= *killRounds; round++ {
		killAfter := 5 + rng.IntN(60)
		acks := killtest.Run(t, round, "TestKill9", []string{"SATORI_KILL_DIR=" + dir, "SATORI_KILL_ROUND=" + strconv.Itoa(round)}, killAfter)
		k := len(acks)
		after := maps.Clone(model)
		for i := range k {
			killOp(round, i, after, nil)
		}
		inFlight := maps.Clone(after)
		killOp(round, k, inFlight, nil)

		opts := killOptions()
		opts.DisableMaintenance = true
		db, err := Open(dir, opts)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		got := killRead(t, db)
		switch {
		case equalModel(got, after):
			model = after
		case equalModel(got, inFlight):
			model = inFlight
		default:
			var diff []string
			for id, v := range after {
				if g, ok := got[id]; !ok || !slices.Equal(g, v) {
					diff = append(diff, fmt.Sprintf("%d: got %v want %v", id, g, v))
				}
			}
			for id := range got {
				if _, ok := after[id]; !ok {
					diff = append(diff, fmt.Sprintf("%d: present, deleted", id))
				}
			}
			if len(diff) > 10 {
				diff = diff[:10]
			}
			db.abandon()
			for id, v := range after {
				if g, ok := got[id]; !ok || !slices.Equal(g, v) {
					t.Logf("id %d: %s", id, debugID(dir, id))
				}
			}
			t.Fatalf("round %d: after %d acknowledged operations the collection has %d vectors; expected %d (or %d with the operation in flight); differences from the first: %v",
				round, k, len(got), len(after), len(inFlight), diff)
		}
		// Searching every bucket finds only live vectors.
		for range 5 {
			q := make([]float32, killDim)
			for d := range q {
				q[d] = float32(rng.NormFloat64() * 8)
			}
			res, err := db.Search(ctx, q, 10, SearchOptions{Probes: 1 << 20, ProbeSlack: -1})
			if err != nil {
				t.Fatalf("round %d: search: %v", round, err)
			}
			if len(res) != min(10, len(model)) {
				t.Fatalf("round %d: search probing every bucket returned %d of %d", round, len(res), len(model))
			}
			for _, r := range res {
				if _, ok := model[r.ID]; !ok {
					t.Fatalf("round %d: search returned %d, which is not live", round, r.ID)
				}
			}
		}
		if round == *killRounds {
			st := db.Stats()
			t.Logf("after the last round: %+v", st)
			if st.Buckets < 8 || st.Checkpoint <= 1 {
				t.Fatalf("the children never split buckets or committed: %+v", st)
			}
		}
		// Half the rounds leave the log for the child to replay.
		if round%2 == 0 {
			err = db.Close()
		} else {
			db.abandon()
		}
		if err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
	}
}

func equalModel(a, b killModel) bool {
	return maps.EqualFunc(a, b, func(x, y []float32) bool { return slices.Equal(x, y) })
}

// killRead reads the whole collection through Get.
func killRead(t *testing.T, db *DB) killModel {
	t.Helper()
	m := killModel{}
	for id := range uint64(killIDs) {
		it, err := db.Get(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("get %d: %v", id, err)
		}
		m[id] = it.Vector
	}
	if db.Len() != len(m) {
		t.Fatalf("Len %d, but %d ids found", db.Len(), len(m))
	}
	return m
}

// killChild is the child side: it reopens the collection and runs this
// round's operations, printing a line after each acknowledgement, until
// it is killed.
func killChild(dir string) {
	round, _ := strconv.Atoi(os.Getenv("SATORI_KILL_ROUND"))
	db, err := Open(dir, killOptions())
	if err != nil {
		fmt.Printf("error: open: %v\n", err)
		return
	}
	m := killModel{}
	for id := range uint64(killIDs) {
		if it, err := db.Get(id); err == nil {
			m[id] = it.Vector
		} else if !errors.Is(err, ErrNotFound) {
			fmt.Printf("error: get %d: %v\n", id, err)
			return
		}
	}
	for i := 0; ; i++ {
		if err := killOp(round, i, m, db); err != nil {
			fmt.Printf("error: op %d: %v\n", i, err)
			return
		}
		fmt.Printf("ack %d\n", i)
	}
}
