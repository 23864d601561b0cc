package attr

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseSetJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Set
	}{
		{`{}`, Set{}},
		{` {"color":"red","year":2021} `, Set{"color": String("red"), "year": Int(2021)}},
		{`{"a":-9223372036854775808,"b":9223372036854775807}`, Set{"a": Int(math.MinInt64), "b": Int(math.MaxInt64)}},
		{`{"a":-0,"é":"\u00e9\ud83d\ude00"}`, Set{"a": Int(0), "é": String("é😀")}},
		{`{"a":""}`, Set{"a": String("")}},
	}
	for _, tt := range tests {
		got, err := ParseSetJSON([]byte(tt.in))
		if err != nil || !maps.Equal(got, tt.want) || got == nil {
			t.Errorf("ParseSetJSON(%s) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSetJSONErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{``, "unexpected end of input"},
		{`null`, "attributes must be a JSON object, not null"},
		{`[1]`, "attributes must be a JSON object, not an array"},
		{`{"year":1.5}`, `field "year": number 1.5 is not an integer`},
		{`{"year":1e3}`, `field "year": number 1e3 is not an integer`},
		{`{"year":1e400}`, `field "year": number 1e400 is not an integer`},
		{`{"year":9223372036854775808}`, `field "year": integer 9223372036854775808 is outside the int64 range`},
		{`{"ok":true}`, `field "ok": value must be a string or an integer, not a boolean`},
		{`{"x":null}`, `field "x": value must be a string or an integer, not null`},
		{`{"tags":["a"]}`, `field "tags": value must be a string or an integer, not an array`},
		{`{"o":{}}`, `field "o": value must be a string or an integer, not an object`},
		{`{"a":1,"a":2}`, `field "a" repeated`},
		{`{"":1}`, "empty field name"},
		{`{"a":1} {}`, "trailing data"},
		{`{"a":1,}`, "invalid character"},
		{`{"a":"` + strings.Repeat("v", MaxStringLen+1) + `"}`, "string of 4097 bytes"},
	}
	for _, tt := range tests {
		s, err := ParseSetJSON([]byte(tt.in))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || s != nil {
			t.Errorf("ParseSetJSON(%.40s) = %v, %v; want ErrInvalid containing %q", tt.in, s, err, tt.want)
		}
	}
}

func TestSetJSONRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	for range 500 {
		s := randSet(rng)
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", s, err)
		}
		var got Set
		if err := json.Unmarshal(b, &got); err != nil || !maps.Equal(got, s) {
			t.Fatalf("%v -> %s -> %v, %v", s, b, got, err)
		}
	}
	b, err := json.Marshal(Set{"year": Int(2021), "color": String("<red>")})
	if want := `{"color":"\u003cred\u003e","year":2021}`; err != nil || string(b) != want {
		t.Errorf("Marshal = %s, %v; want %s", b, err, want)
	}
	if _, err := json.Marshal(Set{"": Int(1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Marshal of invalid set: %v", err)
	}
	var s Set
	if err := json.Unmarshal([]byte(`{"year":1.5}`), &s); !errors.Is(err, ErrInvalid) {
		t.Errorf("Unmarshal of 1.5: %v", err)
	}
}

func TestParseFilterJSON(t *testing.T) {
	tests := []struct {
		in   string
		want *Filter
	}{
		{`null`, nil},
		{`{"field":"color","eq":"red"}`, Eq("color", String("red"))},
		{`{"eq":2021,"field":"year"}`, Eq("year", Int(2021))},
		{`{"field":"year","gte":2000,"lt":2010}`, Range("year", &Bound{Value: Int(2000), Inclusive: true}, &Bound{Value: Int(2010)})},
		{`{"field":"year","gt":2000}`, Gt("year", Int(2000))},
		{`{"field":"year","lte":"m"}`, Lte("year", String("m"))},
		{`{"field":"color","in":["red","blue",3]}`, In("color", String("red"), String("blue"), Int(3))},
		{`{"field":"color","exists":true}`, Exists("color")},
		{`{"and":[{"field":"a","eq":1},{"or":[{"field":"b","eq":"x"},{"not":{"field":"c","exists":true}}]}]}`,
			And(Eq("a", Int(1)), Or(Eq("b", String("x")), Not(Exists("c"))))},
	}
	for _, tt := range tests {
		got, err := ParseFilterJSON([]byte(tt.in))
		if err != nil || got.String() != tt.want.String() {
			t.Errorf("ParseFilterJSON(%s) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseFilterJSONErrors(t *testing.T) {
	deep := `{"field":"a","eq":1}`
	for range MaxFilterDepth {
		deep = `{"not":` + deep + `}`
	}
	wide := `{"field":"a","in":[` + strings.Repeat(`1,`, MaxFilterNodes) + `1]}`
	tests := []struct {
		in, want string
	}{
		{``, "filter: unexpected end of input"},
		{`[]`, "a filter must be a JSON object, not an array"},
		{`{}`, "empty filter object"},
		{`{"field":"a","eqq":1}`, `unknown key "eqq"`},
		{`{"field":"a","eq":1,"eq":2}`, `key "eq" repeated`},
		{`{"field":"a"}`, `field "a" without an operator`},
		{`{"eq":1}`, "eq without field"},
		{`{"field":"a","eq":1,"gt":0}`, `field "a": operators eq and gt mixed in one object`},
		{`{"field":"a","in":[1],"exists":true}`, "operators in and exists mixed"},
		{`{"field":"a","gt":1,"gte":2}`, "gt and gte together"},
		{`{"field":"a","lt":1,"lte":2}`, "lt and lte together"},
		{`{"field":"a","gt":1,"lt":"b"}`, "differ in kind"},
		{`{"and":[],"field":"a"}`, "and of no filters"},
		{`{"and":[{"field":"a","exists":true}],"or":[]}`, "or of no filters"},
		{`{"and":[{"field":"a","exists":true}],"field":"a"}`, "and cannot be combined with field"},
		{`{"and":{"field":"a","exists":true}}`, "and must be an array of filters, not an object"},
		{`{"or":[{"field":"a","exists":true},{"field":"b","eq":1.5}]}`, "filter at or[1]: eq: number 1.5 is not an integer"},
		{`{"and":[{"not":{"field":"a","eq":true}}]}`, "filter at and[0].not: eq: value must be a string or an integer, not a boolean"},
		{`{"not":null}`, "filter at not: a filter must be a JSON object, not null"},
		{`{"field":1,"eq":1}`, "field must be a string, not a number"},
		{`{"field":"a","exists":false}`, "exists must be true"},
		{`{"field":"a","in":[]}`, "in of no values"},
		{`{"field":"a","in":"x"}`, "in must be an array of values, not a string"},
		{`{"field":"a","in":[[1]]}`, "in[0]: value must be a string or an integer, not an array"},
		{`{"field":"","eq":1}`, "empty field name"},
		{`{"field":"a","eq":1} x`, "trailing data"},
		{deep, "nested deeper than 32"},
		{wide, "more than 1024 terms"},
		{`{"field":"a","eq":9223372036854775808}`, "outside the int64 range"},
	}
	for _, tt := range tests {
		f, err := ParseFilterJSON([]byte(tt.in))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || f != nil {
			t.Errorf("ParseFilterJSON(%.60s) = %v, %v; want ErrInvalid containing %q", tt.in, f, err, tt.want)
		}
	}
}

func TestFilterJSONRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 4))
	for range 1000 {
		f := randFilter(rng, 5)
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", f, err)
		}
		got, err := ParseFilterJSON(b)
		if err != nil {
			t.Fatalf("%v -> %s: %v", f, b, err)
		}
		b2, err := got.MarshalJSON()
		if err != nil || string(b2) != string(b) || got.String() != f.String() {
			t.Fatalf("%v -> %s -> %v -> %s, %v", f, b, got, b2, err)
		}
		// Same predicate, checked on a few sets.
		for range 5 {
			s := randSet(rng)
			if got.MatchSet(s) != f.MatchSet(s) {
				t.Fatalf("%v and its round trip %v disagree on %v", f, got, s)
			}
		}
	}
	// Through encoding/json in a request struct.
	var req struct {
		Filter *Filter `json:"filter"`
		Attrs  Set     `json:"attributes"`
	}
	in := `{"filter":{"field":"year","gte":2000},"attributes":{"year":2001}}`
	if err := json.Unmarshal([]byte(in), &req); err != nil || req.Filter.String() != "year >= 2000" || !req.Filter.MatchSet(req.Attrs) {
		t.Errorf("Unmarshal(%s) = %+v, %v", in, req, err)
	}
	if err := json.Unmarshal([]byte(`{"filter":{"field":"year"}}`), &req); !errors.Is(err, ErrInvalid) {
		t.Errorf("Unmarshal of a bad filter: %v", err)
	}
	if _, err := json.Marshal(And()); !errors.Is(err, ErrInvalid) {
		t.Errorf("Marshal of an invalid filter: %v", err)
	}
}

func FuzzParseFilterJSON(f *testing.F) {
	f.Add([]byte(`{"field":"color","eq":"red"}`))
	f.Add([]byte(`{"field":"year","gte":2000,"lt":2010}`))
	f.Add([]byte(`{"field":"color","in":["red","blue"]}`))
	f.Add([]byte(`{"and":[{"field":"a","exists":true},{"or":[{"not":{"field":"b","eq":1}}]}]}`))
	f.Add([]byte(`{"field":"a","eq":1e400}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		flt, err := ParseFilterJSON(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		out, err := flt.MarshalJSON()
		if err != nil {
			t.Fatalf("parsed %v but cannot marshal it: %v", flt, err)
		}
		again, err := ParseFilterJSON(out)
		if err != nil {
			t.Fatalf("%s -> %v -> %s: %v", b, flt, out, err)
		}
		if out2, _ := again.MarshalJSON(); string(out2) != string(out) {
			t.Fatalf("%s -> %s -> %s", b, out, out2)
		}
	})
}

func FuzzParseSetJSON(f *testing.F) {
	f.Add([]byte(`{"color":"red","year":2021}`))
	f.Add([]byte(`{"a":1.5}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSetJSON(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		out, err := s.MarshalJSON()
		if err != nil {
			t.Fatalf("parsed %v but cannot marshal it: %v", s, err)
		}
		again, err := ParseSetJSON(out)
		if err != nil || !maps.Equal(again, s) {
			t.Fatalf("%s -> %v -> %s -> %v, %v", b, s, out, again, err)
		}
	})
}
