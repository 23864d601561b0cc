package hashagg

import (
	"fmt"
	"unsafe"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Partitioning: a Local starts with one partition and splits into
// partitions (by the top partBits bits of the group hash) once it holds
// more than partitionAfterGroups groups, so Merge can merge each
// partition independently.
const (
	partBits   = 5
	partitions = 1 << partBits
	partShift  = 64 - partBits
)

// Tuning knobs, variables so that tests can move the thresholds and reach
// every path with small inputs.
var (
	// partitionAfterGroups is the group count past which a Local splits
	// into partitions.
	partitionAfterGroups = 4096
	// directMergeGroups: Merge of unpartitioned locals holding at most
	// this many groups in all merges them into one on the calling
	// goroutine.
	directMergeGroups = 16384
)

// smallGroups: a partition with at most this many groups folds each
// group's rows in registers (reduce) rather than updating state per row.
const smallGroups = 16

// identity is the selection of all rows.
var identity [vector.Size]uint16

func init() {
	for i := range identity {
		identity[i] = uint16(i)
	}
}

// scratch holds the per-batch buffers of one goroutine (a Local's Add,
// or one Merge worker). Arrays indexed by row are vector.Size long.
type scratch struct {
	hashes  [vector.Size]uint64
	tmp     [vector.Size]uint64 // the hash inputs of one key column
	pos     [vector.Size]uint64
	ints    [vector.Size]int64
	gids    [vector.Size]uint32
	candG   [vector.Size]uint32
	cand    [vector.Size]uint16
	fresh   [vector.Size]uint16
	rowsA   [vector.Size]uint16
	rowsB   [vector.Size]uint16
	nn      [vector.Size]uint16
	differ  [vector.Size]uint8
	msel    [vector.Size]uint16 // the groups of a merge chunk in the partition merged
	dsorted [vector.Size]uint16 // rows ordered by group for distinct sets
	byPart  [partitions][vector.Size]uint16
	starts  [smallGroups + 1]int
	// The dictionary path (dict.go): each row's combination of key codes,
	// the group of each combination seen in the batch (dictSeen[c] ==
	// epoch), and the rows standing for the combinations.
	combo    [vector.Size]uint32
	dictGid  [maxDictCombos]uint32
	dictSeen [maxDictCombos]uint32
	epoch    uint32
	reps     [vector.Size]uint16
	// words[j] holds the words of key column j for Add (see keys.go).
	words [][]uint64
	// Merge: the key vectors of a chunk of groups and the gid mapping of
	// the partition being merged.
	vecs    []*vector.Vector
	mapping []uint32
}

// keyVectors returns n vectors for the key chunks of a merge.
func (w *scratch) keyVectors(n int) []*vector.Vector {
	for len(w.vecs) < n {
		w.vecs = append(w.vecs, &vector.Vector{})
	}
	return w.vecs[:n]
}

// Local is one worker's partial aggregation: the groups and aggregate
// states of the batches it was given. It is not safe for concurrent use;
// each worker of a pipeline owns one, and Merge combines them.
type Local struct {
	c      *compiled
	parts  []*part // one, or partitions after the split
	w      *scratch
	merged bool
}

// NewLocal returns an empty Local for s. An invalid s is reported by Add
// and Merge (the error of s.Validate).
func NewLocal(s Spec) *Local {
	c := compile(s)
	l := &Local{c: c, w: new(scratch)}
	l.w.words = make([][]uint64, len(s.Groups))
	for j := range l.w.words {
		l.w.words[j] = make([]uint64, vector.Size)
	}
	if c.err == nil {
		l.parts = []*part{newPart(c)}
	}
	return l
}

// Add consumes the active rows of b: b.Cols[:len(Groups)] are the group
// keys, then comes one column per Agg that has an argument (count(*) has
// none), in Agg order. Column types must match the Spec (DECIMAL scales
// exactly; VARCHAR lengths are not checked). b is not kept.
//
// A batch that does not match the Spec is refused (ErrInput) before
// anything is added; the only later error, a partition passing
// maxGroups, may leave the batch partly added.
func (l *Local) Add(b *vector.Batch) error {
	if err := l.usable(); err != nil {
		return err
	}
	if err := l.check(b); err != nil {
		return err
	}
	sel := b.Sel
	if sel == nil {
		sel = identity[:b.Len]
	}
	if len(sel) == 0 {
		return nil
	}
	w := l.w
	keys := b.Cols[:len(l.c.spec.Groups)]
	if len(l.parts) == 1 && len(keys) > 0 {
		if done, err := l.addDict(b, keys, sel); done {
			return err
		}
	}
	allWords := false
	if len(keys) > 0 {
		allWords = hashKeys(keys, w.words, sel, w.hashes[:], w.tmp[:])
	}
	if len(l.parts) == 1 {
		p := l.parts[0]
		if err := p.add(w, b, keys, sel, allWords); err != nil {
			return err
		}
		if len(keys) > 0 && p.keys.n > partitionAfterGroups {
			return l.split()
		}
		return nil
	}
	// Partitioned: deal the rows to their partitions in one pass, then
	// run each partition's rows.
	var counts [partitions]int
	for _, r := range sel {
		q := w.hashes[r] >> partShift
		w.byPart[q][counts[q]] = r
		counts[q]++
	}
	for q, p := range l.parts {
		if counts[q] == 0 {
			continue
		}
		if err := p.add(w, b, keys, w.byPart[q][:counts[q]], allWords); err != nil {
			return err
		}
	}
	return nil
}

// add probes the rows sel of b into p and updates p's aggregates.
func (p *part) add(w *scratch, b *vector.Batch, keys []*vector.Vector, sel []uint16, allWords bool) error {
	if err := p.reserve(len(sel)); err != nil {
		return err
	}
	p.probe(w, keys, w.words, sel, w.hashes[:], allWords)
	p.growStates()
	p.update(w, b, sel)
	return nil
}

// growStates extends every aggregate state to the partition's groups.
func (p *part) growStates() {
	stride := p.c.stride
	old := len(p.states)
	if stride == 0 || old == p.keys.n*stride {
		return
	}
	p.states = growZero(p.states, p.keys.n*stride)
	for i := old; i < len(p.states); i += stride {
		copy(p.states[i:i+stride], p.c.empty)
	}
}

// update folds rows sel of b, whose groups are in w.gids, into the
// aggregates. With few groups the rows are first ordered by group so that
// each (aggregate, group) is one register reduction.
func (p *part) update(w *scratch, b *vector.Batch, sel []uint16) {
	n := p.keys.n
	small := n <= smallGroups && len(sel) >= 4*n
	var starts []int
	var sorted []uint16
	if small {
		starts, sorted = w.starts[:n+1], sel
		if n == 1 {
			starts[0], starts[1] = 0, len(sel)
		} else {
			clear(starts)
			for _, r := range sel {
				starts[w.gids[r]+1]++
			}
			for g := 1; g <= n; g++ {
				starts[g] += starts[g-1]
			}
			var at [smallGroups]int
			copy(at[:], starts[:n])
			sorted = w.fresh[:len(sel)]
			for _, r := range sel {
				g := w.gids[r]
				sorted[at[g]] = r
				at[g]++
			}
		}
	}
	for a := range p.aggs {
		st := &p.aggs[a]
		var v *vector.Vector
		if st.p.col >= 0 {
			v = b.Cols[st.p.col]
		}
		if !small || st.p.distinct {
			st.update(p.states, p.c.stride, v, sel, w.gids[:], w)
			continue
		}
		for g := range n {
			if rows := sorted[starts[g]:starts[g+1]]; len(rows) > 0 {
				i := g*p.c.stride + st.p.off
				words := stateWords(st.p.kind)
				st.reduce(p.states[i:i+words:i+words], v, rows, w)
			}
		}
	}
}

// split moves the groups of the single partition into partitions.
func (l *Local) split() error {
	src := l.parts[0]
	parts := make([]*part, partitions)
	for q := range parts {
		parts[q] = newPart(l.c)
		if err := mergePart(parts[q], src, q, l.w); err != nil {
			return err
		}
	}
	l.parts = parts
	return nil
}

// Bytes returns the memory the Local holds, approximately: tables, keys,
// states, distinct sets and scratch buffers.
func (l *Local) Bytes() int64 {
	b := int64(unsafe.Sizeof(scratch{})) + int64(len(l.c.spec.Groups))*vector.Size*8
	for _, p := range l.parts {
		b += p.bytes()
	}
	return b
}

func (l *Local) usable() error {
	switch {
	case l.c.err != nil:
		return l.c.err
	case l.merged:
		return fmt.Errorf("hashagg: local already merged: %w", ErrInput)
	}
	return nil
}

// check verifies that b has the Spec's columns and well-formed vectors.
func (l *Local) check(b *vector.Batch) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("hashagg: add: "+format+": %w", append(args, ErrInput)...)
	}
	if b == nil {
		return bad("nil batch")
	}
	if len(b.Cols) != l.c.ncols {
		return bad("%d columns, want %d", len(b.Cols), l.c.ncols)
	}
	if b.Len < 0 || b.Len > vector.Size {
		return bad("%d rows (limit %d)", b.Len, vector.Size)
	}
	if n := len(b.Sel); n > 0 && (n > b.Len || int(b.Sel[n-1]) >= b.Len) {
		return bad("selection of %d rows ending at %d over %d rows", n, b.Sel[n-1], b.Len)
	}
	want := func(j int) types.Type {
		if j < len(l.c.spec.Groups) {
			return l.c.spec.Groups[j]
		}
		for _, a := range l.c.aggs {
			if a.col == j {
				return a.Arg
			}
		}
		return types.Type{}
	}
	for j, v := range b.Cols {
		t := want(j)
		if v == nil {
			return bad("column %d is nil", j)
		}
		if v.Type.Kind != t.Kind || (t.Kind == types.KindDecimal && v.Type.Scale != t.Scale) {
			return bad("column %d has type %s, want %s", j, v.Type, t)
		}
		if v.Len != b.Len {
			return bad("column %d has %d rows, the batch %d", j, v.Len, b.Len)
		}
		n := b.Len
		ok := true
		switch t.Phys() {
		case types.PhysInt64:
			ok = len(v.Ints) >= n
		case types.PhysFloat64:
			ok = len(v.Floats) >= n
		case types.PhysBool:
			ok = len(v.Bools) >= vector.Words(n)
		case types.PhysBytes:
			ok = len(v.Offsets) > n && int(v.Offsets[n]) <= len(v.Bytes) && v.Offsets[0] <= v.Offsets[n]
		}
		if !ok || (len(v.Valid) != 0 && len(v.Valid) < vector.Words(n)) {
			return bad("column %d: buffers shorter than %d rows", j, n)
		}
	}
	return nil
}
