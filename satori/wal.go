package satori

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/walrus"
)

// wal is the write-ahead log: a sequence of Walrus topics ("gen-<n>"),
// one generation written at a time. A generation is rotated once it holds
// a quarter of Options.LogBytes, and deleted once every record in it is
// below the checkpoint (reflected in committed buckets), so the log stays
// about as long as the changes not yet written out.
type wal struct {
	log      *walrus.Log
	rotateAt int64

	mu   sync.Mutex
	gens []*gen // oldest first; the last is written
}

// gen is one generation of the log.
type gen struct {
	num    uint64
	topic  *walrus.Topic
	bytes  atomic.Int64
	maxLSN atomic.Uint64 // the largest LSN appended to it
}

const genPrefix = "gen-"

func genName(n uint64) string { return fmt.Sprintf("%s%012d", genPrefix, n) }

func openWAL(dir string, opts Options) (*wal, error) {
	l, err := walrus.Open(dir, walrus.Options{
		FS:               opts.FS,
		Durability:       opts.Durability,
		SyncInterval:     opts.SyncInterval,
		SegmentSizeBytes: min(64<<20, max(1<<20, opts.LogBytes/8)),
		MaxBatchBytes:    maxBatchBytes,
		MaxEntryBytes:    maxBatchBytes,
		// The topic's two buffers stay at their largest for its life (a
		// write batch can pass the bound; the buffer is then dropped after
		// its flush). At 1 MiB they held 9 MB after a 1M-vector load,
		// 1.7% of the raw vectors; at 256 KiB, under 0.5 MB.
		MaxPendingBytes: 256 << 10,
		Logger:          opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("satori: open log: %w", err)
	}
	w := &wal{log: l, rotateAt: max(1<<20, opts.LogBytes/4)}
	var nums []uint64
	for _, name := range l.Topics() {
		s, ok := strings.CutPrefix(name, genPrefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			continue
		}
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		t, err := l.Topic(genName(n))
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("satori: open log generation %d: %w", n, err)
		}
		w.gens = append(w.gens, &gen{num: n, topic: t})
	}
	return w, nil
}

// maxBatchBytes bounds one log frame: a batch larger than this is split.
const maxBatchBytes = 32 << 20

// replay calls fn with every record of every generation, oldest first, and
// notes each generation's largest LSN and size. It is called once, before
// any append.
func (w *wal) replay(fn func(g *gen, value []byte) error) error {
	for _, g := range w.gens {
		first, next := g.topic.Bounds()
		for off := first; off < next; {
			es, err := g.topic.Read(off, 1024, 16<<20)
			if err != nil {
				return fmt.Errorf("satori: read log generation %d at %d: %w", g.num, off, err)
			}
			if len(es) == 0 {
				return fmt.Errorf("%w: log generation %d ends at %d, before %d", ErrCorrupt, g.num, off, next)
			}
			for _, e := range es {
				g.bytes.Add(int64(len(e.Value)))
				if err := fn(g, e.Value); err != nil {
					return fmt.Errorf("satori: log generation %d entry %d: %w", g.num, e.Offset, err)
				}
			}
			off = es[len(es)-1].Offset + 1
		}
	}
	return nil
}

// current returns the generation to append records up to maxLSN to,
// starting or rotating one when needed, and notes maxLSN in it under mu:
// trim, which decides under mu, then never deletes a generation a record
// is about to enter (the record is in flight, so the checkpoint is at or
// below its LSN, hence below the generation's maxLSN).
func (w *wal) current(maxLSN uint64) (*gen, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.gens); n == 0 || w.gens[n-1].bytes.Load() >= w.rotateAt {
		var num uint64
		if n > 0 {
			num = w.gens[n-1].num + 1
		}
		name := genName(num)
		if err := w.log.CreateTopic(name); err != nil {
			return nil, fmt.Errorf("satori: start log generation %d: %w", num, err)
		}
		t, err := w.log.Topic(name)
		if err != nil {
			return nil, fmt.Errorf("satori: start log generation %d: %w", num, err)
		}
		w.gens = append(w.gens, &gen{num: num, topic: t})
	}
	g := w.gens[len(w.gens)-1]
	if maxLSN > g.maxLSN.Load() {
		g.maxLSN.Store(maxLSN)
	}
	return g, nil
}

// append writes records (one frame) whose largest LSN is maxLSN and
// returns once they are as durable as the mode promises.
func (w *wal) append(recs [][]byte, maxLSN uint64) error {
	g, err := w.current(maxLSN)
	if err != nil {
		return err
	}
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	g.bytes.Add(int64(size))
	if len(recs) == 1 {
		_, err = g.topic.Append(recs[0])
	} else {
		_, err = g.topic.AppendBatch(recs)
	}
	if err != nil {
		return fmt.Errorf("satori: append to log: %w", err)
	}
	return nil
}

// sync makes every appended record durable (for SyncInterval and
// SyncNone, before a bucket commit moves the checkpoint past it).
func (w *wal) sync() error {
	w.mu.Lock()
	gens := slices.Clone(w.gens)
	w.mu.Unlock()
	for _, g := range gens {
		if err := g.topic.Sync(); err != nil {
			return fmt.Errorf("satori: sync log generation %d: %w", g.num, err)
		}
	}
	return nil
}

// size returns the bytes in all generations.
func (w *wal) size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, g := range w.gens {
		n += g.bytes.Load()
	}
	return n
}

// trim deletes the generations, other than the one being written, whose
// records are all below checkpoint. It must run after the commit that
// moved the checkpoint is durable.
func (w *wal) trim(checkpoint uint64) error {
	w.mu.Lock()
	var drop []*gen
	for len(w.gens) > 1 && w.gens[0].maxLSN.Load() < checkpoint {
		drop = append(drop, w.gens[0])
		w.gens = w.gens[1:]
	}
	w.mu.Unlock()
	for _, g := range drop {
		if err := w.log.DeleteTopic(genName(g.num)); err != nil {
			return fmt.Errorf("satori: delete log generation %d: %w", g.num, err)
		}
	}
	return nil
}

// trimTarget returns the checkpoint that would let trim drop the oldest
// generation: maintenance writes out the changes below it when the log
// grows past Options.LogBytes. 0 when there is nothing to drop.
func (w *wal) trimTarget() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.gens) < 2 {
		return 0
	}
	return w.gens[0].maxLSN.Load() + 1
}

func (w *wal) close() error { return w.log.Close() }
