package nubmq

import "testing"

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "abxyc", true},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"h[ae]llo", "hello", true}, {"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true}, {"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true},
		{"h[b-a]llo", "hallo", true}, {`h\*llo`, "h*llo", true}, {`h\*llo`, "hello", false},
		{"user:*:name", "user:42:name", true}, {"user:*:name", "user:42:mail", false}, {"**x", "abx", true},
		{"a", "ab", false}, {"ab", "a", false},
	} {
		if got := globMatch([]byte(tc.p), []byte(tc.s)); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestLongDoubleFormat(t *testing.T) {
	// Redis computes INCRBYFLOAT in long double: 0.1 + 0.2 prints 0.3.
	a, _ := parseLongDouble([]byte("0.1"))
	b, _ := parseLongDouble([]byte("0.2"))
	if got := formatLongDouble(a.Add(a, b)); got != "0.3" {
		t.Fatalf("0.1 + 0.2 = %s", got)
	}
	for _, bad := range []string{"", " 1", "1 ", "abc", "inf", "1e5000"} {
		if _, ok := parseLongDouble([]byte(bad)); ok {
			t.Errorf("parseLongDouble(%q) accepted", bad)
		}
	}
}
