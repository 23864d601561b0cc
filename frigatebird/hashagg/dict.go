package hashagg

import "github.com/reefdb/reef/frigatebird/vector"

// maxDictCombos bounds the key-code combinations the dictionary path
// tracks per batch.
const maxDictCombos = 4096

// addDict is Add for batches whose group keys are all strings carrying
// dictionary codes (vector.Vector.HasDict, from dictionary-encoded
// chunks) with few combinations: each row's combination of codes (NULL
// counting as one more code) stands for its key, so only one row per
// combination is hashed and probed; the others take its group. It
// reports false, doing nothing, when the batch does not qualify.
func (l *Local) addDict(b *vector.Batch, keys []*vector.Vector, sel []uint16) (bool, error) {
	combos := 1
	for _, v := range keys {
		if !v.HasDict() {
			return false, nil
		}
		combos *= v.DictLen() + 1
		if combos > maxDictCombos {
			return false, nil
		}
	}
	w := l.w
	p := l.parts[0]
	cidx := &w.combo
	w.epoch++
	if w.epoch == 0 { // wrapped: old marks could look current
		clear(w.dictSeen[:])
		w.epoch = 1
	}
	epoch, seen := w.epoch, &w.dictSeen
	reps := w.reps[:0]
	// One pass per key column; the last also notes the first row of
	// each combination.
	for j, v := range keys {
		width := uint32(v.DictLen() + 1)
		codes := v.Codes
		null := uint32(v.DictLen())
		nulls := v.HasNulls()
		first, last := j == 0, j == len(keys)-1
		for _, r := range sel {
			r &= vector.Size - 1
			code := codes[r]
			if nulls && !v.IsValid(int(r)) {
				code = null
			}
			c := code
			if !first {
				c += cidx[r] * width
			}
			cidx[r] = c
			if last && seen[c%maxDictCombos] != epoch {
				seen[c%maxDictCombos] = epoch
				reps = append(reps, r)
			}
		}
	}
	allWords := hashKeys(keys, w.words, reps, w.hashes[:], w.tmp[:])
	if err := p.reserve(len(reps)); err != nil {
		return true, err
	}
	p.probe(w, keys, w.words, reps, w.hashes[:], allWords)
	for _, r := range reps {
		w.dictGid[cidx[r]%maxDictCombos] = w.gids[r]
	}
	gids, dictGid := &w.gids, &w.dictGid
	for _, r := range sel {
		r &= vector.Size - 1
		gids[r] = dictGid[cidx[r]%maxDictCombos]
	}
	p.growStates()
	p.update(w, b, sel)
	if p.keys.n > partitionAfterGroups {
		return true, l.split()
	}
	return true, nil
}
