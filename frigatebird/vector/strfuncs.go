package vector

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird/types"
)

// String functions write into res, a VARCHAR (or BIGINT / BOOLEAN)
// vector distinct from the inputs, reusing its buffers. Rows outside the
// selection become empty strings; NULL rows propagate (validity copied).
// Lengths and positions count characters (UTF-8 code points), as in
// PostgreSQL; invalid UTF-8 bytes count as one character each.

// mapStrings applies f to every selected row of v, appending to res.
func mapStrings(v *Vector, sel []uint16, res *Vector, f func(dst, s []byte) []byte) {
	n := v.Len
	valid := andValid(res.Valid[:0], v.Valid, nil, n)
	res.Reset(types.Text, n)
	next := 0 // rows before next are written
	emit := func(i int) {
		for ; next < i; next++ {
			res.Offsets[next+1] = uint32(len(res.Bytes))
		}
		res.Bytes = f(res.Bytes, v.Str(i))
		res.Offsets[i+1] = uint32(len(res.Bytes))
		next = i + 1
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			emit(i)
		}
	} else {
		for _, i := range sel {
			emit(int(i))
		}
	}
	for ; next < n; next++ {
		res.Offsets[next+1] = uint32(len(res.Bytes))
	}
	res.Valid = valid
}

func appendMapRunes(dst, s []byte, m func(rune) rune) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, byte(m(rune(c))))
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, m(r))
		}
		i += size
	}
	return dst
}

// Lower writes lower(v).
func Lower(v *Vector, sel []uint16, res *Vector) {
	mapStrings(v, sel, res, func(dst, s []byte) []byte { return appendMapRunes(dst, s, unicode.ToLower) })
}

// Upper writes upper(v).
func Upper(v *Vector, sel []uint16, res *Vector) {
	mapStrings(v, sel, res, func(dst, s []byte) []byte { return appendMapRunes(dst, s, unicode.ToUpper) })
}

// Trim writes trim(v): leading and trailing spaces removed (PostgreSQL's
// default trims only ' ').
func Trim(v *Vector, sel []uint16, res *Vector) {
	mapStrings(v, sel, res, func(dst, s []byte) []byte { return append(dst, bytes.Trim(s, " ")...) })
}

// Replace writes replace(v, from, to); an empty from leaves v unchanged.
func Replace(v *Vector, from, to []byte, sel []uint16, res *Vector) {
	mapStrings(v, sel, res, func(dst, s []byte) []byte {
		if len(from) == 0 {
			return append(dst, s...)
		}
		for {
			j := bytes.Index(s, from)
			if j < 0 {
				return append(dst, s...)
			}
			dst = append(dst, s[:j]...)
			dst = append(dst, to...)
			s = s[j+len(from):]
		}
	})
}

// Substring writes substring(v FROM from FOR count) with PostgreSQL's
// rules: positions are 1-based characters; the window [from, from+count)
// is clipped to the string, so from <= 0 eats into count; count < 0 is an
// error; hasCount false means to the end.
func Substring(v *Vector, from, count int64, hasCount bool, sel []uint16, res *Vector) error {
	if hasCount && count < 0 {
		return errNegativeLength
	}
	mapStrings(v, sel, res, func(dst, s []byte) []byte {
		return append(dst, substr(s, from, count, hasCount)...)
	})
	return nil
}

var errNegativeLength = errorString("vector: substring: negative substring length not allowed")

type errorString string

func (e errorString) Error() string { return string(e) }

// substr is the scalar substring.
func substr(s []byte, from, count int64, hasCount bool) []byte {
	start := from
	if start < 1 {
		start = 1
	}
	end := int64(1 << 62)
	if hasCount {
		end = from + count // exclusive, may be <= start
		if count > 1<<61 || from > 1<<61 {
			end = 1 << 62
		}
	}
	if end <= start {
		return nil
	}
	// Walk characters to the byte offsets of start and end.
	pos := int64(1)
	bs := len(s)
	i := 0
	for i < len(s) && pos < start {
		_, size := utf8.DecodeRune(s[i:])
		i += size
		pos++
	}
	bs = i
	for i < len(s) && pos < end {
		_, size := utf8.DecodeRune(s[i:])
		i += size
		pos++
	}
	return s[bs:i]
}

// Concat writes a || b (NULL if either is NULL, as the || operator);
// concat() skipping NULLs is the caller's choice of validity.
func Concat(a, b *Vector, sel []uint16, res *Vector) {
	n := a.Len
	valid := andValid(res.Valid[:0], a.Valid, b.Valid, n)
	res.Reset(types.Text, n)
	next := 0
	emit := func(i int) {
		for ; next < i; next++ {
			res.Offsets[next+1] = uint32(len(res.Bytes))
		}
		res.Bytes = append(res.Bytes, a.Str(i)...)
		res.Bytes = append(res.Bytes, b.Str(i)...)
		res.Offsets[i+1] = uint32(len(res.Bytes))
		next = i + 1
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			emit(i)
		}
	} else {
		for _, i := range sel {
			emit(int(i))
		}
	}
	for ; next < n; next++ {
		res.Offsets[next+1] = uint32(len(res.Bytes))
	}
	res.Valid = valid
}

// Length writes length(v) in characters into res (BIGINT).
func Length(v *Vector, sel []uint16, res *Vector) {
	n := v.Len
	valid := andValid(res.Valid[:0], v.Valid, nil, n)
	res.Reset(types.BigInt, n)
	each := func(i int) { res.Ints[i] = int64(utf8.RuneCount(v.Str(i))) }
	if sel == nil {
		for i := 0; i < n; i++ {
			each(i)
		}
	} else {
		for _, i := range sel {
			each(int(i))
		}
	}
	res.Valid = valid
}

// StartsWith writes starts_with(v, prefix) into res (BOOLEAN).
func StartsWith(v *Vector, prefix []byte, sel []uint16, res *Vector) {
	n := v.Len
	valid := andValid(res.Valid[:0], v.Valid, nil, n)
	res.Reset(types.Boolean, n)
	clear(res.Bools)
	each := func(i int) {
		if bytes.HasPrefix(v.Str(i), prefix) {
			res.Bools[i>>6] |= 1 << (uint(i) & 63)
		}
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			each(i)
		}
	} else {
		for _, i := range sel {
			each(int(i))
		}
	}
	res.Valid = valid
}
