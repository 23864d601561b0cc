// Package vfs is the only way Reef engines touch files. An engine opens,
// writes, syncs, renames and removes files through an FS, so the same engine
// code runs over the operating system in production and over an in-memory
// file system in tests, where a test can fail any operation and cut the
// power at any point.
//
// # Types
//
//   - FS and File: the interface engines program against (vfs.go).
//   - Default: the operating system (Linux only): fdatasync, fallocate, flock.
//   - MemFS: an in-memory FS that models durability strictly and can Crash.
//   - InjectingFS: wraps any FS and fails the operations its Rules select.
//   - Package vfstest: the conformance tests every FS must pass.
//   - NewURing: Default, except that File.WriteAt, File.Sync (fdatasync;
//     directories keep fsync) and WriteAtSync go through one shared io_uring
//     ring (internal/uring). It fails with uring.ErrUnavailable where
//     io_uring cannot run; fall back to Default, which behaves the same.
//   - SyncWriter and WriteAtSync (syncwriter.go): write and make durable in
//     one step (one linked submission on NewURing). Files without it get
//     WriteAt followed by Sync.
//   - DirectOpener and OpenDirect (direct.go): O_DIRECT files; MemFS
//     enforces the alignment so direct paths run under the same tests.
//
// # Errors
//
// Errors read "vfs: <action> <name>: <cause>" and wrap the cause, so
// errors.Is(err, fs.ErrNotExist) and errors.Is(err, syscall.ENOSPC) work on
// every implementation; MemFS uses the errnos the OS would. io.EOF from
// reads is returned unwrapped. The sentinels: ErrLocked from FS.Lock,
// ErrInjected for every fault an InjectingFS injects, and ErrCrashed from a
// MemFS handle opened before a Crash.
//
// # What a caller must do to make something durable
//
// On a POSIX file system, and therefore in MemFS, data and names become
// durable separately:
//
//  1. A file's content (and size) is durable once File.Sync returns nil
//     (WriteAtSync returning nil counts as WriteAt followed by Sync).
//  2. A file's name is durable once its directory is synced:
//     OpenDir(dir), Sync, Close. Creating, renaming and removing files and
//     directories (including the file Lock creates and each directory
//     MkdirAll creates) all need this.
//  3. To replace a file atomically: write a temporary file, Sync it,
//     Rename it over the target, sync the directory.
//  4. After a failed Sync, assume nothing about the file: on Linux the
//     kernel may already have dropped the unwritten pages. Rewrite it, or
//     stop.
//
// # The MemFS durability model
//
// Engine crash tests rely on exactly this, so it is precise.
//
// A file is an inode with current content (what reads see) and durable
// content. Write, WriteAt, Truncate, Preallocate and Create over an existing
// file change the current content and append to the file's list of unsynced
// mutations. File.Sync, through any handle of the file, including a
// read-only one and one to a removed file, applies that list to the durable
// content and empties it.
//
// A directory has current entries (name to inode) and durable entries.
// Syncing a directory copies its current entries to its durable ones. It
// does not sync the files or subdirectories it names, nor its own entry in
// its parent. The root always exists.
//
// Crash(CrashOptions{}) models a power loss: starting from the root, each
// directory's entries become its durable entries, and each file reachable
// that way gets its durable content back. Inodes no longer reachable (files
// whose creation was not made durable, removed files kept alive by open
// handles) are gone. Directories are visited in name order, so the outcome
// is a function of the history and the seed. Then all locks are released and
// every File and lock from before the crash fails with ErrCrashed; the MemFS
// itself is the same disk booted again.
//
// With KeepUnsyncedPrefix, each surviving file also keeps a random prefix of
// its unsynced mutations, applied in order, the first one dropped possibly
// surviving as a torn write (a random strict prefix of its bytes). This is
// the torn tail a log must recover from.
//
// What the model does not do, on purpose: it never persists a directory
// change that was not synced, even with KeepUnsyncedPrefix, though real file
// systems often do (so recovery must still tolerate leftovers such as
// temporary files, which this model will not produce); and it never reorders
// a file's unsynced writes, though page-cache writeback can (so records need
// checksums regardless). After a rename across directories synced in only
// one of them, a file exists under both names or neither; a directory
// under the first of the two in depth-first name order, or neither. ModTime
// is always zero, because MemFS has no clock.
//
// # Fault injection
//
// NewInjecting(fs, seed, rules...) wraps an FS. Every operation is an Op
// (OpCreate, OpWrite, OpSync, ...). A Rule selects operations by Op, by path
// (PathContains, PathMatch), by count (After, Limit: the Nth match is
// After: N-1, Limit: 1) and by probability (Prob, drawn from the seeded
// generator), and says what happens (Fault):
//
//   - FaultError: the operation fails without reaching the wrapped FS. A
//     failed Sync therefore leaves the data not durable.
//   - FaultShortWrite: a write applies a prefix of its bytes and returns it.
//   - FaultTornWrite: a write applies a prefix and garbage after it.
//
// Every injected error wraps ErrInjected, and Rule.Err if set. Stats counts
// operations and faults, so a test can assert that injection happened.
// SetEnabled(false) lets a test stop injecting, to reopen cleanly after a
// faulty workload; SetRules replaces the rules.
//
// A typical crash test:
//
//	mem := vfs.NewMem()
//	fs := vfs.NewInjecting(mem, seed, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.01})
//	db := open(fs) // run a workload; note what was acknowledged
//	mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rand.New(rand.NewPCG(seed, 0))})
//	fs.SetEnabled(false)
//	db = open(fs) // every acknowledged write must be there
//
// # Concurrency
//
// Every FS here is safe for concurrent use. On a File, ReadAt, WriteAt,
// Sync and Stat may be called concurrently; Read and Write share the
// handle's position and must not be. MemFS serialises every operation,
// Crash included, on one mutex, so each operation happens wholly before or
// wholly after a crash. InjectingFS decides faults under its own mutex and
// never holds it while calling the wrapped FS. With one goroutine issuing
// operations, a seed reproduces the same faults and the same crash.
package vfs
