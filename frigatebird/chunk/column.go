package chunk

import (
	"fmt"
	"math/bits"
)

// PhysType is the physical representation of a column's values. Logical SQL
// types map onto it: SMALLINT, INTEGER, BIGINT, DATE (days), TIMESTAMP (µs)
// and DECIMAL (scaled) are TypeInt64; REAL and DOUBLE are TypeFloat64;
// BOOLEAN is TypeBool; VARCHAR, TEXT and BLOB are TypeBytes.
type PhysType uint8

// Physical types. The numeric values are stored on disk and never change.
const (
	TypeInt64   PhysType = 1
	TypeFloat64 PhysType = 2
	TypeBool    PhysType = 3
	TypeBytes   PhysType = 4
)

func (t PhysType) String() string {
	switch t {
	case TypeInt64:
		return "int64"
	case TypeFloat64:
		return "float64"
	case TypeBool:
		return "bool"
	case TypeBytes:
		return "bytes"
	}
	return fmt.Sprintf("PhysType(%d)", uint8(t))
}

func (t PhysType) valid() bool { return t >= TypeInt64 && t <= TypeBytes }

// Column is one column chunk in memory: Len rows of one physical type.
//
// Only the slice that matches Type is read (Ints, Floats, Bools, or
// Offsets+Bytes); the others are left alone by Decode so their buffers can be
// reused for another column of a different type.
//
// Nulls: Valid is a bitmap with bit i set when row i is valid (not null). An
// empty Valid (len 0, nil or not) means every row is valid. A null row's
// value slot is ignored by Encode and is set to the zero value (0, +0.0,
// false, empty string) by Decode.
type Column struct {
	Type PhysType
	Len  int

	// Ints holds TypeInt64 values; len(Ints) >= Len.
	Ints []int64
	// Floats holds TypeFloat64 values; len(Floats) >= Len. Values round-trip
	// bit-exactly (NaN payloads, -0.0, ±Inf).
	Floats []float64
	// Bools holds TypeBool values as a bitmap: bit i%64 of word i/64 is row
	// i; len(Bools) >= (Len+63)/64. Bits at or past Len are ignored by Encode
	// and zero after Decode.
	Bools []uint64
	// Offsets and Bytes hold TypeBytes values: row i is
	// Bytes[Offsets[i]:Offsets[i+1]]. len(Offsets) >= Len+1, Offsets[0] is
	// normally 0 and Offsets never decrease.
	Offsets []uint32
	Bytes   []byte

	// Valid is the validity bitmap; see the type comment.
	Valid []uint64

	// Codes, DictOffsets and DictBytes are set by Decode, besides
	// Offsets and Bytes, for a dictionary-encoded bytes chunk with at most
	// MaxKeptDict entries: row i's value is dictionary entry Codes[i]
	// (DictBytes[DictOffsets[k]:DictOffsets[k+1]]); a null row's code is
	// some valid entry. Executors use them to work once per distinct
	// value (filters, group keys). len(Codes) != Len means absent. Encode
	// ignores them.
	Codes       []uint32
	DictOffsets []uint32
	DictBytes   []byte
}

// MaxKeptDict is the largest dictionary Decode keeps codes for.
const MaxKeptDict = 4096

// Reset empties c, keeping its buffers for reuse.
func (c *Column) Reset(t PhysType) {
	c.Type = t
	c.Len = 0
	c.Ints = c.Ints[:0]
	c.Floats = c.Floats[:0]
	c.Bools = c.Bools[:0]
	c.Offsets = append(c.Offsets[:0], 0)
	c.Bytes = c.Bytes[:0]
	c.Valid = c.Valid[:0]
	c.Codes = c.Codes[:0]
}

// IsValid reports whether row i is not null.
func (c *Column) IsValid(i int) bool {
	if len(c.Valid) == 0 {
		return true
	}
	return c.Valid[i>>6]&(1<<(uint(i)&63)) != 0
}

// Bool returns row i of a TypeBool column.
func (c *Column) Bool(i int) bool { return c.Bools[i>>6]&(1<<(uint(i)&63)) != 0 }

// String returns row i of a TypeBytes column. The result aliases c.Bytes.
func (c *Column) String(i int) []byte { return c.Bytes[c.Offsets[i]:c.Offsets[i+1]] }

// NullCount returns the number of null rows.
func (c *Column) NullCount() int {
	if len(c.Valid) == 0 || c.Len == 0 {
		return 0
	}
	return c.Len - popcountPrefix(c.Valid, c.Len)
}

// popcountPrefix counts the set bits among the first n bits of w.
func popcountPrefix(w []uint64, n int) int {
	full := n >> 6
	cnt := 0
	for _, x := range w[:full] {
		cnt += bits.OnesCount64(x)
	}
	if rem := uint(n) & 63; rem != 0 {
		cnt += bits.OnesCount64(w[full] & (1<<rem - 1))
	}
	return cnt
}

// check validates c's shape before encoding.
func (c *Column) check(maxRows int) error {
	if !c.Type.valid() {
		return fmt.Errorf("chunk: encode: %w: unknown physical type %d", ErrInvalidColumn, c.Type)
	}
	if c.Len < 0 || c.Len > maxRows {
		return fmt.Errorf("chunk: encode: %w: %d rows (limit %d)", ErrInvalidColumn, c.Len, maxRows)
	}
	words := (c.Len + 63) >> 6
	if len(c.Valid) != 0 && len(c.Valid) < words {
		return fmt.Errorf("chunk: encode: %w: validity has %d words, need %d", ErrInvalidColumn, len(c.Valid), words)
	}
	switch c.Type {
	case TypeInt64:
		if len(c.Ints) < c.Len {
			return fmt.Errorf("chunk: encode: %w: %d ints for %d rows", ErrInvalidColumn, len(c.Ints), c.Len)
		}
	case TypeFloat64:
		if len(c.Floats) < c.Len {
			return fmt.Errorf("chunk: encode: %w: %d floats for %d rows", ErrInvalidColumn, len(c.Floats), c.Len)
		}
	case TypeBool:
		if len(c.Bools) < words {
			return fmt.Errorf("chunk: encode: %w: %d bool words for %d rows", ErrInvalidColumn, len(c.Bools), c.Len)
		}
	case TypeBytes:
		if c.Len == 0 {
			return nil
		}
		if len(c.Offsets) < c.Len+1 {
			return fmt.Errorf("chunk: encode: %w: %d offsets for %d rows", ErrInvalidColumn, len(c.Offsets), c.Len)
		}
		prev := c.Offsets[0]
		for _, o := range c.Offsets[1 : c.Len+1] {
			if o < prev {
				return fmt.Errorf("chunk: encode: %w: offsets decrease", ErrInvalidColumn)
			}
			prev = o
		}
		if int64(prev) > int64(len(c.Bytes)) {
			return fmt.Errorf("chunk: encode: %w: offset %d past %d bytes", ErrInvalidColumn, prev, len(c.Bytes))
		}
	}
	return nil
}

// Grow helpers return s resized to n, reusing its array when large enough.
// Contents are unspecified; callers overwrite every element.

func growInts(s []int64, n int) []int64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]int64, n)
}

func growFloats(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n)
}

func growWords(s []uint64, n int) []uint64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]uint64, n)
}

func growU32(s []uint32, n int) []uint32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]uint32, n)
}

func growBytes(s []byte, n int) []byte {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]byte, n)
}
