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
	cidx := w.combo[:]
	for _, r := range sel {
		cidx[r] = 0
	}
	for _, v := range keys {
		width := uint32(v.DictLen() + 1)
		codes := v.Codes
		if v.HasNulls() {
			null := uint32(v.DictLen())
			for _, r := range sel {
				code := codes[r]
				if !v.IsValid(int(r)) {
					code = null
				}
				cidx[r] = cidx[r]*width + code
			}
			continue
		}
		for _, r := range sel {
			cidx[r] = cidx[r]*width + codes[r]
		}
	}
	w.epoch++
	if w.epoch == 0 { // wrapped: old marks could look current
		clear(w.dictSeen[:])
		w.epoch = 1
	}
	reps := w.reps[:0]
	for _, r := range sel {
		c := cidx[r] % maxDictCombos
		if w.dictSeen[c] != w.epoch {
			w.dictSeen[c] = w.epoch
			reps = append(reps, r)
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
	for _, r := range sel {
		w.gids[r] = w.dictGid[cidx[r]%maxDictCombos]
	}
	p.growStates()
	p.update(w, b, sel)
	if p.keys.n > partitionAfterGroups {
		return true, l.split()
	}
	return true, nil
}
