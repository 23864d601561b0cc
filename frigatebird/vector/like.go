package vector

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pattern is a compiled LIKE / ILIKE pattern: % matches any run of
// characters, _ one character (a UTF-8 code point), and \ escapes the
// next character (PostgreSQL's default escape). Patterns made only of
// literal text around % take fast paths: exact, prefix%, %suffix,
// %contains%, prefix%suffix. A Pattern is immutable and safe for
// concurrent use.
type Pattern struct {
	kind   likeKind
	fold   bool
	lit    []byte  // exact / prefix / suffix / contains text
	lit2   []byte  // suffix of prefix%suffix
	tokens []token // general form
}

type likeKind uint8

const (
	likeGeneral likeKind = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
	likePrefixSuffix
)

type token struct {
	kind byte // 'l' literal rune, '_' any rune, '%' any run
	r    rune
}

// CompileLike compiles pattern; ILIKE when fold is set (simple Unicode
// case folding, rune by rune).
func CompileLike(pattern string, fold bool) *Pattern {
	p := &Pattern{fold: fold}
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch r {
		case '\\':
			if i < len(pattern) {
				r, size = utf8.DecodeRuneInString(pattern[i:])
				i += size
			}
			p.tokens = append(p.tokens, token{kind: 'l', r: foldRune(r, fold)})
		case '%':
			if len(p.tokens) == 0 || p.tokens[len(p.tokens)-1].kind != '%' {
				p.tokens = append(p.tokens, token{kind: '%'})
			}
		case '_':
			p.tokens = append(p.tokens, token{kind: '_'})
		default:
			p.tokens = append(p.tokens, token{kind: 'l', r: foldRune(r, fold)})
		}
	}
	if fold {
		return p // folding compares rune by rune: the general matcher
	}
	// Classify: literal runs separated by %, without _.
	var segs []string
	var cur strings.Builder
	pcts := 0
	leading, trailing := false, false
	for j, t := range p.tokens {
		switch t.kind {
		case '_':
			return p
		case '%':
			pcts++
			if j == 0 {
				leading = true
			}
			if j == len(p.tokens)-1 {
				trailing = true
			}
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(t.r)
		}
	}
	segs = append(segs, cur.String())
	switch {
	case pcts == 0:
		p.kind, p.lit = likeExact, []byte(segs[0])
	case pcts == 1 && trailing && !leading:
		p.kind, p.lit = likePrefix, []byte(segs[0])
	case pcts == 1 && leading && !trailing:
		p.kind, p.lit = likeSuffix, []byte(segs[1])
	case pcts == 2 && leading && trailing:
		p.kind, p.lit = likeContains, []byte(segs[1])
	case pcts == 1:
		p.kind, p.lit, p.lit2 = likePrefixSuffix, []byte(segs[0]), []byte(segs[1])
	}
	return p
}

func foldRune(r rune, fold bool) rune {
	if fold {
		return unicode.ToLower(r)
	}
	return r
}

// Match reports whether s matches the whole pattern.
func (p *Pattern) Match(s []byte) bool {
	switch p.kind {
	case likeExact:
		return bytes.Equal(s, p.lit)
	case likePrefix:
		return bytes.HasPrefix(s, p.lit)
	case likeSuffix:
		return bytes.HasSuffix(s, p.lit)
	case likeContains:
		return bytes.Contains(s, p.lit)
	case likePrefixSuffix:
		return len(s) >= len(p.lit)+len(p.lit2) && bytes.HasPrefix(s, p.lit) && bytes.HasSuffix(s, p.lit2)
	}
	return p.matchGeneral(s)
}

// matchGeneral is the greedy wildcard matcher with one backtrack point
// (the last %): linear in practice, O(len(s)·len(pattern)) at worst.
func (p *Pattern) matchGeneral(s []byte) bool {
	toks := p.tokens
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRune(s[si:])
		if ti < len(toks) {
			t := toks[ti]
			switch {
			case t.kind == '%':
				starT, starS = ti, si
				ti++
				continue
			case t.kind == '_' || t.r == foldRune(r, p.fold):
				ti++
				si += size
				continue
			}
		}
		if starT < 0 {
			return false
		}
		// Let the last % absorb one more character.
		_, size = utf8.DecodeRune(s[starS:])
		starS += size
		si = starS
		ti = starT + 1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// FilterLike returns the rows of sel (nil: all) whose string matches p
// (or does not, when not is set); NULL rows never pass.
func FilterLike(v *Vector, p *Pattern, not bool, sel, out []uint16) []uint16 {
	k := 0
	offs, b := v.Offsets, v.Bytes
	if p.kind == likePrefix && !not && sel == nil {
		// The benchmarked fast path: inline prefix test.
		lit := p.lit
		out = selBuf(out, v.Len)
		for i := 0; i < v.Len; i++ {
			s := b[offs[i]:offs[i+1]]
			out[k] = uint16(i)
			k += b2i(len(s) >= len(lit) && string(s[:len(lit)]) == string(lit))
		}
	} else if sel == nil {
		out = selBuf(out, v.Len)
		for i := 0; i < v.Len; i++ {
			out[k] = uint16(i)
			k += b2i(p.Match(b[offs[i]:offs[i+1]]) != not)
		}
	} else {
		out = selBuf(out, len(sel))
		for _, i := range sel {
			out[k] = i
			k += b2i(p.Match(b[offs[i]:offs[i+1]]) != not)
		}
	}
	out = out[:k]
	if len(v.Valid) != 0 {
		out = dropNulls(v.Valid, out)
	}
	return out
}
