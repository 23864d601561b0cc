package satori

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/reefdb/reef/satori/attr"
)

// The log records (docs/format/satori-log.md). Each is one Walrus entry,
// whose frame checksums it; a batch is one frame, so it survives a crash
// whole or not at all.
//
//	put:    type=1 | lsn u64 | id u64 | dim u32 | dim × float32 | attrLen u32 | attrs
//	delete: type=2 | lsn u64 | id u64
//
// Little-endian. The attrs are satori/attr's canonical encoding.
const (
	recPut    = 1
	recDelete = 2

	recHeader    = 1 + 8 + 8
	maxAttrBytes = 1 << 20
)

// record is one decoded log record. vec and attrs alias the input.
type record struct {
	typ   byte
	lsn   uint64
	id    uint64
	vec   []byte // dim × 4 bytes, little-endian float32
	attrs []byte
}

// putBytes is the encoded size of a put of dim floats and attrs bytes of
// attributes (appendPut).
func putBytes(dim, attrs int) int { return 1 + 8 + 8 + 4 + 4*dim + 4 + attrs }

func appendPut(dst []byte, lsn, id uint64, vec []float32, attrs []byte) []byte {
	dst = append(dst, recPut)
	dst = binary.LittleEndian.AppendUint64(dst, lsn)
	dst = binary.LittleEndian.AppendUint64(dst, id)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vec)))
	for _, x := range vec {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(attrs)))
	return append(dst, attrs...)
}

func appendDelete(dst []byte, lsn, id uint64) []byte {
	dst = append(dst, recDelete)
	dst = binary.LittleEndian.AppendUint64(dst, lsn)
	return binary.LittleEndian.AppendUint64(dst, id)
}

// decodeRecord parses one record of a collection of dimension dim. Any
// malformed input is an error wrapping ErrCorrupt.
func decodeRecord(b []byte, dim int) (record, error) {
	if len(b) < recHeader {
		return record{}, fmt.Errorf("%w: log record of %d bytes", ErrCorrupt, len(b))
	}
	r := record{typ: b[0], lsn: binary.LittleEndian.Uint64(b[1:]), id: binary.LittleEndian.Uint64(b[9:])}
	if r.lsn == 0 {
		return record{}, fmt.Errorf("%w: log record with LSN 0", ErrCorrupt)
	}
	b = b[recHeader:]
	switch r.typ {
	case recDelete:
		if len(b) != 0 {
			return record{}, fmt.Errorf("%w: delete record with %d trailing bytes", ErrCorrupt, len(b))
		}
		return r, nil
	case recPut:
	default:
		return record{}, fmt.Errorf("%w: log record type %d", ErrCorrupt, r.typ)
	}
	if len(b) < 4 || binary.LittleEndian.Uint32(b) != uint32(dim) {
		return record{}, fmt.Errorf("%w: put record without dimension %d", ErrCorrupt, dim)
	}
	b = b[4:]
	if len(b) < dim*4+4 {
		return record{}, fmt.Errorf("%w: put record cut short", ErrCorrupt)
	}
	r.vec = b[:dim*4]
	b = b[dim*4:]
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if uint64(n) != uint64(len(b)) || n > maxAttrBytes {
		return record{}, fmt.Errorf("%w: put record attributes of %d bytes, %d present", ErrCorrupt, n, len(b))
	}
	for i := 0; i < dim; i++ {
		if x := math.Float32frombits(binary.LittleEndian.Uint32(r.vec[4*i:])); math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return record{}, fmt.Errorf("%w: put record with a non-finite component", ErrCorrupt)
		}
	}
	if err := attr.Validate(b); err != nil {
		return record{}, fmt.Errorf("%w: put record attributes: %w", ErrCorrupt, err)
	}
	if len(b) > 0 {
		r.attrs = b
	}
	return r, nil
}

// vector decodes r.vec into dst (len dim).
func (r *record) vector(dst []float32) []float32 {
	dst = slices.Grow(dst[:0], len(r.vec)/4)[:len(r.vec)/4]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.vec[4*i:]))
	}
	return dst
}
