// Package satori is SatoriDB, Reef's embedded vector database for
// approximate nearest-neighbour search over more vectors than fit in
// memory: a small routing index in RAM picks a few buckets of clustered
// vectors on disk, which are read sequentially and scanned with SIMD
// kernels. This package will hold the public API (Open, Insert, Upsert,
// InsertBatch, Delete, Get, Search, SearchBatch, Stats, Flush, Close);
// today it holds the design the subpackages follow (issue 6).
//
// # Layers, bottom up
//
//   - internal/vecmath: distance kernels (L2², inner product; float32 and
//     u8) in Go assembly generated with avo (AVX2+FMA, AVX-512), chosen at
//     run time, with a scalar fallback.
//   - satori/synth: seeded mixtures of Gaussians with skewed cluster
//     sizes, exact brute-force ground truth, recall, and readers for
//     .fvecs/.bvecs/.ivecs/.npy.
//   - satori/kmeans: balanced k-means (initial bucketing) and balanced
//     2-means (bucket splits).
//   - satori/hnsw: the router, an HNSW graph over the bucket centroids,
//     scalar-quantized to u8 so it stays small; queries are float32 and
//     distances asymmetric.
//   - satori/bucket: each bucket's ids, versions and float32 vectors
//     stored contiguously in an immutable region of a segment file, so a
//     probe is one pread; a checksummed manifest (switched through
//     CURRENT) lists the live buckets with their centroids and an opaque
//     checkpoint. Rewrites are copy-on-write. docs/format/satori-buckets.md.
//
// # Still to build
//
//   - Attributes per vector, stored beside the bucket's vectors.
//   - Writes: every insert, upsert and delete is appended to a Walrus log
//     (fsync always / interval / none) before it is acknowledged, with a
//     version per id; acknowledged vectors live in an in-memory delta
//     (searched exhaustively) until they are written into their nearest
//     bucket. Deletes are tombstones (id, version) until the bucket holding
//     the old version is rewritten. Recovery replays the log after the
//     manifest's checkpoint. Reads therefore see every acknowledged write.
//   - Search: the router returns the probe buckets (a per-query knob),
//     workers (one per core, own buffers, no steady-state allocation) read
//     and scan them with the batch kernels, drop tombstoned and stale
//     versions, merge with the delta, and return the k best with exact
//     distances; attribute filters (equality, range, AND/OR) apply during
//     the scan.
//   - Maintenance (SPFresh): a bucket past the size bound is split by
//     balanced 2-means; vectors of nearby buckets whose nearest centroid
//     changed are reassigned; undersized buckets merge; all online, while
//     inserts and searches go on.
//   - Tools: `reef vector serve` (HTTP/JSON), `reef vector import`,
//     `reef vector bench`; `cd bench && go run . vector` against FAISS.
package satori
