// Package chunk encodes and decodes Frigatebird column chunks: the values
// of one column within one row group (~100k rows), with their nulls, a zone
// map, and a checksum. The byte format is specified in
// docs/format/frigatebird-chunk.md.
//
// # Types
//
// A Column holds Len rows of one PhysType: int64 (SMALLINT, INTEGER, BIGINT,
// DATE as days, TIMESTAMP as µs, DECIMAL as a scaled integer), float64
// (REAL, DOUBLE; bit-exact, NaN payloads and -0.0 preserved), bool (a
// []uint64 bitmap) or bytes (VARCHAR, TEXT: Offsets+Bytes, no per-row
// allocation). Valid is an optional validity bitmap; null slots are ignored
// by Encode and zero after Decode.
//
// # Encodings
//
//   - EncodingPlain: fixed-width values; bools as a bitmap; strings as
//     bit-packed lengths then the bytes.
//   - EncodingFOR (int64, float64 bits): the minimum as reference, then
//     value-minimum bit-packed at the needed width (0..64 bits).
//   - EncodingRLE (int64, float64 bits): run values and run lengths, each
//     frame-of-reference bit-packed.
//   - EncodingDict (int64, float64 bits, bytes): distinct values in
//     first-seen order, then bit-packed codes.
//
// Selection: one pass computes min, max, run count and run-length range;
// from them the encoder computes the exact payload size of plain, FOR and
// RLE. A dictionary is built only when it could win (the best so far spends
// more than one bit per row) and is abandoned as soon as it exceeds
// min(Options.DictMaxEntries, (rows-1)/2) entries. The smallest estimate
// wins; ties go to the faster decoder (plain, FOR, RLE, dictionary). Null
// slots are filled with the previous valid value before encoding so they do
// not widen ranges, break runs or add dictionary entries.
//
// Compression: the encoded payload is then compressed with Options.Compression
// (default zstd at its fastest level, or LZ4, or none) and the result kept
// only if it saves at least Options.MinSavingsPercent (default 10%).
//
// # Zone maps
//
// Every chunk stores a ZoneMap: row and null counts, min/max of non-null
// values (floats: non-NaN, plus a HasNaN flag), a distinct count when a
// dictionary was considered. String bounds are cut to
// Options.ZoneMapPrefixBytes: a cut min is a prefix (still <= every value);
// a cut max has its last non-0xFF byte incremented (still > every value), or
// is marked MaxUnbounded when no such byte exists. ReadInfo and ReadZoneMap
// read them from the first HeaderLen bytes without touching the payload;
// a separate header checksum covers that prefix.
//
// # Integrity and bounds
//
// Decode verifies the whole-chunk CRC32C (Castagnoli) before parsing
// anything, then checks every structural invariant (sizes add up exactly,
// widths <= 64, codes < dictionary size, runs cover exactly the rows,
// string lengths fit, no stray bitmap bits, nulls match the bitmap). Any
// failure returns an error wrapping ErrCorrupt; malformed input never
// panics. Allocations are bounded by len(src) or by Limits (MaxRows,
// MaxDecodedBytes): a chunk that is well formed but too large returns
// ErrLimit before allocating. Encode refuses columns the same Limits would
// refuse.
//
// # Concurrency
//
// Encode, Decode and the Read functions are safe for concurrent use. Scratch
// buffers are pooled (sync.Pool); the zstd encoders (one per level) and the
// zstd decoder are created once per process and shared, since their
// EncodeAll/DecodeAll are concurrency-safe and expensive to create. A
// Column passed to Encode must not be modified during the call; a Column
// passed to Decode must not be used by others during the call. After
// warm-up, Decode into a reused Column does not allocate.
package chunk
