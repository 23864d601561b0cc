package hashagg

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Group keys are compared as words where they can be: a key column of an
// int64-backed type, BOOLEAN or VARCHAR has one uint64 word per value (the
// integer, 0/1, or strWord) that is equal exactly when the values are,
// except for strings longer than 7 bytes, whose word is longStr and which
// are compared bytewise. Floats are compared as floats (SQL equality).

// longStr is the word of a string longer than 7 bytes: the word of a short
// string has its length (0..7) in the top byte, never 0xff.
const longStr = ^uint64(0)

// strWord returns data[from:to] packed as bytes | length<<56 when it has
// at most 7 bytes, else longStr.
func strWord(data []byte, from, to int) uint64 {
	n := to - from
	if n > 7 {
		return longStr
	}
	if from+8 <= len(data) {
		return binary.LittleEndian.Uint64(data[from:])&(1<<(8*uint(n))-1) | uint64(n)<<56
	}
	word := uint64(n) << 56
	for i, c := range data[from:to] {
		word |= uint64(c) << (8 * uint(i))
	}
	return word
}

// keyCol is one group key column, stored columnarly: value g is group g's.
// Strings live once in an arena; NULL keys have the zero value and a clear
// valid bit.
type keyCol struct {
	phys   types.Phys
	words  []uint64  // PhysInt64 (the value), PhysBool (0/1), PhysBytes (strWord)
	floats []float64 // PhysFloat64
	offs   []int     // PhysBytes: group g is arena[offs[g]:offs[g+1]]
	arena  []byte
	valid  []uint64 // bit g set: group g's key is not NULL
	nulls  int      // groups with a NULL key in this column
}

// keyStore holds the group keys of one partition and each group's hash
// (the hash places the group in a table slot and a partition; keeping it
// makes growing, repartitioning and merging rehash-free).
type keyStore struct {
	n      int
	hashes []uint64
	cols   []keyCol
}

func newKeyStore(ts []types.Type) keyStore {
	ks := keyStore{cols: make([]keyCol, len(ts))}
	for i, t := range ts {
		ks.cols[i].phys = t.Phys()
		if ks.cols[i].phys == types.PhysBytes {
			ks.cols[i].offs = []int{0}
		}
	}
	return ks
}

func (c *keyCol) isValid(g uint32) bool { return c.valid[g>>6]&(1<<(g&63)) != 0 }

// appendRows appends the keys of rows (rows of the vectors keys) with
// their hashes (indexed by row) as new groups n, n+1, ….
func (ks *keyStore) appendRows(keys []*vector.Vector, rows []uint16, hashes []uint64) {
	if len(rows) == 0 {
		return
	}
	for _, r := range rows {
		ks.hashes = append(ks.hashes, hashes[r])
	}
	for j := range ks.cols {
		ks.cols[j].appendRows(keys[j], rows, ks.n)
	}
	ks.n += len(rows)
}

func (c *keyCol) appendRows(v *vector.Vector, rows []uint16, at int) {
	for len(c.valid) < vector.Words(at+len(rows)) {
		c.valid = append(c.valid, 0)
	}
	nulls := v.HasNulls()
	switch c.phys {
	case types.PhysInt64:
		for _, r := range rows {
			c.words = append(c.words, uint64(v.Ints[r]))
		}
	case types.PhysFloat64:
		for _, r := range rows {
			c.floats = append(c.floats, v.Floats[r])
		}
	case types.PhysBool:
		for _, r := range rows {
			c.words = append(c.words, v.Bools[r>>6]>>(r&63)&1)
		}
	case types.PhysBytes:
		for _, r := range rows {
			word := uint64(0)
			if !nulls || v.IsValid(int(r)) {
				from, to := int(v.Offsets[r]), int(v.Offsets[r+1])
				c.arena = append(c.arena, v.Bytes[from:to]...)
				word = strWord(v.Bytes, from, to)
			}
			c.offs = append(c.offs, len(c.arena))
			c.words = append(c.words, word)
		}
	}
	if !nulls {
		for k := range rows {
			g := uint(at + k)
			c.valid[g>>6] |= 1 << (g & 63)
		}
		return
	}
	for k, r := range rows {
		g := uint(at + k)
		if v.IsValid(int(r)) {
			c.valid[g>>6] |= 1 << (g & 63)
			continue
		}
		c.nulls++
		switch c.phys {
		case types.PhysInt64, types.PhysBool:
			c.words[g] = 0
		case types.PhysFloat64:
			c.floats[g] = 0
		}
	}
}

// appendInt appends one group of a single int64 key (the fast path).
func (ks *keyStore) appendInt(x int64, valid bool, h uint64) uint32 {
	g := ks.n
	c := &ks.cols[0]
	if g&63 == 0 {
		c.valid = append(c.valid, 0)
	}
	if valid {
		c.valid[g>>6] |= 1 << (uint(g) & 63)
	} else {
		c.nulls++
		x = 0
	}
	c.words = append(c.words, uint64(x))
	ks.hashes = append(ks.hashes, h)
	ks.n++
	return uint32(g)
}

// maxVectorBytes bounds the string bytes of one vector (its offsets are
// uint32); a variable so that tests can exercise the splitting.
var maxVectorBytes = math.MaxUint32

// chunkRows returns how many groups from g0 (at most want) fit a vector:
// each string column must stay within maxVectorBytes. It returns at least
// 1 when want >= 1.
func (ks *keyStore) chunkRows(g0, want int) int {
	for j := range ks.cols {
		c := &ks.cols[j]
		if c.phys != types.PhysBytes {
			continue
		}
		for want > 1 && c.offs[g0+want]-c.offs[g0] > maxVectorBytes {
			want /= 2
		}
	}
	return want
}

// vectors sets vecs to groups [g0, g0+n) of the key columns and words[j]
// to their words, aliasing the store where the layouts agree (floats, the
// words); the vectors own the rest. n <= vector.Size and chunkRows(g0, n)
// == n.
func (ks *keyStore) vectors(g0, n int, ts []types.Type, vecs []*vector.Vector, words [][]uint64) {
	for j := range ks.cols {
		c, v := &ks.cols[j], vecs[j]
		v.Type, v.Len = ts[j], n
		words[j] = nil
		if c.words != nil {
			words[j] = c.words[g0 : g0+n]
		}
		switch c.phys {
		case types.PhysInt64:
			v.Ints = resize(v.Ints, n)
			for k, x := range c.words[g0 : g0+n] {
				v.Ints[k] = int64(x)
			}
		case types.PhysFloat64:
			v.Floats = c.floats[g0 : g0+n]
		case types.PhysBool:
			v.Bools = resize(v.Bools, vector.Words(n))
			clear(v.Bools)
			for k, x := range c.words[g0 : g0+n] {
				v.Bools[k>>6] |= x << (uint(k) & 63)
			}
		case types.PhysBytes:
			v.Offsets = resize(v.Offsets, n+1)
			base := c.offs[g0]
			for k := 0; k <= n; k++ {
				v.Offsets[k] = uint32(c.offs[g0+k] - base)
			}
			v.Bytes = c.arena[base:c.offs[g0+n]]
		}
		v.Valid = v.Valid[:0]
		if c.nulls > 0 {
			v.Valid = resize(v.Valid, vector.Words(n))
			copyBits(v.Valid, c.valid, g0, n)
		}
	}
}

// copyBits sets dst's bits 0..n-1 to src's bits g0..g0+n-1.
func copyBits(dst, src []uint64, g0, n int) {
	w, s := g0>>6, uint(g0&63)
	for k := range vector.Words(n) {
		x := src[w+k] >> s
		if s != 0 && w+k+1 < len(src) {
			x |= src[w+k+1] << (64 - s)
		}
		dst[k] = x
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, max(n, vector.Size))
}

// bytes returns the memory the store holds.
func (ks *keyStore) bytes() int64 {
	b := int64(cap(ks.hashes)) * 8
	for j := range ks.cols {
		c := &ks.cols[j]
		b += int64(cap(c.words)+cap(c.floats)+cap(c.offs)+cap(c.valid))*8 + int64(cap(c.arena))
	}
	return b
}

// Hashing. A row's hash folds one word per key column into hashSeed with
// vector.CombineHash (one multiply per column): the word of integers,
// booleans and short strings, vector.HashBytes of longer strings, the
// canonical bits of floats (-0.0 as 0.0, one NaN), vector.NullHash for
// NULL. Equal keys hash equally whichever path computed them. The loops
// are specialised per physical type instead of switching per row.

const hashSeed = 0x6a09e667f3bcc909

// hashKeys writes into hashes[r] the hash of the key columns of each row r
// of sel and into words[j][r] the word of column j (strWord for strings:
// longStr for long ones); in is scratch. It reports whether every key is
// its word: no NULL, no float, no long string.
func hashKeys(keys []*vector.Vector, words [][]uint64, sel []uint16, hashes, in []uint64) bool {
	for _, r := range sel {
		hashes[r] = hashSeed
	}
	allWords := true
	for j, v := range keys {
		if !hashCol(v, sel, words[j], in) {
			allWords = false
		}
		if v.HasNulls() {
			allWords = false
			valid := v.Valid
			for _, r := range sel {
				if valid[r>>6]&(1<<(r&63)) == 0 {
					in[r] = vector.NullHash
				}
			}
		}
		for _, r := range sel {
			hashes[r] = vector.CombineHash(hashes[r], in[r])
		}
	}
	return allWords
}

// hashCol writes the words of column v into words[r] and its hash inputs
// into in[r] for the rows of sel (NULL rows get garbage); it reports
// whether every value is its word.
func hashCol(v *vector.Vector, sel []uint16, words, in []uint64) bool {
	allWords := true
	switch v.Type.Phys() {
	case types.PhysInt64:
		xs := v.Ints
		for _, r := range sel {
			x := uint64(xs[r])
			words[r], in[r] = x, x
		}
	case types.PhysFloat64:
		allWords = false
		xs := v.Floats
		for _, r := range sel {
			x := uint64(floatBits(xs[r]))
			words[r], in[r] = x, x
		}
	case types.PhysBool:
		bs := v.Bools
		for _, r := range sel {
			x := bs[r>>6] >> (r & 63) & 1
			words[r], in[r] = x, x
		}
	case types.PhysBytes:
		offs, data := v.Offsets, v.Bytes
		for _, r := range sel {
			from, to := int(offs[r]), int(offs[r+1])
			if n := to - from; n <= 7 && from+8 <= len(data) {
				// strWord inline: one load, the bytes past the string
				// masked off.
				x := binary.LittleEndian.Uint64(data[from:])&(1<<(8*uint(n))-1) | uint64(n)<<56
				words[r], in[r] = x, x
				continue
			}
			x := strWord(data, from, to)
			words[r], in[r] = x, x
			if x == longStr {
				in[r] = vector.HashBytes(data[from:to])
				allWords = false
			}
		}
	}
	return allWords
}

// Key comparison. match sets differ[i] for each candidate (rows[i], gs[i])
// whose row key differs from group gs[i]'s key in column c; words are the
// rows' words. SQL grouping equality: NULL equals NULL, NaN equals NaN,
// -0.0 equals 0.0. Writing a flag per candidate and column keeps the loops
// free of data-dependent compaction; the probe splits matches from misses
// once.
func match(c *keyCol, v *vector.Vector, words []uint64, rows []uint16, gs []uint32, differ []uint8) {
	if c.nulls > 0 || v.HasNulls() {
		matchNulls(c, v, words, rows, gs, differ)
		return
	}
	switch c.phys {
	case types.PhysInt64, types.PhysBool:
		ks := c.words
		for i, r := range rows {
			if ks[gs[i]] != words[r] {
				differ[i] = 1
			}
		}
	case types.PhysFloat64:
		ks, xs := c.floats, v.Floats
		for i, r := range rows {
			if a, b := ks[gs[i]], xs[r]; a != b && (a == a || b == b) {
				differ[i] = 1
			}
		}
	case types.PhysBytes:
		// Equal words are equal strings, unless both are long.
		offs, arena, vo, vb, ks := c.offs, c.arena, v.Offsets, v.Bytes, c.words
		for i, r := range rows {
			g := gs[i]
			if kw := ks[g]; kw != words[r] || (kw == longStr && !bytes.Equal(arena[offs[g]:offs[g+1]], vb[vo[r]:vo[r+1]])) {
				differ[i] = 1
			}
		}
	}
}

// matchNulls is match when the column or the vector has NULLs: the valid
// bits must agree, and the values too when both are valid.
func matchNulls(c *keyCol, v *vector.Vector, words []uint64, rows []uint16, gs []uint32, differ []uint8) {
	for i, r := range rows {
		g := gs[i]
		vk, vv := c.isValid(g), v.IsValid(int(r))
		eq := vk == vv
		if eq && vv {
			switch c.phys {
			case types.PhysInt64, types.PhysBool:
				eq = c.words[g] == words[r]
			case types.PhysFloat64:
				a, b := c.floats[g], v.Floats[r]
				eq = a == b || (a != a && b != b)
			case types.PhysBytes:
				eq = c.words[g] == words[r] && (words[r] != longStr || bytes.Equal(c.arena[c.offs[g]:c.offs[g+1]], v.Str(int(r))))
			}
		}
		if !eq {
			differ[i] = 1
		}
	}
}
