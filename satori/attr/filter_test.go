package attr

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func randBound(rng *rand.Rand, kind Kind) *Bound {
	if rng.IntN(3) == 0 {
		return nil
	}
	v := randValue(rng)
	for v.Kind() != kind {
		v = randValue(rng)
	}
	return &Bound{Value: v, Inclusive: rng.IntN(2) == 0}
}

// randFilter returns a valid filter over testNames of at most depth levels.
func randFilter(rng *rand.Rand, depth int) *Filter {
	name := testNames[rng.IntN(len(testNames))]
	n := rng.IntN(8)
	if depth <= 1 {
		n = rng.IntN(4)
	}
	switch n {
	case 0:
		return Eq(name, randValue(rng))
	case 1:
		vs := make([]Value, 1+rng.IntN(4))
		for i := range vs {
			vs[i] = randValue(rng)
		}
		return In(name, vs...)
	case 2:
		kind := KindInt
		if rng.IntN(3) == 0 {
			kind = KindString
		}
		lo, hi := randBound(rng, kind), randBound(rng, kind)
		if lo == nil && hi == nil {
			lo = &Bound{Value: Int(0)}
			if kind == KindString {
				lo.Value = String("b")
			}
		}
		return Range(name, lo, hi)
	case 3:
		return Exists(name)
	case 4, 5:
		kids := make([]*Filter, 1+rng.IntN(3))
		for i := range kids {
			kids[i] = randFilter(rng, depth-1)
		}
		if n == 4 {
			return And(kids...)
		}
		return Or(kids...)
	}
	return Not(randFilter(rng, depth-1))
}

// TestMatchModel checks Match on encodings against MatchSet on Sets.
func TestMatchModel(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	matched := 0
	const cases = 5000
	for i := range cases {
		s := randSet(rng)
		enc := mustEncode(t, s)
		f := randFilter(rng, 4)
		if err := f.Validate(); err != nil {
			t.Fatalf("case %d: random filter %v invalid: %v", i, f, err)
		}
		want := f.MatchSet(s)
		if got := f.Match(enc); got != want {
			t.Fatalf("case %d: %v on %v: Match = %v, MatchSet = %v", i, f, s, got, want)
		}
		if want {
			matched++
		}
	}
	// Guard against a generator that makes every answer the same.
	if matched < cases/10 || matched > cases*9/10 {
		t.Errorf("%d of %d cases matched; the generator is too one-sided", matched, cases)
	}
}

func TestMatchSemantics(t *testing.T) {
	s := Set{"color": String("red"), "year": Int(2021), "name": String(strings.Repeat("x", 50))}
	tests := []struct {
		f    *Filter
		want bool
	}{
		{nil, true},
		{Eq("color", String("red")), true},
		{Eq("color", String("blue")), false},
		{Eq("year", String("2021")), false}, // kinds never convert
		{Eq("year", Int(2021)), true},
		{Eq("size", Int(1)), false}, // missing field
		{Not(Eq("size", Int(1))), true},
		{Not(Eq("color", String("red"))), false},
		{Not(Eq("year", String("2021"))), true},
		{And(Exists("color"), Not(Eq("color", String("blue")))), true},
		{And(Exists("size"), Not(Eq("size", Int(1)))), false},
		{In("color", Int(1), String("blue"), String("red")), true},
		{In("color", String("re")), false},
		{Gte("year", Int(2021)), true},
		{Gt("year", Int(2021)), false},
		{Lte("year", Int(2021)), true},
		{Lt("year", Int(2021)), false},
		{Range("year", &Bound{Value: Int(2000), Inclusive: true}, &Bound{Value: Int(2010)}), false},
		{Range("year", &Bound{Value: Int(2020)}, &Bound{Value: Int(2022)}), true},
		{Gt("year", String("1")), false},    // kind mismatch in a range
		{Gt("color", String("re")), true},   // byte order
		{Lt("color", String("redd")), true}, // prefix sorts first
		{Lt("color", String("Red")), false}, // 'R' < 'r'
		{Gte("name", String(strings.Repeat("x", 50))), true},
		{Or(Eq("color", String("blue")), Eq("year", Int(2021))), true},
		{And(Eq("color", String("blue")), Eq("year", Int(2021))), false},
		{Exists("name"), true},
		{Exists("nam"), false},
	}
	enc := mustEncode(t, s)
	for _, tt := range tests {
		if err := tt.f.Validate(); err != nil {
			t.Errorf("%v: Validate: %v", tt.f, err)
		}
		if got := tt.f.Match(enc); got != tt.want {
			t.Errorf("%v: Match = %v, want %v", tt.f, got, tt.want)
		}
		if got := tt.f.MatchSet(s); got != tt.want {
			t.Errorf("%v: MatchSet = %v, want %v", tt.f, got, tt.want)
		}
	}
	// A vector without attributes (zero bytes) has no fields.
	if Eq("color", String("red")).Match(nil) || !Not(Exists("color")).Match(nil) {
		t.Errorf("filters on an empty encoding")
	}
}

func TestMatchAllocs(t *testing.T) {
	long := strings.Repeat("k", 100) // longer than the runtime's 32-byte temp buffer
	f := And(
		Or(Eq("color", String("red")), In("color", String("blue"), String(long))),
		Range("year", &Bound{Value: Int(2000), Inclusive: true}, &Bound{Value: Int(2030)}),
		Not(Eq("tag", String(long))),
		Gte("tag", String(strings.Repeat("j", 100))),
		Exists("year"),
		Eq(long, Int(7)), // a name longer than 32 bytes, too
	)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	enc := mustEncode(t, Set{"color": String(long), "year": Int(2021), "tag": String(strings.Repeat("k", 99)), "zz": Int(1), long: Int(7)})
	if !f.Match(enc) {
		t.Fatalf("%v does not match", f)
	}
	if n := testing.AllocsPerRun(1000, func() {
		if !f.Match(enc) {
			t.Fatal("no match")
		}
	}); n != 0 {
		t.Errorf("Match allocates %v times per run", n)
	}
}

func TestFilterValidate(t *testing.T) {
	deep := Eq("a", Int(1))
	for range MaxFilterDepth {
		deep = Not(deep)
	}
	many := make([]Value, MaxFilterNodes)
	tests := []struct {
		f    *Filter
		want string
	}{
		{&Filter{}, "zero Filter"},
		{And(), "and of no filters"},
		{Or(), "or of no filters"},
		{And(nil), "nil filter"},
		{Not(nil), "nil filter"},
		{Eq("", Int(1)), "empty field name"},
		{Eq("\xff", Int(1)), "not valid UTF-8"},
		{Eq("a", Value{}), "value of kind 0"},
		{Eq("a", String("\xff")), "not valid UTF-8"},
		{In("a"), "in of no values"},
		{Range("a", nil, nil), "range without bounds"},
		{Range("a", &Bound{Value: Int(1)}, &Bound{Value: String("b")}), "differ in kind"},
		{Gt("a", String(strings.Repeat("s", MaxStringLen+1))), "string of 4097 bytes"},
		{deep, "nested deeper than 32"},
		{In("a", many...), "more than 1024 terms"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: Validate = %v, want ErrInvalid containing %q", tt.f, err, tt.want)
		}
		tt.f.Match([]byte{1, 1, 'a', 1, 2}) // must not panic
		tt.f.MatchSet(Set{"a": Int(1)})
		_ = tt.f.String()
	}
	if err := (*Filter)(nil).Validate(); err != nil {
		t.Errorf("nil filter: %v", err)
	}
}

func TestFilterString(t *testing.T) {
	tests := []struct {
		f    *Filter
		want string
	}{
		{nil, "TRUE"},
		{Eq("color", String("red")), `color = "red"`},
		{In("my field", Int(1), String("x")), `"my field" IN (1, "x")`},
		{Range("year", &Bound{Value: Int(2000), Inclusive: true}, &Bound{Value: Int(2010)}), `2000 <= year < 2010`},
		{Gt("year", Int(1)), `year > 1`},
		{Gte("year", Int(1)), `year >= 1`},
		{Lt("year", Int(1)), `year < 1`},
		{Lte("year", Int(1)), `year <= 1`},
		{And(Or(Exists("a"), Exists("b")), Not(Eq("c", Int(1)))), `(EXISTS a OR EXISTS b) AND NOT c = 1`},
		{Not(And(Exists("a"), Exists("b"))), `NOT (EXISTS a AND EXISTS b)`},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String = %s, want %s", got, tt.want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add([]byte{}, uint64(1))
	f.Add(mustEncode(f, Set{"color": String("red"), "year": Int(2021)}), uint64(2))
	f.Add([]byte{0x40, 0x01, 'a', 0x02, 0xff, 0xff, 0xff, 0x7f}, uint64(3))
	f.Add([]byte{0x02, 0x01, 'z', 0x01, 0x00, 0x01, 'a', 0x01, 0x00}, uint64(4))
	f.Fuzz(func(t *testing.T, enc []byte, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 2))
		for range 8 {
			flt := randFilter(rng, 4)
			got := flt.Match(enc) // must not panic on any bytes
			if Validate(enc) != nil {
				continue
			}
			s, err := Decode(enc)
			if err != nil {
				t.Fatalf("Validate passed, Decode failed: %v", err)
			}
			if want := flt.MatchSet(s); got != want {
				t.Fatalf("%v on %v: Match = %v, MatchSet = %v", flt, s, got, want)
			}
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	f := And(
		Or(Eq("color", String("red")), In("color", String("blue"), String("green"))),
		Range("year", &Bound{Value: Int(2000), Inclusive: true}, &Bound{Value: Int(2030)}),
		Not(Exists("deleted")),
	)
	enc := mustEncode(b, Set{"color": String("green"), "year": Int(2021), "brand": String("acme"), "size": Int(42)})
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(enc) {
			b.Fatal("no match")
		}
	}
}
