package chunk

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"
)

// Encoding is how a chunk's values are laid out in its payload.
type Encoding uint8

// Encodings. The numeric values are stored on disk and never change; zero
// is not a valid on-disk value (in Options it means automatic choice).
const (
	EncodingAuto Encoding = 0
	// EncodingPlain: fixed-width little-endian values; bools as a bitmap;
	// strings as bit-packed lengths followed by the concatenated bytes.
	EncodingPlain Encoding = 1
	// EncodingDict: the distinct values once, then bit-packed codes.
	// Int64, float64 (by bit pattern) and bytes.
	EncodingDict Encoding = 2
	// EncodingRLE: runs of equal values as (value, length) pairs, both
	// frame-of-reference bit-packed. Int64 and float64 (by bit pattern).
	EncodingRLE Encoding = 3
	// EncodingFOR: frame of reference (the minimum) plus value-minimum
	// bit-packed at the needed width. Int64 and float64 (by bit pattern).
	EncodingFOR Encoding = 4
)

func (e Encoding) valid() bool { return e >= EncodingPlain && e <= EncodingFOR }

func (e Encoding) String() string {
	switch e {
	case EncodingAuto:
		return "auto"
	case EncodingPlain:
		return "plain"
	case EncodingDict:
		return "dict"
	case EncodingRLE:
		return "rle"
	case EncodingFOR:
		return "for"
	}
	return fmt.Sprintf("Encoding(%d)", uint8(e))
}

// appliesTo reports whether e is defined for physical type t.
func (e Encoding) appliesTo(t PhysType) bool {
	switch t {
	case TypeInt64, TypeFloat64:
		return e.valid()
	case TypeBool:
		return e == EncodingPlain
	case TypeBytes:
		return e == EncodingPlain || e == EncodingDict
	}
	return false
}

// Info describes an encoded chunk: what Encode chose, or what Decode and
// ReadInfo found. It feeds EXPLAIN ANALYZE and storage statistics.
type Info struct {
	Type        PhysType
	Encoding    Encoding
	Compression Compression // CompressionNone when the payload is stored raw
	Rows        int
	Nulls       int
	// EncodedBytes is the payload size before compression.
	EncodedBytes int
	// CompressedBytes is the payload size as stored (== EncodedBytes when
	// Compression is CompressionNone).
	CompressedBytes int
	// ChunkBytes is the whole serialized chunk: header, zone map, payload
	// and checksums.
	ChunkBytes int
	Zone       ZoneMap
}

// Format constants; see docs/format/frigatebird-chunk.md.
const (
	// Magic starts every chunk.
	Magic = "FBCK"
	// Version is the format version this package writes and reads.
	Version = 1
	// FixedHeaderBytes is the size of the fixed header that precedes the
	// zone map. HeaderLen needs this many bytes.
	FixedHeaderBytes = 28
	crcBytes         = 4
	minChunkBytes    = FixedHeaderBytes + crcBytes + crcBytes
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type header struct {
	version     byte
	typ         PhysType
	encoding    Encoding
	compression Compression
	rows        uint32
	nulls       uint32
	zoneBytes   uint32
	encodedLen  uint32
	storedLen   uint32
}

func (h *header) put(b []byte) {
	copy(b[0:4], Magic)
	b[4] = h.version
	b[5] = byte(h.typ)
	b[6] = byte(h.encoding)
	b[7] = byte(h.compression)
	binary.LittleEndian.PutUint32(b[8:], h.rows)
	binary.LittleEndian.PutUint32(b[12:], h.nulls)
	binary.LittleEndian.PutUint32(b[16:], h.zoneBytes)
	binary.LittleEndian.PutUint32(b[20:], h.encodedLen)
	binary.LittleEndian.PutUint32(b[24:], h.storedLen)
}

// parseHeader reads and checks the fixed header. It does not look at the
// zone map or payload.
func parseHeader(b []byte, lim Limits) (header, error) {
	var h header
	if len(b) < FixedHeaderBytes {
		return h, corruptf("%d bytes, header needs %d", len(b), FixedHeaderBytes)
	}
	if string(b[0:4]) != Magic {
		return h, corruptf("bad magic %q", b[0:4])
	}
	h.version = b[4]
	h.typ = PhysType(b[5])
	h.encoding = Encoding(b[6])
	h.compression = Compression(b[7])
	h.rows = binary.LittleEndian.Uint32(b[8:])
	h.nulls = binary.LittleEndian.Uint32(b[12:])
	h.zoneBytes = binary.LittleEndian.Uint32(b[16:])
	h.encodedLen = binary.LittleEndian.Uint32(b[20:])
	h.storedLen = binary.LittleEndian.Uint32(b[24:])
	switch {
	case h.version != Version:
		return h, fmt.Errorf("chunk: decode: %w: version %d (want %d)", ErrUnsupportedVersion, h.version, Version)
	case !h.typ.valid():
		return h, corruptf("physical type %d", h.typ)
	case !h.encoding.appliesTo(h.typ):
		return h, corruptf("encoding %v for %v", h.encoding, h.typ)
	case !h.compression.valid():
		return h, corruptf("compression %d", h.compression)
	case h.nulls > h.rows:
		return h, corruptf("%d nulls in %d rows", h.nulls, h.rows)
	case h.zoneBytes > maxZoneMapBytes:
		return h, corruptf("zone map of %d bytes", h.zoneBytes)
	case h.compression == CompressionNone && h.storedLen != h.encodedLen:
		return h, corruptf("uncompressed payload sizes %d != %d", h.storedLen, h.encodedLen)
	case h.compression != CompressionNone && (h.storedLen == 0 || h.storedLen >= h.encodedLen):
		return h, corruptf("compressed payload sizes %d -> %d", h.storedLen, h.encodedLen)
	}
	if int64(h.rows) > int64(lim.MaxRows) {
		return h, fmt.Errorf("chunk: decode: %w: %d rows (limit %d)", ErrLimit, h.rows, lim.MaxRows)
	}
	if int64(h.encodedLen) > int64(lim.MaxDecodedBytes) {
		return h, fmt.Errorf("chunk: decode: %w: payload of %d bytes (limit %d)", ErrLimit, h.encodedLen, lim.MaxDecodedBytes)
	}
	return h, nil
}

// HeaderLen returns how many leading bytes of a chunk ReadInfo needs (fixed
// header, zone map and header checksum), given at least its first
// FixedHeaderBytes. Storage uses it to read zone maps without the payload.
func HeaderLen(prefix []byte) (int, error) {
	h, err := parseHeader(prefix, Limits{MaxRows: maxRowsHard, MaxDecodedBytes: maxBytesHard})
	if err != nil {
		return 0, err
	}
	return FixedHeaderBytes + int(h.zoneBytes) + crcBytes, nil
}

// ReadInfo reads a chunk's header and zone map, verifying the header
// checksum but not decoding (or needing) the payload: src may be just the
// first HeaderLen bytes. Zone map byte slices alias src.
func ReadInfo(src []byte) (Info, error) {
	h, err := parseHeader(src, Limits{MaxRows: maxRowsHard, MaxDecodedBytes: maxBytesHard})
	if err != nil {
		return Info{}, err
	}
	return readInfo(src, h)
}

// ReadZoneMap is ReadInfo returning only the zone map.
func ReadZoneMap(src []byte) (ZoneMap, error) {
	info, err := ReadInfo(src)
	return info.Zone, err
}

func readInfo(src []byte, h header) (Info, error) {
	zEnd := FixedHeaderBytes + int(h.zoneBytes)
	if len(src) < zEnd+crcBytes {
		return Info{}, corruptf("%d bytes, header and zone map need %d", len(src), zEnd+crcBytes)
	}
	if crc32.Checksum(src[:zEnd], castagnoli) != binary.LittleEndian.Uint32(src[zEnd:]) {
		return Info{}, corruptf("header checksum mismatch")
	}
	z, err := parseZoneMap(src[FixedHeaderBytes:zEnd], h.typ, int(h.rows), int(h.nulls))
	if err != nil {
		return Info{}, err
	}
	return Info{
		Type:            h.typ,
		Encoding:        h.encoding,
		Compression:     h.compression,
		Rows:            int(h.rows),
		Nulls:           int(h.nulls),
		EncodedBytes:    int(h.encodedLen),
		CompressedBytes: int(h.storedLen),
		ChunkBytes:      zEnd + crcBytes + int(h.storedLen) + crcBytes,
		Zone:            z,
	}, nil
}

// Encode appends the serialized chunk for c to dst and returns the extended
// slice and a description of what was chosen. Info.Zone's byte slices alias
// the returned slice. Encode does not modify c.
func Encode(dst []byte, c *Column, opts Options) ([]byte, Info, error) {
	if err := opts.Validate(); err != nil {
		return dst, Info{}, err
	}
	opts = opts.withDefaults()
	if opts.Encoding != EncodingAuto && !opts.Encoding.appliesTo(c.Type) {
		return dst, Info{}, fmt.Errorf("chunk: encode: %w: encoding %v does not apply to %v", ErrInvalidOptions, opts.Encoding, c.Type)
	}
	if err := c.check(opts.Limits.MaxRows); err != nil {
		return dst, Info{}, err
	}
	e := encoders.Get().(*encoder)
	defer e.release()
	e.opts = opts

	rows := c.Len
	nulls := c.NullCount()
	z := ZoneMap{Type: c.Type, Rows: rows, Nulls: nulls}
	payload := e.payload[:0]
	if nulls > 0 && nulls < rows {
		payload = appendBitmap(payload, c.Valid, rows)
	}
	var enc Encoding
	var err error
	switch c.Type {
	case TypeInt64, TypeFloat64:
		payload, enc, err = e.encode64(payload, c, &z)
	case TypeBool:
		payload, enc = e.encodeBools(payload, c, &z)
	case TypeBytes:
		payload, enc, err = e.encodeBytes(payload, c, &z)
	}
	e.payload = payload
	if err != nil {
		return dst, Info{}, err
	}
	if len(payload) > opts.Limits.MaxDecodedBytes {
		return dst, Info{}, fmt.Errorf("chunk: encode: %w: payload of %d bytes (limit %d)", ErrLimit, len(payload), opts.Limits.MaxDecodedBytes)
	}

	start := len(dst)
	h := header{version: Version, typ: c.Type, encoding: enc, compression: CompressionNone,
		rows: uint32(rows), nulls: uint32(nulls), encodedLen: uint32(len(payload))}
	dst = append(dst, make([]byte, FixedHeaderBytes)...)
	dst = appendZoneMap(dst, &z)
	h.zoneBytes = uint32(len(dst) - start - FixedHeaderBytes)
	zEnd := len(dst)
	dst = append(dst, 0, 0, 0, 0) // header checksum, filled below
	pStart := len(dst)

	stored := len(payload)
	if opts.Compression != CompressionNone && len(payload) > 0 {
		var ok bool
		dst, ok, err = compressAppend(dst, payload, opts.Compression, opts.ZstdLevel)
		if err != nil {
			return dst[:start], Info{}, err
		}
		n := len(dst) - pStart
		keep := ok && n > 0 && n < len(payload)
		if opts.MinSavingsPercent > 0 {
			keep = keep && int64(n)*100 <= int64(len(payload))*int64(100-opts.MinSavingsPercent)
		}
		if keep {
			h.compression = opts.Compression
			stored = n
		} else {
			dst = dst[:pStart]
		}
	}
	if h.compression == CompressionNone {
		dst = append(dst, payload...)
	}
	h.storedLen = uint32(stored)
	h.put(dst[start:])
	binary.LittleEndian.PutUint32(dst[zEnd:], crc32.Checksum(dst[start:zEnd], castagnoli))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))

	info, err := readInfo(dst[start:], h)
	if err != nil {
		panic(fmt.Sprintf("chunk: encode produced an unreadable header: %v", err))
	}
	return dst, info, nil
}

// Decode decodes a chunk into into, reusing its buffers when they are large
// enough, under the default Limits. See DecodeWithLimits.
func Decode(src []byte, into *Column) (Info, error) {
	return DecodeWithLimits(src, into, Limits{})
}

// DecodeWithLimits verifies src's checksum, then decodes it into into. Only
// the fields of into that belong to the chunk's type (and Valid, Len, Type)
// are written. On error into's contents are unspecified. Info.Zone's byte
// slices alias src. Every allocation is bounded by len(src) or lim.
func DecodeWithLimits(src []byte, into *Column, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	if len(src) < minChunkBytes {
		return Info{}, corruptf("%d bytes, a chunk needs at least %d", len(src), minChunkBytes)
	}
	body := src[:len(src)-crcBytes]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(src[len(body):]) {
		return Info{}, corruptf("checksum mismatch")
	}
	h, err := parseHeader(src, lim)
	if err != nil {
		return Info{}, err
	}
	info, err := readInfo(src, h)
	if err != nil {
		return Info{}, err
	}
	if info.ChunkBytes != len(src) {
		return Info{}, corruptf("chunk is %d bytes, header says %d", len(src), info.ChunkBytes)
	}
	stored := body[len(body)-int(h.storedLen):]

	d := decoders.Get().(*decoder)
	defer d.release()
	d.lim = lim
	payload := stored
	if h.compression != CompressionNone {
		d.payload = growBytes(d.payload, int(h.encodedLen))
		if err := decompress(d.payload, stored, h.compression); err != nil {
			return Info{}, err
		}
		payload = d.payload
	}
	if err := d.decodePayload(payload, h, &info.Zone, into); err != nil {
		return Info{}, err
	}
	return info, nil
}

// Scratch state, pooled so steady-state Encode and Decode do not allocate.
var (
	encoders = sync.Pool{New: func() any { return new(encoder) }}
	decoders = sync.Pool{New: func() any { return new(decoder) }}
)

// maxPooledBytes keeps one huge chunk from pinning memory in a pool.
const maxPooledBytes = 16 << 20

type decoder struct {
	lim     Limits
	payload []byte
	i64a    []int64
	i64b    []int64
	u32     []uint32
}

func (d *decoder) release() {
	if cap(d.payload) > maxPooledBytes || 8*cap(d.i64a) > maxPooledBytes ||
		8*cap(d.i64b) > maxPooledBytes || 4*cap(d.u32) > maxPooledBytes {
		return
	}
	decoders.Put(d)
}

// decodePayload decodes validity then values.
func (d *decoder) decodePayload(p []byte, h header, z *ZoneMap, into *Column) error {
	rows, nulls := int(h.rows), int(h.nulls)
	into.Type = h.typ
	into.Codes = into.Codes[:0]
	into.Len = rows
	r := reader{b: p}
	into.Valid = into.Valid[:0]
	if nulls > 0 && nulls < rows {
		bm := r.bytes(packedLen(rows, 1))
		if r.err != nil {
			return corruptf("validity: truncated")
		}
		into.Valid = growWords(into.Valid, (rows+63)>>6)
		if err := readBitmap(into.Valid, bm, rows); err != nil {
			return err
		}
		if got := popcountPrefix(into.Valid, rows); got != rows-nulls {
			return corruptf("validity has %d valid rows, header says %d", got, rows-nulls)
		}
	} else if nulls == rows && rows > 0 {
		into.Valid = growWords(into.Valid, (rows+63)>>6)
		clear(into.Valid)
	}
	var err error
	switch h.typ {
	case TypeInt64:
		into.Ints = growInts(into.Ints, rows)
		err = d.decode64(&r, h, into.Ints, into.Valid)
	case TypeFloat64:
		into.Floats = growFloats(into.Floats, rows)
		err = d.decode64(&r, h, floatsAsInts(into.Floats), into.Valid)
	case TypeBool:
		err = d.decodeBools(&r, h, into)
	case TypeBytes:
		err = d.decodeBytes(&r, h, into)
	}
	if err != nil {
		return err
	}
	if len(r.b) != 0 {
		return corruptf("%d trailing payload bytes", len(r.b))
	}
	return nil
}

// appendBitmap appends the first n bits of w as packedLen(n, 1) bytes, with
// the bits past n cleared.
func appendBitmap(dst []byte, w []uint64, n int) []byte {
	full := n >> 6
	for _, x := range w[:full] {
		dst = binary.LittleEndian.AppendUint64(dst, x)
	}
	if rem := uint(n) & 63; rem != 0 {
		x := w[full] & (1<<rem - 1)
		for i := uint(0); i < (rem+7)/8; i++ {
			dst = append(dst, byte(x>>(8*i)))
		}
	}
	return dst
}

// readBitmap fills w (len (n+63)/64) from packedLen(n,1) bytes, rejecting set
// bits past n.
func readBitmap(w []uint64, b []byte, n int) error {
	full := n >> 6
	for i := 0; i < full; i++ {
		w[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	if rem := uint(n) & 63; rem != 0 {
		var x uint64
		for i, c := range b[8*full:] {
			x |= uint64(c) << (8 * uint(i))
		}
		if x>>rem != 0 {
			return corruptf("bitmap has bits set past row %d", n)
		}
		w[full] = x
	}
	return nil
}
