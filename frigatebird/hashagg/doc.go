// Package hashagg is Frigatebird's grouped aggregation: vectorized,
// morsel-parallel hash aggregation for the executor's aggregate pipeline
// breaker (GROUP BY, the aggregates of plan.Aggregate, SELECT DISTINCT as
// a GROUP BY without aggregates).
//
// # Use
//
// The caller's obligations, in order:
//
//  1. Describe the aggregation with a Spec (group key types, then the
//     aggregates with their argument and result types, as plan.AggCall
//     documents them) and check it with Spec.Validate.
//  2. Give each worker goroutine its own Local (NewLocal) and push its
//     batches with Local.Add: the group key columns first, then one
//     argument column per aggregate other than count(*). Only the active
//     rows (Batch.Sel) count; the batch is not kept.
//  3. When every worker is done, Merge the locals (they are consumed) with
//     up to n goroutines. Merge reports sums out of range.
//  4. Read the Result with Next, vector.Size rows at a time: the group
//     columns, then one column per aggregate. Rows come in no particular
//     order.
//
// Without GROUP BY the result has exactly one row, even over no input
// (count 0, the other aggregates NULL). NULL is a group key value of its
// own; float keys group by SQL equality (-0.0 = 0.0, all NaNs one group).
//
// # Tables
//
// A Local holds one partition at first. A partition (part) is an
// open-addressing hash table over its groups plus the groups' keys and
// aggregate states, all indexed by a dense group id (gid):
//
//   - slots: a power-of-two array at most half full; a slot is empty (0)
//     or holds the high 32 bits of the group's hash (the tag) and gid+1.
//     Lookups start at hash & mask and probe linearly; keys are compared
//     only when tags agree. A single int64-backed key (integers, decimals,
//     dates, timestamps) uses 16-byte slots with the key inline instead,
//     so a lookup reads one cache line; its NULL group lives outside.
//   - keys: one column per key, stored columnarly: a uint64 word per
//     value for int64-backed types, booleans and strings (the string's
//     bytes and length packed when it has at most 7 bytes), float64s, and
//     for strings an arena with offsets (each key stored once, no Go
//     allocation per row or group); validity bitmaps; each group's hash.
//   - states: row-wise, one row of words per group holding every
//     aggregate's state (see aggs.go), so updating a group's aggregates
//     touches one or two cache lines even when the groups outgrow the
//     caches.
//
// # Add, vectorized
//
// For a batch: the key columns are hashed column by column (each value's
// word folded into the row hash with vector.CombineHash; long strings
// with vector.HashBytes, floats by their canonical bits, NULL as
// vector.NullHash); then the rows are probed. Batches whose keys are all
// words (no NULL, no float, no long string) take a one-pass probe that
// compares words; a single int64 key takes the inline-slot probe; other
// batches take the vectorized probe: every row walks to an empty slot (a
// new group, created at once so later rows with the same key find it) or
// a slot with its tag (a candidate), then candidates are compared column
// by column in typed loops, and the rows that differ continue at the next
// slot. The probe yields a gid per row; each aggregate is then updated by
// a tight loop per (aggregate kind, physical type) over the gids. When a
// partition has at most 16 groups, rows are first ordered by group and
// each (aggregate, group) is reduced in registers.
//
// # Partitioning and merge
//
// Once a Local holds more than 4096 groups it splits into 32 partitions
// by the top 5 bits of the group hash; later batches deal their rows to
// the partitions (one pass) and probe each. Merge then merges partition q
// of every Local independently, on up to n goroutines: the largest split
// Local's partition q is the target, the same partition of the other
// split Locals and the groups of partition q of the unsplit ones (chosen
// by their stored hashes; unsplit Locals are only read, so all workers
// share them) are probed into it chunk by chunk (their key columns as
// vectors, hashes reused), and their states combined. Locals that never
// split and hold at most 16384 groups in all (or a merge with one
// worker) are merged directly into the largest.
//
// # DISTINCT
//
// count, sum and avg with DISTINCT keep, per partition and aggregate, the
// distinct non-NULL values of each group. Values backed by int64 (floats
// as canonical bits, booleans as 0/1) go, while the partition has at most
// 16 groups (no GROUP BY, or a few groups), into one open-addressing set
// of 8-byte slots per group; past that into one set of (gid, value) pairs
// inline in 16-byte slots. Strings go into a pair set over an arena. The
// home slots of a batch's rows are computed in a loop of their own so the
// probe loop's cache misses overlap. Merging unites the sets with the
// gids mapped to the target's; when a partition is finished the
// aggregate is folded from its values. min and max ignore DISTINCT.
//
// # Sums and overflow
//
// Integer and decimal sums (and the sums behind avg) accumulate in 128
// bits (two's complement hi:lo words; the register path sums the 32-bit
// halves separately, free of carries), which cannot overflow before 2^63
// additions. The result is checked once, when Merge finishes a partition:
// a sum outside BIGINT, or outside DECIMAL(18,s)'s ±(10^18-1), fails Merge
// with "frigatebird: sum out of range" wrapping types.ErrOutOfRange. So,
// as in engines with 128-bit accumulators (DuckDB's HUGEINT), an
// intermediate overflow that later cancels out is not an error, and the
// outcome does not depend on the order of rows or on the number of
// workers. avg never overflows: the exact sum is divided, as a double, by
// count × 10^scale.
//
// # Memory
//
// Local.Bytes reports the capacity held (tables, keys, string arenas,
// states, distinct sets, the ~250 KiB of per-goroutine scratch) for
// metrics and a later spilling policy; nothing spills today. Arrays grow
// by doubling; tables are at most half full (so about 2 slots per group).
// String min/max values live in a per-aggregate arena, rewritten in place
// when a new value fits the old one's slot; the arena is compacted when
// its garbage passes its live bytes. Per partition: at most 2^32-2 groups.
//
// # Errors
//
// Invalid specs wrap ErrSpec (reported by Validate, Add and Merge);
// batches that do not match the spec, misuse of consumed locals and too
// many groups wrap ErrInput; sums out of range wrap types.ErrOutOfRange.
// Valid input never panics.
//
// # Concurrency
//
// A Local and a Result are owned by one goroutine at a time. Merge runs
// its own goroutines and returns when they are done.
package hashagg
