package hashagg

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Merge combines the locals into the result, using up to workers
// goroutines (fewer than 1 means 1). All locals must come from NewLocal
// with the same Spec; once that is checked they are consumed, even if
// Merge then fails: they cannot be added to or merged again.
//
// Locals that never split are merged directly into the largest of them
// when they hold few groups in all (or workers is 1); otherwise each of
// the partitions is merged by one worker: the largest local's partition
// takes in the same partition of the other split locals and the groups of
// that partition from the unsplit ones. Sums are checked here: an error
// wrapping types.ErrOutOfRange ("frigatebird: sum out of range") when
// one does not fit its result type.
func Merge(locals []*Local, workers int) (*Result, error) {
	if len(locals) == 0 {
		return nil, fmt.Errorf("hashagg: merge of no locals: %w", ErrInput)
	}
	c := locals[0].c
	for i, l := range locals {
		switch {
		case l == nil:
			return nil, fmt.Errorf("hashagg: merge: local %d is nil: %w", i, ErrInput)
		case !sameSpec(l.c.spec, c.spec):
			return nil, fmt.Errorf("hashagg: merge: local %d has another spec: %w", i, ErrInput)
		}
		if err := l.usable(); err != nil {
			return nil, err
		}
		for _, m := range locals[:i] {
			if m == l {
				return nil, fmt.Errorf("hashagg: merge: local %d given twice: %w", i, ErrInput)
			}
		}
	}
	for _, l := range locals {
		l.merged = true
	}
	defer func() {
		for _, l := range locals {
			l.parts, l.w = nil, nil
		}
	}()
	workers = max(1, min(workers, partitions))
	total, split := 0, false
	for _, l := range locals {
		split = split || len(l.parts) > 1
		for _, p := range l.parts {
			total += p.keys.n
		}
	}
	r := &Result{c: c}
	if len(c.spec.Groups) == 0 || (!split && (workers == 1 || total <= directMergeGroups)) {
		p, err := mergeDirect(locals)
		if err != nil {
			return nil, err
		}
		if p.keys.n > 0 {
			r.parts = []*part{p}
		}
	} else {
		parts, err := mergePartitioned(locals, workers)
		if err != nil {
			return nil, err
		}
		r.parts = parts
	}
	for _, p := range r.parts {
		r.n += p.keys.n
	}
	return r, nil
}

// mergeDirect merges every partition of every local into the largest one
// on the calling goroutine.
func mergeDirect(locals []*Local) (*part, error) {
	var dst *part
	var w *scratch
	for _, l := range locals {
		for _, p := range l.parts {
			if dst == nil || p.keys.n > dst.keys.n {
				dst, w = p, l.w
			}
		}
	}
	for _, l := range locals {
		for _, p := range l.parts {
			if p == dst {
				continue
			}
			if err := mergePart(dst, p, -1, w); err != nil {
				return nil, err
			}
		}
	}
	return dst, dst.finish()
}

// mergePartitioned merges partition q of all locals for each q, workers
// partitions at a time. Sources are only read, so unsplit locals can
// feed every partition at once.
func mergePartitioned(locals []*Local, workers int) ([]*part, error) {
	out := make([]*part, partitions)
	errs := make([]error, partitions)
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		var w *scratch
		if i < len(locals) {
			w = locals[i].w // free now: the locals are done adding
		} else {
			w = new(scratch)
		}
		wg.Go(func() {
			for {
				q := int(next.Add(1) - 1)
				if q >= partitions {
					return
				}
				out[q], errs[q] = mergePartition(locals, q, w)
			}
		})
	}
	wg.Wait()
	parts := out[:0]
	for q, p := range out {
		if errs[q] != nil {
			return nil, errs[q]
		}
		if p.keys.n > 0 {
			parts = append(parts, p)
		}
	}
	return parts, nil
}

// mergePartition merges partition q of the locals into the largest split
// local's partition q (or a new one) and finishes it.
func mergePartition(locals []*Local, q int, w *scratch) (*part, error) {
	var dst *part
	for _, l := range locals {
		if len(l.parts) > 1 && (dst == nil || l.parts[q].keys.n > dst.keys.n) {
			dst = l.parts[q]
		}
	}
	if dst == nil {
		dst = newPart(locals[0].c)
	}
	for _, l := range locals {
		var err error
		switch {
		case len(l.parts) > 1 && l.parts[q] != dst:
			err = mergePart(dst, l.parts[q], -1, w)
		case len(l.parts) == 1:
			err = mergePart(dst, l.parts[0], q, w)
		}
		if err != nil {
			return nil, err
		}
	}
	return dst, dst.finish()
}

// mergePart folds src's groups into dst: all of them when want < 0, else
// those of partition want. src is only read. Chunks of up to vector.Size
// groups are probed into dst like a batch (keys as vectors over src's
// columns, hashes reused), then each aggregate's states are combined and
// each distinct set's pairs inserted with their groups mapped.
func mergePart(dst, src *part, want int, w *scratch) error {
	c := dst.c
	ts := c.spec.Groups
	vecs := w.keyVectors(len(ts))
	words := make([][]uint64, len(ts))
	if c.ndist > 0 {
		w.mapping = growZero(w.mapping[:0], src.keys.n)
	}
	for base := 0; base < src.keys.n; {
		n := src.keys.chunkRows(base, min(vector.Size, src.keys.n-base))
		hashes := src.keys.hashes[base : base+n]
		sel := identity[:n]
		if want >= 0 {
			k := 0
			out := w.msel[:n]
			for i, h := range hashes {
				if int(h>>partShift) == want {
					out[k] = uint16(i)
					k++
				}
			}
			sel = out[:k]
		}
		if len(sel) > 0 {
			src.keys.vectors(base, n, ts, vecs, words)
			if err := dst.reserve(len(sel)); err != nil {
				return err
			}
			dst.probe(w, vecs, words, sel, hashes, false)
			dst.growStates()
			for a := range dst.aggs {
				if !c.aggs[a].distinct {
					dst.aggs[a].combine(dst.states, src.states, c.stride, base, sel, w.gids[:], src.aggs[a].arena)
				}
			}
			if c.ndist > 0 {
				for _, k := range sel {
					w.mapping[base+int(k)] = w.gids[k]
				}
			}
		}
		base += n
	}
	for a := range dst.aggs {
		if c.aggs[a].distinct {
			dst.aggs[a].dist.merge(src.aggs[a].dist, w.mapping, src.keys.hashes, partShift, want)
		}
	}
	return nil
}

// finish computes the results of every aggregate of p.
func (p *part) finish() error {
	for a := range p.aggs {
		if err := p.aggs[a].finish(p.states, p.c.stride, p.keys.n); err != nil {
			return err
		}
	}
	return nil
}

// Result is the merged aggregation, read in batches by Next. It is not
// safe for concurrent use.
type Result struct {
	c      *compiled
	parts  []*part
	n      int
	pi, gi int // next row: group gi of parts[pi]
	segs   []segment
}

// segment is a run of groups of one partition in an output batch.
type segment struct {
	p      *part
	g0, n  int
	outRow int
}

// Len returns the number of result rows (groups; 1 without GROUP BY).
func (r *Result) Len() int { return r.n }

// Next fills out with the next rows (up to vector.Size; fewer at the
// end, or when strings would pass 4 GiB in a vector): the group columns,
// then one column per aggregate. It reports false, leaving out alone,
// when every row has been read. out's vectors are reused (Reset); out.Sel
// is set to nil.
func (r *Result) Next(out *vector.Batch) bool {
	if r.pi >= len(r.parts) {
		return false
	}
	// Plan the batch: runs of groups, partition by partition.
	r.segs = r.segs[:0]
	rows, strBytes := 0, 0
	for rows < vector.Size && r.pi < len(r.parts) {
		p := r.parts[r.pi]
		n := min(vector.Size-rows, p.keys.n-r.gi)
		for n > 1 && strBytes+p.strBytes(r.gi, n) > maxVectorBytes {
			n /= 2
		}
		if rows > 0 && strBytes+p.strBytes(r.gi, n) > maxVectorBytes {
			break
		}
		strBytes += p.strBytes(r.gi, n)
		r.segs = append(r.segs, segment{p: p, g0: r.gi, n: n, outRow: rows})
		rows += n
		r.gi += n
		if r.gi == p.keys.n {
			r.pi, r.gi = r.pi+1, 0
		}
	}
	ng := len(r.c.spec.Groups)
	ncols := ng + len(r.c.aggs)
	for len(out.Cols) < ncols {
		out.Cols = append(out.Cols, nil)
	}
	out.Cols = out.Cols[:ncols]
	for j := range out.Cols {
		if out.Cols[j] == nil {
			out.Cols[j] = &vector.Vector{}
		}
		t := r.c.spec.Groups
		var typ types.Type
		if j < ng {
			typ = t[j]
		} else {
			typ = r.c.aggs[j-ng].T
		}
		v := out.Cols[j]
		v.Reset(typ, rows)
		if typ.Phys() == types.PhysBool {
			clear(v.Bools)
		}
	}
	for _, s := range r.segs {
		for j := range ng {
			s.p.keys.cols[j].write(out.Cols[j], s.g0, s.n, s.outRow)
		}
		for a := range r.c.aggs {
			s.p.aggs[a].write(out.Cols[ng+a], s.p.states, s.g0, s.n, s.outRow)
		}
	}
	out.Len, out.Sel = rows, nil
	return true
}

// strBytes returns the string bytes of groups [g0, g0+n) over all string
// key columns and string min/max results.
func (p *part) strBytes(g0, n int) int {
	b := 0
	for j := range p.keys.cols {
		if c := &p.keys.cols[j]; c.phys == types.PhysBytes {
			b += c.offs[g0+n] - c.offs[g0]
		}
	}
	for a := range p.aggs {
		if st := &p.aggs[a]; st.p.kind == kMinStr || st.p.kind == kMaxStr {
			for g := g0; g < g0+n; g++ {
				b += int(p.states[g*p.c.stride+st.p.off+1] >> 32)
			}
		}
	}
	return b
}

// write copies the keys of groups [g0, g0+n) into v's rows from at on.
func (c *keyCol) write(v *vector.Vector, g0, n, at int) {
	switch c.phys {
	case types.PhysInt64:
		for k, x := range c.words[g0 : g0+n] {
			v.Ints[at+k] = int64(x)
		}
	case types.PhysFloat64:
		copy(v.Floats[at:], c.floats[g0:g0+n])
	case types.PhysBool:
		for k, x := range c.words[g0 : g0+n] {
			if x != 0 {
				v.SetBool(at+k, true)
			}
		}
	case types.PhysBytes:
		for k := range n {
			v.AppendStr(at+k, c.arena[c.offs[g0+k]:c.offs[g0+k+1]])
		}
	}
	if c.nulls > 0 {
		for k := range n {
			if !c.isValid(uint32(g0 + k)) {
				v.SetNull(at + k)
			}
		}
	}
}

// write copies the results of groups [g0, g0+n) into v's rows from at on.
func (st *aggState) write(v *vector.Vector, states []uint64, g0, n, at int) {
	p := st.p
	stride := st.stride
	for k := range n {
		g, o := g0+k, at+k
		s := states[g*stride+p.off:]
		switch {
		case p.kind == kCount:
			v.Ints[o] = int64(s[0])
			continue
		case p.kind == kSumInt && !p.avg:
			v.Ints[o] = st.outI[g]
		case p.avg:
			v.Floats[o] = st.outF[g]
		case p.kind == kSumFloat, p.kind == kMinFloat, p.kind == kMaxFloat:
			v.Floats[o] = math.Float64frombits(s[0])
		case p.boolArg:
			v.SetBool(o, s[0] != 0)
		case p.kind == kMinInt, p.kind == kMaxInt:
			v.Ints[o] = int64(s[0])
		case p.kind == kMinStr, p.kind == kMaxStr:
			off, ln := int(s[0]), int(s[1]>>32)
			v.AppendStr(o, st.arena[off:off+ln])
		}
		if s[stateWords(p.kind)-1] == 0 {
			v.SetNull(o)
		}
	}
}
