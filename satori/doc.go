// Package satori is SatoriDB, Reef's embedded vector database for
// approximate nearest-neighbour search over more vectors than fit in
// memory: a small routing index in RAM picks a few buckets of clustered
// vectors on disk, whose compact heads (ids, versions, u8 codes) are read
// with one pread each and scanned with SIMD kernels; the best candidates
// are then reread as float32 vectors and ranked exactly.
//
// # API
//
// Open(dir, Options) creates or opens a collection (dimension, metric L2,
// Cosine or InnerProduct). Insert (rejects a present id), Upsert,
// InsertBatch, UpsertBatch, Delete, Get; Search and SearchInto (a
// per-query Probes knob, Rerank, and an attribute Filter from satori/attr:
// equality, ranges, IN, AND/OR/NOT over string and integer fields);
// SearchBatch; Stats, Flush, Close. satori/server serves collections over
// HTTP/JSON (`reef vector serve`, and `reef up` under /vector/);
// satori/cli is `reef vector serve|import|bench`.
//
// # Layers, bottom up
//
//   - internal/vecmath: distance kernels in Go assembly generated with avo
//     (AVX2+FMA, AVX-512), chosen at run time, with a scalar fallback:
//     float32 (L2², dot), u8, and float32 query × u8 codes.
//   - satori/synth: seeded mixtures of Gaussians with skewed cluster sizes,
//     exact ground truth, recall, .fvecs/.bvecs/.ivecs/.npy readers.
//   - satori/kmeans: balanced k-means and balanced 2-means.
//   - satori/hnsw: an HNSW graph over u8-quantized vectors.
//   - satori/attr: attribute sets and filters evaluated on their encoding.
//   - satori/bucket: immutable buckets in segment files (head with codes
//     and checksums, then vectors), a checksummed manifest switched
//     through CURRENT (docs/format/satori-buckets.md).
//   - this package: the log, the id index, deltas, routing, search and
//     maintenance (docs/format/satori.md).
//
// # Writes and durability
//
// Every insert, upsert and delete gets an LSN and is appended to a Walrus
// log (generations of topics) before it is applied and acknowledged;
// Options.Durability is SyncAlways (fsync, group-committed), SyncInterval
// or SyncNone. A put's LSN is the vector's version. The id index maps each
// live id to (version, bucket). An acknowledged vector joins the in-memory
// delta of its nearest bucket and is searchable at once; a delete or an
// overwrite makes the old entry stale at once (reads compare every
// entry's version and bucket with the index), so nothing deleted is ever
// returned. Writers wait while the deltas hold more than MaxDeltaBytes.
//
// Maintenance writes deltas into their buckets and commits the bucket
// manifest with a checkpoint: every change below it is in the committed
// buckets. Recovery reads the bucket heads into the index and replays the
// log from the checkpoint, versions deciding what is newer; log
// generations wholly below the checkpoint are deleted.
//
// # Routing
//
// Buckets form by squared L2 whatever the metric (cosine vectors are
// normalized, so that is the cosine order). From 4,096 buckets the router
// keeps an HNSW graph over the u8-quantized centroids (satori/hnsw; its
// neighbour lists are filled past the pruning heuristic, which on tight
// groups of centroids left too few links between groups), rebuilt in the
// background as the buckets double. A routing compares with every
// centroid while that is cheaper than a graph search (up to 64 centroids
// per unit of the search's ef); past that it asks the graph for twice the
// candidates wanted and ranks them exactly. A large write batch is routed
// by one goroutine per core. InnerProduct queries probe by inner product
// with every centroid.
//
// # Search
//
// A search borrows one of Options.Workers workers (one per core by
// default), each with its own buffers, so steady-state SearchInto
// allocates nothing. It probes the nearest Probes buckets, pruned per
// query as SPANN does: past the nearest max(MinProbes, Probes/8), it
// stops at the first bucket whose centroid is more than 1+ProbeSlack
// times farther (squared) than the nearest one. A query near a small
// cluster reads its few buckets; one inside a large cluster, among many
// nearly equidistant centroids, reads up to Probes. On the bench's 1M clustered vectors,
// Probes 256 then reads 82 buckets on average for recall@10 0.992, the
// same as reading all 256. Per probed bucket it reads the head,
// computes approximate distances from the u8 codes (x ≈ min + scale·code
// per dimension, within half a step), checks validity and the filter, and
// keeps the best Rerank candidates (4k+16 by default); delta entries
// enter with exact distances. The candidates' float32 vectors are then
// read one pread each, checked against their CRCs, and ranked exactly. If
// a probed bucket was split or merged away meanwhile, the query is routed
// again and the new buckets are scanned too.
//
// # Maintenance (SPFresh, adapted to immutable buckets)
//
// One background goroutine, taking up to 32 due jobs per scan of the
// buckets, flushes a bucket whose delta or stale part has
// grown; splits a bucket past MaxBucket by balanced 2-means (by balanced
// k-means when it is far past, as for the first bucket of a bulk load)
// and reassigns vectors between the new buckets and the 8 nearest
// neighbours; merges a bucket under MinBucket into its neighbours; and,
// when the log passes LogBytes, writes out its oldest changes; and when
// the segment files hold more than twice the live buckets' bytes (plus
// two segments), rewrites the live buckets of the emptiest segment so the
// next commit deletes it (every flush writes a bucket anew, so without
// this the files filled with dead copies: 4.5× the live bytes during a
// bulk load). A job reads
// and writes without blocking readers or writers and installs its result
// under the lock in one step. See maintain.go.
//
// # Locks
//
// Per-id write stripes (ascending), then DB.mu (index, buckets, deltas;
// never held across I/O), then router.mu, then pendMu (LSNs in flight).
// Maintenance rounds are serialized by maintMu.
package satori
