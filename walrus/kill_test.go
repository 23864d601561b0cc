package walrus

import (
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/killtest"
)

// The child side of TestKill9: append until killed, printing each
// acknowledgement as "a <offset> <crc32 of value>" or "c <committed offset>".
func TestKill9Child(t *testing.T) {
	dir := os.Getenv("WALRUS_KILL_DIR")
	if dir == "" {
		t.Skip("helper process for TestKill9; runs only when re-executed by it")
	}
	d, err := ParseDurability(os.Getenv("WALRUS_KILL_DURABILITY"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, Options{Durability: d, SegmentSizeBytes: 256 << 10, SyncInterval: time.Millisecond})
	if err != nil {
		fmt.Printf("open-error %v\n", err)
		os.Exit(3)
	}
	tp, err := l.Topic("k")
	if err != nil {
		if err := l.CreateTopic("k"); err != nil {
			fmt.Printf("create-error %v\n", err)
			os.Exit(3)
		}
		tp, _ = l.Topic("k")
	}
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		fmt.Fprintf(os.Stdout, format, args...)
		out.Unlock()
	}
	seed, _ := strconv.ParseUint(os.Getenv("WALRUS_KILL_SEED"), 10, 64)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for seq := uint32(0); ; seq++ {
				v := sealedValue(rng, uint32(w), seq)
				off, err := tp.Append(v)
				if err != nil {
					say("append-error %v\n", err)
					return
				}
				say("a %d %d\n", off, crc32.ChecksumIEEE(v))
			}
		}(w)
	}
	c, _ := tp.Cursor("c")
	// Commits grow across rounds (the seed is the round), so the last
	// acknowledged one is always the largest.
	for i := seed*1_000_000 + 1; ; i++ {
		if err := c.Commit(i); err != nil {
			say("commit-error %v\n", err)
			break
		}
		say("c %d\n", i)
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
}

func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	for _, d := range []Durability{Sync, Interval} {
		t.Run(d.String(), func(t *testing.T) { kill9(t, d, 20) })
	}
}

func kill9(t *testing.T, d Durability, rounds int) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	acked := map[uint64]uint32{} // offset → crc of the acknowledged value
	var lastCommit uint64
	for round := 0; round < rounds; round++ {
		// Kill after a random number of acknowledgements, mid-stream.
		env := []string{"WALRUS_KILL_DIR=" + dir, "WALRUS_KILL_DURABILITY=" + d.String(),
			fmt.Sprintf("WALRUS_KILL_SEED=%d", round)}
		killAfter := 20 + rng.IntN(2000)
		for _, line := range killtest.Run(t, round, "TestKill9Child", env, killAfter) {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "a":
				off, _ := strconv.ParseUint(f[1], 10, 64)
				crc, _ := strconv.ParseUint(f[2], 10, 32)
				acked[off] = uint32(crc)
			case "c":
				c, _ := strconv.ParseUint(f[1], 10, 64)
				lastCommit = c
			}
		}

		l, err := Open(dir, Options{Durability: d})
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		tp, err := l.Topic("k")
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		es, err := tp.Read(0, 0, 0)
		if err != nil {
			t.Fatalf("round %d: read: %v", round, err)
		}
		for i, e := range es {
			if e.Offset != uint64(i) {
				t.Fatalf("round %d: hole at %d", round, i)
			}
			if err := checkSealed(e.Value); err != nil {
				t.Fatalf("round %d: offset %d: %v", round, e.Offset, err)
			}
			if crc, ok := acked[e.Offset]; ok && crc != crc32.ChecksumIEEE(e.Value) {
				t.Fatalf("round %d: offset %d differs from what was acknowledged", round, e.Offset)
			}
		}
		lost := 0
		for off := range acked {
			if off >= uint64(len(es)) {
				lost++
				delete(acked, off) // a later round reuses the offset
			}
		}
		// kill -9 keeps the page cache: in Sync mode nothing acknowledged
		// may go; in Interval mode only what was still in Walrus's buffer.
		if d == Sync && lost > 0 {
			t.Fatalf("round %d: %d acknowledged entries lost after kill -9", round, lost)
		}
		c, _ := tp.Cursor("c")
		if c.Position() < lastCommit {
			t.Fatalf("round %d: cursor at %d, but %d was acknowledged", round, c.Position(), lastCommit)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
		t.Logf("round %d: killed after %d acks; %d entries, %d acknowledged-but-buffered lost", round, killAfter, len(es), lost)
	}
}
