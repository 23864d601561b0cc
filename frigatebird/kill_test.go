package frigatebird_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/internal/killtest"
)

var killRounds = flag.Int("frigatebird.kill-rounds", 20, "kill -9 rounds of TestKill9")

// killModel is the table k (id -> val) as the statements leave it.
type killModel map[int64]int64

// killStatement returns statement i of round r for a table in state m,
// and applies it to m. Statements change several rows at once, so a
// half-applied one would show.
func killStatement(r, i int, m killModel) string {
	rng := rand.New(rand.NewPCG(uint64(r), uint64(i)))
	switch op := rng.IntN(10); {
	case op < 5 || len(m) < 20:
		n := 1 + rng.IntN(50)
		base := int64(r)*1_000_000 + int64(i)*100
		var vals []string
		for j := int64(0); j < int64(n); j++ {
			v := rng.Int64N(1000)
			m[base+j] = v
			vals = append(vals, fmt.Sprintf("(%d, %d, 'r%d-%d')", base+j, v, r, i))
		}
		return "INSERT INTO k VALUES " + strings.Join(vals, ", ")
	case op < 8:
		mod, rem, add := int64(2+rng.IntN(5)), int64(0), int64(1+rng.IntN(9))
		rem = rng.Int64N(mod)
		for id := range m {
			if id%mod == rem {
				m[id] += add
			}
		}
		return fmt.Sprintf("UPDATE k SET val = val + %d WHERE id %% %d = %d", add, mod, rem)
	default:
		lo := rng.Int64N(1000)
		for id, v := range m {
			if v >= lo && v < lo+100 {
				delete(m, id)
			}
		}
		return fmt.Sprintf("DELETE FROM k WHERE val >= %d AND val < %d", lo, lo+100)
	}
}

// TestKill9 runs a stream of INSERT, UPDATE and DELETE statements in a
// child process, kills it with SIGKILL at a random point, and checks
// after each restart that the table holds exactly the statements that
// were acknowledged (and possibly the one in flight, which may have
// committed just before the kill), and that every chunk passes its
// checksum.
func TestKill9(t *testing.T) {
	if dir := os.Getenv("FRIGATEBIRD_KILL_DIR"); dir != "" {
		killChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("kill -9 rounds are slow in -short mode")
	}
	dir := t.TempDir()
	ctx := context.Background()
	model := killModel{}
	rng := rand.New(rand.NewPCG(9, 9))
	for round := 1; round <= *killRounds; round++ {
		killAfter := 3 + rng.IntN(25)
		acks := killtest.Run(t, round, "TestKill9", []string{"FRIGATEBIRD_KILL_DIR=" + dir, "FRIGATEBIRD_KILL_ROUND=" + strconv.Itoa(round)}, killAfter)
		k := len(acks)
		// States after the k acknowledged statements and after k+1.
		after := maps.Clone(model)
		for i := 0; i < k; i++ {
			killStatement(round, i, after)
		}
		inFlight := maps.Clone(after)
		killStatement(round, k, inFlight)

		db, err := frigatebird.Open(dir, nil)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if err := db.Check(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got := readKill(t, ctx, db)
		db.Close()
		switch {
		case maps.Equal(got, after):
			model = after
		case maps.Equal(got, inFlight):
			model = inFlight
		default:
			t.Fatalf("round %d: after %d acknowledged statements the table has %d rows; expected %d (or %d with the statement in flight)",
				round, k, len(got), len(after), len(inFlight))
		}
	}
}

func readKill(t *testing.T, ctx context.Context, db *frigatebird.DB) killModel {
	t.Helper()
	if _, err := db.Exec(ctx, "CREATE TABLE IF NOT EXISTS k (id BIGINT NOT NULL, val BIGINT, note VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, "SELECT id, val FROM k")
	if err != nil {
		t.Fatal(err)
	}
	m := killModel{}
	for rows.Next() {
		var id, val int64
		if err := rows.Scan(&id, &val); err != nil {
			t.Fatal(err)
		}
		if _, dup := m[id]; dup {
			t.Fatalf("id %d twice", id)
		}
		m[id] = val
	}
	return m
}

// killChild is the child side: it replays this round's statements from
// the state it finds, printing a line after each one commits.
func killChild(t *testing.T, dir string) {
	round, _ := strconv.Atoi(os.Getenv("FRIGATEBIRD_KILL_ROUND"))
	ctx := context.Background()
	db, err := frigatebird.Open(dir, nil)
	if err != nil {
		fmt.Printf("error: open: %v\n", err)
		return
	}
	m := readKill(t, ctx, db)
	for i := 0; ; i++ {
		stmt := killStatement(round, i, m)
		if _, err := db.Exec(ctx, stmt); err != nil {
			fmt.Printf("error: %v\n", err)
			return
		}
		fmt.Printf("ack %d %d\n", i, len(m))
	}
}
