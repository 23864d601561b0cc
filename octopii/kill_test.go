package octopii_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/killtest"
	"github.com/reefdb/reef/octopii"
	"github.com/reefdb/reef/octopii/kv"
)

// The child side of TestKill9: a one-node cluster on the real disk that
// proposes until killed, printing "ack <key> <value>" after each
// acknowledged Propose.
func TestKill9Child(t *testing.T) {
	dir := os.Getenv("OCTOPII_KILL_DIR")
	if dir == "" {
		t.Skip("helper process for TestKill9; runs only when re-executed by it")
	}
	round := os.Getenv("OCTOPII_KILL_ROUND")
	net := octopii.NewMemNetwork()
	n, err := octopii.Start(octopii.Options{ID: 1, Dir: dir, Peers: map[uint64]string{1: "mem"}, Transport: net.Transport(1),
		TickInterval: 5 * time.Millisecond, SnapshotEntries: 200, CompactKeepEntries: 50}, kv.New())
	if err != nil {
		fmt.Printf("start error %v\n", err)
		os.Exit(3)
	}
	for n.Leader() == 0 {
		time.Sleep(time.Millisecond)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k, v := fmt.Sprintf("r%s-w%d-%d", round, w, i), fmt.Sprintf("v%d", i)
				if _, err := n.Propose(context.Background(), kv.Put([]byte(k), []byte(v))); err != nil {
					fmt.Printf("propose error %v\n", err)
					return
				}
				out.Lock()
				fmt.Printf("ack %s %s\n", k, v)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestKill9 kills a proposing node with SIGKILL, many times: every
// acknowledged proposal must be there after a restart (its log was
// fdatasync'ed before the acknowledgement), across snapshots and log
// generation rewrites.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 4))
	acked := map[string]string{}
	for round := 0; round < 20; round++ {
		env := []string{"OCTOPII_KILL_DIR=" + dir, fmt.Sprintf("OCTOPII_KILL_ROUND=%d", round)}
		for _, line := range killtest.Run(t, round, "TestKill9Child", env, 50+rng.IntN(400)) {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "ack" {
				acked[f[1]] = f[2]
			}
		}
		net := octopii.NewMemNetwork()
		sm := kv.New()
		n, err := octopii.Start(octopii.Options{ID: 1, Dir: dir, Peers: map[uint64]string{1: "mem"}, Transport: net.Transport(1),
			TickInterval: 5 * time.Millisecond, SnapshotEntries: 200, CompactKeepEntries: 50}, sm)
		if err != nil {
			t.Fatalf("round %d: restart after kill -9: %v", round, err)
		}
		for n.Leader() == 0 {
			time.Sleep(time.Millisecond)
		}
		// A read through Raft: everything committed before it is applied.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		missing := 0
		for k, v := range acked {
			res, err := n.Read(ctx, kv.Get([]byte(k)))
			if err != nil {
				t.Fatalf("round %d: read %s: %v", round, k, err)
			}
			if got, ok := kv.Value(res); !ok || string(got) != v {
				missing++
			}
		}
		cancel()
		n.Stop()
		if missing > 0 {
			t.Fatalf("round %d: %d of %d acknowledged proposals lost after kill -9", round, missing, len(acked))
		}
	}
	t.Logf("%d acknowledged proposals survived 20 kills", len(acked))
}
