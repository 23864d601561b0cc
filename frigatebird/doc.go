// Package frigatebird is Reef's embedded columnar SQL database, for the
// scan-heavy analytics people run on DuckDB. This package will hold the
// public API (Open, Exec, Query, the database/sql driver); today it holds
// the design the subpackages follow.
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
//   - types: SQL types and values (exact DECIMAL as scaled int64, DATE,
//     TIMESTAMP, INTERVAL), casts, promotion rules.
//   - vector: vectors of 2048 values in the chunk's physical layout (a
//     decoded chunk is a vector without a copy), validity bitmaps,
//     selection vectors, typed kernels with SQL three-valued logic.
//   - parse: the PostgreSQL 17 grammar (pg_query_go) into a small typed AST,
//     with Frigatebird's `CREATE TABLE … ORDER BY (k)` sort key.
//
// # Still to build (issue 5)
//
//   - plan: name resolution, type checking with positions, the logical plan
//     (scan with pushed-down filters and zone-map pruning, project,
//     aggregate, sort/top-N, limit, distinct), EXPLAIN.
//   - exec: push-based pipelines split at breakers (aggregate, sort), a
//     morsel-driven scheduler handing row groups to one worker per core,
//     partial aggregation merged at the end, late materialization (filter
//     columns first, the rest only for surviving rows), LIMIT stopping the
//     scan, EXPLAIN ANALYZE counters (rows, time, bytes read per column).
//   - durability: a WAL with multi-phase commit (WAL record fsynced, data
//     files written and fsynced, manifest switched, WAL trimmed); UPDATE as
//     delete + insert; background merge of small row groups.
//   - cache: decoded vectors → compressed chunks → disk, with byte budgets
//     and hit rates in Metrics().
//   - the shell (`reef sql`), COPY (CSV, Parquet), database/sql driver.
package frigatebird
