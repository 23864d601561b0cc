// Package storage keeps a Frigatebird table on disk: immutable row-group
// files of column chunks (frigatebird/chunk) and a manifest naming the live
// ones, replaced atomically on every commit. The byte formats are specified
// in docs/format/frigatebird-table.md.
//
// # Types
//
//   - Table: one table directory. Create, Open, WriteRowGroup, Commit,
//     MergeSmall, Snapshot, Discard, Close.
//   - View: an immutable snapshot of one table version: RowGroups,
//     ZoneMap, Deleted, ReadColumn (one pread of exactly one chunk),
//     Check (verifies every file and chunk).
//   - Schema and ColumnDef: column names, physical types, an opaque
//     logical type string each, and the sort key.
//   - RowGroupMeta and ColumnChunkMeta: where a group's chunks lie and
//     their chunk.Info and zone maps, copied into the manifest so that
//     pruning needs no I/O.
//   - DeleteSet: a row group's deleted rows as sorted runs.
//   - Options: RowGroupRows, MaxColumns, MaxManifestBytes, chunk options.
//
// # Files
//
// A table directory holds LOCK (flock, one process at a time), CURRENT,
// one MANIFEST-<version>, and row-group files <n>.rg. A row-group file is
// written once (temp name, fdatasync, rename, directory sync) and never
// changed; it is live only once a committed manifest names it. Deletes
// live in the manifest (UPDATE is delete plus insert).
//
// # The commit protocol
//
// Commit(add, deletes, remove) builds manifest version v+1 in memory, then:
//
//  1. writes MANIFEST-<v+1>.tmp, syncs it, renames it to MANIFEST-<v+1>,
//     syncs the directory;
//  2. writes CURRENT.tmp (naming v+1, with a CRC), syncs it, renames it
//     over CURRENT, syncs the directory: this rename is the commit point;
//  3. installs v+1 for new Snapshots, drops the table's reference to v,
//     and removes MANIFEST-<v> and (once no View uses them) the files of
//     removed groups, best effort.
//
// A failure in step 1 or before the rename of step 2 leaves the table at v
// (the caller may retry). A failure at or after the rename of step 2 makes
// the table refuse further writes (ErrFailed): reopen it.
//
// # Recovery (Open)
//
// Open reads CURRENT and the manifest it names; when CURRENT is missing or
// fails its checksum, it takes the newest MANIFEST-* that verifies (a
// CURRENT that verifies but names a missing or corrupt manifest is
// ErrCorrupt: falling back would lose a commit). It checks that every live
// row-group file exists with its recorded size, then removes temporary
// files, other manifests and row-group files no manifest names (writes
// that were never committed), and syncs the directory.
//
// # Durability promise
//
// When Create or Commit returns nil, the new version survives power loss.
// After a crash, Open finds exactly the last version whose commit returned
// nil, or the one after it if that commit was in flight: never a mix.
// Every manifest, CURRENT, row-group footer and chunk carries a CRC32C;
// damage is reported as ErrCorrupt (chunk damage when the chunk is read,
// or by View.Check).
//
// # Concurrency
//
// One process opens a table at a time (LOCK). Within it, one writer at a
// time: Commit and MergeSmall are serialised by the table; WriteRowGroup
// may run concurrently with them. Readers take a View with Snapshot; a
// View is safe for concurrent use, never sees a half-applied commit, and
// keeps its files on disk (reference counted) until Release. Lock order:
// Table.commitMu, Table.mu, version.hmu.
package storage
