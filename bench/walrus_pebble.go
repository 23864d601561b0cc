//go:build !reefonly

package main

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
)

// pebbleName is Pebble's name in results; keep the version in step with go.mod.
const pebbleName = "pebble-v1.1.2"

// Pebble as an embedded log: append i is Set("bench/"+bigendian(i), value),
// one single-key batch per append, offsets from an atomic counter. Pebble's
// commit pipeline groups concurrent commits into one WAL write and one fsync,
// as Walrus may, so concurrent producers are not penalised.
//
// Durability:
//   - sync: every Set uses pebble.Sync and returns after the WAL fsync.
//   - none: every Set uses pebble.NoSync; the WAL is still written (DisableWAL
//     stays false), just never fsynced while appending.
//   - interval: NoSync Sets, plus a goroutine that every walrusSyncInterval
//     commits a synced LogData record, which fsyncs the WAL and so everything
//     written before it. (An empty synced batch would not do: Pebble's commit
//     pipeline returns early for empty batches without touching the WAL.)
//
// Options follow how CockroachDB configures Pebble for write-heavy work: a 64
// MiB memtable, up to 4 memtables queued before writes stall, and L0 allowed
// to grow so that a short run never hits a write stall that a log would not
// have. Sequential keys make flushed tables non-overlapping, so compactions
// are cheap moves.

var pebbleKeyPrefix = []byte("bench/\x00\x00")

const pebbleKeyBytes = 16 // 8-byte prefix + 8-byte big-endian offset

type pebbleLog struct {
	db   *pebble.DB
	wo   *pebble.WriteOptions
	next atomic.Uint64

	// The interval syncer; nil channels when not in interval mode.
	stopSync chan struct{}
	syncDone chan struct{}
	syncErr  error // set by the syncer before it closes syncDone
}

// quietLogger drops Pebble's informational logging; fatal errors still stop
// the process, as with Pebble's default logger.
type quietLogger struct{}

func (quietLogger) Infof(format string, args ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

func openPebbleLog(dir string, d durability) (walrusLog, error) {
	opts := &pebble.Options{
		MemTableSize:                64 << 20,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       2,
		L0StopWritesThreshold:       1000,
		DisableWAL:                  false,
		Logger:                      quietLogger{},
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	l := &pebbleLog{db: db, wo: pebble.NoSync}
	switch d {
	case durSync:
		l.wo = pebble.Sync
	case durInterval:
		l.stopSync = make(chan struct{})
		l.syncDone = make(chan struct{})
		go l.syncLoop()
	case durNone:
	default:
		db.Close()
		return nil, fmt.Errorf("unknown durability %v", d)
	}
	return l, nil
}

// syncLoop fsyncs the WAL every walrusSyncInterval until stopSync closes.
func (l *pebbleLog) syncLoop() {
	defer close(l.syncDone)
	t := time.NewTicker(walrusSyncInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stopSync:
			return
		case <-t.C:
			if err := l.db.LogData(nil, pebble.Sync); err != nil {
				l.syncErr = fmt.Errorf("interval sync: %w", err)
				return
			}
		}
	}
}

func (l *pebbleLog) Appender() walrusAppender { return &pebbleAppender{log: l} }

func (l *pebbleLog) Close() error {
	var syncErr error
	if l.stopSync != nil {
		close(l.stopSync)
		<-l.syncDone
		syncErr = l.syncErr
	}
	if err := l.db.Close(); err != nil {
		return err
	}
	return syncErr
}

// pebbleAppender owns its key buffer; Pebble copies key and value into the
// batch, so both can be reused as soon as Set returns.
type pebbleAppender struct {
	log *pebbleLog
	key [pebbleKeyBytes]byte
}

func (a *pebbleAppender) Append(value []byte) (uint64, error) {
	off := a.log.next.Add(1) - 1
	copy(a.key[:], pebbleKeyPrefix)
	binary.BigEndian.PutUint64(a.key[len(pebbleKeyPrefix):], off)
	if err := a.log.db.Set(a.key[:], value, a.log.wo); err != nil {
		return 0, err
	}
	return off, nil
}
