package attr

import (
	"bytes"
	"encoding/hex"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// testNames share prefixes and include non-ASCII so sorting is exercised.
var testNames = []string{"a", "ab", "b", "color", "year", "Year", "z", "ünï", "n.m_1", strings.Repeat("x", MaxNameLen)}

var testStrings = []string{"", "a", "ab", "b", "blue", "red", "ü", strings.Repeat("s", 40), strings.Repeat("s", 41)}

func randValue(rng *rand.Rand) Value {
	switch rng.IntN(6) {
	case 0:
		return Int([]int64{math.MinInt64, math.MaxInt64, -1, 0, 1, 63, 64, -64, -65}[rng.IntN(9)])
	case 1:
		return Int(rng.Int64() - rng.Int64())
	case 2, 3:
		return Int(int64(rng.IntN(7)) - 3)
	}
	return String(testStrings[rng.IntN(len(testStrings))])
}

func randSet(rng *rand.Rand) Set {
	n := rng.IntN(len(testNames) + 1)
	s := Set{}
	for range n {
		s[testNames[rng.IntN(len(testNames))]] = randValue(rng)
	}
	return s
}

func mustEncode(t testing.TB, s Set) []byte {
	t.Helper()
	b, err := AppendEncode(nil, s)
	if err != nil {
		t.Fatalf("AppendEncode(%v): %v", s, err)
	}
	return b
}

func TestEncodeRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range 2000 {
		s := randSet(rng)
		prefix := []byte("prefix")
		b, err := AppendEncode(prefix, s)
		if err != nil {
			t.Fatalf("case %d: AppendEncode(%v): %v", i, s, err)
		}
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatalf("case %d: prefix lost", i)
		}
		enc := b[len("prefix"):]
		if len(s) == 0 && len(enc) != 0 {
			t.Fatalf("case %d: empty set encodes to %x", i, enc)
		}
		if err := Validate(enc); err != nil {
			t.Fatalf("case %d: Validate(encode(%v)): %v", i, s, err)
		}
		got, err := Decode(enc)
		if err != nil {
			t.Fatalf("case %d: Decode(encode(%v)): %v", i, s, err)
		}
		if !maps.Equal(got, s) {
			t.Fatalf("case %d: decode(encode(%v)) = %v", i, s, got)
		}
		for _, name := range testNames {
			v, ok := Lookup(enc, name)
			want, wantOK := s[name]
			if ok != wantOK || v != want {
				t.Fatalf("case %d: Lookup(%v, %q) = %v, %v; want %v, %v", i, s, name, v, ok, want, wantOK)
			}
		}
		// Canonical: the same fields inserted in another order encode alike.
		names := make([]string, 0, len(s))
		for name := range s {
			names = append(names, name)
		}
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		other := make(Set, len(s))
		for _, name := range names {
			other[name] = s[name]
		}
		if b2 := mustEncode(t, other); !bytes.Equal(b2, enc) {
			t.Fatalf("case %d: %v encodes to %x and %x", i, s, enc, b2)
		}
	}
}

// TestEncodeGolden pins the byte layout of docs/format/satori-attributes.md.
func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		set  Set
		want string
	}{
		{nil, ""},
		{Set{}, ""},
		{Set{"a": Int(0)}, "01 01 61 01 00"},
		{Set{"a": Int(-1)}, "01 01 61 01 01"},
		{Set{"a": Int(64)}, "01 01 61 01 8001"},
		{Set{"year": Int(2021), "color": String("red")},
			"02 05 636f6c6f72 02 03 726564 04 79656172 01 ca1f"},
	}
	for _, tt := range tests {
		got := mustEncode(t, tt.set)
		want, _ := hex.DecodeString(strings.ReplaceAll(tt.want, " ", ""))
		if !bytes.Equal(got, want) {
			t.Errorf("encode(%v) = %x, want %x", tt.set, got, want)
		}
	}
}

func TestEncodeInvalid(t *testing.T) {
	tooMany := Set{}
	for i := range MaxFields + 1 {
		tooMany[string(rune('A'+i))] = Int(0)
	}
	big := Set{}
	for i := range 5 {
		big[string(rune('a'+i))] = String(strings.Repeat("v", MaxStringLen))
	}
	tests := []struct {
		name string
		set  Set
		want string
	}{
		{"empty name", Set{"": Int(1)}, "empty field name"},
		{"long name", Set{strings.Repeat("n", MaxNameLen+1): Int(1)}, "field name of 129 bytes"},
		{"bad utf8 name", Set{"\xff": Int(1)}, "not valid UTF-8"},
		{"zero value", Set{"a": {}}, `field "a": value of kind 0`},
		{"long string", Set{"a": String(strings.Repeat("v", MaxStringLen+1))}, "string of 4097 bytes"},
		{"bad utf8 string", Set{"a": String("\xc3")}, `field "a": string "\xc3" is not valid UTF-8`},
		{"too many fields", tooMany, "65 fields, limit 64"},
		{"too long", big, "encoding of 20506 bytes, limit 16384"},
	}
	for _, tt := range tests {
		dst := []byte("keep")
		got, err := AppendEncode(dst, tt.set)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want ErrInvalid containing %q", tt.name, err, tt.want)
		}
		if string(got) != "keep" {
			t.Errorf("%s: dst changed to %q", tt.name, got)
		}
		if err := tt.set.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v", tt.name, err)
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	tests := []struct {
		name, hex, want string
	}{
		{"zero count", "00", "zero fields"},
		{"count over limit", "41", "field count above MaxFields"},
		{"truncated count", "80", "truncated varint"},
		{"non-canonical count", "8100", "non-canonical varint"},
		{"missing field", "01", "truncated varint"},
		{"empty name", "01 00 01 00", "name length out of range"},
		{"long name", "01 8101", "name length out of range"},
		{"truncated name", "01 05 6162", "truncated name"},
		{"missing kind", "01 01 61", "truncated name"},
		{"unknown kind", "01 01 61 03 00", "unknown kind byte"},
		{"zero kind", "01 01 61 00 00", "unknown kind byte"},
		{"truncated int", "01 01 61 01 80", "truncated varint"},
		{"non-canonical int", "01 01 61 01 8000", "non-canonical varint"},
		{"overflowing int", "01 01 61 01 ffffffffffffffffff02", "non-canonical varint"},
		{"eleven-byte int", "01 01 61 01 ffffffffffffffffff8001", "non-canonical varint"},
		{"truncated string", "01 01 61 02 03 6162", "truncated string"},
		{"long string", "01 01 61 02 8120", "string length out of range"},
		{"bad utf8 string", "01 01 61 02 01 ff", "not valid UTF-8"},
		{"bad utf8 name", "01 01 ff 01 00", "not valid UTF-8"},
		{"unsorted", "02 01 62 01 00 01 61 01 00", `name "a" not after "b"`},
		{"duplicate", "02 01 61 01 00 01 61 01 02", `name "a" not after "a"`},
		{"trailing", "01 01 61 01 00 00", "1 trailing bytes"},
		{"fewer fields than count", "02 01 61 01 00", "field 1 at offset 5: name length: truncated varint"},
	}
	for _, tt := range tests {
		b, err := hex.DecodeString(strings.ReplaceAll(tt.hex, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		err = Validate(b)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate(%x) = %v, want ErrCorrupt containing %q", tt.name, b, err, tt.want)
		}
		if s, err := Decode(b); !errors.Is(err, ErrCorrupt) || s != nil {
			t.Errorf("%s: Decode(%x) = %v, %v", tt.name, b, s, err)
		}
	}
	long := make([]byte, MaxEncodedLen+1)
	if err := Validate(long); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Validate of %d bytes = %v", len(long), err)
	}
}

func TestValidateAllocs(t *testing.T) {
	enc := mustEncode(t, Set{"color": String("red"), "year": Int(2021), "name": String(strings.Repeat("n", 100))})
	if n := testing.AllocsPerRun(100, func() {
		if err := Validate(enc); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Validate allocates %v times", n)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x01, 0x01, 'a', 0x01, 0x00})
	f.Add(mustEncode(f, Set{"year": Int(2021), "color": String("red")}))
	f.Add(mustEncode(f, Set{"a": Int(math.MinInt64), "b": String(""), "ü": Int(math.MaxInt64)}))
	f.Add([]byte{0x02, 0x01, 'b', 0x01, 0x00, 0x01, 'a', 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		verr := Validate(b)
		if (err == nil) != (verr == nil) {
			t.Fatalf("Decode err %v, Validate err %v", err, verr)
		}
		for _, name := range testNames {
			Lookup(b, name) // must not panic
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := AppendEncode(nil, s)
		if err != nil {
			t.Fatalf("re-encode of %v: %v", s, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %v, which encodes to %x", b, s, again)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	enc := mustEncode(b, Set{"color": String("green"), "year": Int(2021), "brand": String("acme"), "size": Int(42)})
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(enc); err != nil {
			b.Fatal(err)
		}
	}
}
