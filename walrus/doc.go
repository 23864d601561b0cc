// Package walrus is Reef's log engine: topics of segmented, checksummed,
// append-only files, addressed by 64-bit offsets.
//
// # Model
//
// A Log is a directory of topics. A topic is a sequence of entries; each entry
// has an offset (0, 1, 2, … with no gaps), a timestamp (unix ns, never
// decreasing along the topic; the entries of one frame share the time the
// frame was begun, at most one flush cycle before their append) and a value. Entries are stored in frames (one
// or more entries with one CRC32C) in segment files; the last segment is
// active, the others are sealed and each has a sparse offset index file, so a
// read at any offset costs a binary search and a short scan. The formats are
// in docs/format/walrus.md.
//
// # What an acknowledgement promises
//
//   - Sync: Append returns after the entry's frame is written and
//     fdatasync'ed. Concurrent appends are group-committed: one write and one
//     fdatasync per group; an appender that finds the topic idle runs the
//     group itself, so a lone producer pays no goroutine hand-off. An
//     acknowledged entry survives process crash and
//     power loss. Readers see only synced entries, so nothing a reader saw can
//     be taken back by a crash.
//   - Interval: Append returns once the entry is in the topic's write buffer
//     (bounded by MaxPendingBytes). A flusher writes buffered frames to the
//     file continuously and a syncer fdatasyncs every SyncInterval; a crash
//     can lose the entries acknowledged since the last completed fdatasync
//     (about SyncInterval of data, plus one fdatasync's duration).
//   - None: as Interval without the syncer; a power loss can lose any
//     entry of the active segment (Close does not sync either). Sealing a
//     segment still syncs it, once per SegmentSizeBytes, so that what
//     survives stays a prefix.
//
// In every mode, what survives a crash is a prefix of the topic: recovery
// keeps every valid frame up to the first one that does not verify and cuts
// the rest, so there is never a hole in the middle. AppendBatch writes its
// entries as one frame, so a batch survives whole or not at all. Cursor
// commits are always fdatasync'ed before Commit returns.
//
// Outside Sync mode, Read first waits for the flusher to write what was
// appended before the call, so a goroutine reads its own appends. A Log
// opened ReadOnly takes no lock and follows what another process appends
// (written entries, synced or not).
//
// # Failures
//
// A failed write or fdatasync makes the topic fail: every later Append returns
// the error (after a failed fdatasync the kernel may have dropped the dirty
// pages, so retrying cannot be trusted). Reopen the Log to recover. Corrupt
// data is reported with errors.Is(err, ErrCorrupt) and never returned as
// entries; Verify checks a whole log.
//
// # Concurrency
//
// Log, Topic and Cursor are safe for concurrent use. Each topic runs one
// flush cycle at a time (Topic.flushing): its flusher goroutine, or in Sync
// mode an appender that found the topic idle. In Interval mode a syncer
// goroutine fdatasyncs; full segments are sealed by short-lived background
// goroutines. Appenders hold Topic.mu only to encode into the buffer. Lock
// order is written on Topic.
//
// # I/O
//
// Segments are preallocated (fallocate) and written with pwrite from one
// flusher per topic; fdatasync per group in Sync mode. Options.IO chooses
// between the page cache and O_DIRECT (aligned blocks, reads stay buffered);
// the default uses O_DIRECT in Sync mode only, where it measured faster.
// Sealing a full segment (truncate, fdatasync, index) runs in the background
// while appends go to the next one.
//
// # Bounds
//
// MaxEntryBytes, MaxBatchBytes, MaxPendingBytes (appenders wait when the
// buffer is full), SegmentSizeBytes, MaxOpenFiles (ErrTooManyOpenFiles when
// the budget cannot be met) and the topic name rules (ErrInvalidTopicName).
package walrus
