package chunk

import (
	"encoding/binary"
	"fmt"
)

// corruptf returns an error wrapping ErrCorrupt.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("chunk: decode: %w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// reader consumes a byte string. The first short read sets err and every
// later read returns zero values, so callers check err once per section.
type reader struct {
	b   []byte
	err error
}

var errShort = fmt.Errorf("chunk: decode: %w: truncated", ErrCorrupt)

func (r *reader) fail() { r.err, r.b = errShort, nil }

func (r *reader) u8() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() uint16 {
	if len(r.b) < 2 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *reader) u32() uint32 {
	if len(r.b) < 4 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) u64() uint64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// uvarint reads a uvarint that must be <= max.
func (r *reader) uvarint(max uint64) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > max {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes returns the next n bytes, aliasing the input.
func (r *reader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func errLimitf(format string, args ...any) error {
	return fmt.Errorf("chunk: %w: %s", ErrLimit, fmt.Sprintf(format, args...))
}
