package hashagg

import (
	"fmt"
	"math/bits"

	"github.com/reefdb/reef/frigatebird/vector"
)

// maxGroups bounds the groups of one partition: a slot holds gid+1 in 32
// bits.
const maxGroups = 1<<32 - 2

// minSlots is the smallest table.
const minSlots = 16

// tagMask keeps the bits of a hash's high half that slots store as the
// tag; tests narrow it to force tag collisions and so key comparisons.
var tagMask uint64 = 1<<32 - 1

// tagOf returns the tag of hash h.
func tagOf(h uint64) uint64 { return h >> 32 & tagMask }

// part is one hash partition of a Local (or of a Result): an
// open-addressing table over its groups, the groups' keys and the
// aggregate states, all indexed by group id (gid, dense from 0).
//
// slots has a power-of-two length, at most half full. A slot is 0 when
// empty, else the high 32 bits of the group's hash (the tag) << 32 |
// gid+1; the home slot of a hash is hash & mask and collisions probe
// linearly. Keys are compared only when tags agree.
//
// A single int64-backed key uses islots instead: the key sits in the slot
// next to gid+1, so a probe is one cache line, and the NULL key's group
// (nullGid, -1 while none) lives outside the table.
type part struct {
	c       *compiled
	slots   []uint64
	islots  []dslot
	mask    uint64
	nullGid int64
	keys    keyStore
	// states holds the aggregate states, one row of c.stride words per
	// group (see aggs.go).
	states []uint64
	aggs   []aggState
}

func newPart(c *compiled) *part {
	p := &part{c: c, keys: newKeyStore(c.spec.Groups), aggs: make([]aggState, len(c.aggs)), nullGid: -1}
	for a := range p.aggs {
		p.aggs[a].init(&c.aggs[a], &p.states, c.stride)
	}
	if len(c.spec.Groups) == 0 {
		// No GROUP BY: the single group exists from the start, so every
		// result has exactly one row.
		p.keys.n = 1
		p.keys.hashes = []uint64{0}
		p.growStates()
	}
	return p
}

// reserve makes room for extra more groups without growing the table
// during a probe.
func (p *part) reserve(extra int) error {
	if len(p.keys.cols) == 0 {
		return nil
	}
	need := p.keys.n + extra
	if need > maxGroups {
		return fmt.Errorf("hashagg: more than %d groups in one partition: %w", maxGroups, ErrInput)
	}
	if 2*need <= int(p.mask)+1 && (p.slots != nil || p.islots != nil) {
		return nil
	}
	size := max(minSlots, 1<<bits.Len(uint(2*need-1)))
	p.mask = uint64(size - 1)
	if p.c.intKey {
		p.islots = make([]dslot, size)
		col := &p.keys.cols[0]
		for g, h := range p.keys.hashes {
			if col.nulls > 0 && !col.isValid(uint32(g)) {
				continue
			}
			pos := h & p.mask
			for p.islots[pos].g != 0 {
				pos = (pos + 1) & p.mask
			}
			p.islots[pos] = dslot{v: int64(col.words[g]), g: uint32(g + 1)}
		}
		return nil
	}
	p.slots = make([]uint64, size)
	for g, h := range p.keys.hashes {
		pos := h & p.mask
		for p.slots[pos] != 0 {
			pos = (pos + 1) & p.mask
		}
		p.slots[pos] = tagOf(h)<<32 | uint64(g+1)
	}
	return nil
}

// probe sets w.gids[r] to the group of each row r of sel, whose key is
// row r of keys and whose hash is hashes[r], adding groups for new keys.
// words[j][r] is the word of row r of key column j (see keys.go); with
// allWords every key of the rows is its words. reserve(len(sel)) must
// have been called.
func (p *part) probe(w *scratch, keys []*vector.Vector, words [][]uint64, sel []uint16, hashes []uint64, allWords bool) {
	gids := w.gids[:]
	if len(keys) == 0 {
		for _, r := range sel {
			gids[r] = 0
		}
		return
	}
	if p.c.intKey {
		p.probeInt(gids, keys[0], sel, hashes)
		return
	}
	if allWords {
		for j := range p.keys.cols {
			allWords = allWords && p.keys.cols[j].nulls == 0
		}
	}
	if allWords {
		p.probeWords(gids, keys, words, sel, hashes)
		return
	}
	// Vectorised probe: every pending row walks from its slot to an
	// empty slot (a new group, created at once so later rows of the batch
	// with the same key find it) or to a slot with its tag (a candidate).
	// Candidates are then compared column by column; rows that differ
	// continue from the next slot in the next round.
	slots, mask := p.slots, p.mask
	pos := w.pos[:]
	for _, r := range sel {
		pos[r] = hashes[r] & mask
	}
	todo := sel
	bufs := [2][]uint16{w.rowsA[:0], w.rowsB[:0]}
	for round := 0; len(todo) > 0; round++ {
		cand, candG, fresh := w.cand[:0], w.candG[:0], w.fresh[:0]
		for _, r := range todo {
			at, tag := pos[r], tagOf(hashes[r])
			for {
				e := slots[at]
				if e == 0 {
					g := uint32(p.keys.n + len(fresh))
					slots[at] = tag<<32 | uint64(g+1)
					gids[r] = g
					fresh = append(fresh, r)
					break
				}
				if e>>32 == tag {
					cand = append(cand, r)
					candG = append(candG, uint32(e)-1)
					break
				}
				at = (at + 1) & mask
			}
			pos[r] = at
		}
		p.keys.appendRows(keys, fresh, hashes)
		differ := w.differ[:len(cand)]
		clear(differ)
		for j, v := range keys {
			match(&p.keys.cols[j], v, words[j], cand, candG, differ)
		}
		miss := bufs[round&1][:0]
		for i, r := range cand {
			if differ[i] == 0 {
				gids[r] = candG[i]
			} else {
				miss = append(miss, r)
				pos[r] = (pos[r] + 1) & mask
			}
		}
		todo = miss
	}
}

// probeWords is probe when every key of the rows and of the groups is its
// words: one pass, the words compared in the same loop as the tag.
func (p *part) probeWords(gids []uint32, keys []*vector.Vector, words [][]uint64, sel []uint16, hashes []uint64) {
	slots, mask := p.slots, p.mask
	cols := p.keys.cols
	var one [1]uint16
	newGroup := func(r uint16, at, tag uint64) uint32 {
		g := uint32(p.keys.n)
		one[0] = r
		p.keys.appendRows(keys, one[:], hashes)
		slots[at] = tag<<32 | uint64(g+1)
		return g
	}
	if len(words) == 2 {
		// Two key columns (the common multi-column case) unrolled.
		w0, w1 := words[0], words[1]
		for _, r := range sel {
			h, x0, x1 := hashes[r], w0[r], w1[r]
			tag, at := tagOf(h), h&mask
			for {
				e := slots[at]
				if e == 0 {
					gids[r] = newGroup(r, at, tag)
					break
				}
				if g := uint32(e) - 1; e>>32 == tag && cols[0].words[g] == x0 && cols[1].words[g] == x1 {
					gids[r] = g
					break
				}
				at = (at + 1) & mask
			}
		}
		return
	}
	for _, r := range sel {
		h := hashes[r]
		tag, at := tagOf(h), h&mask
	probe:
		for {
			e := slots[at]
			if e == 0 {
				gids[r] = newGroup(r, at, tag)
				break
			}
			if g := uint32(e) - 1; e>>32 == tag {
				for j := range cols {
					if cols[j].words[g] != words[j][r] {
						at = (at + 1) & mask
						continue probe
					}
				}
				gids[r] = g
				break
			}
			at = (at + 1) & mask
		}
	}
}

// probeInt is probe for a single int64-backed key: one pass, the key
// compared in the slot.
func (p *part) probeInt(gids []uint32, v *vector.Vector, sel []uint16, hashes []uint64) {
	slots, mask := p.islots, p.mask
	xs := v.Ints
	nullRows := v.HasNulls()
	for _, r := range sel {
		h := hashes[r]
		if nullRows && !v.IsValid(int(r)) {
			if p.nullGid < 0 {
				p.nullGid = int64(p.keys.appendInt(0, false, h))
			}
			gids[r] = uint32(p.nullGid)
			continue
		}
		x, at := xs[r], h&mask
		for {
			s := &slots[at]
			if s.v == x && s.g != 0 {
				gids[r] = s.g - 1
				break
			}
			if s.g == 0 {
				g := p.keys.appendInt(x, true, h)
				s.v, s.g = x, g+1
				gids[r] = g
				break
			}
			at = (at + 1) & mask
		}
	}
}

// bytes returns the memory the partition holds.
func (p *part) bytes() int64 {
	b := int64(cap(p.slots))*8 + int64(cap(p.islots))*16 + int64(cap(p.states))*8 + p.keys.bytes()
	for a := range p.aggs {
		b += p.aggs[a].bytes()
	}
	return b
}
