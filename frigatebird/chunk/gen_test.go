package chunk

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Test data generators. Every generator is deterministic in its seed.

type intGen struct {
	name string
	fn   func(r *rand.Rand, n int) []int64
}

var intGens = []intGen{
	{"random", func(r *rand.Rand, n int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(r.Uint64())
		}
		return v
	}},
	{"sorted-small-delta", func(r *rand.Rand, n int) []int64 {
		v := make([]int64, n)
		x := int64(1_700_000_000_000_000) // a timestamp in µs
		for i := range v {
			x += int64(r.IntN(4))
			v[i] = x
		}
		return v
	}},
	{"low-card", func(r *rand.Rand, n int) []int64 {
		vals := []int64{-1 << 40, 7, 1 << 50, math.MaxInt64 - 3, 123456789}
		v := make([]int64, n)
		for i := range v {
			v[i] = vals[r.IntN(len(vals))]
		}
		return v
	}},
	{"constant", func(r *rand.Rand, n int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = -42
		}
		return v
	}},
	{"negative-small", func(r *rand.Rand, n int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = -int64(r.IntN(1000)) - 5
		}
		return v
	}},
	{"extremes", func(r *rand.Rand, n int) []int64 {
		ex := []int64{math.MinInt64, math.MaxInt64, 0, -1, 1, math.MinInt64 + 1, math.MaxInt64 - 1}
		v := make([]int64, n)
		for i := range v {
			v[i] = ex[r.IntN(len(ex))]
		}
		return v
	}},
	{"runs", func(r *rand.Rand, n int) []int64 {
		v := make([]int64, n)
		x := int64(r.IntN(100))
		for i := range v {
			if r.IntN(500) == 0 {
				x = int64(r.Uint64() >> 20)
			}
			v[i] = x
		}
		return v
	}},
}

type floatGen struct {
	name string
	fn   func(r *rand.Rand, n int) []float64
}

var floatGens = []floatGen{
	{"random", func(r *rand.Rand, n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64() * 1e6
		}
		return v
	}},
	{"special", func(r *rand.Rand, n int) []float64 {
		ex := []float64{math.NaN(), math.Float64frombits(0x7ff8_0000_dead_beef), math.Float64frombits(0xfff0_0000_0000_0001),
			math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64}
		v := make([]float64, n)
		for i := range v {
			v[i] = ex[r.IntN(len(ex))]
		}
		return v
	}},
	{"low-card", func(r *rand.Rand, n int) []float64 {
		ex := []float64{9.99, 19.99, 4.5, 100}
		v := make([]float64, n)
		for i := range v {
			v[i] = ex[r.IntN(len(ex))]
		}
		return v
	}},
	{"constant", func(r *rand.Rand, n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = 3.25
		}
		return v
	}},
	{"sorted", func(r *rand.Rand, n int) []float64 {
		v := make([]float64, n)
		x := 0.0
		for i := range v {
			x += r.Float64()
			v[i] = x
		}
		return v
	}},
}

type boolGen struct {
	name string
	fn   func(r *rand.Rand, n int) []bool
}

var boolGens = []boolGen{
	{"random", func(r *rand.Rand, n int) []bool {
		v := make([]bool, n)
		for i := range v {
			v[i] = r.IntN(2) == 0
		}
		return v
	}},
	{"all-true", func(r *rand.Rand, n int) []bool {
		v := make([]bool, n)
		for i := range v {
			v[i] = true
		}
		return v
	}},
	{"all-false", func(r *rand.Rand, n int) []bool { return make([]bool, n) }},
	{"sparse", func(r *rand.Rand, n int) []bool {
		v := make([]bool, n)
		for i := range v {
			v[i] = r.IntN(1000) == 0
		}
		return v
	}},
}

type bytesGen struct {
	name string
	fn   func(r *rand.Rand, n int) [][]byte
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var bytesGens = []bytesGen{
	{"high-card", func(r *rand.Rand, n int) [][]byte {
		v := make([][]byte, n)
		for i := range v {
			v[i] = randBytes(r, r.IntN(24))
		}
		return v
	}},
	{"low-card", func(r *rand.Rand, n int) [][]byte {
		words := [][]byte{[]byte("DELIVERED"), []byte("SHIPPED"), []byte("RETURNED"), []byte("PENDING"), []byte("CANCELLED")}
		v := make([][]byte, n)
		for i := range v {
			v[i] = words[r.IntN(len(words))]
		}
		return v
	}},
	{"empty", func(r *rand.Rand, n int) [][]byte {
		v := make([][]byte, n)
		for i := range v {
			v[i] = []byte{}
		}
		return v
	}},
	{"long", func(r *rand.Rand, n int) [][]byte {
		v := make([][]byte, n)
		for i := range v {
			s := randBytes(r, 40+r.IntN(200))
			if r.IntN(3) == 0 {
				for j := range s {
					s[j] = 0xFF
				}
			}
			v[i] = s
		}
		return v
	}},
	{"sorted", func(r *rand.Rand, n int) [][]byte {
		v := make([][]byte, n)
		for i := range v {
			v[i] = fmt.Appendf(nil, "customer#%09d", i*3)
		}
		return v
	}},
}

// Null patterns.
type nullPattern struct {
	name string
	fn   func(r *rand.Rand, n int) []uint64 // nil = no nulls
}

func bitmapOf(n int, valid func(i int) bool) []uint64 {
	w := make([]uint64, (n+63)/64)
	for i := 0; i < n; i++ {
		if valid(i) {
			w[i/64] |= 1 << (i % 64)
		}
	}
	// Garbage past n must be ignored by Encode.
	if n%64 != 0 {
		w[len(w)-1] |= ^uint64(0) << (n % 64)
	}
	return w
}

var nullPatterns = []nullPattern{
	{"none", func(r *rand.Rand, n int) []uint64 { return nil }},
	{"all", func(r *rand.Rand, n int) []uint64 { return bitmapOf(n, func(int) bool { return false }) }},
	{"random", func(r *rand.Rand, n int) []uint64 { return bitmapOf(n, func(int) bool { return r.IntN(4) != 0 }) }},
	{"first", func(r *rand.Rand, n int) []uint64 { return bitmapOf(n, func(i int) bool { return i != 0 }) }},
	{"last", func(r *rand.Rand, n int) []uint64 { return bitmapOf(n, func(i int) bool { return i != n-1 }) }},
}

// Column constructors. Null slots get garbage so the tests prove Encode
// ignores them.

func intColumn(v []int64, valid []uint64) *Column {
	c := &Column{Type: TypeInt64, Len: len(v), Ints: slices.Clone(v), Valid: valid}
	for i := range c.Ints {
		if !c.IsValid(i) {
			c.Ints[i] = 0x5eed
		}
	}
	return c
}

func floatColumn(v []float64, valid []uint64) *Column {
	c := &Column{Type: TypeFloat64, Len: len(v), Floats: slices.Clone(v), Valid: valid}
	for i := range c.Floats {
		if !c.IsValid(i) {
			c.Floats[i] = math.NaN()
		}
	}
	return c
}

func boolColumn(v []bool, valid []uint64) *Column {
	c := &Column{Type: TypeBool, Len: len(v), Bools: make([]uint64, (len(v)+63)/64), Valid: valid}
	for i, b := range v {
		if b || !c.IsValid(i) {
			c.Bools[i/64] |= 1 << (i % 64)
		}
	}
	if len(v)%64 != 0 {
		c.Bools[len(c.Bools)-1] |= ^uint64(0) << (len(v) % 64) // garbage past Len
	}
	return c
}

func bytesColumn(v [][]byte, valid []uint64) *Column {
	c := &Column{Type: TypeBytes, Len: len(v), Offsets: []uint32{0}, Valid: valid}
	for i, s := range v {
		if !c.IsValid(i) {
			s = []byte("garbage-in-null-slot")
		}
		c.Bytes = append(c.Bytes, s...)
		c.Offsets = append(c.Offsets, uint32(len(c.Bytes)))
	}
	return c
}

// checkEqual compares a decoded column with the encoded one: null slots must
// decode to the zero value; floats compare bit-exactly.
func checkEqual(t testing.TB, want, got *Column) {
	t.Helper()
	if got.Type != want.Type || got.Len != want.Len {
		t.Fatalf("type/len: got %v/%d want %v/%d", got.Type, got.Len, want.Type, want.Len)
	}
	n := want.Len
	if want.NullCount() == 0 {
		if len(got.Valid) != 0 {
			t.Fatalf("no nulls but decoded Valid has %d words", len(got.Valid))
		}
	} else {
		for i := 0; i < n; i++ {
			if want.IsValid(i) != got.IsValid(i) {
				t.Fatalf("row %d: valid got %v want %v", i, got.IsValid(i), want.IsValid(i))
			}
		}
	}
	for i := 0; i < n; i++ {
		valid := want.IsValid(i)
		switch want.Type {
		case TypeInt64:
			w := want.Ints[i]
			if !valid {
				w = 0
			}
			if got.Ints[i] != w {
				t.Fatalf("row %d: got %d want %d", i, got.Ints[i], w)
			}
		case TypeFloat64:
			w := math.Float64bits(want.Floats[i])
			if !valid {
				w = 0
			}
			if g := math.Float64bits(got.Floats[i]); g != w {
				t.Fatalf("row %d: got %#x want %#x", i, g, w)
			}
		case TypeBool:
			w := want.Bool(i) && valid
			if got.Bool(i) != w {
				t.Fatalf("row %d: got %v want %v", i, got.Bool(i), w)
			}
		case TypeBytes:
			var w []byte
			if valid {
				w = want.String(i)
			}
			if !bytes.Equal(got.String(i), w) {
				t.Fatalf("row %d: got %q want %q", i, got.String(i), w)
			}
		}
	}
	if want.Type == TypeBool && n%64 != 0 && got.Bools[len(got.Bools)-1]>>(n%64) != 0 {
		t.Fatalf("decoded bool bits past Len")
	}
}
