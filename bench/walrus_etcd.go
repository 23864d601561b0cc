//go:build !reefonly

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/raft/v3/raftpb"
	"go.etcd.io/etcd/server/v3/wal"
	"go.uber.org/zap"
)

// etcdWALName is etcd's WAL's name in results; keep the version in step with
// go.mod.
const etcdWALName = "etcd-wal-v3.5.17"

// etcd's WAL (go.etcd.io/etcd/server/v3/wal, v3.5) as a log, driven the way
// etcd's raft loop drives it. The WAL is not safe for concurrent use, and a
// raft node never calls it from many goroutines: proposals queue up, and one
// goroutine takes everything that has queued (a raft Ready) and saves it with
// one w.Save(hardState, entries), which writes the batch and fsyncs once. So
// here producers enqueue their value and wait; one writer goroutine drains
// the queue, saves the batch as raftpb entries {Index, Term, Data}, and wakes
// the producers of that batch. This group commit is what gives etcd its
// throughput under concurrency; calling Save once per append under a mutex
// would charge etcd an fsync per append that etcd itself never pays, while
// Pebble (commit pipeline) and Walrus group concurrent appends too.
//
// The writer passes an empty HardState: a raft node would also save term,
// vote and commit index, but that record is consensus state, not log, and
// would charge etcd for bytes the other sides do not write.
//
// Durability:
//   - sync: Save fsyncs (fdatasync) every non-empty batch.
//   - none: SetUnsafeNoFsync: Save still writes every batch to the file
//     (the encoder is flushed), but never fsyncs.
//   - interval: SetUnsafeNoFsync, plus a goroutine that every
//     walrusSyncInterval fdatasyncs the WAL's segment files. In v3.5.17
//     w.Sync() is exported but, once SetUnsafeNoFsync was called, it only
//     flushes the encoder and skips the fsync (and the flag cannot be
//     cleared), so calling w.Sync() alone would silently measure "none". The
//     syncer therefore calls w.Sync() under the mutex (flush, and a stable
//     view of the segment files), then fdatasyncs every segment written since
//     its last pass through its own descriptors, outside the mutex, the way
//     a background fsync does not stop appends in Pebble either. fdatasync
//     covers every byte written to the file before it starts, whatever the
//     descriptor.
//
// Cost the other sides do not share: every producer hands its value over a
// channel and waits to be woken, two goroutine switches per append. That is
// how etcd is used; in "none" mode it is visible.

// etcdQueueBound bounds the writer's queue: every producer has at most one
// append in flight, so the queue never holds more than the producers.
const etcdQueueBound = 1024

type etcdRequest struct {
	value  []byte
	offset uint64
	err    error
	done   chan struct{}
}

type etcdWAL struct {
	// mu serialises the WAL: w.Save in the writer and w.Sync in the syncer
	// (Save takes the WAL's own lock, Sync does not).
	mu sync.Mutex
	w  *wal.WAL

	dir        string
	queue      chan *etcdRequest
	writerDone chan struct{}

	// The interval syncer; nil channels when not in interval mode.
	stopSync chan struct{}
	syncDone chan struct{}
	syncErr  error // set by the syncer before it closes syncDone
}

func openEtcdWAL(dir string, d durability) (walrusLog, error) {
	walDir := filepath.Join(dir, "wal")
	w, err := wal.Create(zap.NewNop(), walDir, nil)
	if err != nil {
		return nil, err
	}
	l := &etcdWAL{
		w:          w,
		dir:        walDir,
		queue:      make(chan *etcdRequest, etcdQueueBound),
		writerDone: make(chan struct{}),
	}
	switch d {
	case durSync:
	case durInterval:
		w.SetUnsafeNoFsync()
		l.stopSync = make(chan struct{})
		l.syncDone = make(chan struct{})
		go l.syncLoop()
	case durNone:
		w.SetUnsafeNoFsync()
	default:
		w.Close()
		return nil, fmt.Errorf("unknown durability %v", d)
	}
	go l.writeLoop()
	return l, nil
}

// writeLoop is the raft loop's storage half: take what has queued, save it
// in one batch, acknowledge it.
func (l *etcdWAL) writeLoop() {
	defer close(l.writerDone)
	batch := make([]*etcdRequest, 0, etcdQueueBound)
	ents := make([]raftpb.Entry, 0, etcdQueueBound)
	next := uint64(1) // raft indexes start at 1
	for {
		r, ok := <-l.queue
		if !ok {
			return
		}
		batch = append(batch[:0], r)
	drain:
		for len(batch) < etcdQueueBound {
			select {
			case r, ok := <-l.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		ents = ents[:0]
		for _, r := range batch {
			r.offset = next - 1
			ents = append(ents, raftpb.Entry{Term: 1, Index: next, Type: raftpb.EntryNormal, Data: r.value})
			next++
		}
		l.mu.Lock()
		err := l.w.Save(raftpb.HardState{}, ents)
		l.mu.Unlock()
		for _, r := range batch {
			r.err = err
			r.done <- struct{}{}
		}
	}
}

// syncLoop fdatasyncs the WAL every walrusSyncInterval until stopSync closes.
func (l *etcdWAL) syncLoop() {
	defer close(l.syncDone)
	files := map[string]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	last := "" // the newest segment synced so far; older ones are complete
	t := time.NewTicker(walrusSyncInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stopSync:
			return
		case <-t.C:
		}
		l.mu.Lock()
		err := l.w.Sync()
		var names []string
		if err == nil {
			names, err = etcdSegments(l.dir)
		}
		l.mu.Unlock()
		if err != nil {
			l.syncErr = fmt.Errorf("interval sync: %w", err)
			return
		}
		for _, name := range names {
			if name < last {
				continue
			}
			f := files[name]
			if f == nil {
				if f, err = os.Open(filepath.Join(l.dir, name)); err != nil {
					l.syncErr = fmt.Errorf("interval sync: %w", err)
					return
				}
				files[name] = f
			}
			if err := fdatasync(f); err != nil {
				l.syncErr = fmt.Errorf("interval sync %s: %w", name, err)
				return
			}
			last = name
		}
		// Segments older than last are complete and synced: drop their fds.
		for name, f := range files {
			if name < last {
				f.Close()
				delete(files, name)
			}
		}
	}
}

// etcdSegments lists the WAL's segment files, oldest first. Their names,
// %016x-%016x.wal (sequence, first index), sort in the order written.
func etcdSegments(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".wal") {
			names = append(names, de.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func (l *etcdWAL) Appender() walrusAppender {
	return &etcdAppender{log: l, req: etcdRequest{done: make(chan struct{}, 1)}}
}

func (l *etcdWAL) Close() error {
	close(l.queue)
	<-l.writerDone
	var syncErr error
	if l.stopSync != nil {
		close(l.stopSync)
		<-l.syncDone
		syncErr = l.syncErr
	}
	return errors.Join(l.w.Close(), syncErr)
}

// etcdAppender reuses one request: its producer has one append in flight.
type etcdAppender struct {
	log *etcdWAL
	req etcdRequest
}

func (a *etcdAppender) Append(value []byte) (uint64, error) {
	a.req.value = value
	a.log.queue <- &a.req
	<-a.req.done
	a.req.value = nil
	return a.req.offset, a.req.err
}
