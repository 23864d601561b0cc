package walrus

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/vfs"
)

var modelSeeds = flag.Int("walrus.model-seeds", 100, "seeds for the model test")
var modelSeed = flag.Uint64("walrus.model-seed", 0, "run only this model seed")

// model is the dumb reference: a slice per topic and a map of commits.
type model struct {
	topics  map[string][][]byte
	first   map[string]uint64 // first retained offset
	commits map[string]map[string]uint64
}

func TestModel(t *testing.T) {
	seeds := []uint64{}
	if *modelSeed != 0 {
		seeds = append(seeds, *modelSeed)
	} else {
		n := *modelSeeds
		if testing.Short() {
			n = 20
		}
		for s := uint64(1); s <= uint64(n); s++ {
			seeds = append(seeds, s)
		}
	}
	for _, seed := range seeds {
		if err := runModel(seed, 1000); err != nil {
			t.Fatalf("seed %d: %v\nreplay: go test ./walrus -run TestModel -walrus.model-seed=%d", seed, err, seed)
		}
	}
}

func runModel(seed uint64, steps int) error {
	rng := rand.New(rand.NewPCG(seed, 0x30de1))
	fs := vfs.NewMem()
	d := Durability(rng.IntN(3))
	opts := Options{
		FS: fs, Durability: d, SyncInterval: time.Millisecond,
		SegmentSizeBytes:   int64(4096 + rng.IntN(16<<10)),
		IndexIntervalBytes: 64 + rng.IntN(2048),
		FrameTargetBytes:   64 + rng.IntN(4096),
		MaxOpenFiles:       12 + rng.IntN(8), // 3 topics × up to 3 fixed handles, plus reads and seals
		MaxPendingBytes:    1024 + rng.IntN(64<<10),
		IO:                 IOMode(rng.IntN(3)),
	}
	l, err := Open("/m", opts)
	if err != nil {
		return err
	}
	defer func() { l.Close() }()
	m := model{topics: map[string][][]byte{}, first: map[string]uint64{}, commits: map[string]map[string]uint64{}}
	names := []string{"a", "b", "c"}
	cursors := []string{"x", "y"}
	value := func() []byte {
		n := rng.IntN(200)
		if rng.IntN(30) == 0 {
			n = rng.IntN(9000)
		}
		v := make([]byte, n)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		return v
	}
	for step := 0; step < steps; step++ {
		name := names[rng.IntN(len(names))]
		tp, err := l.Topic(name)
		if _, ok := m.topics[name]; !ok {
			if !errors.Is(err, ErrTopicNotFound) {
				return fmt.Errorf("step %d: topic %s should not exist: %v", step, name, err)
			}
			if err := l.CreateTopic(name); err != nil {
				return fmt.Errorf("step %d: create: %w", step, err)
			}
			m.topics[name], m.commits[name] = nil, map[string]uint64{}
			continue
		}
		if err != nil {
			return fmt.Errorf("step %d: topic %s: %w", step, name, err)
		}
		all := m.topics[name]
		switch op := rng.IntN(100); {
		case op < 40: // append
			v := value()
			off, err := tp.Append(v)
			if err != nil || off != uint64(len(all)) {
				return fmt.Errorf("step %d: append: offset %d (want %d), %v", step, off, len(all), err)
			}
			m.topics[name] = append(all, v)
		case op < 50: // batch
			batch := make([][]byte, rng.IntN(5))
			for i := range batch {
				batch[i] = value()
			}
			off, err := tp.AppendBatch(batch)
			if err != nil || off != uint64(len(all)) {
				return fmt.Errorf("step %d: batch: offset %d (want %d), %v", step, off, len(all), err)
			}
			m.topics[name] = append(all, batch...)
		case op < 75: // stateless read
			from := uint64(rng.IntN(len(all) + 3))
			maxE, maxB := rng.IntN(20), rng.IntN(3000)
			es, err := tp.Read(from, maxE, maxB)
			if err := m.checkRead(name, from, maxE, maxB, es, err); err != nil {
				return fmt.Errorf("step %d: read %s from %d max %d/%dB: %w", step, name, from, maxE, maxB, err)
			}
		case op < 85: // cursor read + commit
			cn := cursors[rng.IntN(len(cursors))]
			c, err := tp.Cursor(cn)
			if err != nil {
				return err
			}
			want, ok := m.commits[name][cn]
			if !ok {
				want = m.first[name]
			}
			if c.Position() != want {
				return fmt.Errorf("step %d: cursor %s/%s at %d, want %d", step, name, cn, c.Position(), want)
			}
			from := c.Position()
			maxE := 1 + rng.IntN(10)
			es, err := c.Next(maxE, 0)
			if err := m.checkRead(name, from, maxE, 0, es, err); err != nil {
				return fmt.Errorf("step %d: cursor next: %w", step, err)
			}
			if rng.IntN(2) == 0 {
				if err := c.Commit(c.Position()); err != nil {
					return err
				}
				m.commits[name][cn] = c.Position()
			}
		case op < 92: // clean reopen
			if err := l.Close(); err != nil {
				return fmt.Errorf("step %d: close: %w", step, err)
			}
			if l, err = Open("/m", opts); err != nil {
				return fmt.Errorf("step %d: reopen: %w", step, err)
			}
		case op < 95: // retention down to a random size
			l.opts.RetentionBytes = int64(rng.IntN(40 << 10))
			l.EnforceRetention()
			l.opts.RetentionBytes = 0
			for n, vs := range m.topics {
				tn, _ := l.Topic(n)
				first, next := tn.Bounds()
				if next != uint64(len(vs)) || first < m.first[n] || first > next {
					return fmt.Errorf("step %d: %s bounds after retention %d..%d, model %d..%d", step, n, first, next, m.first[n], len(vs))
				}
				m.first[n] = first
			}
		default: // bounds
			first, next := tp.Bounds()
			if first != m.first[name] || next != uint64(len(all)) {
				return fmt.Errorf("step %d: bounds %d..%d, model %d..%d", step, first, next, m.first[name], len(all))
			}
		}
	}
	for name := range m.topics {
		tp, _ := l.Topic(name)
		es, err := tp.Read(m.first[name], 0, 0)
		if err := m.checkRead(name, m.first[name], 0, 0, es, err); err != nil {
			return fmt.Errorf("final read of %s: %w", name, err)
		}
	}
	if err := l.Close(); err != nil { // waits for background seals and deletions
		return fmt.Errorf("close: %w", err)
	}
	if rep, err := Verify("/m", Options{FS: fs}); err != nil || rep.Err() != nil {
		return fmt.Errorf("verify: %v %v", err, rep.Err())
	}
	return nil
}

// checkRead compares a Read's result with what the model says it must be.
func (m *model) checkRead(name string, from uint64, maxE, maxB int, es []Entry, err error) error {
	all := m.topics[name]
	if from < m.first[name] {
		if !errors.Is(err, ErrOffsetOutOfRange) {
			return fmt.Errorf("below first %d: err %v, want ErrOffsetOutOfRange", m.first[name], err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	var want []Entry
	used := 0
	for off := from; off < uint64(len(all)); off++ {
		v := all[off]
		if (maxE > 0 && len(want) >= maxE) || (maxB > 0 && len(want) > 0 && used+len(v) > maxB) {
			break
		}
		want = append(want, Entry{Offset: off, Value: v})
		used += len(v)
	}
	if len(es) != len(want) {
		return fmt.Errorf("got %d entries, model has %d", len(es), len(want))
	}
	for i := range want {
		if es[i].Offset != want[i].Offset || !bytes.Equal(es[i].Value, want[i].Value) {
			return fmt.Errorf("entry %d: offset %d (%d bytes), model offset %d (%d bytes)", i, es[i].Offset, len(es[i].Value), want[i].Offset, len(want[i].Value))
		}
		if i > 0 && es[i].Time < es[i-1].Time {
			return fmt.Errorf("entry %d: time goes backwards", i)
		}
	}
	return nil
}
