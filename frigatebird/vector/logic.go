package vector

import "github.com/reefdb/reef/frigatebird/types"

// Three-valued logic on BOOLEAN vectors, a word (64 rows) at a time. Each
// operand is split into "known true" (value & valid) and "known false"
// (^value & valid); the result is valid where it is known:
//
//	AND: true = aT & bT;  false = aF | bF   (FALSE AND NULL = FALSE)
//	OR:  true = aT | bT;  false = aF & bF   (TRUE OR NULL = TRUE)
//	NOT: true = aF;       false = aT
//
// The kernels work on whole words, so they ignore selections: rows outside
// a selection get a defined but meaningless result. res may be a or b.

func knownWords(v *Vector, w int) (t, f uint64) {
	x := v.Bools[w]
	if len(v.Valid) == 0 {
		return x, ^x
	}
	m := v.Valid[w]
	return x & m, ^x & m
}

func logic(a, b, res *Vector, and bool) {
	n := a.Len
	if a.Len != b.Len {
		panic("vector: AND/OR of vectors of different lengths")
	}
	words := Words(n)
	needValid := len(a.Valid) != 0 || len(b.Valid) != 0
	// Compute into locals first so res may alias a or b.
	res.Type, res.Len = types.Boolean, n
	res.Bools = grow(res.Bools, words)
	var valid []uint64
	if needValid {
		// Word w of valid is written after word w of both inputs is
		// read, so sharing storage with a or b is safe.
		valid = grow(res.Valid, words)
	}
	for w := 0; w < words; w++ {
		at, af := knownWords(a, w)
		bt, bf := knownWords(b, w)
		var t, f uint64
		if and {
			t, f = at&bt, af|bf
		} else {
			t, f = at|bt, af&bf
		}
		res.Bools[w] = t
		if needValid {
			valid[w] = t | f
		}
	}
	res.Valid = valid
}

// And writes a AND b into res with SQL three-valued logic.
func And(a, b, res *Vector) { logic(a, b, res, true) }

// Or writes a OR b into res with SQL three-valued logic.
func Or(a, b, res *Vector) { logic(a, b, res, false) }

// Not writes NOT a into res; NULL stays NULL.
func Not(a, res *Vector) {
	n := a.Len
	words := Words(n)
	res.Type, res.Len = types.Boolean, n
	res.Bools = grow(res.Bools, words)
	for w := 0; w < words; w++ {
		res.Bools[w] = ^a.Bools[w]
	}
	if len(a.Valid) == 0 {
		res.Valid = res.Valid[:0]
		return
	}
	if &res.Valid != &a.Valid {
		res.Valid = grow(res.Valid, words)
		copy(res.Valid, a.Valid[:words])
	}
}

// IsNull writes into res (never NULL) whether each row of v is NULL; with
// not set it writes IS NOT NULL.
func IsNull(v *Vector, not bool, res *Vector) {
	n := v.Len
	words := Words(n)
	valid := v.Valid
	res.Reset(types.Boolean, n)
	for w := 0; w < words; w++ {
		x := ^uint64(0)
		if len(valid) != 0 {
			x = valid[w]
		}
		if !not {
			x = ^x
		}
		res.Bools[w] = x
	}
}

// FilterNull returns the rows of sel that are NULL (not set) or not NULL
// (not set to true).
func FilterNull(v *Vector, not bool, sel, out []uint16) []uint16 {
	if len(v.Valid) == 0 {
		if !not {
			return selBuf(out, 0)
		}
		if sel == nil {
			return SelectAll(v.Len, out)
		}
		out = selBuf(out, len(sel))
		copy(out, sel)
		return out
	}
	want := uint64(b2i(not))
	k := 0
	if sel == nil {
		out = selBuf(out, v.Len)
		for i := 0; i < v.Len; i++ {
			out[k] = uint16(i)
			k += int(v.Valid[i>>6]>>(uint(i)&63)&1 ^ want ^ 1)
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	for _, i := range sel {
		out[k] = i
		k += int(v.Valid[i>>6]>>(i&63)&1 ^ want ^ 1)
	}
	return out[:k]
}
