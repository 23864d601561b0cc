package vector

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/types"
)

// Size is the number of rows a vector holds at most.
const Size = 2048

// Vector is up to Size values of one logical type in the physical layout
// of chunk.Column: only the slices of Type.Phys() are read. Valid is the
// validity bitmap (bit i set = row i not NULL); empty means all valid.
// Values in NULL slots are unspecified (kernels never fail because of
// them). Bits of Bools and Valid at or past Len are unspecified too.
type Vector struct {
	Type types.Type
	Len  int

	Ints    []int64
	Floats  []float64
	Bools   []uint64
	Offsets []uint32
	Bytes   []byte

	Valid []uint64

	// Codes, DictOffsets and DictBytes, when len(Codes) == Len, give a
	// bytes vector's values as codes into a dictionary as well (a window
	// of a dictionary-encoded chunk, see chunk.Column): row i is entry
	// Codes[i]; a NULL row's code is some valid entry. Kernels may use
	// them to work once per distinct value; they never write them, and
	// Reset drops them.
	Codes       []uint32
	DictOffsets []uint32
	DictBytes   []byte

	// aliased is set by FromColumn: the slices belong to a column chunk,
	// so Reset must not write into them.
	aliased bool
}

// Words returns the number of bitmap words for n rows.
func Words(n int) int { return (n + 63) >> 6 }

// New returns an empty vector of type t with buffers for Size rows.
func New(t types.Type) *Vector {
	v := &Vector{Type: t}
	switch t.Phys() {
	case types.PhysInt64:
		v.Ints = make([]int64, Size)
	case types.PhysFloat64:
		v.Floats = make([]float64, Size)
	case types.PhysBool:
		v.Bools = make([]uint64, Size/64)
	case types.PhysBytes:
		v.Offsets = make([]uint32, Size+1)
	}
	return v
}

// Reset prepares v to hold n rows of type t, reusing its buffers. Values
// are unspecified; Valid is emptied (all valid); for bytes Offsets is
// sized n+1 and Bytes emptied. A vector made by FromColumn drops its
// slices first (they belong to the chunk) and gets its own.
func (v *Vector) Reset(t types.Type, n int) {
	if n < 0 || n > Size {
		panic(fmt.Sprintf("vector: reset to %d rows (limit %d)", n, Size))
	}
	if v.aliased {
		*v = Vector{}
	}
	v.Type, v.Len = t, n
	v.Valid = v.Valid[:0]
	v.Codes = nil
	switch t.Phys() {
	case types.PhysInt64:
		v.Ints = grow(v.Ints, n)
	case types.PhysFloat64:
		v.Floats = grow(v.Floats, n)
	case types.PhysBool:
		v.Bools = grow(v.Bools, Words(n))
	case types.PhysBytes:
		v.Offsets = grow(v.Offsets, n+1)
		v.Offsets[0] = 0
		v.Bytes = v.Bytes[:0]
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, max(n, Size))
}

// HasDict reports whether v carries dictionary codes.
func (v *Vector) HasDict() bool { return v.Len > 0 && len(v.Codes) == v.Len }

// DictLen returns the number of dictionary entries.
func (v *Vector) DictLen() int { return len(v.DictOffsets) - 1 }

// DictEntry returns dictionary entry k (aliasing DictBytes).
func (v *Vector) DictEntry(k int) []byte { return v.DictBytes[v.DictOffsets[k]:v.DictOffsets[k+1]] }

// HasNulls reports whether v has a validity bitmap (it may still have no
// NULL row).
func (v *Vector) HasNulls() bool { return len(v.Valid) != 0 }

// IsValid reports whether row i is not NULL.
func (v *Vector) IsValid(i int) bool {
	return len(v.Valid) == 0 || v.Valid[i>>6]&(1<<(uint(i)&63)) != 0
}

// SetNull marks row i NULL, creating the validity bitmap when needed.
func (v *Vector) SetNull(i int) {
	if len(v.Valid) == 0 {
		v.Valid = grow(v.Valid, Words(v.Len))
		for j := range v.Valid {
			v.Valid[j] = ^uint64(0)
		}
	}
	v.Valid[i>>6] &^= 1 << (uint(i) & 63)
}

// Bool returns row i of a BOOLEAN vector.
func (v *Vector) Bool(i int) bool { return v.Bools[i>>6]&(1<<(uint(i)&63)) != 0 }

// SetBool sets row i of a BOOLEAN vector.
func (v *Vector) SetBool(i int, b bool) {
	if b {
		v.Bools[i>>6] |= 1 << (uint(i) & 63)
	} else {
		v.Bools[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// Str returns row i of a bytes vector; it aliases v.Bytes.
func (v *Vector) Str(i int) []byte { return v.Bytes[v.Offsets[i]:v.Offsets[i+1]] }

// AppendStr writes row i of a bytes vector: it appends s to Bytes and
// sets Offsets[i+1]. Rows must be written in order 0, 1, 2, … after Reset.
func (v *Vector) AppendStr(i int, s []byte) {
	v.Bytes = append(v.Bytes, s...)
	v.Offsets[i+1] = uint32(len(v.Bytes))
}

// Value returns row i as a types.Value (for tests and constant folding;
// not for hot loops).
func (v *Vector) Value(i int) types.Value {
	if !v.IsValid(i) {
		return types.NullValue(v.Type)
	}
	out := types.Value{Type: v.Type}
	switch v.Type.Phys() {
	case types.PhysInt64:
		out.Int = v.Ints[i]
	case types.PhysFloat64:
		out.Float = v.Floats[i]
	case types.PhysBool:
		out.Bool = v.Bool(i)
	case types.PhysBytes:
		out.Str = string(v.Str(i))
	}
	return out
}

// FromColumn returns a vector over rows [start, start+n) of a decoded
// column without copying: its slices alias c's. start must be a multiple
// of 64 (so the bitmaps can be sliced by word) and n at most Size; t must
// map onto c's physical type.
func FromColumn(c *chunk.Column, t types.Type, start, n int) (Vector, error) {
	if chunk.PhysType(t.Phys()) != c.Type {
		return Vector{}, fmt.Errorf("vector: from column: type %s is not %s", t, c.Type)
	}
	if start < 0 || start&63 != 0 || n < 0 || n > Size || start+n > c.Len {
		return Vector{}, fmt.Errorf("vector: from column: rows [%d, %d) of %d (start must be a multiple of 64, at most %d rows)", start, start+n, c.Len, Size)
	}
	v := Vector{Type: t, Len: n, aliased: true}
	w0, w1 := start>>6, Words(start+n)
	switch c.Type {
	case chunk.TypeInt64:
		v.Ints = c.Ints[start : start+n]
	case chunk.TypeFloat64:
		v.Floats = c.Floats[start : start+n]
	case chunk.TypeBool:
		v.Bools = c.Bools[w0:w1]
	case chunk.TypeBytes:
		if n > 0 {
			v.Offsets = c.Offsets[start : start+n+1]
			v.Bytes = c.Bytes
		} else {
			v.Offsets = []uint32{0}
		}
		if len(c.Codes) == c.Len && n > 0 {
			v.Codes = c.Codes[start : start+n]
			v.DictOffsets, v.DictBytes = c.DictOffsets, c.DictBytes
		}
	}
	if len(c.Valid) != 0 {
		v.Valid = c.Valid[w0:w1]
	}
	return v, nil
}

// ToColumn returns a column that aliases v's slices (for encoding a
// vector-built column; Offsets of a vector from FromColumn may not start
// at 0, which chunk.Encode accepts).
func (v *Vector) ToColumn() chunk.Column {
	return chunk.Column{
		Type: chunk.PhysType(v.Type.Phys()), Len: v.Len,
		Ints: v.Ints, Floats: v.Floats, Bools: v.Bools,
		Offsets: v.Offsets, Bytes: v.Bytes, Valid: v.Valid,
	}
}
