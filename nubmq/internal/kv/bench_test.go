package kv

import (
	"flag"
	"runtime"
	"strconv"
	"testing"
)

var flagMemKeys = flag.Int("kv.memkeys", 200_000, "keys TestMemoryPerKey stores (the report's figure uses 1000000)")

// testKey writes key i as 16 bytes: "key:" and 12 digits.
func testKey(b []byte, i int) []byte {
	b = append(b[:0], "key:000000000000"...)
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(i), 10)
	copy(b[len(b)-len(d):], d)
	return b
}

func testKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = testKey(make([]byte, 0, 16), i)
	}
	return keys
}

func fill(s *Store, keys [][]byte, val []byte) {
	for _, k := range keys {
		s.Update(k, func(tx *Tx) { tx.Set(val, 0) })
	}
}

const benchKeys = 100_000

func BenchmarkGet(b *testing.B) {
	s, _ := New(Options{})
	keys := testKeys(benchKeys)
	fill(s, keys, make([]byte, 32))
	b.ReportAllocs()
	n, i := 0, 0
	for b.Loop() {
		s.View(keys[i], func(v *Value) { n += len(v.Bytes()) })
		if i++; i == len(keys) {
			i = 0
		}
	}
	if n == 0 {
		b.Fatal("no values")
	}
}

// BenchmarkSet overwrites existing keys with 32-byte values.
func BenchmarkSet(b *testing.B) {
	s, _ := New(Options{})
	keys := testKeys(benchKeys)
	val := make([]byte, 32)
	fill(s, keys, val)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Update(keys[i], func(tx *Tx) { tx.Set(val, 0) })
		if i++; i == len(keys) {
			i = 0
		}
	}
}

// BenchmarkInsert adds new keys, so tables grow and migrate as it runs.
func BenchmarkInsert(b *testing.B) {
	s, _ := New(Options{})
	val := make([]byte, 32)
	key := make([]byte, 0, 16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key = testKey(key, i)
		s.Update(key, func(tx *Tx) { tx.Set(val, 0) })
		i++
	}
}

func BenchmarkGetParallel(b *testing.B) {
	s, _ := New(Options{})
	keys := testKeys(benchKeys)
	fill(s, keys, make([]byte, 32))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.View(keys[i], func(v *Value) { _ = v.Bytes() })
			if i++; i == len(keys) {
				i = 0
			}
		}
	})
}

// bytesPerKey stores n keys of 16 bytes with 32-byte values and returns the
// growth of the Go heap in use per key, and UsedMemory per key.
func bytesPerKey(tb testing.TB, n int) (heap, used float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := New(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	val := make([]byte, 32)
	key := make([]byte, 0, 16)
	for i := range n {
		key = testKey(key, i)
		s.Update(key, func(tx *Tx) { tx.Set(val, 0) })
	}
	s.Step(1 << 30) // finish migrations
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap = float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	used = float64(s.UsedMemory()) / float64(n)
	runtime.KeepAlive(s)
	return heap, used
}

// TestMemoryPerKey: a key of 16 bytes with a 32-byte value costs at most
// 48 + 70 bytes of heap (Redis 7 takes about 48 + 56 with jemalloc).
func TestMemoryPerKey(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipped with -short and under the race detector (its allocations differ)")
	}
	n := *flagMemKeys
	heap, used := bytesPerKey(t, n)
	t.Logf("%d keys: %.1f heap bytes/key, %.1f UsedMemory bytes/key", n, heap, used)
	if heap > 48+70 {
		t.Fatalf("%.1f bytes per key", heap)
	}
}

func BenchmarkMemoryPerKey(b *testing.B) {
	for b.Loop() {
		heap, used := bytesPerKey(b, 1_000_000)
		b.ReportMetric(heap, "heap-B/key")
		b.ReportMetric(used, "used-B/key")
	}
}
