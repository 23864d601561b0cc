package persist

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/killtest"
)

// killValue is the value the kill test stores under key: a function of the
// key, sometimes larger than an entry (so split), so that the parent can
// tell every loaded value from garbage.
func killValue(key string) []byte {
	h := fnv.New32a()
	h.Write([]byte(key))
	n := int(h.Sum32() % 200)
	if h.Sum32()%40 == 0 {
		n = 20_000
	}
	return bytes.Repeat([]byte(key+";"), n/len(key)+1)[:n]
}

// The child side of TestKill9: load, then append with several writers and a
// rewriter until killed, printing "a <key>" for each acknowledged SET or
// HSET of a unique key.
func TestKill9Child(t *testing.T) {
	dir := os.Getenv("PERSIST_KILL_DIR")
	if dir == "" {
		t.Skip("helper process for TestKill9; runs only when re-executed by it")
	}
	fsync, err := ParseFsync(os.Getenv("PERSIST_KILL_FSYNC"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(Options{Dir: dir, Fsync: fsync, MaxEntryBytes: 4096, SegmentSizeBytes: 256 << 10})
	if err != nil {
		fmt.Printf("open-error %v\n", err)
		os.Exit(3)
	}
	m := newModel()
	if err := a.Load(m.replay, m.applyRecord); err != nil {
		fmt.Printf("load-error %v\n", err)
		os.Exit(3)
	}
	s := newServer(a, m)
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		fmt.Fprintf(os.Stdout, format, args...)
		out.Unlock()
	}
	round := os.Getenv("PERSIST_KILL_ROUND")
	go func() {
		for {
			if err := a.Rewrite(s.iterate(nil)); err != nil {
				say("rewrite-error %v\n", err)
				return
			}
			time.Sleep(20 * time.Millisecond) // pacing, so that writers dominate
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := 0; ; n++ {
				key := fmt.Sprintf("r%s-w%d-%d", round, w, n)
				args := [][]byte{[]byte("SET"), []byte(key), killValue(key)}
				if n%3 == 0 {
					args = [][]byte{[]byte("HSET"), []byte(key), []byte("f"), killValue(key)}
				}
				seq, err := s.do(args)
				if err == nil {
					err = a.Sync(seq)
				}
				if err != nil {
					say("append-error %v\n", err)
					return
				}
				say("a %s\n", key)
			}
		}(w)
	}
	wg.Wait()
}

func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	for _, f := range []Fsync{FsyncAlways, FsyncEverySec} {
		t.Run(f.String(), func(t *testing.T) { kill9(t, f, 6) })
	}
}

func kill9(t *testing.T, fsync Fsync, rounds int) {
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	acked := map[string]bool{}
	for round := 0; round < rounds; round++ {
		env := []string{"PERSIST_KILL_DIR=" + dir, "PERSIST_KILL_FSYNC=" + fsync.String(),
			fmt.Sprintf("PERSIST_KILL_ROUND=%d", round)}
		killAfter := 20 + rng.IntN(1500)
		for _, line := range killtest.Run(t, round, "TestKill9Child", env, killAfter) {
			f := strings.Fields(line)
			if len(f) == 2 && f[0] == "a" {
				acked[f[1]] = true
			}
		}

		a, m, _ := openLoad(t, Options{Dir: dir, Fsync: fsync})
		for key, v := range m.keys {
			val := v.str
			if v.hash != nil {
				val = []byte(v.hash["f"])
			}
			if !bytes.Equal(val, killValue(key)) {
				t.Fatalf("round %d: key %s holds %d bytes that are not its value", round, key, len(val))
			}
		}
		lost := 0
		for key := range acked {
			if m.keys[key] == nil {
				lost++
			}
		}
		if lost > 0 {
			t.Fatalf("round %d: %d of %d acknowledged keys lost after kill -9 (%s)", round, lost, len(acked), fsync)
		}
		met := a.Metrics()
		if err := a.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
		t.Logf("round %d: killed after %d acks; %d keys loaded (%d records, %d commands replayed, %d cut commands)",
			round, killAfter, len(m.keys), met.LoadedRecords, met.LoadedCommands, met.TruncatedTails)
	}
}
