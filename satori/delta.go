package satori

import "math/bits"

// delta is a bucket's acknowledged vectors not yet written to disk. It
// only grows; a reader's copy (prefix) stays valid while writers append,
// and maintenance replaces the whole delta rather than editing it.
//
// The vectors are in blocks that never move: block 0 holds one vector,
// each next block twice as many as the one before, up to
// deltaBlockEntries(dim), and every block after that as many. Appending
// never copies what is there (a growing slice would copy a big delta
// several times over, and keep the old copies alive for the readers of
// earlier prefixes), and a small delta wastes less than half of its
// memory. The ids, versions and attributes are small and plain slices.
type delta struct {
	ids    []uint64
	vers   []uint64
	attrs  [][]byte // nil entries for vectors without attributes
	blocks [][]float32
}

// deltaBlockBytes bounds the bytes of one block of vectors.
const deltaBlockBytes = 256 << 10

// deltaBlockEntries is the most vectors of dim floats a block holds: a
// power of two, at least 1, of at most deltaBlockBytes when dim allows.
func deltaBlockEntries(dim int) int {
	n := deltaBlockBytes / (4 * dim)
	if n < 1 {
		return 1
	}
	return 1 << (bits.Len(uint(n)) - 1)
}

// blockStart returns the index of block k's first entry and the number
// of entries it holds when full; max is deltaBlockEntries.
func blockStart(k, max int) (first, size int) {
	g := bits.Len(uint(max)) - 1 // blocks 0..g-1 grow: 1, 2, …, max/2
	if k < g {
		return 1<<k - 1, 1 << k
	}
	return max - 1 + (k-g)*max, max
}

// locate returns the block of entry i and its position in the block.
func locate(i, max int) (k, j int) {
	if i < max-1 {
		k = bits.Len(uint(i+1)) - 1
		return k, i + 1 - 1<<k
	}
	i -= max - 1
	return bits.Len(uint(max)) - 1 + i/max, i % max
}

func (d *delta) len() int { return len(d.ids) }

func (d *delta) add(id, ver uint64, vec []float32, attrs []byte) {
	dim, max := len(vec), deltaBlockEntries(len(vec))
	k, j := locate(len(d.ids), max)
	if k == len(d.blocks) {
		_, size := blockStart(k, max)
		d.blocks = append(d.blocks, make([]float32, size*dim))
	}
	copy(d.blocks[k][j*dim:(j+1)*dim], vec)
	d.ids = append(d.ids, id)
	d.vers = append(d.vers, ver)
	d.attrs = append(d.attrs, attrs)
}

// vec returns entry i's vector (not a copy).
func (d *delta) vec(i, dim int) []float32 {
	k, j := locate(i, deltaBlockEntries(dim))
	return d.blocks[k][j*dim : (j+1)*dim : (j+1)*dim]
}

// numBlocks returns how many blocks hold the first n entries.
func numBlocks(n, dim int) int {
	if n == 0 {
		return 0
	}
	k, _ := locate(n-1, deltaBlockEntries(dim))
	return k + 1
}

// block returns the vectors of block k among the first n entries, and the
// index of its first entry: a run of contiguous vectors for batch
// distance kernels. k must be below numBlocks(n, dim).
func (d *delta) block(k, n, dim int) (first int, vecs []float32) {
	first, size := blockStart(k, deltaBlockEntries(dim))
	return first, d.blocks[k][:min(size, n-first)*dim]
}

// prefix returns the first n entries, sharing memory: later appends
// write only past them.
func (d *delta) prefix(n, dim int) delta {
	nb := numBlocks(n, dim)
	return delta{ids: d.ids[:n:n], vers: d.vers[:n:n], attrs: d.attrs[:n:n], blocks: d.blocks[:nb:nb]}
}

// tail returns a fresh copy of the entries from n on.
func (d *delta) tail(n, dim int) delta {
	var t delta
	for i := n; i < len(d.ids); i++ {
		t.add(d.ids[i], d.vers[i], d.vec(i, dim), d.attrs[i])
	}
	return t
}
