//go:build !reefonly

package main

import (
	"errors"
	"fmt"

	"github.com/reefdb/reef/walrus"
)

// Reef's Walrus, through its public API only: one topic, every producer
// calling Topic.Append concurrently (a *walrus.Topic is safe for concurrent
// use). Durability maps one to one: sync → walrus.Sync (Append returns after
// the fsync), interval → walrus.Interval with SyncInterval =
// walrusSyncInterval, none → walrus.None.

type reefWalrus struct {
	// close is the opened log's Close; holding the method value rather than
	// the log keeps this file independent of what walrus.Open's type is named.
	close func() error
	topic *walrus.Topic
}

func openReefWalrus(dir string, d durability) (walrusLog, error) {
	return openReefWalrusIO(dir, d, "auto")
}

// reefIOOpener opens Walrus with one of its I/O paths: "pwrite" (the
// default), "direct" (IODirect) or "uring" (vfs.NewURing); see walrus.IOOptions.
func reefIOOpener(io string) walrusOpener {
	return func(dir string, d durability) (walrusLog, error) { return openReefWalrusIO(dir, d, io) }
}

func openReefWalrusIO(dir string, d durability, io string) (walrusLog, error) {
	opts, err := walrus.IOOptions(walrus.Options{SyncInterval: walrusSyncInterval}, io)
	if err != nil {
		return nil, err
	}
	switch d {
	case durSync:
		opts.Durability = walrus.Sync
	case durInterval:
		opts.Durability = walrus.Interval
	case durNone:
		opts.Durability = walrus.None
	default:
		return nil, fmt.Errorf("unknown durability %v", d)
	}
	l, err := walrus.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := l.CreateTopic(walrusTopic); err != nil {
		return nil, errors.Join(err, l.Close())
	}
	t, err := l.Topic(walrusTopic)
	if err != nil {
		return nil, errors.Join(err, l.Close())
	}
	return &reefWalrus{close: l.Close, topic: t}, nil
}

func (r *reefWalrus) Appender() walrusAppender { return reefAppender{r.topic} }

func (r *reefWalrus) Close() error { return r.close() }

// Drain hands Walrus's append buffer to the OS (no fsync), so buffered modes
// are timed until their bytes are in the page cache.
func (r *reefWalrus) Drain() error { return r.topic.Flush() }

type reefAppender struct{ topic *walrus.Topic }

func (a reefAppender) Append(value []byte) (uint64, error) { return a.topic.Append(value) }
