package vector

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/reefdb/reef/frigatebird/types"
)

// NullHash is the hash of a NULL of any type.
const NullHash = uint64(0x9e3779b97f4a7c15)

// Hashes are deterministic across processes (no random seed): group-by
// and distinct may spill or exchange them. Equal SQL values hash equally:
// -0.0 and 0.0 hash as 0.0, every NaN as one NaN. Integers of different
// logical types hash equally when equal (all are int64).

const (
	m1 = 0xa0761d6478bd642f
	m2 = 0xe7037ed1a0b428db
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^m1, b^m2)
	return hi ^ lo
}

// HashInt64 hashes one integer.
func HashInt64(x int64) uint64 { return mix(uint64(x), 0x8ebc6af09c88c6e3) }

// HashFloat64 hashes one float, canonicalising -0.0 and NaN.
func HashFloat64(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	if f != f {
		f = math.NaN()
	}
	return mix(math.Float64bits(f), 0x589965cc75374cc3)
}

// HashBytes hashes one string.
func HashBytes(s []byte) uint64 {
	h := uint64(len(s)) ^ 0x1d8e4e27c47d124f
	for len(s) >= 8 {
		h = mix(h, binary.LittleEndian.Uint64(s))
		s = s[8:]
	}
	var tail uint64
	for i, c := range s {
		tail |= uint64(c) << (8 * i)
	}
	return mix(h, tail)
}

// CombineHash folds a column's hash into a row's running hash.
func CombineHash(h, x uint64) uint64 { return mix(h, x) }

// Hash writes into hashes[i] the hash of row i of v for the rows of sel
// (hashes has len >= v.Len); with combine it folds them into the values
// already there (for multi-column keys).
func Hash(v *Vector, sel []uint16, hashes []uint64, combine bool) {
	phys := v.Type.Phys()
	each := func(i int) {
		var h uint64
		switch {
		case !v.IsValid(i):
			h = NullHash
		case phys == types.PhysInt64:
			h = HashInt64(v.Ints[i])
		case phys == types.PhysFloat64:
			h = HashFloat64(v.Floats[i])
		case phys == types.PhysBool:
			h = HashInt64(int64(v.Bools[i>>6] >> (uint(i) & 63) & 1))
		default:
			h = HashBytes(v.Str(i))
		}
		if combine {
			h = CombineHash(hashes[i], h)
		}
		hashes[i] = h
	}
	if sel == nil {
		for i := 0; i < v.Len; i++ {
			each(i)
		}
		return
	}
	for _, i := range sel {
		each(int(i))
	}
}
