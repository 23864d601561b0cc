// Package kv is Nubmq's in-memory keyspace: string and hash values under
// byte-string keys, with millisecond expiry, maxmemory eviction under
// Redis's policies, and a SCAN cursor that survives table resizes.
//
// # Main types
//
// Store holds the keys in Options.Shards shards (a power of two, default
// 256), each with its own mutex. A key's shard is the top bits of its
// maphash (one seed per Store). View reads a key, Update changes one through
// a Tx, and Delete, Rename, SetIfNoneExist (MSETNX), Scan, RandomKey, Len,
// Flush and Stats do what their names say. Step does bounded background work
// and must be called periodically (the server's cron); Evict enforces
// MaxMemory and is called before each command that may add memory.
//
// # Memory layout
//
// A shard keeps its records (header, key, value; see record.go) in an arena
// of pointer-free byte chunks, and an index table of 64-bit slot words
// (tag | ref+1; see table.go): open addressing with linear probing and
// backward-shift deletion. The garbage collector sees a handful of objects
// per shard, whatever the key count. A 16-byte key with a 32-byte value
// costs about 77 bytes of heap in all at 1M keys: the 54-byte record, about
// 17 bytes of table and the unused ends of chunks. Hashes are the exception:
// their fields live in per-shard Go maps (hash.go).
//
// # Invariants (Check verifies them)
//
//   - A key is in exactly one of its shard's tables, cur or old (old exists
//     only while a resize migrates it into cur), at or after its home slot
//     with no empty slot in between; old's slots before migratePos are empty.
//   - Each live record is referenced by exactly one slot; every other record
//     is marked dead; a chunk's live bytes are those of its live records; a
//     chunk with no live bytes is freed unless it is the active chunk; a
//     sealed chunk less than half live is queued for compaction.
//   - The volatile map holds, for each hash of a key with an expiry, the
//     least expiry of those keys.
//   - UsedMemory is the sum of what every shard published after its last
//     operation.
//
// Bounded work: no operation copies a whole table or arena. Every write
// migrates at most tuning.migrateBudget units of a resize (the argument that
// this always finishes before the next resize is in resize.go) and compacts
// at most tuning.compactBudget units (compact.go); Step(budget) and
// Evict do more, also bounded.
//
// # Expiry
//
// Expiry times are unix milliseconds from Options.Now. A key whose expiry is
// at or before now is invisible to every operation at once; the operation
// that meets it deletes it (lazy expiry) and Step samples the volatile maps
// for the rest (active expiry, Redis's algorithm). Either way OnExpire is
// called exactly once per key. Setting an expiry in the past deletes the key
// without OnExpire, as Redis deletes it (with a DEL, not an expired event).
// Len, like DBSIZE, counts expired keys not yet deleted.
//
// # Concurrency
//
// Every method of Store is safe for concurrent use. Operations on one key
// hold its shard's lock; Rename and SetIfNoneExist lock all their shards in
// ascending shard order, which is the package's only lock order. The
// callbacks (the fn of View, Update and Scan, and OnExpire and OnEvict) run
// with a shard locked: they must not call the Store, and byte slices they
// receive are valid only during the call (and a Tx's slices only until the
// key's next change). A Tx or Value must not outlive its callback.
//
// # Deviations from the design brief, and why
//
//   - Slot words carry a 24-bit tag and a 40-bit ref instead of 16 and 48
//     bits, and the tag is the hash bits right after the shard bits, that is
//     the key's home slot prefix. Backward-shift deletion, migration and Scan
//     then need only the slot word (no arena access, no rehash) for tables
//     up to 2^24 slots per shard; larger tables rehash the key from its
//     record. A ref addresses 2^22 chunks of up to 256 KiB per shard.
//   - A shrink divides the table by at most 8 at a time, and leaves it at
//     most 30% full, so that its migration provably ends before the table
//     must grow again (resize.go).
//   - HRange hands out fields as strings, since they are Go map keys: a
//     []byte would need a copy or unsafe.
//   - Deleting a hash's last field deletes the key, as in Redis.
//   - Evict first compacts the shard's garbage (reclaimLocked) when it is
//     1/8 of the shard's arena, because deleting keys frees memory only when
//     their chunks empty or are compacted; without it Evict would remove far
//     more keys than needed.
//   - Update's key escapes to the heap (the Tx lives in the shard so that
//     calling fn does not allocate); View's and Delete's do not.
package kv
