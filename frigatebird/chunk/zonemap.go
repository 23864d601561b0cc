package chunk

import (
	"bytes"
	"encoding/binary"
	"math"
)

// ZoneMap summarises one chunk so scans can skip it without decoding.
//
// Min and max ignore nulls (and NaN for floats). HasMinMax is false when no
// row contributes (every row null, or every non-null float NaN).
type ZoneMap struct {
	Type  PhysType
	Rows  int
	Nulls int

	HasMinMax bool
	// MinInt and MaxInt bound TypeInt64 values; for TypeBool they are 0 or 1
	// (false or true).
	MinInt, MaxInt int64
	// MinFloat and MaxFloat bound the non-NaN TypeFloat64 values, compared
	// with <, so -0.0 and +0.0 are equal.
	MinFloat, MaxFloat float64
	// HasNaN reports whether some non-null float is NaN.
	HasNaN bool

	// MinBytes is <= every TypeBytes value. When MinTruncated it is a
	// prefix of the true minimum, otherwise the minimum itself.
	MinBytes []byte
	// MaxBytes is >= every TypeBytes value unless MaxUnbounded. When
	// MaxTruncated it is a short upper bound (a prefix of the true maximum
	// with its last byte incremented), greater than every value, and not
	// itself a value; otherwise it is the maximum itself.
	MaxBytes     []byte
	MinTruncated bool
	MaxTruncated bool
	// MaxUnbounded is set when the maximum was too long to store and its
	// prefix could not be incremented (all 0xFF bytes): there is no upper
	// bound.
	MaxUnbounded bool

	// Distinct is the number of distinct non-null values when known
	// (counted while considering a dictionary; NaN payloads and ±0.0 count
	// as distinct), or 0 when unknown.
	Distinct int
}

// AllNull reports whether every row is null.
func (z *ZoneMap) AllNull() bool { return z.Nulls == z.Rows }

// MayContainInt reports whether an int64 or bool chunk may hold a row equal
// to v. False means it certainly does not.
func (z *ZoneMap) MayContainInt(v int64) bool {
	return z.MayContainIntRange(v, v)
}

// MayContainIntRange reports whether an int64 or bool chunk may hold a row
// in [lo, hi].
func (z *ZoneMap) MayContainIntRange(lo, hi int64) bool {
	if !z.HasMinMax {
		return false
	}
	return lo <= z.MaxInt && hi >= z.MinInt
}

// MayContainFloat reports whether a float64 chunk may hold a row equal to v
// (NaN matches NaN here, as a scan for NaN would want).
func (z *ZoneMap) MayContainFloat(v float64) bool {
	if v != v {
		return z.HasNaN
	}
	return z.HasMinMax && v >= z.MinFloat && v <= z.MaxFloat
}

// MayContainBytes reports whether a bytes chunk may hold a row equal to v.
func (z *ZoneMap) MayContainBytes(v []byte) bool {
	if !z.HasMinMax {
		return false
	}
	// Truncated or not, MinBytes is <= every value.
	if bytes.Compare(v, z.MinBytes) < 0 {
		return false
	}
	if z.MaxUnbounded {
		return true
	}
	if z.MaxTruncated {
		return bytes.Compare(v, z.MaxBytes) < 0
	}
	return bytes.Compare(v, z.MaxBytes) <= 0
}

// Zone map flags (one byte on disk).
const (
	zmHasMinMax    = 1 << 0
	zmHasNaN       = 1 << 1
	zmMinTruncated = 1 << 2
	zmMaxTruncated = 1 << 3
	zmMaxUnbounded = 1 << 4
	zmKnownFlags   = 1<<5 - 1

	// maxZoneMapBytes bounds the serialized zone map: flags, distinct,
	// and two length-prefixed strings of at most MaxZoneMapPrefixBytes.
	maxZoneMapBytes = 1 + 4 + 2*(2+MaxZoneMapPrefixBytes)
)

// appendZoneMap serializes z (without Type, Rows, Nulls: they are in the
// header).
func appendZoneMap(dst []byte, z *ZoneMap) []byte {
	var flags byte
	if z.HasMinMax {
		flags |= zmHasMinMax
	}
	if z.HasNaN {
		flags |= zmHasNaN
	}
	if z.MinTruncated {
		flags |= zmMinTruncated
	}
	if z.MaxTruncated {
		flags |= zmMaxTruncated
	}
	if z.MaxUnbounded {
		flags |= zmMaxUnbounded
	}
	dst = append(dst, flags)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(z.Distinct))
	if !z.HasMinMax {
		return dst
	}
	switch z.Type {
	case TypeInt64, TypeBool:
		dst = binary.LittleEndian.AppendUint64(dst, uint64(z.MinInt))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(z.MaxInt))
	case TypeFloat64:
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(z.MinFloat))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(z.MaxFloat))
	case TypeBytes:
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(z.MinBytes)))
		dst = append(dst, z.MinBytes...)
		if !z.MaxUnbounded {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(len(z.MaxBytes)))
			dst = append(dst, z.MaxBytes...)
		}
	}
	return dst
}

// parseZoneMap parses a serialized zone map that must fill src exactly and
// checks it against the header. Byte slices alias src.
func parseZoneMap(src []byte, t PhysType, rows, nulls int) (ZoneMap, error) {
	z := ZoneMap{Type: t, Rows: rows, Nulls: nulls}
	r := reader{b: src}
	flags := r.u8()
	z.Distinct = int(r.u32())
	if r.err != nil {
		return z, corruptf("zone map: short")
	}
	if flags&^zmKnownFlags != 0 {
		return z, corruptf("zone map: unknown flags %#x", flags)
	}
	z.HasMinMax = flags&zmHasMinMax != 0
	z.HasNaN = flags&zmHasNaN != 0
	z.MinTruncated = flags&zmMinTruncated != 0
	z.MaxTruncated = flags&zmMaxTruncated != 0
	z.MaxUnbounded = flags&zmMaxUnbounded != 0
	if z.Distinct > rows-nulls {
		return z, corruptf("zone map: %d distinct in %d values", z.Distinct, rows-nulls)
	}
	if z.HasNaN && t != TypeFloat64 {
		return z, corruptf("zone map: NaN flag on %v", t)
	}
	if (z.MinTruncated || z.MaxTruncated || z.MaxUnbounded) && (t != TypeBytes || !z.HasMinMax) {
		return z, corruptf("zone map: truncation flags on %v", t)
	}
	if z.MaxTruncated && z.MaxUnbounded {
		return z, corruptf("zone map: max both truncated and unbounded")
	}
	if nulls == rows && (z.HasMinMax || z.HasNaN) {
		return z, corruptf("zone map: min/max in an all-null chunk")
	}
	if nulls < rows && !z.HasMinMax && !(t == TypeFloat64 && z.HasNaN) {
		return z, corruptf("zone map: missing min/max")
	}
	if z.HasMinMax {
		switch t {
		case TypeInt64, TypeBool:
			z.MinInt = int64(r.u64())
			z.MaxInt = int64(r.u64())
			if r.err == nil && z.MinInt > z.MaxInt {
				return z, corruptf("zone map: min > max")
			}
			if r.err == nil && t == TypeBool && (z.MinInt < 0 || z.MaxInt > 1) {
				return z, corruptf("zone map: bool bounds %d..%d", z.MinInt, z.MaxInt)
			}
		case TypeFloat64:
			z.MinFloat = math.Float64frombits(r.u64())
			z.MaxFloat = math.Float64frombits(r.u64())
			if r.err == nil && !(z.MinFloat <= z.MaxFloat) {
				return z, corruptf("zone map: float min > max or NaN")
			}
		case TypeBytes:
			z.MinBytes = r.bytes(int(r.u16()))
			if !z.MaxUnbounded {
				z.MaxBytes = r.bytes(int(r.u16()))
			}
			if len(z.MinBytes) > MaxZoneMapPrefixBytes || len(z.MaxBytes) > MaxZoneMapPrefixBytes {
				return z, corruptf("zone map: bound longer than %d bytes", MaxZoneMapPrefixBytes)
			}
			if r.err == nil && !z.MaxUnbounded && bytes.Compare(z.MinBytes, z.MaxBytes) > 0 {
				return z, corruptf("zone map: min > max")
			}
		}
	}
	if r.err != nil {
		return z, corruptf("zone map: short")
	}
	if len(r.b) != 0 {
		return z, corruptf("zone map: %d trailing bytes", len(r.b))
	}
	return z, nil
}

// boundBytes sets z's string min and max from the true min and max,
// truncating to prefix bytes. A truncated min stays a lower bound as is; a
// truncated max is turned into an upper bound by incrementing its last byte
// that is not 0xFF and dropping what follows.
func boundBytes(z *ZoneMap, minV, maxV []byte, prefix int) {
	z.HasMinMax = true
	if len(minV) > prefix {
		z.MinBytes = minV[:prefix:prefix]
		z.MinTruncated = true
	} else {
		z.MinBytes = minV
	}
	if len(maxV) <= prefix {
		z.MaxBytes = maxV
		return
	}
	for i := prefix - 1; i >= 0; i-- {
		if maxV[i] != 0xFF {
			up := make([]byte, i+1)
			copy(up, maxV[:i+1])
			up[i]++
			z.MaxBytes = up
			z.MaxTruncated = true
			return
		}
	}
	z.MaxUnbounded = true
}
