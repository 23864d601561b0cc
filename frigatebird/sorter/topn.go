package sorter

import (
	"slices"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// topN is a local's bounded heap for ORDER BY … LIMIT: the limit best rows
// seen, as static-layout keys in a max-heap (the worst kept row at the
// root), their payload in the local's collection. A row enters only when
// its key is below the root's: once the heap is full the root is the
// cutoff, and most rows of a large input are rejected by comparing the
// first key word alone, computed for the whole batch at once (for a
// single numeric key that word is the value's ordinal: a compare of the
// raw value). Rows that leave the heap stay in the collection as dead
// rows until there are more than max(limit, vector.Size) of them; then
// the live rows are copied into a new collection (compact).
type topN struct {
	lay   *layout
	limit int
	words int

	keys []uint64 // heap element i's key is keys[i*words : (i+1)*words]
	rows []uint32 // heap element i's row in the collection
	dead int      // collection rows not in the heap

	ords, w0, cand []uint64 // encoding scratch
	kept           []uint16 // rows passing the raw cutoff
	batch          vector.Batch
	gather         []uint32
}

func newTopN(ts []types.Type, keys []Key, limit int) *topN {
	st := make([]keyStats, len(keys))
	for i, k := range keys {
		st[i] = staticStats(ts[k.Col].Phys())
	}
	lay := newLayout(ts, keys, st, tune.prefixBytes)
	return &topN{
		lay: lay, limit: limit, words: lay.words,
		ords: make([]uint64, vector.Size),
		w0:   make([]uint64, vector.Size),
		cand: make([]uint64, lay.words*vector.Size),
	}
}

func (t *topN) bytes() int64 {
	return int64(cap(t.keys)+cap(t.ords)+cap(t.w0)+cap(t.cand))*8 + int64(cap(t.rows)+cap(t.gather))*4
}

func (t *topN) key(i int) []uint64 { return t.keys[i*t.words : (i+1)*t.words] }

// addTop offers rows of b to the heap (l.coll is the collection of kept rows).
func (l *Local) addTop(b *vector.Batch, rows []uint16) {
	t := l.top
	// Filling: every row enters, appended in one go.
	if room := t.limit - len(t.rows); room > 0 {
		part := rows[:min(room, len(rows))]
		base := l.coll.Len()
		l.coll.Append(&vector.Batch{Cols: b.Cols, Len: b.Len, Sel: part})
		w := t.words
		keys := t.cand[:len(part)*w]
		clear(keys)
		t.lay.encode(b.Cols, part, keys, w, w, t.ords)
		for i := range part {
			t.push(l.coll, keys[i*w:(i+1)*w], uint32(base+i))
		}
		rows = rows[len(part):]
	}
	if len(rows) == 0 {
		return
	}
	// Full. A first key of int64 values is first compared raw with the
	// worst kept row's (read once per batch: the cutoff only tightens
	// within the batch, so the stale one rejects only rows that the
	// current one would): a row strictly worse on it is out without
	// encoding anything.
	rows = l.rejectRaw(b, rows)
	if len(rows) == 0 {
		return
	}
	// Then on the first word, then on the whole key.
	w0 := t.w0[:len(rows)]
	clear(w0)
	t.lay.encode(b.Cols, rows, w0, 1, 1, t.ords)
	cut := t.keys[0]
	cand := t.cand[:t.words]
	for i, r := range rows {
		if w0[i] > cut {
			continue
		}
		clear(cand)
		t.lay.encode(b.Cols, rows[i:i+1], cand, t.words, t.words, t.ords)
		c := cmpWords(cand, t.key(0))
		if c == 0 && len(t.lay.lossy) > 0 {
			c = t.lay.cmpValues(rowRef{cols: b.Cols, row: int(r)}, rowRef{coll: l.coll, row: int(t.rows[0])})
		}
		if c >= 0 {
			continue
		}
		l.coll.AppendRow(b, int(r))
		copy(t.key(0), cand)
		t.rows[0] = uint32(l.coll.Len() - 1)
		t.siftDown(l.coll, 0)
		t.dead++
		cut = t.keys[0]
		if t.dead > max(t.limit, vector.Size) {
			l.compactTop()
		}
	}
}

// rejectRaw drops the rows whose first key, an int64, is strictly worse
// than the heap's worst row's; rows with a NULL first key are kept for
// the full comparison. The result is in the heap's scratch (rows may be
// the caller's selection or a shared identity).
func (l *Local) rejectRaw(b *vector.Batch, rows []uint16) []uint16 {
	k := l.keys[0]
	v := b.Cols[k.Col]
	if v.Type.Phys() != types.PhysInt64 {
		return rows
	}
	top := l.coll.Value(int(l.top.rows[0]), k.Col)
	if top.Null {
		return rows
	}
	cut := top.Int
	out := l.top.kept[:0]
	defer func() { l.top.kept = out[:0] }()
	nulls := v.HasNulls()
	if k.Desc {
		for _, r := range rows {
			if v.Ints[r] >= cut || nulls && !v.IsValid(int(r)) {
				out = append(out, r)
			}
		}
	} else {
		for _, r := range rows {
			if v.Ints[r] <= cut || nulls && !v.IsValid(int(r)) {
				out = append(out, r)
			}
		}
	}
	return out
}

// cmp compares heap elements i and j.
func (t *topN) cmp(coll *vector.Collection, i, j int) int {
	c := cmpWords(t.key(i), t.key(j))
	if c == 0 && len(t.lay.lossy) > 0 {
		c = t.lay.cmpValues(rowRef{coll: coll, row: int(t.rows[i])}, rowRef{coll: coll, row: int(t.rows[j])})
	}
	return c
}

func (t *topN) swap(i, j int) {
	a, b := t.key(i), t.key(j)
	for k := range a {
		a[k], b[k] = b[k], a[k]
	}
	t.rows[i], t.rows[j] = t.rows[j], t.rows[i]
}

func (t *topN) push(coll *vector.Collection, key []uint64, row uint32) {
	t.keys = append(t.keys, key...)
	t.rows = append(t.rows, row)
	for i := len(t.rows) - 1; i > 0; {
		p := (i - 1) / 2
		if t.cmp(coll, i, p) <= 0 {
			break
		}
		t.swap(i, p)
		i = p
	}
}

func (t *topN) siftDown(coll *vector.Collection, i int) {
	n := len(t.rows)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && t.cmp(coll, c+1, c) > 0 {
			c++
		}
		if t.cmp(coll, c, i) <= 0 {
			return
		}
		t.swap(i, c)
		i = c
	}
}

// compactTop copies the heap's rows into a new collection, dropping the
// dead ones.
func (l *Local) compactTop() {
	t := l.top
	if t.dead == 0 {
		return
	}
	order := make([]int32, len(t.rows))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return int(int64(t.rows[a]) - int64(t.rows[b])) })
	next := vector.NewCollection(l.types)
	for start := 0; start < len(order); start += vector.Size {
		part := order[start:min(start+vector.Size, len(order))]
		t.gather = t.gather[:0]
		for _, i := range part {
			t.gather = append(t.gather, t.rows[i])
		}
		l.coll.Gather(t.gather, &t.batch)
		next.Append(&t.batch)
	}
	for k, i := range order {
		t.rows[i] = uint32(k)
	}
	l.coll, t.dead = next, 0
}
