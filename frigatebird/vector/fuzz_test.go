package vector

import (
	"testing"
	"unicode/utf8"
)

// FuzzLike checks the compiled matcher against the regexp reference.
func FuzzLike(f *testing.F) {
	f.Add("a%b_c", "axxbyc", false)
	f.Add("%é%", "café", true)
	f.Add(`\%%`, "%x", false)
	f.Fuzz(func(t *testing.T, pat, s string, fold bool) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) || len(pat) > 64 {
			return
		}
		got := CompileLike(pat, fold).Match([]byte(s))
		if want := likeRegexp(pat, fold).MatchString(s); got != want {
			t.Fatalf("%q LIKE %q (fold %v) = %v, want %v", s, pat, fold, got, want)
		}
	})
}
