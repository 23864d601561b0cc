package sorter

import (
	"math/bits"
	"slices"

	"github.com/reefdb/reef/frigatebird/vector"
)

// entry is one row being sorted: a word of its normalized key and its
// row number. pre is the key's first word, except inside sortFrom, where
// rows whose earlier words tie carry the word being sorted on.
type entry struct {
	pre uint64
	row uint32
}

// run is one local's rows in a sort: its collection, the normalized keys
// and, once sorted, its entries in order.
type run struct {
	idx   int // the local's position in Merge's list
	coll  *vector.Collection
	lay   *layout
	arena []uint64 // keys, lay.words per row; nil with one word (the entries hold it)
	ents  []entry
	cmps  []func(a, b entry) int // cmps[w] orders entries holding word w
}

// cmpEntries orders entry a of run s and entry b of run t, both holding
// word w in pre: by normalized key, then (lossy layouts) the key values, then local
// and row, a total order (no two entries are equal).
func cmpEntries(s *run, a entry, t *run, b entry, w int) int {
	if a.pre != b.pre {
		if a.pre < b.pre {
			return -1
		}
		return 1
	}
	if nw := s.lay.words; w+1 < nw {
		ka := s.arena[int(a.row)*nw+w+1 : (int(a.row)+1)*nw]
		kb := t.arena[int(b.row)*nw+w+1 : (int(b.row)+1)*nw]
		if c := cmpWords(ka, kb); c != 0 {
			return c
		}
	}
	if len(s.lay.lossy) > 0 {
		if c := s.lay.cmpValues(rowRef{coll: s.coll, row: int(a.row)}, rowRef{coll: t.coll, row: int(b.row)}); c != 0 {
			return c
		}
	}
	if s.idx != t.idx {
		return cmpInt(s.idx, t.idx)
	}
	return cmpInt(a.row, b.row)
}

// newRun encodes the keys of every row of coll.
func newRun(idx int, coll *vector.Collection, lay *layout) *run {
	s := &run{idx: idx, coll: coll, lay: lay}
	for w := 0; w < lay.words; w++ {
		s.cmps = append(s.cmps, func(a, b entry) int { return cmpEntries(s, a, s, b, w) })
	}
	n, nw := coll.Len(), lay.words
	s.ents = make([]entry, n)
	if nw > 1 {
		s.arena = make([]uint64, n*nw)
	}
	var (
		win     window
		ords    = make([]uint64, vector.Size)
		scratch []uint64
	)
	if nw == 1 {
		scratch = make([]uint64, vector.Size)
	}
	for start := 0; start < n; start += vector.Size {
		m := min(vector.Size, n-start)
		cols := win.read(coll, start, m)
		var dst []uint64
		if nw > 1 {
			dst = s.arena[start*nw : (start+m)*nw]
		} else {
			dst = scratch[:m]
			clear(dst)
		}
		lay.encode(cols, identity[:m], dst, nw, nw, ords)
		ents := s.ents[start : start+m]
		for i := range ents {
			ents[i] = entry{pre: dst[i*nw], row: uint32(start + i)}
		}
	}
	return s
}

// sort orders the run's entries and keeps the first limit (limit < 0:
// all).
func (s *run) sort(limit int64) {
	if len(s.ents) > 1 {
		s.sortFrom(s.ents, make([]entry, len(s.ents)), 0)
	}
	if limit >= 0 && int64(len(s.ents)) > limit {
		s.ents = slices.Clip(s.ents[:limit])
		if limit < int64(cap(s.ents))/2 {
			s.ents = slices.Clone(s.ents)
		}
	}
}

// sortFrom orders a (holding word w) with tmp as scratch: radix on the
// word, then, for rows that tie on it, on the next word (recursively) or,
// on the last word, by comparison (key values, row). Small slices are
// sorted by comparison from word w on. Entries hold word w again on
// return (a tie's word is put back without reading the keys). Radix sorting is stable and the
// entries start in row order, so ties end in row order as comparison
// sorting leaves them: every path yields the total order of cmpEntries.
func (s *run) sortFrom(a, tmp []entry, w int) {
	if len(a) < 2 {
		return
	}
	if len(a) < tune.radixMinRows {
		slices.SortFunc(a, s.cmps[w])
		return
	}
	radixSort(a, tmp)
	nw := s.lay.words
	last := w+1 >= nw
	if last && len(s.lay.lossy) == 0 {
		return
	}
	for i := 0; i < len(a); {
		j := i + 1
		for j < len(a) && a[j].pre == a[i].pre {
			j++
		}
		if j-i > 1 {
			if last {
				slices.SortFunc(a[i:j], s.cmps[w])
			} else {
				word := a[i].pre
				for k := i; k < j; k++ {
					a[k].pre = s.arena[int(a[k].row)*nw+w+1]
				}
				s.sortFrom(a[i:j], tmp[i:j], w+1)
				for k := i; k < j; k++ {
					a[k].pre = word // the tie's word w, sequentially
				}
			}
		}
		i = j
	}
}

// radixSort sorts a by pre, stably (a must be in row order, as every
// caller's is: then sorting by (pre, row) is the same and small pieces
// may use any comparison sort). tmp has len(a) entries. Large inputs
// take a most-significant-byte pass (on the highest byte in which the
// entries differ) into 256 buckets, each sorted recursively while it
// sits in cache; mid-sized ones are sorted least significant byte first,
// small ones by comparison. Bytes every entry shares are skipped.
// (Wider digits mean fewer passes but more scatter streams: 11-bit
// digits measured 1.5-2.5× slower than bytes on 1M random keys.)
func radixSort(a, tmp []entry) {
	switch {
	case len(a) < radixSmallRows:
		insertionSort(a)
		return
	case len(a) < radixMSDMinRows:
		radixLSD(a, tmp)
		return
	}
	first := a[0].pre
	var diff uint64
	for i := range a {
		diff |= a[i].pre ^ first
	}
	if diff == 0 {
		return
	}
	shift := uint(63-bits.LeadingZeros64(diff)) &^ 7
	var counts, ends [256]uint32
	for i := range a {
		counts[uint8(a[i].pre>>shift)]++
	}
	var sum uint32
	for b, x := range counts {
		counts[b] = sum
		sum += x
		ends[b] = sum
	}
	starts := counts
	tmp = tmp[:len(a)]
	for _, e := range a {
		b := uint8(e.pre >> shift)
		tmp[counts[b]] = e
		counts[b]++
	}
	for b := range 256 {
		s, e := starts[b], ends[b]
		if e-s > 1 {
			radixSort(tmp[s:e], a[s:e])
		}
		copy(a[s:e], tmp[s:e])
	}
}

// insertionSort sorts a small a by pre, stably.
func insertionSort(a []entry) {
	for i := 1; i < len(a); i++ {
		e := a[i]
		j := i
		for j > 0 && a[j-1].pre > e.pre {
			a[j] = a[j-1]
			j--
		}
		a[j] = e
	}
}

const (
	// radixMSDMinRows is the smallest input radixSort splits by its most
	// significant byte first.
	radixMSDMinRows = 1 << 12
	// radixSmallRows is the largest input radixSort sorts by comparison.
	radixSmallRows = 32
)

// radixLSD sorts a by pre, stably: least significant byte first,
// skipping bytes every entry shares. tmp has len(a) entries.
func radixLSD(a, tmp []entry) {
	var counts [8][256]uint32
	for i := range a {
		p := a[i].pre
		counts[0][uint8(p)]++
		counts[1][uint8(p>>8)]++
		counts[2][uint8(p>>16)]++
		counts[3][uint8(p>>24)]++
		counts[4][uint8(p>>32)]++
		counts[5][uint8(p>>40)]++
		counts[6][uint8(p>>48)]++
		counts[7][uint8(p>>56)]++
	}
	n := uint32(len(a))
	first := a[0].pre
	src, dst := a, tmp[:len(a)]
	for d := range 8 {
		shift := uint(8 * d)
		c := &counts[d]
		if c[uint8(first>>shift)] == n {
			continue
		}
		var sum uint32
		for b, x := range c {
			c[b] = sum
			sum += x
		}
		for _, e := range src {
			b := uint8(e.pre >> shift)
			dst[c[b]] = e
			c[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
