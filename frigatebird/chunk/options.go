package chunk

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Wrapped errors are detectable with
// errors.Is.
var (
	// ErrCorrupt is returned by Decode, ReadInfo, ReadZoneMap and HeaderLen
	// when the input fails its checksum or is structurally inconsistent.
	ErrCorrupt = errors.New("corrupt chunk")
	// ErrUnsupportedVersion is returned when a chunk's checksums pass but its
	// format version is newer than this package understands.
	ErrUnsupportedVersion = errors.New("unsupported chunk version")
	// ErrLimit is returned by Decode when a well-formed chunk needs more rows
	// or bytes than the Limits allow, and by Encode when the column would
	// produce such a chunk.
	ErrLimit = errors.New("chunk exceeds limit")
	// ErrInvalidColumn is returned by Encode when the Column's slices do not
	// match its Type and Len.
	ErrInvalidColumn = errors.New("invalid column")
	// ErrInvalidOptions is returned by Options.Validate and Encode.
	ErrInvalidOptions = errors.New("invalid options")
)

// Defaults and hard maxima for Options and Limits.
const (
	// DefaultMaxRows bounds rows per chunk (row groups are ~100k rows).
	DefaultMaxRows = 1 << 20
	// DefaultMaxDecodedBytes bounds the memory one Decode may allocate for
	// the decompressed payload and for decoded string bytes, each.
	DefaultMaxDecodedBytes = 256 << 20
	// DefaultZoneMapPrefixBytes bounds string min/max stored in zone maps.
	DefaultZoneMapPrefixBytes = 32
	// MaxZoneMapPrefixBytes is the largest allowed ZoneMapPrefixBytes.
	MaxZoneMapPrefixBytes = 1024
	// DefaultDictMaxEntries bounds dictionary size.
	DefaultDictMaxEntries = 1 << 16
	// MaxDictMaxEntries is the largest allowed DictMaxEntries.
	MaxDictMaxEntries = 1 << 20
	// DefaultMinSavingsPercent is how much smaller a compressed payload
	// must be to be kept.
	DefaultMinSavingsPercent = 10
	// maxRowsHard and maxBytesHard are the format's own ceilings (uint32
	// header fields).
	maxRowsHard  = 1<<31 - 1
	maxBytesHard = 1<<32 - 1
)

// Limits bounds what a decoder will allocate for one chunk. The zero value
// means the defaults.
type Limits struct {
	// MaxRows is the largest row count accepted. Default DefaultMaxRows.
	MaxRows int
	// MaxDecodedBytes bounds the decompressed payload size and, separately,
	// the total string bytes materialised. Default DefaultMaxDecodedBytes.
	MaxDecodedBytes int
}

func (l Limits) withDefaults() Limits {
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxRows > maxRowsHard {
		l.MaxRows = maxRowsHard
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	if l.MaxDecodedBytes > maxBytesHard {
		l.MaxDecodedBytes = maxBytesHard
	}
	return l
}

// ZstdLevel selects a zstd speed/ratio trade-off; values mirror
// klauspost/compress/zstd.EncoderLevel.
type ZstdLevel int

// Zstd levels.
const (
	ZstdDefault  ZstdLevel = 0 // means ZstdFastest
	ZstdFastest  ZstdLevel = 1
	ZstdBalanced ZstdLevel = 2
	ZstdBetter   ZstdLevel = 3
	ZstdBest     ZstdLevel = 4
)

// Options controls Encode. The zero value is usable: automatic encoding,
// zstd at ZstdFastest, 10% minimum savings, default bounds.
type Options struct {
	// Encoding forces one encoding; EncodingAuto (zero) lets the encoder
	// pick the smallest by estimated size. A forced encoding that does not
	// apply to the column's type is an ErrInvalidOptions error; a forced
	// dictionary that would exceed DictMaxEntries falls back to automatic.
	Encoding Encoding
	// Compression is the codec tried on the encoded payload; zero means
	// CompressionZstd. CompressionNone disables compression.
	Compression Compression
	// ZstdLevel is used when Compression is zstd. Default ZstdFastest.
	ZstdLevel ZstdLevel
	// MinSavingsPercent: the compressed payload is kept only if it is at
	// least this many percent smaller than the encoded one. Zero means
	// DefaultMinSavingsPercent; a negative value keeps any compressed
	// output (used by tests to exercise every codec).
	MinSavingsPercent int
	// ZoneMapPrefixBytes bounds stored string min/max. Default
	// DefaultZoneMapPrefixBytes, at most MaxZoneMapPrefixBytes.
	ZoneMapPrefixBytes int
	// DictMaxEntries bounds dictionary size. Default DefaultDictMaxEntries,
	// at most MaxDictMaxEntries.
	DictMaxEntries int
	// Limits: Encode refuses columns whose chunk the same Limits would
	// refuse on Decode.
	Limits Limits
}

// Validate reports whether o is usable.
func (o Options) Validate() error {
	switch {
	case o.Encoding != EncodingAuto && !o.Encoding.valid():
		return fmt.Errorf("chunk: %w: encoding %d", ErrInvalidOptions, o.Encoding)
	case o.Compression != 0 && !o.Compression.valid():
		return fmt.Errorf("chunk: %w: compression %d", ErrInvalidOptions, o.Compression)
	case o.ZstdLevel < 0 || o.ZstdLevel > ZstdBest:
		return fmt.Errorf("chunk: %w: zstd level %d", ErrInvalidOptions, o.ZstdLevel)
	case o.MinSavingsPercent > 100:
		return fmt.Errorf("chunk: %w: min savings %d%%", ErrInvalidOptions, o.MinSavingsPercent)
	case o.ZoneMapPrefixBytes < 0 || o.ZoneMapPrefixBytes > MaxZoneMapPrefixBytes:
		return fmt.Errorf("chunk: %w: zone map prefix %d bytes", ErrInvalidOptions, o.ZoneMapPrefixBytes)
	case o.DictMaxEntries < 0 || o.DictMaxEntries > MaxDictMaxEntries:
		return fmt.Errorf("chunk: %w: dictionary max %d entries", ErrInvalidOptions, o.DictMaxEntries)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Compression == 0 {
		o.Compression = CompressionZstd
	}
	if o.ZstdLevel == ZstdDefault {
		o.ZstdLevel = ZstdFastest
	}
	if o.MinSavingsPercent == 0 {
		o.MinSavingsPercent = DefaultMinSavingsPercent
	}
	if o.ZoneMapPrefixBytes == 0 {
		o.ZoneMapPrefixBytes = DefaultZoneMapPrefixBytes
	}
	if o.DictMaxEntries == 0 {
		o.DictMaxEntries = DefaultDictMaxEntries
	}
	o.Limits = o.Limits.withDefaults()
	return o
}
