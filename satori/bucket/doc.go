// Package bucket is SatoriDB's on-disk bucket store: immutable buckets of
// clustered vectors appended to segment files, and a checksummed manifest,
// switched atomically, naming the live ones. A search probe reads one
// bucket with one pread of a contiguous region and scans it in place.
// The format is specified in docs/format/satori-buckets.md.
//
// # Types
//
//   - Bucket: one cluster in memory (bucket id, vector ids, write versions,
//     row-major float32 vectors); also the read buffer, reused by Read.
//   - Store: a directory of segment files, the manifest and CURRENT.
//   - Loc: where an encoded bucket lives (segment, offset, length).
//   - Entry: one live bucket of the manifest (Loc, centroid, count).
//   - View: a snapshot of the committed manifest that pins its segments.
//
// # Format summary
//
// A bucket encodes as a 24-byte header (magic "SBKT", version, bucket id,
// count, dim), the ids, the versions, the float32 vectors (raw IEEE bits),
// and a CRC32C over all of it; everything little-endian. Segment files
// "<n>.seg" are encoded buckets back to back, nothing else: a bucket is
// found only through a Loc, never by scanning. MANIFEST-<seq> lists the
// live buckets (id, Loc, count, centroid) and the caller's meta blob under
// a CRC32C; CURRENT (20 bytes, checksummed) names the committed sequence.
//
// # Commit protocol
//
// Write appends a bucket to the active segment (starting a new one, whose
// directory entry is synced, when the active one would pass
// Options.SegmentBytes), without syncing. Commit then
//
//  0. syncs every segment written since the last Commit (a failed sync
//     fails the store: the kernel may have dropped the pages);
//  1. writes MANIFEST-<seq+1>: temporary file, sync, rename, directory sync;
//  2. writes CURRENT naming seq+1 the same way (the rename is the switch);
//  3. installs the new manifest in memory, deletes the old manifest, and
//     deletes the segments that neither the new manifest, a View, an
//     in-flight Read nor the writer still uses (best effort).
//
// A failure before the rename of CURRENT leaves the previous manifest
// committed; a failure at or after it leaves the store failed (ErrFailed):
// either manifest may be the committed one, and the caller must reopen.
//
// # Durability promise
//
// When Commit returns nil its manifest, and every bucket it names, survive
// a power loss. Buckets written but not committed are discarded by a crash:
// Open removes every segment file the recovered manifest does not use, plus
// temporary files and other manifests. Open trusts CURRENT; only when
// CURRENT is missing or corrupt does it fall back to the newest valid
// manifest. A corrupt manifest that CURRENT names, or a segment it needs
// that is missing or too short, makes Open fail with ErrCorrupt. Bytes that
// fail their checksum are never returned as data: Read fails with an error
// wrapping ErrCorrupt.
//
// # Concurrency
//
// Read, View, View.Read, View.Release and Manifest are safe for concurrent
// use with each other and with Write and Commit. Write and Commit are
// serialised by Store.writeMu. Lock order: writeMu, then mu; mu guards the
// open segments, their reference counts and the current manifest, and is
// held only briefly, never across I/O, except that Close holds both.
//
// Segment files stay open for reads. Each segment is reference counted: one
// ref per installed manifest version naming it (the store's current one and
// each unreleased View's), one for the writer while it is the active or
// an uncommitted segment, and one per Read in flight. The last ref closes
// and deletes it, so a segment dropped by a Commit stays readable through a
// View taken before that Commit until Release. A Read of a Loc outside any
// held View may find its segment deleted and fail with ErrNotFound.
// Close must not run concurrently with Read or with unreleased Views in use.
package bucket
