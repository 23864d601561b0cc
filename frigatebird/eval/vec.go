package eval

import (
	"fmt"
	"math"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// Selections and bitmaps: the small helpers the nodes share. A selection
// is nil (every row 0..n-1) or sorted row numbers; helpers that write a
// selection never return nil.

// selBuf returns out resliced to n rows, allocating only when too small.
func selBuf(out []uint16, n int) []uint16 {
	if out != nil && cap(out) >= n {
		return out[:n]
	}
	return make([]uint16, n, max(n, vector.Size))
}

// newSel returns an empty selection buffer of Size rows.
func newSel() []uint16 { return make([]uint16, 0, vector.Size) }

// allRows is the selection of every row, for loops that take a
// selection: rowsOf(nil, n) is allRows[:n].
var allRows = func() (a [vector.Size]uint16) {
	for i := range a {
		a[i] = uint16(i)
	}
	return a
}()

// rowsOf returns the rows of sel, nil meaning 0..n-1.
func rowsOf(sel []uint16, n int) []uint16 {
	if sel == nil {
		return allRows[:n]
	}
	return sel
}

// selCount returns the number of rows of sel.
func selCount(sel []uint16, n int) int {
	if sel == nil {
		return n
	}
	return len(sel)
}

// copySel copies sel (nil: every row) into out.
func copySel(sel []uint16, n int, out []uint16) []uint16 {
	if sel == nil {
		return vector.SelectAll(n, out)
	}
	out = selBuf(out, len(sel))
	copy(out, sel)
	return out
}

// minus returns the rows of rem (nil: 0..n-1) not in hits, a sorted
// subset of rem, in out's storage (out may share rem's).
func minus(rem, hits []uint16, n int, out []uint16) []uint16 {
	k, j := 0, 0
	if rem == nil {
		out = selBuf(out, n)
		for i := 0; i < n; i++ {
			if j < len(hits) && int(hits[j]) == i {
				j++
				continue
			}
			out[k] = uint16(i)
			k++
		}
		return out[:k]
	}
	out = selBuf(out, len(rem))
	for _, i := range rem {
		if j < len(hits) && hits[j] == i {
			j++
			continue
		}
		out[k] = i
		k++
	}
	return out[:k]
}

// splitValid splits the rows of sel (nil: 0..n-1) by valid into the
// non-NULL ones (in take's storage) and the NULL ones (in rest's, which
// may share sel's; take's may not).
func splitValid(valid []uint64, sel []uint16, n int, take, rest []uint16) ([]uint16, []uint16) {
	if len(valid) == 0 {
		return copySel(sel, n, take), selBuf(rest, 0)
	}
	k, j := 0, 0
	take = selBuf(take, selCount(sel, n))
	visit := func(i uint16) {
		if valid[i>>6]&(1<<(i&63)) != 0 {
			take[j] = i
			j++
			return
		}
		rest[k] = i
		k++
	}
	if sel == nil {
		rest = selBuf(rest, n)
		for i := 0; i < n; i++ {
			visit(uint16(i))
		}
	} else {
		rest = selBuf(rest, len(sel))
		for _, i := range sel {
			visit(i)
		}
	}
	return take[:j], rest[:k]
}

// rowsWhere returns the rows of sel (nil: 0..n-1) of the BOOLEAN vector v
// that are not FALSE (notFalse) or not TRUE (!notFalse): the rows a
// short-circuit AND (OR) still has to evaluate its next operand on.
func rowsWhere(v *vector.Vector, notFalse bool, sel []uint16, n int, out []uint16) []uint16 {
	keep := func(i uint16) bool {
		valid := len(v.Valid) == 0 || v.Valid[i>>6]&(1<<(i&63)) != 0
		if !valid {
			return true
		}
		return v.Bools[i>>6]&(1<<(i&63)) != 0 == notFalse
	}
	k := 0
	if sel == nil {
		out = selBuf(out, n)
		for i := 0; i < n; i++ {
			out[k] = uint16(i)
			k += b2i(keep(uint16(i)))
		}
		return out[:k]
	}
	out = selBuf(out, len(sel))
	for _, i := range sel {
		out[k] = i
		k += b2i(keep(i))
	}
	return out[:k]
}

// anyValid reports whether some row of sel is not NULL in valid.
func anyValid(valid []uint64, sel []uint16, n int) bool {
	if len(valid) == 0 {
		return selCount(sel, n) > 0
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			if valid[i>>6]&(1<<(uint(i)&63)) != 0 {
				return true
			}
		}
		return false
	}
	for _, i := range sel {
		if valid[i>>6]&(1<<(i&63)) != 0 {
			return true
		}
	}
	return false
}

// forSel calls f for each row of sel (nil: 0..n-1), stopping at the first
// error. For the paths that are not hot.
func forSel(sel []uint16, n int, f func(i int) error) error {
	if sel == nil {
		for i := 0; i < n; i++ {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	for _, i := range sel {
		if err := f(int(i)); err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// validAt reports whether row i is not NULL in valid (empty: none is).
func validAt[I int | uint16](valid []uint64, i I) bool {
	return len(valid) == 0 || valid[i>>6]&(1<<(uint(i)&63)) != 0
}

// growWords returns s resliced to n words, allocating only when too small.
func growWords(s []uint64, n int) []uint64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]uint64, n, max(n, vector.Size/64))
}

// andValid writes the AND of two validity bitmaps for n rows into dst;
// empty means all valid, and the result is empty when both are.
func andValid(dst, a, b []uint64, n int) []uint64 {
	w := vector.Words(n)
	switch {
	case len(a) == 0 && len(b) == 0:
		return dst[:0]
	case len(a) == 0:
		dst = growWords(dst, w)
		copy(dst, b[:w])
	case len(b) == 0:
		dst = growWords(dst, w)
		copy(dst, a[:w])
	default:
		dst = growWords(dst, w)
		for i := range dst {
			dst[i] = a[i] & b[i]
		}
	}
	return dst
}

// allValid returns a bitmap of n rows, all valid, in dst's storage.
func allValid(dst []uint64, n int) []uint64 {
	dst = growWords(dst, vector.Words(n))
	for i := range dst {
		dst[i] = math.MaxUint64
	}
	return dst
}

// setValid sets or clears row i of a (nonempty) validity bitmap.
func setValid(valid []uint64, i int, ok bool) {
	if ok {
		valid[i>>6] |= 1 << (uint(i) & 63)
	} else {
		valid[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// setAllNull makes res n NULLs of type t (strings empty, so every row
// stays readable).
func setAllNull(res *vector.Vector, t types.Type, n int) {
	res.Reset(t, n)
	if t.Phys() == types.PhysBytes {
		clear(res.Offsets)
	}
	if t.Phys() == types.PhysBool {
		clear(res.Bools)
	}
	res.Valid = growWords(res.Valid, vector.Words(n))
	clear(res.Valid)
}

// hitsToBool writes a BOOLEAN vector of n rows: TRUE on the rows of hits,
// FALSE elsewhere, NULL where valid (of n rows; empty: none) says so.
func hitsToBool(hits []uint16, n int, valid []uint64, res *vector.Vector) {
	v := andValid(res.Valid[:0], valid, nil, n)
	res.Reset(types.Boolean, n)
	clear(res.Bools)
	for _, i := range hits {
		res.Bools[i>>6] |= 1 << (i & 63)
	}
	res.Valid = v
}

// stripValid returns a header of v without its validity bitmap (for the
// kernels that would otherwise drop NULL rows themselves).
func stripValid(v *vector.Vector, hdr *vector.Vector) *vector.Vector {
	if len(v.Valid) == 0 {
		return v
	}
	*hdr = *v
	hdr.Valid = nil
	return hdr
}

// strWriter writes a bytes vector row by row in increasing row order,
// leaving the skipped rows empty (so every row is readable).
type strWriter struct {
	res  *vector.Vector
	next int // rows before next have their end offset written
}

func (w *strWriter) start(res *vector.Vector, t types.Type, n int) {
	res.Reset(t, n)
	w.res, w.next = res, 0
}

// skipTo ends the rows before i as empty; then append to res.Bytes and
// call end(i).
func (w *strWriter) skipTo(i int) {
	end := uint32(len(w.res.Bytes))
	for ; w.next < i; w.next++ {
		w.res.Offsets[w.next+1] = end
	}
}

func (w *strWriter) end(i int) {
	w.res.Offsets[i+1] = uint32(len(w.res.Bytes))
	w.next = i + 1
}

func (w *strWriter) set(i int, s []byte) {
	w.skipTo(i)
	w.res.Bytes = append(w.res.Bytes, s...)
	w.end(i)
}

// finish ends the remaining rows; it fails when the strings outgrew the
// 32-bit offsets.
func (w *strWriter) finish() error {
	w.skipTo(w.res.Len)
	return checkBytes(w.res)
}

// checkBytes fails when a string vector's bytes outgrew its offsets.
func checkBytes(v *vector.Vector) error {
	if uint64(len(v.Bytes)) > math.MaxUint32 {
		return &evalError{msg: fmt.Sprintf("frigatebird: string result of %d bytes is too large", len(v.Bytes)), err: types.ErrOutOfRange}
	}
	return nil
}

// scatter copies the rows of rows (nil: 0..n-1) of src, values and
// NULLs, into res of the same fixed-width physical type, whose Valid is a
// full bitmap with those rows set.
func scatter(res, src *vector.Vector, rows []uint16, n int) {
	switch res.Type.Phys() {
	case types.PhysInt64:
		if rows == nil {
			copy(res.Ints[:n], src.Ints[:n])
		} else {
			rs, xs := res.Ints, src.Ints
			for _, i := range rows {
				rs[i] = xs[i]
			}
		}
	case types.PhysFloat64:
		if rows == nil {
			copy(res.Floats[:n], src.Floats[:n])
		} else {
			rs, xs := res.Floats, src.Floats
			for _, i := range rows {
				rs[i] = xs[i]
			}
		}
	case types.PhysBool:
		rs, xs := res.Bools, src.Bools
		for _, i := range rowsOf(rows, n) {
			bit := uint64(1) << (uint(i) & 63)
			rs[i>>6] = rs[i>>6]&^bit | xs[i>>6]&bit
		}
	}
	if len(src.Valid) != 0 {
		rv, sv := res.Valid, src.Valid
		for _, i := range rowsOf(rows, n) {
			bit := uint64(1) << (uint(i) & 63)
			rv[i>>6] = rv[i>>6]&^bit | sv[i>>6]&bit
		}
	}
}

// copyRow copies row i of src (values and validity) into res, of the same
// fixed-width physical type; res.Valid must be a full bitmap.
func copyRow(res, src *vector.Vector, i int) {
	switch res.Type.Phys() {
	case types.PhysInt64:
		res.Ints[i] = src.Ints[i]
	case types.PhysFloat64:
		res.Floats[i] = src.Floats[i]
	case types.PhysBool:
		if src.Bools[i>>6]&(1<<(uint(i)&63)) != 0 {
			res.Bools[i>>6] |= 1 << (uint(i) & 63)
		} else {
			res.Bools[i>>6] &^= 1 << (uint(i) & 63)
		}
	}
	setValid(res.Valid, i, validAt(src.Valid, i))
}

// gatherStrings writes into res (type t, n rows) row i of srcs[which[i]]
// for the rows of sel; which[i] < 0 means NULL.
func gatherStrings(res *vector.Vector, t types.Type, n int, sel []uint16, srcs []*vector.Vector, which []int32) error {
	var w strWriter
	w.start(res, t, n)
	valid := allValid(res.Valid, n)
	hasNull := false
	err := forSel(sel, n, func(i int) error {
		k := which[i]
		if k < 0 || !srcs[k].IsValid(i) {
			valid[i>>6] &^= 1 << (uint(i) & 63)
			hasNull = true
			return nil
		}
		w.set(i, srcs[k].Str(i))
		return nil
	})
	if err != nil {
		return err
	}
	if hasNull {
		res.Valid = valid
	} else {
		res.Valid = valid[:0]
	}
	return w.finish()
}

// setValue writes a non-NULL value of res's physical type into row i
// (for the row-at-a-time paths; strings through w).
func setValue(res *vector.Vector, w *strWriter, i int, v types.Value) {
	switch res.Type.Phys() {
	case types.PhysInt64:
		res.Ints[i] = v.Int
	case types.PhysFloat64:
		res.Floats[i] = v.Float
	case types.PhysBool:
		res.SetBool(i, v.Bool)
	case types.PhysBytes:
		w.skipTo(i)
		res.Bytes = append(res.Bytes, v.Str...)
		w.end(i)
	}
}
