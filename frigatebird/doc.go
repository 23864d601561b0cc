// Package frigatebird is Reef's embedded columnar SQL database, for the
// scan-heavy analytics people run on DuckDB.
//
// # API
//
// Open (a directory) or OpenMemory returns a DB. Exec, Query and Run run
// SQL text (several statements allowed) in a fresh Session; a Session
// keeps a transaction open across calls (BEGIN ... COMMIT / ROLLBACK).
// Results are Rows (columnar, in memory) with Next/Scan/Values. Tables and
// Metrics (the cache's hit rates) describe the database; Check verifies
// every chunk's checksum. `reef sql` is the shell (frigatebird/shell);
// frigatebird/driver registers the database/sql driver "frigatebird".
//
// # Layers, bottom up
//
//   - chunk: one column of one row group, encoded (plain, dictionary, RLE,
//     frame-of-reference bit-packing), compressed (LZ4 or zstd) and
//     checksummed, with a zone map readable without the payload.
//     docs/format/frigatebird-chunk.md.
//   - storage: a table is immutable row-group files (about 120k rows, one
//     chunk per column) and a manifest switched atomically; deletes are
//     per-row-group delete sets; readers work on views that keep their
//     files alive. docs/format/frigatebird-table.md.
//   - cache: decoded chunks (hot) → compressed chunks (warm) → disk (cold),
//     with byte budgets and hit rates.
//   - types: SQL types and values (exact DECIMAL as scaled int64, DATE,
//     TIMESTAMP, INTERVAL), casts, promotion rules.
//   - vector: vectors of 2048 values in the chunk's physical layout (a
//     decoded chunk is a vector without a copy), validity bitmaps,
//     selection vectors, typed kernels with SQL three-valued logic;
//     Collection, growable columnar row storage.
//   - parse: the PostgreSQL 17 grammar (pg_query_go) into a small typed AST,
//     with Frigatebird's `CREATE TABLE … ORDER BY (k)` sort key.
//   - plan: name resolution, type checking with positions, logical plans
//     (scan with pushed-down filters, project, aggregate, sort/top-N,
//     limit, distinct), bound DML and DDL.
//   - eval: compiled expressions over vectors (Select narrows selections;
//     CASE and COALESCE evaluate branches only where they are reached).
//     Strings decoded from dictionary chunks keep their codes, so string
//     equality filters and group keys work once per distinct value.
//   - hashagg and sorter: the two pipeline breakers, each with per-worker
//     partial state merged in parallel.
//   - exec: push-based pipelines split at breakers, a morsel-driven
//     scheduler handing row groups to one worker per core, zone-map
//     pruning, late materialization (filter columns first, the others only
//     for row groups where a row survived), LIMIT stopping the scan,
//     subexpressions shared by a node's expressions evaluated once,
//     EXPLAIN ANALYZE counters (rows, time, bytes read per column).
//   - fileio: CSV (parallel reader, sniffer, writer) and Parquet reading.
//
// # Writes and durability
//
// One writer at a time: a writing statement, or a transaction from BEGIN
// to its end, holds the database's writer lock; readers never wait, they
// read committed table versions. A transaction keeps its changes in
// memory (inserted rows, deleted row ids) and its own statements read
// them through an overlay; every statement is atomic, a failed one changes
// nothing. COMMIT writes the new row groups (synced), then switches each
// table's manifest; with more than one table a WAL record naming the files
// and deletes is synced first, and recovery finishes it (wal.go,
// docs/format/frigatebird.md). UPDATE is a delete plus an insert. After a
// commit leaves a table with many small row groups, a background merge
// (storage.Table.MergeSmall, under the writer lock) folds them.
//
// # Not yet
//
// Joins and subqueries (the planner's scopes and plan nodes are built to
// take them), server-side prepared statements (the driver substitutes
// parameters as literals), the PostgreSQL wire protocol.
package frigatebird
