// Package persist is Nubmq's persistence: an append-only file (AOF) of
// effects on Walrus, compacted by rewrites into snapshot files, and the
// snapshot files themselves for SAVE/BGSAVE. Formats:
// docs/format/nubmq-persist.md.
//
// # Types
//
//   - Record, WriteSnapshot, ReadSnapshot: a snapshot file, one Record per
//     key (a large hash may span several), each frame CRC32C-checked, with a
//     trailer that counts and chains the records, so truncation is caught.
//     Written to path.tmp, fdatasync'ed, renamed, directory synced.
//   - AOF (Open): the log. Append encodes a command into a pending buffer;
//     a flusher goroutine writes it to the current Walrus topic; Sync waits
//     until a command is written per the Fsync policy; Load replays the
//     base snapshot and the topics at startup; Rewrite compacts.
//
// # Caller's obligations, in order
//
//  1. Open, then Load once into an empty keyspace, before the first Append
//     and before any Rewrite.
//  2. Log effects, not requests: every Append is an absolute, idempotent
//     command (SET k v PXAT ms, DEL k, HSET k f v, HDEL k f, PEXPIREAT k ms,
//     PERSIST k, FLUSHALL …), never INCR or a relative EXPIRE.
//  3. Append under the lock that orders writes to the key, so that for
//     every key the log's order is the order its effects were applied in.
//  4. Before replying to a batch of write commands, Sync(last seq) and
//     reply with an error if it fails.
//  5. During replay, treat a command that does not fit the key's current
//     type (WRONGTYPE) as a no-op, not an error (see below).
//  6. Close at shutdown.
//
// # Durability per policy (what an acknowledgement, Sync returning nil,
// promises)
//
//   - FsyncAlways: the command is written and fdatasync'ed (Walrus Sync
//     mode). It survives kill -9 and power loss. Concurrent Syncs share one
//     write and one fdatasync: the flusher takes everything pending at once.
//   - FsyncEverySec: the command is written to the OS (Walrus Interval mode,
//     then Topic.Flush), so it survives kill -9; Walrus fdatasyncs every
//     second, so a power loss loses about the last second.
//   - FsyncNo: written to the OS, survives kill -9; a power loss can lose
//     anything since the last segment seal (Walrus None mode).
//
// In every mode what Load replays is a prefix of what was appended: command
// sequence numbers are stored with the entries and checked for holes, a
// generation's topic is fdatasync'ed before the MANIFEST names the next one,
// and a command split over several Walrus entries that a crash cut short is
// discarded (Open writes an abort marker after its pieces, logged, as
// Redis's aof-load-truncated). Anything else that does not verify is an
// error wrapping ErrCorrupt, never replayed.
//
// # Layout
//
//	<Dir>/MANIFEST            base snapshot generation + the AOF topics to replay, in order
//	<Dir>/base-000007.snap    the base snapshot (WriteSnapshot format)
//	<Dir>/aof/                a Walrus log; topics aof-000007, aof-000008, …
//
// # Rewrite, and why a fuzzy snapshot is correct
//
// Rewrite (1) creates topic N+1, (2) under the append mutex places a switch
// point in the pending stream: every command appended before it goes to the
// old topics, every later one to N+1; the flusher fdatasyncs the old topic
// and durably writes MANIFEST "base old, topics old…, N+1" before writing
// to N+1; (3) writes base-(N+1).snap from iterate while writes go on, then
// makes every command appended so far durable in N+1 whatever the policy
// (the snapshot may hold effects of commands not yet written, and once it is
// the base, the log must not end before them, or a crash would load a state
// that is no prefix of the history); (4) durably writes MANIFEST "base N+1,
// topics N+1"; (5) deletes the old topics and snapshot. A crash anywhere
// leaves a MANIFEST naming complete files; Open removes what it does not
// name.
//
// The snapshot is fuzzy: each key is read at some moment after the switch,
// under its lock. Take one key: its effects before the switch were all
// applied before iterate started (they were appended, under the key's lock,
// before the switch), so the snapshot's value of the key is the result of
// all its pre-switch effects plus a prefix P of its post-switch effects
// e1…ek, which are all in N+1. Load applies e1…ek again on top. Every effect
// is an assignment of part of the key's state (its value, a field, its
// expiry, or the whole key for SET, DEL and FLUSHALL) that depends on
// nothing but its arguments and on whether the key exists; so after e1…ek,
// each part that any of them assigns holds the last value assigned, and
// every other part is untouched by e1…ek and so by P too: the same state as
// replaying e1…ek on the pre-switch state. The one exception is a type
// clash: e1 = HSET k f v replayed on a snapshot where k is by then a string
// (because a later DEL k, SET k s is in P). Such a command must be a no-op
// on replay; the later whole-key effect that changed the type comes after
// it in e1…ek and sets the key right.
//
// # Concurrency
//
// AOF is safe for concurrent use. Append and Sync share one mutex (mu),
// held only to copy into the pending buffer or read watermarks; the flusher
// is the only goroutine that writes to Walrus, swapping the pending buffer
// out under mu and writing without it. Lock order: manifestMu → mu. Append
// blocks only while MaxPendingBytes are waiting for the flusher, and the
// flusher never takes a caller's lock. One Rewrite runs at a time.
//
// # Bounds
//
// MaxPendingBytes (Append waits), MaxEntryBytes and MaxBatchBytes (Walrus
// entries and frames; larger commands are split), snapshot hash chunks of
// 64 MiB of fields, 65536 topics in a MANIFEST.
package persist
