package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/reefdb/reef/satori"
)

// reefEngine is SatoriDB: buckets on disk in the run's directory, the
// router and the id index in RAM. It is built through the public API
// (UpsertBatch in chunks with background maintenance on, then Flush), as
// an application would, and searched with SearchInto, one query per call.
type reefEngine struct {
	db      *satori.DB
	probes  int
	buckets int       // after Build
	bufs    sync.Pool // *[]satori.Result
	desc    string
}

func init() {
	registerVectorEngine("reef", func() vectorEngine { return &reefEngine{} })
}

func (e *reefEngine) Name() string     { return "reef" }
func (e *reefEngine) KnobName() string { return "probes" }

// Knobs sweeps the buckets probed per query, up to the first value that
// reads every bucket (more would measure the same search again).
func (e *reefEngine) Knobs() []int {
	var out []int
	for _, p := range []int{2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048} {
		out = append(out, p)
		if e.buckets > 0 && p >= e.buckets {
			break
		}
	}
	return out
}

func (e *reefEngine) SetKnob(v int) error {
	e.probes = v
	return nil
}

func (e *reefEngine) Describe() string { return e.desc }

func (e *reefEngine) Build(ctx context.Context, dir string, ds *vectorDataset, progress io.Writer) error {
	// Maintenance failures go to the progress log: a build that stalls
	// says why (and writes fail with satori.ErrStalled rather than hang).
	logger := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := satori.Open(dir, satori.Options{Dim: ds.Dim, Durability: satori.SyncNone, Logger: logger})
	if err != nil {
		return err
	}
	e.db = db
	start := time.Now()
	const chunk = 2_000 // vectors read at a time (the harness's buffer, reused)
	err = ds.EachBaseChunk(chunk, func(first int, vecs []float32) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		items := make([]satori.Item, len(vecs)/ds.Dim)
		for i := range items {
			items[i] = satori.Item{ID: uint64(first + i), Vector: vecs[i*ds.Dim : (i+1)*ds.Dim]}
		}
		for lo := 0; lo < len(items); lo += 1000 {
			if err := db.UpsertBatch(items[lo:min(lo+1000, len(items))]); err != nil {
				return err
			}
		}
		if done := first + len(items); done%100_000 == 0 {
			fmt.Fprintf(progress, "reef: %d vectors in %.1fs\n", done, time.Since(start).Seconds())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := db.Flush(); err != nil {
		return err
	}
	st := db.Stats()
	e.buckets = st.Buckets
	e.desc = fmt.Sprintf("satori: %d buckets of %d..%d vectors (mean %.0f), %d MB of live buckets in %d MB of segment files, router %d KB, probe slack %g, durability none",
		st.Buckets, st.MinBucketSize, st.MaxBucketSize, st.MeanBucketSize, st.DiskBytes>>20, st.FileBytes>>20, st.RouterBytes>>10, satori.DefaultProbeSlack)
	fmt.Fprintf(progress, "reef: built in %.1fs: %s\n", time.Since(start).Seconds(), e.desc)
	return nil
}

func (e *reefEngine) Search(q []float32, k int, out []int64) ([]int64, error) {
	bp, _ := e.bufs.Get().(*[]satori.Result)
	if bp == nil {
		bp = new([]satori.Result)
	}
	defer e.bufs.Put(bp)
	res, err := e.db.SearchInto(context.Background(), q, k, satori.SearchOptions{Probes: e.probes}, (*bp)[:0])
	*bp = res
	if err != nil {
		return nil, err
	}
	out = out[:0]
	for _, r := range res {
		out = append(out, int64(r.ID))
	}
	return out, nil
}

func (e *reefEngine) Close() error {
	if e.db == nil {
		return nil
	}
	return e.db.Close()
}
