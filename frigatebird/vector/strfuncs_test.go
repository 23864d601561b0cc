package vector

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird/types"
)

// refSubstr is PostgreSQL's substring on characters.
func refSubstr(s string, from, count int64, hasCount bool) string {
	rs := []rune(s)
	start := from
	end := int64(len(rs)) + 1
	if hasCount {
		end = min(end, from+count)
	}
	start = max(start, 1)
	if end <= start || start > int64(len(rs)) {
		return ""
	}
	return string(rs[start-1 : end-1])
}

func TestStringFunctions(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		n := randLen(r)
		a, b := randVector(r, types.Text, n), randVector(r, types.Text, n)
		sel := randSel(r, n)
		res := New(types.Text)
		check := func(name string, want func(i int) string) {
			t.Helper()
			for _, i := range rows(sel, n) {
				if !res.IsValid(i) {
					continue
				}
				if got := string(res.Str(i)); got != want(i) {
					t.Fatalf("%s(%q) = %q, want %q", name, a.Str(i), got, want(i))
				}
			}
		}
		valid := func(s []byte) bool { return utf8.Valid(s) }
		Lower(a, sel, res)
		check("lower", func(i int) string {
			if !valid(a.Str(i)) {
				return string(res.Str(i))
			}
			return strings.ToLower(string(a.Str(i)))
		})
		Upper(a, sel, res)
		check("upper", func(i int) string {
			if !valid(a.Str(i)) {
				return string(res.Str(i))
			}
			return strings.ToUpper(string(a.Str(i)))
		})
		Trim(a, sel, res)
		check("trim", func(i int) string { return strings.Trim(string(a.Str(i)), " ") })
		Replace(a, []byte("a"), []byte("xy"), sel, res)
		check("replace", func(i int) string { return strings.ReplaceAll(string(a.Str(i)), "a", "xy") })
		Concat(a, b, sel, res)
		check("concat", func(i int) string { return string(a.Str(i)) + string(b.Str(i)) })
		for _, i := range rows(sel, n) {
			if res.IsValid(i) != (a.IsValid(i) && b.IsValid(i)) {
				t.Fatalf("|| validity row %d", i)
			}
		}
		from, count := int64(r.IntN(8)-3), int64(r.IntN(6))
		hasCount := r.IntN(2) == 0
		if err := Substring(a, from, count, hasCount, sel, res); err != nil {
			t.Fatal(err)
		}
		check("substring", func(i int) string {
			if !valid(a.Str(i)) {
				return string(res.Str(i))
			}
			return refSubstr(string(a.Str(i)), from, count, hasCount)
		})
		lens := New(types.BigInt)
		Length(a, sel, lens)
		for _, i := range rows(sel, n) {
			if lens.IsValid(i) && lens.Ints[i] != int64(utf8.RuneCount(a.Str(i))) {
				t.Fatalf("length(%q) = %d", a.Str(i), lens.Ints[i])
			}
		}
		bools := New(types.Boolean)
		StartsWith(a, []byte("ab"), sel, bools)
		for _, i := range rows(sel, n) {
			if bools.IsValid(i) && bools.Bool(i) != strings.HasPrefix(string(a.Str(i)), "ab") {
				t.Fatalf("starts_with(%q)", a.Str(i))
			}
		}
	}
	if err := Substring(New(types.Text), 1, -1, true, nil, New(types.Text)); err == nil {
		t.Fatal("negative substring length must fail")
	}
}

func TestSubstringPostgres(t *testing.T) {
	// Values from PostgreSQL 17.
	cases := []struct {
		s           string
		from, count int64
		want        string
	}{
		{"Thomas", 2, 3, "hom"},
		{"Thomas", 0, 3, "Th"},
		{"Thomas", -2, 3, ""},
		{"Thomas", 5, 10, "as"},
		{"Thomas", 7, 1, ""},
		{"日本語テキスト", 2, 2, "本語"},
	}
	for _, c := range cases {
		if got := string(substr([]byte(c.s), c.from, c.count, true)); got != c.want {
			t.Errorf("substring(%q from %d for %d) = %q, want %q", c.s, c.from, c.count, got, c.want)
		}
	}
}

func TestHash(t *testing.T) {
	r, _ := newRand(t)
	for it := 0; it < iterations(); it++ {
		typ := cmpTypes[r.IntN(len(cmpTypes))]
		n := randLen(r)
		v := randVector(r, typ, n)
		h := make([]uint64, n)
		Hash(v, nil, h, false)
		h2 := make([]uint64, n)
		Hash(v, nil, h2, false)
		Hash(v, nil, h2, true)
		for i := 0; i < n; i++ {
			if !v.IsValid(i) && h[i] != NullHash {
				t.Fatalf("NULL row %d hashes to %x", i, h[i])
			}
			if h2[i] != CombineHash(h[i], h[i]) {
				t.Fatalf("combine row %d", i)
			}
			// Equal values hash equally.
			for j := i + 1; j < min(n, i+8); j++ {
				x, y := v.Value(i), v.Value(j)
				if x.Null || y.Null {
					continue
				}
				if c, _ := types.Compare(x, y); c == 0 && h[i] != h[j] {
					t.Fatalf("equal values %v %v hash differently", x, y)
				}
			}
		}
	}
	if HashFloat64(0) != HashFloat64(-1*0.0*-1) || HashBytes([]byte("ab")) == HashBytes([]byte("ba")) {
		t.Fatal("hash sanity")
	}
}
