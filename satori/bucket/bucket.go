package bucket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// Bucket encoding constants; see docs/format/satori-buckets.md.
const (
	// BucketMagic starts every encoded bucket.
	BucketMagic = "SBKT"
	// BucketVersion is the bucket encoding version.
	BucketVersion = 1
	// MaxDim is the largest vector dimension a bucket may hold.
	MaxDim = 1 << 16

	bucketHeaderBytes  = 24 // magic, version, 3 reserved, id, count, dim, reserved
	bucketTrailerBytes = 4  // CRC32C
	// minBucketBytes is the size of an encoded bucket of zero vectors.
	minBucketBytes = bucketHeaderBytes + bucketTrailerBytes
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	// ErrCorrupt is wrapped by every error caused by bytes that fail a
	// checksum or a structural check: a bucket, a manifest, CURRENT, or a
	// manifest naming a missing segment.
	ErrCorrupt = errors.New("satori/bucket: corrupt")
	// ErrUnsupportedVersion is returned for a bucket, manifest or CURRENT of
	// a format version this code does not read.
	ErrUnsupportedVersion = errors.New("satori/bucket: unsupported format version")
	// ErrClosed is returned by every method of a closed Store or a
	// released View.
	ErrClosed = errors.New("satori/bucket: closed")
	// ErrNotFound is returned by Read for a Loc in a segment the store no
	// longer has (deleted after a Commit that dropped its last bucket).
	ErrNotFound = errors.New("satori/bucket: segment not found")
	// ErrInvalid is returned for arguments that break the API's rules: a
	// bucket whose slices disagree with its Dim, a Commit entry pointing
	// outside written data, bad Options.
	ErrInvalid = errors.New("satori/bucket: invalid argument")
	// ErrFailed is returned by Write and Commit after a Commit failed at or
	// after the switch of CURRENT, when the durable state is unknown; the
	// store must be closed and reopened.
	ErrFailed = errors.New("satori/bucket: store failed, reopen it")
	// ErrExist is returned by Create when dir already holds a store.
	ErrExist = errors.New("satori/bucket: store already exists")
	// ErrNoStore is returned by Open when dir holds no store.
	ErrNoStore = errors.New("satori/bucket: no store")
)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Bucket is one cluster of vectors in memory. It is also the read buffer:
// Read decodes into a Bucket reusing its slices, so a search worker keeps
// one and allocates nothing in steady state.
type Bucket struct {
	ID       uint32
	Dim      int
	IDs      []uint64  // vector ids
	Versions []uint64  // write version of each vector; tombstones are checked above this layer
	Vectors  []float32 // len(IDs)*Dim, row-major, contiguous
}

// Len returns the number of vectors in b.
func (b *Bucket) Len() int { return len(b.IDs) }

// Vector returns the i-th vector of b (a subslice, not a copy).
func (b *Bucket) Vector(i int) []float32 { return b.Vectors[i*b.Dim : (i+1)*b.Dim] }

// validate checks that b's slices agree with each other and with dim.
func (b *Bucket) validate(dim int) error {
	switch {
	case b.Dim != dim:
		return fmt.Errorf("%w: bucket %d has dim %d, store %d", ErrInvalid, b.ID, b.Dim, dim)
	case len(b.Versions) != len(b.IDs):
		return fmt.Errorf("%w: bucket %d has %d ids and %d versions", ErrInvalid, b.ID, len(b.IDs), len(b.Versions))
	case len(b.Vectors) != len(b.IDs)*b.Dim:
		return fmt.Errorf("%w: bucket %d has %d floats for %d vectors of dim %d", ErrInvalid, b.ID, len(b.Vectors), len(b.IDs), b.Dim)
	case uint64(len(b.IDs)) > math.MaxUint32:
		return fmt.Errorf("%w: bucket %d has %d vectors", ErrInvalid, b.ID, len(b.IDs))
	}
	return nil
}

// encodedBytes returns the encoded size of a bucket of n vectors of dim.
func encodedBytes(n, dim uint64) uint64 {
	return minBucketBytes + n*16 + n*dim*4
}

// appendBucket appends the encoding of b to dst. b must be valid.
func appendBucket(dst []byte, b *Bucket) []byte {
	start := len(dst)
	dst = slices.Grow(dst, int(encodedBytes(uint64(len(b.IDs)), uint64(b.Dim))))
	dst = append(dst, BucketMagic...)
	dst = append(dst, BucketVersion, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint32(dst, b.ID)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(b.IDs)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(b.Dim))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	for _, id := range b.IDs {
		dst = binary.LittleEndian.AppendUint64(dst, id)
	}
	for _, v := range b.Versions {
		dst = binary.LittleEndian.AppendUint64(dst, v)
	}
	for _, f := range b.Vectors {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// decodeBucket validates src, one whole encoded bucket, and decodes it into
// into, reusing its slices. Sizes are checked against len(src) before
// anything is allocated; it never panics. On error into is unspecified
// (its slices may have been resized) but holds no data from src.
func decodeBucket(src []byte, into *Bucket) error {
	if len(src) < minBucketBytes {
		return corruptf("bucket: %d bytes", len(src))
	}
	if string(src[:4]) != BucketMagic {
		return corruptf("bucket: bad magic")
	}
	end := len(src) - bucketTrailerBytes
	if crc32.Checksum(src[:end], castagnoli) != binary.LittleEndian.Uint32(src[end:]) {
		return corruptf("bucket: checksum mismatch")
	}
	if src[4] != BucketVersion {
		return fmt.Errorf("%w: bucket version %d", ErrUnsupportedVersion, src[4])
	}
	if src[5]|src[6]|src[7] != 0 || binary.LittleEndian.Uint32(src[20:]) != 0 {
		return corruptf("bucket: reserved bytes set")
	}
	id := binary.LittleEndian.Uint32(src[8:])
	n := uint64(binary.LittleEndian.Uint32(src[12:]))
	dim := uint64(binary.LittleEndian.Uint32(src[16:]))
	if dim == 0 || dim > MaxDim {
		return corruptf("bucket %d: dim %d", id, dim)
	}
	if encodedBytes(n, dim) != uint64(len(src)) {
		return corruptf("bucket %d: %d vectors of dim %d in %d bytes", id, n, dim, len(src))
	}
	cnt, d := int(n), int(dim)
	into.ID, into.Dim = id, d
	into.IDs = resize(into.IDs, cnt)
	into.Versions = resize(into.Versions, cnt)
	into.Vectors = resize(into.Vectors, cnt*d)
	p := src[bucketHeaderBytes:end]
	for i := range into.IDs {
		into.IDs[i] = binary.LittleEndian.Uint64(p[i*8:])
	}
	p = p[cnt*8:]
	for i := range into.Versions {
		into.Versions[i] = binary.LittleEndian.Uint64(p[i*8:])
	}
	p = p[cnt*8:]
	for i := range into.Vectors {
		into.Vectors[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[i*4:]))
	}
	return nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
