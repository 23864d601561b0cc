package kv

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
)

// fakeClock is a settable clock for Options.Now, safe for concurrent use.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ms.Store(1_700_000_000_000)
	return c
}

func (c *fakeClock) Now() int64           { return c.ms.Load() }
func (c *fakeClock) Advance(ms int64)     { c.ms.Add(ms) }
func (c *fakeClock) Set(ms int64)         { c.ms.Store(ms) }
func (c *fakeClock) After(ms int64) int64 { return c.ms.Load() + ms }

// smallTuning makes every mechanism trigger after a few operations.
var smallTuning = tuning{
	minSlots:      8,
	chunkMinBytes: 64,
	chunkMaxBytes: 512,
	bigRecord:     256,
	tagHomeBits:   tagBits,
	migrateBudget: 4,
	compactBudget: 4,
}

func mustStore(t testing.TB, o Options, tu tuning) *Store {
	t.Helper()
	s, err := newStore(o, tu)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCheck(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func get(s *Store, key string) (string, bool) {
	var out []byte
	var ok bool
	s.View([]byte(key), func(v *Value) {
		ok = v.Exists()
		out = append(out, v.Bytes()...)
	})
	return string(out), ok
}

func set(s *Store, key, val string, expireAt int64) {
	s.Update([]byte(key), func(tx *Tx) { tx.Set([]byte(val), expireAt) })
}

func TestSetGetDelete(t *testing.T) {
	s := mustStore(t, Options{Shards: 4}, smallTuning)
	for i := range 500 {
		set(s, fmt.Sprint("k", i), fmt.Sprint("v", i), 0)
	}
	mustCheck(t, s)
	for i := range 500 {
		if v, ok := get(s, fmt.Sprint("k", i)); !ok || v != fmt.Sprint("v", i) {
			t.Fatalf("k%d = %q %v", i, v, ok)
		}
	}
	if n, _ := s.Len(); n != 500 {
		t.Fatalf("Len %d", n)
	}
	for i := range 500 {
		if !s.Delete([]byte(fmt.Sprint("k", i))) {
			t.Fatalf("delete k%d", i)
		}
	}
	if s.Delete([]byte("k0")) {
		t.Fatal("deleted twice")
	}
	for range 100 {
		s.Step(1000)
	}
	mustCheck(t, s)
	st := s.Stats()
	if st.Keys != 0 || st.TableSlots != 4*8 || st.LiveBytes != 0 {
		t.Fatalf("after deleting everything: %+v", st)
	}
}

func TestEmptyKeyAndValue(t *testing.T) {
	s := mustStore(t, Options{Shards: 1}, smallTuning)
	set(s, "", "", 0)
	if v, ok := get(s, ""); !ok || v != "" {
		t.Fatalf("empty key: %q %v", v, ok)
	}
	s.View(nil, func(v *Value) {
		if v.Bytes() == nil || len(v.Bytes()) != 0 {
			t.Fatalf("empty value should be empty, not nil: %v", v.Bytes())
		}
	})
	mustCheck(t, s)
}

func TestBytesCannotOverwriteNeighbour(t *testing.T) {
	s := mustStore(t, Options{Shards: 1}, defaultTuning)
	set(s, "a", "aaaa", 0)
	set(s, "b", "bbbb", 0)
	s.Update([]byte("a"), func(tx *Tx) {
		b := tx.Bytes()
		_ = append(b, "XXXX"...) // must copy, not write into "b"'s record
		tx.Set(append(b, "!"...), tx.ExpireAt())
	})
	if v, _ := get(s, "b"); v != "bbbb" {
		t.Fatalf("b = %q", v)
	}
	if v, _ := get(s, "a"); v != "aaaa!" {
		t.Fatalf("a = %q", v)
	}
	mustCheck(t, s)
}

func TestZeroAllocs(t *testing.T) {
	s := mustStore(t, Options{}, defaultTuning)
	key := []byte("key:0000000001__")
	val := bytes.Repeat([]byte("v"), 32)
	s.Update(key, func(tx *Tx) { tx.Set(val, 0) })
	var n int
	if a := testing.AllocsPerRun(1000, func() {
		s.View(key, func(v *Value) { n += len(v.Bytes()) })
	}); a != 0 {
		t.Errorf("View allocates %v times", a)
	}
	if a := testing.AllocsPerRun(1000, func() {
		s.Update(key, func(tx *Tx) { tx.Set(val, 0) })
	}); a != 0 {
		t.Errorf("overwriting Update allocates %v times", a)
	}
	if a := testing.AllocsPerRun(1000, func() { s.Delete([]byte("absent")) }); a != 0 {
		t.Errorf("Delete of a missing key allocates %v times", a)
	}
}

func TestParsePolicy(t *testing.T) {
	for p := NoEviction; p < policyCount; p++ {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Fatalf("%v: %v %v", p, got, err)
		}
	}
	if p, err := ParsePolicy("ALLKEYS-LRU"); err != nil || p != AllKeysLRU {
		t.Fatalf("case-insensitive: %v %v", p, err)
	}
	if _, err := ParsePolicy("lru"); err == nil {
		t.Fatal("accepted lru")
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{{Shards: 3}, {Shards: -1}, {Shards: MaxShards * 2}, {MaxMemory: -1}, {Policy: policyCount}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	if _, err := New(Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestBigValues: values above tuning.bigRecord get chunks of their own,
// which are freed as soon as the value is overwritten or deleted.
func TestBigValues(t *testing.T) {
	s := mustStore(t, Options{Shards: 2}, defaultTuning)
	for _, n := range []int{40 << 10, 1 << 20, 100, 3 << 20} {
		v := bytes.Repeat([]byte{'x'}, n)
		set(s, "big", string(v), 0)
		if got, _ := get(s, "big"); got != string(v) {
			t.Fatalf("value of %d bytes read back as %d bytes", n, len(got))
		}
		mustCheck(t, s)
		if st := s.Stats(); st.ArenaBytes > int64(n)+64<<10 {
			t.Fatalf("%d-byte value: arena %d bytes", n, st.ArenaBytes)
		}
	}
	s.Delete([]byte("big"))
	mustCheck(t, s)
	if st := s.Stats(); st.LiveBytes != 0 || st.ArenaBytes > 8<<10 {
		t.Fatalf("after delete: %+v", st)
	}
}
