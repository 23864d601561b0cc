package bucket

import (
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
	BucketVersion = 2
	// MaxDim is the largest vector dimension a bucket may hold.
	MaxDim = 1 << 16

	bucketHeaderBytes = 32 // magic, version, 3 reserved, id, count, dim, attribute bytes, head bytes, 4 reserved
	headTrailerBytes  = 8  // CRC32C of the head, 4 reserved
	// minBucketBytes is the least an encoded bucket takes (no vectors,
	// dimension 1).
	minBucketBytes = bucketHeaderBytes + 8 + headTrailerBytes
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

func errUnsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedVersion, fmt.Sprintf(format, args...))
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

	// The scan copy, filled by Read and ReadHead (Write computes it from
	// Vectors): vector i is approximated per dimension by
	// Min[d] + Scale[d]*Codes[i*Dim+d], and VectorCRCs[i] is the CRC32C of
	// its float32 encoding, checked by ReadVector.
	Min, Scale []float32
	Codes      []uint8
	VectorCRCs []uint32

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
		b.detach()
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

// Vector returns the i-th vector of b (a subslice, not a copy). After
// ReadHead there are none: use Store.ReadVector.
func (b *Bucket) Vector(i int) []float32 { return b.Vectors[i*b.Dim : (i+1)*b.Dim] }

// Code returns the i-th vector's u8 codes (a subslice).
func (b *Bucket) Code(i int) []uint8 { return b.Codes[i*b.Dim : (i+1)*b.Dim] }

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
	case uint64(len(b.AttrData)) > math.MaxUint32/4:
		return fmt.Errorf("%w: bucket %d has %d attribute bytes", ErrInvalid, b.ID, len(b.AttrData))
	}
	if len(b.AttrOffsets) > 0 {
		if b.AttrOffsets[0] != 0 || b.AttrOffsets[len(b.IDs)] != uint32(len(b.AttrData)) || !slices.IsSorted(b.AttrOffsets) {
			return fmt.Errorf("%w: bucket %d has inconsistent attribute offsets", ErrInvalid, b.ID)
		}
	}
	return nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
