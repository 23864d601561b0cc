package walrus

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/vfs"
)

var crashSeeds = flag.Int("walrus.crash-seeds", 60, "seeds per crash scenario")

// sealedValue builds a self-checking value: writer, sequence, padding and a
// CRC of all that, so a test can tell any returned bytes from garbage.
func sealedValue(rng *rand.Rand, writer, seq uint32) []byte {
	n := 8 + rng.IntN(300)
	if rng.IntN(20) == 0 {
		n += rng.IntN(6000) // sometimes larger than a frame target
	}
	b := make([]byte, n, n+4)
	binary.LittleEndian.PutUint32(b, writer)
	binary.LittleEndian.PutUint32(b[4:], seq)
	for i := 8; i < n; i++ {
		b[i] = byte(rng.Uint32())
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func checkSealed(v []byte) error {
	if len(v) < 12 || crc32.ChecksumIEEE(v[:len(v)-4]) != binary.LittleEndian.Uint32(v[len(v)-4:]) {
		return fmt.Errorf("value of %d bytes fails its checksum", len(v))
	}
	return nil
}

// crashRun is one workload interrupted by a power loss.
type crashRun struct {
	seed       uint64
	durability Durability
	inject     bool // inject I/O faults during the workload
	direct     bool // Options.IO = IODirect, else IOBuffered
	keepPrefix bool // the crash keeps a random prefix of unsynced writes
}

func (c crashRun) String() string {
	return fmt.Sprintf("seed=%d durability=%s inject=%v keep-prefix=%v direct=%v", c.seed, c.durability, c.inject, c.keepPrefix, c.direct)
}

func TestCrashRecovery(t *testing.T) {
	n := *crashSeeds
	if testing.Short() {
		n = 15
	}
	for _, d := range []Durability{Sync, Interval, None} {
		for _, inject := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/inject=%v", d, inject), func(t *testing.T) {
				for seed := uint64(1); seed <= uint64(n); seed++ {
					c := crashRun{seed: seed, durability: d, inject: inject, keepPrefix: seed%2 == 0, direct: seed%3 == 0}
					if err := c.run(t); err != nil {
						t.Fatalf("%v\nreplay: go test ./walrus -run 'TestCrashRecovery/%s/inject=%v' -walrus.crash-seeds=%d", err, d, inject, seed)
					}
				}
			})
		}
	}
}

func (c crashRun) run(t *testing.T) error {
	rng := rand.New(rand.NewPCG(c.seed, 0x5eed))
	mem := vfs.NewMem()
	inj := vfs.NewInjecting(mem, c.seed)
	fs := vfs.FS(mem)
	if c.inject {
		rules := []vfs.Rule{
			{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.01, Fault: vfs.FaultShortWrite},
			{Ops: []vfs.Op{vfs.OpSync}, Prob: 0.01},
			{Ops: []vfs.Op{vfs.OpCreate, vfs.OpPreallocate, vfs.OpTruncate}, Prob: 0.02},
		}
		if !c.direct {
			// Direct I/O rewrites the partial last block, so garbage torn
			// into its already-synced prefix would destroy acknowledged
			// data. Like every database that rewrites partial pages, Walrus
			// relies on devices writing a 4 KiB block atomically; byte-level
			// garbage is only injected into buffered writes.
			rules = append(rules, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.01, Fault: vfs.FaultTornWrite})
		}
		inj.SetRules(rules...)
		inj.SetEnabled(false)
		fs = inj
	}
	opts := Options{
		FS: fs, Durability: c.durability, SyncInterval: 200 * time.Microsecond,
		SegmentSizeBytes: 16 << 10, IndexIntervalBytes: 512, FrameTargetBytes: 1 << 10,
		MaxPendingBytes: 2048 + rng.IntN(32<<10),
		IO:              ioMode(c.direct),
	}
	const dir = "/db"
	l, err := Open(dir, opts)
	if err != nil {
		return fmt.Errorf("%v: open: %w", c, err)
	}
	if err := l.CreateTopic("t"); err != nil {
		return fmt.Errorf("%v: create: %w", c, err)
	}
	tp, _ := l.Topic("t")
	if c.inject {
		inj.SetEnabled(true)
	}

	// acked[offset] = value, for appends that returned without error.
	var mu sync.Mutex
	acked := map[uint64][]byte{}
	var committed []uint64 // cursor commits that returned nil, in order
	var attempted uint64   // the largest commit tried, acknowledged or not
	writers := 1 + rng.IntN(4)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wrng := rand.New(rand.NewPCG(c.seed, uint64(w)))
		wg.Add(1)
		go func(w uint32) {
			defer wg.Done()
			for seq := uint32(0); ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				if wrng.IntN(8) == 0 {
					batch := [][]byte{sealedValue(wrng, w, seq), sealedValue(wrng, w, seq+1<<30)}
					off, err := tp.AppendBatch(batch)
					if err == nil {
						mu.Lock()
						acked[off], acked[off+1] = batch[0], batch[1]
						mu.Unlock()
					}
					continue
				}
				v := sealedValue(wrng, w, seq)
				off, err := tp.Append(v)
				if err != nil {
					if errors.Is(err, ErrClosed) {
						return
					}
					continue // a failed topic keeps failing; keep trying until stop
				}
				mu.Lock()
				acked[off] = v
				mu.Unlock()
			}
		}(uint32(w))
	}
	wg.Add(1)
	go func() { // a consumer committing its position
		defer wg.Done()
		cur, _ := tp.Cursor("c")
		for i := uint64(1); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			attempted = i
			mu.Unlock()
			if cur.Commit(i) == nil {
				mu.Lock()
				committed = append(committed, i)
				mu.Unlock()
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()

	// Let the workload run, then pull the plug while it is still going.
	deadline := time.Now().Add(time.Duration(1+rng.IntN(20)) * time.Millisecond)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Microsecond)
	}
	tp.mu.Lock()
	durableAtCrash := tp.synced
	tp.mu.Unlock()
	mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: c.keepPrefix, Rand: rng})
	close(stop)
	l.Close() // fails: every pre-crash handle is dead; only stops goroutines
	wg.Wait()
	inj.SetEnabled(false)

	// Reboot: what an acknowledgement promised must be there.
	l, err = Open(dir, Options{FS: mem, Durability: c.durability, SegmentSizeBytes: 16 << 10})
	if err != nil {
		return fmt.Errorf("%v: reopen after crash: %w", c, err)
	}
	defer l.Close()
	tp, err = l.Topic("t")
	if err != nil {
		return fmt.Errorf("%v: topic after crash: %w", c, err)
	}
	es, err := tp.Read(0, 0, 0)
	if err != nil {
		return fmt.Errorf("%v: read after crash: %w", c, err)
	}
	for i, e := range es {
		if e.Offset != uint64(i) {
			return fmt.Errorf("%v: entry %d has offset %d: a hole", c, i, e.Offset)
		}
		if err := checkSealed(e.Value); err != nil {
			return fmt.Errorf("%v: offset %d: %w (corruption returned as data)", c, e.Offset, err)
		}
		if want, ok := acked[e.Offset]; ok && string(want) != string(e.Value) {
			return fmt.Errorf("%v: offset %d holds another value than acknowledged", c, e.Offset)
		}
	}
	if uint64(len(es)) < durableAtCrash {
		return fmt.Errorf("%v: %d entries survive, but %d were durable at the crash", c, len(es), durableAtCrash)
	}
	if c.durability == Sync {
		for off := range acked {
			if off >= uint64(len(es)) {
				return fmt.Errorf("%v: acknowledged offset %d lost (%d entries survive)", c, off, len(es))
			}
		}
	}
	cur, _ := tp.Cursor("c")
	// Commits are increasing: the cursor may hold the last acknowledged one
	// or any later one that was tried (its write may have reached the disk
	// without an acknowledgement), nothing older and nothing never written.
	if n := len(committed); n > 0 {
		last := committed[n-1]
		if got := cur.Position(); got < last || got > attempted {
			return fmt.Errorf("%v: cursor at %d after crash, last acknowledged commit %d, last tried %d", c, got, last, attempted)
		}
	}
	// The log keeps working after recovery.
	off, err := tp.Append([]byte("after"))
	if err != nil || off != uint64(len(es)) {
		return fmt.Errorf("%v: append after recovery: offset %d, %v", c, off, err)
	}
	if err := l.Close(); err != nil { // waits for background seals
		return fmt.Errorf("%v: close after recovery: %w", c, err)
	}
	if rep, err := Verify(dir, Options{FS: mem}); err != nil || rep.Err() != nil {
		return fmt.Errorf("%v: verify after recovery: %v %v\n%s", c, err, rep.Err(), dumpTopicDir(mem, dir+"/topics/t"))
	}
	return nil
}

// dumpTopicDir describes a topic's files, for failure messages.
func dumpTopicDir(fs vfs.FS, dir string) string {
	names, _ := fs.List(dir)
	var out string
	for _, n := range names {
		fi, err := fs.Stat(dir + "/" + n)
		if err != nil {
			continue
		}
		out += fmt.Sprintf("  %s %d bytes", n, fi.Size())
		if base, ok := parseSegmentName(n); ok {
			if res, err := readIndexFile(fs, indexPath(dir+"/"+n), base, fi.Size()); err == nil {
				out += fmt.Sprintf(" (index: next %d end %d)", res.next, res.end)
			} else {
				out += fmt.Sprintf(" (index: %v)", err)
			}
		}
		out += "\n"
	}
	return out
}
