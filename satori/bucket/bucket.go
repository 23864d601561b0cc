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

	bucketHeaderBytes  = 24 // magic, version, 3 reserved, id, count, dim, attribute bytes
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
	// AttrOffsets and AttrData hold each vector's attributes (opaque bytes
	// to this package): vector i's are AttrData[AttrOffsets[i]:AttrOffsets[i+1]].
	// A bucket with no attributes at all has both empty; otherwise
	// AttrOffsets has len(IDs)+1 entries, starting at 0, never decreasing,
	// ending at len(AttrData).
	AttrOffsets []uint32
	AttrData    []byte

	// raw is the buffer Store.Read reads into; on little-endian machines
	// the slices above are views of it (view), so a probe copies nothing
	// after the pread.
	raw  []byte
	view bool
}

// Attrs returns the attribute bytes of vector i (a subslice; nil when the
// bucket has no attributes).
func (b *Bucket) Attrs(i int) []byte {
	if len(b.AttrOffsets) == 0 {
		return nil
	}
	return b.AttrData[b.AttrOffsets[i]:b.AttrOffsets[i+1]:b.AttrOffsets[i+1]]
}

// Reset empties b for filling, keeping its memory.
func (b *Bucket) Reset(id uint32, dim int) {
	b.ID, b.Dim = id, dim
	if b.view { // never append into the read buffer
		b.IDs, b.Versions, b.Vectors, b.AttrOffsets, b.AttrData = nil, nil, nil, nil, nil
		b.view = false
	}
	b.IDs, b.Versions, b.Vectors = b.IDs[:0], b.Versions[:0], b.Vectors[:0]
	b.AttrOffsets, b.AttrData = b.AttrOffsets[:0], b.AttrData[:0]
}

// Append adds one vector to b. attrs may be nil. Appending the first
// attributes to a bucket that already holds vectors gives those vectors
// empty attributes.
func (b *Bucket) Append(id, version uint64, v []float32, attrs []byte) {
	if len(attrs) > 0 && len(b.AttrOffsets) == 0 {
		b.AttrOffsets = append(b.AttrOffsets, make([]uint32, len(b.IDs)+1)...)
	}
	b.IDs = append(b.IDs, id)
	b.Versions = append(b.Versions, version)
	b.Vectors = append(b.Vectors, v...)
	if len(b.AttrOffsets) > 0 {
		b.AttrData = append(b.AttrData, attrs...)
		b.AttrOffsets = append(b.AttrOffsets, uint32(len(b.AttrData)))
	}
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
	case len(b.AttrOffsets) == 0 && len(b.AttrData) != 0:
		return fmt.Errorf("%w: bucket %d has attribute data without offsets", ErrInvalid, b.ID)
	case len(b.AttrOffsets) != 0 && len(b.AttrOffsets) != len(b.IDs)+1:
		return fmt.Errorf("%w: bucket %d has %d attribute offsets for %d vectors", ErrInvalid, b.ID, len(b.AttrOffsets), len(b.IDs))
	case uint64(len(b.AttrData)) > math.MaxUint32/2:
		return fmt.Errorf("%w: bucket %d has %d attribute bytes", ErrInvalid, b.ID, len(b.AttrData))
	}
	if len(b.AttrOffsets) > 0 {
		if b.AttrOffsets[0] != 0 || b.AttrOffsets[len(b.IDs)] != uint32(len(b.AttrData)) || !slices.IsSorted(b.AttrOffsets) {
			return fmt.Errorf("%w: bucket %d has inconsistent attribute offsets", ErrInvalid, b.ID)
		}
	}
	return nil
}

// attrSectionBytes returns the size of the attribute section for n
// vectors and attrBytes bytes of attributes.
func attrSectionBytes(n, attrBytes uint64) uint64 {
	if attrBytes == 0 {
		return 0
	}
	return (n+1)*4 + attrBytes
}

// encodedSize returns the encoded size of b.
func (b *Bucket) encodedSize() uint64 {
	n := uint64(len(b.IDs))
	return encodedBytes(n, uint64(b.Dim)) + attrSectionBytes(n, uint64(len(b.AttrData)))
}

// encodedBytes returns the encoded size of a bucket of n vectors of dim
// without attributes (the least a bucket of n vectors takes).
func encodedBytes(n, dim uint64) uint64 {
	return minBucketBytes + n*16 + n*dim*4
}

// appendBucket appends the encoding of b to dst. b must be valid.
func appendBucket(dst []byte, b *Bucket) []byte {
	start := len(dst)
	dst = slices.Grow(dst, int(b.encodedSize()))
	attrBytes := uint32(len(b.AttrData))
	if len(b.AttrOffsets) == 0 {
		attrBytes = 0
	}
	dst = append(dst, BucketMagic...)
	dst = append(dst, BucketVersion, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint32(dst, b.ID)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(b.IDs)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(b.Dim))
	dst = binary.LittleEndian.AppendUint32(dst, attrBytes)
	for _, id := range b.IDs {
		dst = binary.LittleEndian.AppendUint64(dst, id)
	}
	for _, v := range b.Versions {
		dst = binary.LittleEndian.AppendUint64(dst, v)
	}
	for _, f := range b.Vectors {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	if attrBytes > 0 {
		for _, o := range b.AttrOffsets {
			dst = binary.LittleEndian.AppendUint32(dst, o)
		}
		dst = append(dst, b.AttrData...)
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// decodeBucket validates src, one whole encoded bucket, and decodes it into
// into, reusing its slices. Sizes are checked against len(src) before
// anything is allocated; it never panics. On error into is unspecified
// (its slices may have been resized) but holds no data from src.
func decodeBucket(src []byte, into *Bucket) error {
	cnt, d, attrBytes, err := checkBucket(src)
	if err != nil {
		return err
	}
	into.ID, into.Dim = binary.LittleEndian.Uint32(src[8:]), d
	into.IDs = resize(into.IDs, cnt)
	into.Versions = resize(into.Versions, cnt)
	into.Vectors = resize(into.Vectors, cnt*d)
	p := src[bucketHeaderBytes : len(src)-bucketTrailerBytes]
	decodeU64s(into.IDs, p)
	p = p[cnt*8:]
	decodeU64s(into.Versions, p)
	p = p[cnt*8:]
	decodeF32s(into.Vectors, p)
	p = p[cnt*d*4:]
	into.AttrOffsets, into.AttrData = into.AttrOffsets[:0], into.AttrData[:0]
	if attrBytes == 0 {
		return nil
	}
	into.AttrOffsets = resize(into.AttrOffsets, cnt+1)
	for i := range into.AttrOffsets {
		into.AttrOffsets[i] = binary.LittleEndian.Uint32(p[i*4:])
	}
	if err := checkAttrOffsets(into.AttrOffsets, cnt, attrBytes, into.ID); err != nil {
		into.AttrOffsets = into.AttrOffsets[:0]
		return err
	}
	into.AttrData = append(into.AttrData, p[(cnt+1)*4:]...)
	return nil
}

// checkBucket verifies one whole encoded bucket (length, magic, checksum,
// version, reserved bytes, dimension, exact size) and returns its vector
// count, dimension and attribute bytes. Nothing is trusted before it is
// checked against len(src).
func checkBucket(src []byte) (n, dim, attrBytes int, err error) {
	if len(src) < minBucketBytes {
		return 0, 0, 0, corruptf("bucket: %d bytes", len(src))
	}
	if string(src[:4]) != BucketMagic {
		return 0, 0, 0, corruptf("bucket: bad magic")
	}
	end := len(src) - bucketTrailerBytes
	if crc32.Checksum(src[:end], castagnoli) != binary.LittleEndian.Uint32(src[end:]) {
		return 0, 0, 0, corruptf("bucket: checksum mismatch")
	}
	if src[4] != BucketVersion {
		return 0, 0, 0, fmt.Errorf("%w: bucket version %d", ErrUnsupportedVersion, src[4])
	}
	if src[5]|src[6]|src[7] != 0 {
		return 0, 0, 0, corruptf("bucket: reserved bytes set")
	}
	id := binary.LittleEndian.Uint32(src[8:])
	cnt := uint64(binary.LittleEndian.Uint32(src[12:]))
	d := uint64(binary.LittleEndian.Uint32(src[16:]))
	if d == 0 || d > MaxDim {
		return 0, 0, 0, corruptf("bucket %d: dim %d", id, d)
	}
	a := uint64(binary.LittleEndian.Uint32(src[20:]))
	if encodedBytes(cnt, d)+attrSectionBytes(cnt, a) != uint64(len(src)) {
		return 0, 0, 0, corruptf("bucket %d: %d vectors of dim %d with %d attribute bytes in %d bytes", id, cnt, d, a, len(src))
	}
	return int(cnt), int(d), int(a), nil
}

// checkAttrOffsets verifies the attribute offsets of a bucket of n vectors
// with attrBytes bytes of attributes: they start at 0, never decrease and
// end at attrBytes.
func checkAttrOffsets(offs []uint32, n, attrBytes int, id uint32) error {
	prev := uint32(0)
	for i, o := range offs {
		if o < prev || int(o) > attrBytes || (i == 0 && o != 0) || (i == n && int(o) != attrBytes) {
			return corruptf("bucket %d: attribute offset %d of %d out of order", id, i, n)
		}
		prev = o
	}
	return nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
