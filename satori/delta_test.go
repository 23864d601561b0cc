package satori

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDeltaBlocks checks the block arithmetic: every entry has one place,
// blocks are contiguous runs in entry order, and a block holds at most
// deltaBlockBytes (unless one vector is bigger).
func TestDeltaBlocks(t *testing.T) {
	for _, max := range []int{1, 2, 4, 64, 512} {
		next := 0
		for k := 0; k < 20; k++ {
			first, size := blockStart(k, max)
			if first != next || size < 1 || size > max {
				t.Fatalf("max %d: block %d starts at %d with %d entries, want start %d", max, k, first, size, next)
			}
			for j := range size {
				if gk, gj := locate(first+j, max); gk != k || gj != j {
					t.Fatalf("max %d: entry %d located at (%d, %d), want (%d, %d)", max, first+j, gk, gj, k, j)
				}
			}
			next = first + size
		}
	}
	for _, dim := range []int{1, 3, 128, 784, 1 << 20} {
		n := deltaBlockEntries(dim)
		if n < 1 || n&(n-1) != 0 || n > 1 && 4*dim*n > deltaBlockBytes || 4*dim*2*n <= deltaBlockBytes {
			t.Errorf("dim %d: %d entries per block", dim, n)
		}
	}
}

// TestDeltaModel appends to a delta and compares it, its prefixes and
// tails with plain slices; a prefix taken earlier must not change.
func TestDeltaModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, dim := range []int{1, 5, 784, 70_000} {
		entries := 300
		if dim > 1000 {
			entries = 40 // one vector per block past deltaBlockBytes
		}
		var d delta
		var want []float32
		type snap struct {
			p    delta
			want []float32
		}
		var snaps []snap
		for i := range entries {
			v := make([]float32, dim)
			for j := range v {
				v[j] = r.Float32()
			}
			d.add(uint64(i), uint64(i+1), v, nil)
			want = append(want, v...)
			if r.IntN(10) == 0 {
				snaps = append(snaps, snap{d.prefix(d.len(), dim), slices.Clone(want)})
			}
		}
		check := func(what string, d delta, want []float32) {
			t.Helper()
			n := d.len()
			if len(want) != n*dim {
				t.Fatalf("dim %d %s: %d entries, want %d", dim, what, n, len(want)/dim)
			}
			for i := range n {
				if !slices.Equal(d.vec(i, dim), want[i*dim:(i+1)*dim]) {
					t.Fatalf("dim %d %s: vector %d differs", dim, what, i)
				}
			}
			var runs []float32
			for k := range numBlocks(n, dim) {
				first, vecs := d.block(k, n, dim)
				if first != len(runs)/dim {
					t.Fatalf("dim %d %s: block %d starts at %d after %d entries", dim, what, k, first, len(runs)/dim)
				}
				runs = append(runs, vecs...)
			}
			if !slices.Equal(runs, want) {
				t.Fatalf("dim %d %s: blocks do not give the vectors in order", dim, what)
			}
		}
		check("whole", d, want)
		for _, s := range snaps {
			check("prefix", s.p, s.want)
		}
		for _, n := range []int{0, 1, 2, 33, entries - 1, entries} {
			tl := d.tail(n, dim)
			check("tail", tl, want[n*dim:])
			if tl.len() > 0 && tl.ids[0] != uint64(n) {
				t.Fatalf("dim %d: tail from %d starts with id %d", dim, n, tl.ids[0])
			}
		}
	}
}
