package vector

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird/types"
)

// likeRegexp is the reference: LIKE translated to an anchored regexp
// ((?s) so % and _ match newlines; (?i) for ILIKE).
func likeRegexp(pattern string, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^(?s)")
	if fold {
		b.WriteString("(?i)")
	}
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		switch r {
		case '\\':
			if i < len(pattern) {
				r, size = utf8.DecodeRuneInString(pattern[i:])
				i += size
			}
			b.WriteString(regexp.QuoteMeta(string(r)))
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func TestLikeAgainstRegexp(t *testing.T) {
	r, _ := newRand(t)
	patterns := []string{"", "%", "a%", "%a", "%a%", "a%b", "_", "__", "a_c", "%b_", "a%%b", "%ab%ab%", `a\%`, `\_%`, "é%", "%語", "_本%", "ABC", "%straße%", "a%b%c"}
	for it := 0; it < iterations(); it++ {
		var pat string
		if r.IntN(2) == 0 {
			pat = patterns[r.IntN(len(patterns))]
		} else {
			b := make([]byte, r.IntN(5))
			for j := range b {
				b[j] = "ab%_A"[r.IntN(5)]
			}
			pat = string(b)
		}
		fold := r.IntN(3) == 0
		p := CompileLike(pat, fold)
		re := likeRegexp(pat, fold)
		n := randLen(r)
		v := randVector(r, types.Text, n)
		sel := randSel(r, n)
		for _, not := range []bool{false, true} {
			var want []int
			for _, i := range rows(sel, n) {
				s := v.Str(i)
				if !utf8.Valid(s) {
					continue // regexp and LIKE differ on invalid UTF-8; checked below
				}
				if v.IsValid(i) && re.Match(s) != not {
					want = append(want, i)
				}
			}
			got := FilterLike(v, p, not, sel, nil)
			// Drop invalid UTF-8 rows from got for the comparison.
			k := 0
			for _, i := range got {
				if utf8.Valid(v.Str(int(i))) {
					got[k] = i
					k++
				}
			}
			equalSel(t, "LIKE "+pat, got[:k], want)
		}
	}
}

func TestLikeCases(t *testing.T) {
	cases := []struct {
		pat  string
		fold bool
		s    string
		want bool
	}{
		{"abc%", false, "abcdef", true},
		{"abc%", false, "ab", false},
		{"%def", false, "abcdef", true},
		{"%cd%", false, "abcdef", true},
		{"a%f", false, "abcdef", true},
		{"a%f", false, "af", true},
		{"ab%bc", false, "abc", false}, // prefix and suffix may not overlap
		{"_", false, "é", true},        // one character, two bytes
		{"__", false, "é", false},
		{"%", false, "", true},
		{"", false, "", true},
		{`100\%`, false, "100%", true},
		{`100\%`, false, "1000", false},
		{"ABC%", true, "abcd", true},
		{"straße", true, "STRASSE", false}, // simple folding only
		{"%ÉT%", true, "été", true},
	}
	for _, c := range cases {
		if got := CompileLike(c.pat, c.fold).Match([]byte(c.s)); got != c.want {
			t.Errorf("%q LIKE(fold=%v) %q = %v, want %v", c.s, c.fold, c.pat, got, c.want)
		}
	}
}

func TestInAndBetween(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		typ := cmpTypes[r.IntN(len(cmpTypes))]
		n := randLen(r)
		v := randVector(r, typ, n)
		pool := randVector(r, typ, 1+r.IntN(20))
		var list []types.Value
		for i := 0; i < pool.Len; i++ {
			list = append(list, pool.Value(i))
		}
		l, err := NewInList(list)
		if err != nil {
			t.Fatal(err)
		}
		sel := randSel(r, n)
		for _, not := range []bool{false, true} {
			var want []int
			for _, i := range rows(sel, n) {
				x := v.Value(i)
				if x.Null {
					continue
				}
				hit, null := false, false
				for _, y := range list {
					if y.Null {
						null = true
						continue
					}
					if c, _ := types.Compare(x, y); c == 0 {
						hit = true
					}
				}
				// x IN list: TRUE if hit; NULL if no hit and a NULL in list.
				if (!not && hit) || (not && !hit && !null) {
					want = append(want, i)
				}
			}
			equalSel(t, "IN", FilterIn(v, l, not, sel, nil), want)
		}
		if n == 0 || typ == types.Boolean {
			continue
		}
		lo, hi := pool.Value(0), pool.Value(pool.Len-1)
		if lo.Null || hi.Null {
			continue
		}
		var want []int
		for _, i := range rows(sel, n) {
			x := v.Value(i)
			if x.Null {
				continue
			}
			c1, _ := types.Compare(x, lo)
			c2, _ := types.Compare(x, hi)
			if c1 >= 0 && c2 <= 0 {
				want = append(want, i)
			}
		}
		got, err := FilterBetween(v, lo, hi, sel, nil)
		if err != nil {
			t.Fatal(err)
		}
		equalSel(t, "BETWEEN", got, want)
	}
}
