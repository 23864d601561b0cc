// Package sorter is Frigatebird's ORDER BY and ORDER BY … LIMIT (top-N):
// vectorized, morsel-parallel sorting of batches.
//
// # Use
//
// The executor runs one pipeline per worker; each pushes batches into its
// own Local (NewLocal, Add). The ORDER BY keys are columns of the batches
// (the executor appends computed keys as extra columns), named by Key.
// When every pipeline is done, Merge sorts the locals concurrently and
// merges them into a Result, read in order with Next, vector.Size rows at
// a time, every column. A limit (offset+count) turns each local into a
// top-N that keeps at most limit rows, and the result holds at most limit
// rows.
//
// # Order
//
// Integers, DECIMAL, DATE and TIMESTAMP compare as int64; floats in SQL
// order (NaN equal to NaN and above +Inf, -0.0 equal to 0.0); strings
// bytewise; false < true. NULLs go first or last per key, whatever its
// direction. Rows with equal keys come out in no particular order (the
// sort is not stable across locals).
//
// # Design
//
// Key normalization (layout.go). Every row's keys are encoded into one
// memcmp-comparable key held as big-endian uint64 words: ordinal codes
// for numbers (sign-flipped ints, IEEE float bits transformed, relative
// to the column's minimum so the code takes only the bytes the column's
// range needs, NULL folded into the code when the range leaves room, a
// flag byte otherwise), and for strings a flag byte (if the column has
// NULLs), a zero-padded prefix of at most 16 bytes and, when some value
// is longer or holds a 0x00 byte, a length byte; DESC inverts the code.
// Short strings are exact; a string longer than the prefix ends its key
// (the rest is zeroed) and rows whose keys then tie are ordered by their
// full values. The layout is computed at Merge from statistics gathered
// by Add (range, NULLs, longest string), the same for all locals.
//
// Sorting (sort.go). Only (key word, row number) entries of 16 bytes
// move, never the payload. Entries are sorted by their first key word
// with a radix sort (one most-significant-byte pass splitting large
// inputs into cache-sized buckets, then least-significant-byte passes
// that skip bytes all entries share, insertion sort for tiny buckets);
// runs of entries whose first words tie are sorted on the next word the
// same way, and so on, comparison sorting small runs. The order is total
// (key, local, row): ties keep row order.
//
// Top-N (topn.go). A bounded max-heap of the limit best rows, keyed with
// a static layout (fixed widths, as no statistics exist yet). Once full,
// its root is the cutoff: a batch's first key words are encoded in one
// vectorized pass and rows whose first word is above the cutoff's are
// rejected by one integer compare (for a single numeric key this is
// comparing the raw value's ordinal); only rows that may enter are fully
// encoded and compared. Rows entering are appended to the local's
// collection; rows evicted stay as dead rows until they outnumber
// max(limit, vector.Size), then the live rows are copied to a fresh
// collection. Limits above 65536 skip the heap: everything is kept and
// sorted, and the merge stops at the limit. Limit 0 keeps nothing.
//
// Merge (merge.go). Locals are sorted concurrently, up to workers at a
// time, largest first; a local is sorted by one goroutine (one local is
// not split across workers). One local needs no merge. Several are merged into an array of
// (local, row) references: with enough rows, splitter entries sampled
// from the sorted runs cut the output into workers partitions (each
// run's share found by binary search under the total order), merged
// concurrently by k-way heap merges into disjoint ranges of the output;
// with a limit only the partitions below it are merged. Next gathers the
// payload of each batch of references from the locals' collections.
//
// # Memory
//
// A local holds its rows in a vector.Collection (columnar, uint32 row
// numbers, so at most 2^32-1 rows per local: ErrTooManyRows). Merge adds,
// per row, 8 bytes per normalized key word beyond the first (the key
// arena), 16 bytes of sort entry and 16 of radix scratch (freed when the
// local is sorted), and 8 bytes of result reference; a top-N local holds
// at most about 2·max(limit, vector.Size) rows. Local.Bytes reports what
// a local holds.
//
// # Bounds
//
// String prefix 16 bytes; heap for limits up to 65536; radix sort from
// 512 entries (most-significant-byte split from 4096); merges split
// across workers from 32768 rows, with 64 samples per partition. They
// are the fields of tuning (sorter.go), which tests shrink.
//
// # Concurrency
//
// A Local is owned by one goroutine until Merge, which consumes it. Merge
// runs its own goroutines and returns when they are done. A Result is
// owned by one goroutine.
package sorter
