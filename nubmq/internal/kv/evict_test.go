package kv

import (
	"errors"
	"fmt"
	"testing"
)

// fillEvicting writes n keys of valueBytes, calling Evict before each write
// as the server does, and checks that Evict succeeds and that memory stays
// near the bound.
func fillEvicting(t *testing.T, s *Store, clock *fakeClock, n, valueBytes int, expiry func(i int) int64) {
	t.Helper()
	val := make([]byte, valueBytes)
	limit := s.MaxMemory()
	for i := range n {
		if err := s.Evict(); err != nil {
			t.Fatalf("write %d: Evict: %v (used %d, max %d)", i, err, s.UsedMemory(), limit)
		}
		if used := s.UsedMemory(); used > limit+limit/4 {
			t.Fatalf("write %d: used %d, max %d", i, used, limit)
		}
		s.Update([]byte(fmt.Sprint("key:", i)), func(tx *Tx) { tx.Set(val, expiry(i)) })
		if i%100 == 0 {
			clock.Advance(1000)
		}
	}
	// A call frees a bounded amount; a few calls get under the bound.
	for j := 0; j < 10 && s.UsedMemory() > limit; j++ {
		if err := s.Evict(); err != nil {
			t.Fatal(err)
		}
	}
	if used := s.UsedMemory(); used > limit || used < limit/2 {
		t.Fatalf("used %d after filling, max %d", used, limit)
	}
}

func TestEvictPolicies(t *testing.T) {
	for p := AllKeysLRU; p < policyCount; p++ {
		t.Run(p.String(), func(t *testing.T) {
			clock := newFakeClock()
			evicted := map[string]bool{}
			s := mustStore(t, Options{Shards: 4, Now: clock.Now, MaxMemory: 1 << 20, Policy: p,
				OnEvict: func(k []byte) {
					if evicted[string(k)] {
						t.Errorf("%q evicted twice", k)
					}
					evicted[string(k)] = true
				}}, defaultTuning)
			// Every key has an expiry far away, so volatile policies have
			// candidates; with volatile-ttl the early keys expire soonest.
			fillEvicting(t, s, clock, 40000, 100, func(i int) int64 { return clock.After(int64(1e9 + i)) })
			st := s.Stats()
			if st.Evicted == 0 || int(st.Evicted) != len(evicted) || st.Keys+len(evicted) != 40000 {
				t.Fatalf("evicted %d (OnEvict %d), %d keys left", st.Evicted, len(evicted), st.Keys)
			}
			for k := range evicted {
				if _, ok := get(s, k); ok {
					t.Fatalf("evicted %q still there", k)
				}
			}
			if p == VolatileTTL {
				// The survivors should mostly be the latest keys (a random
				// choice would keep about st.Keys/40000 of them; sampling 5
				// keys per eviction keeps about 3/4).
				late := 0
				for i := 40000 - st.Keys; i < 40000; i++ {
					if !evicted[fmt.Sprint("key:", i)] {
						late++
					}
				}
				if late < st.Keys*6/10 {
					t.Fatalf("volatile-ttl kept only %d of the %d latest keys", late, st.Keys)
				}
			}
			mustCheck(t, s)
		})
	}
}

// TestEvictLRUKeepsHotKeys: keys read all along survive, cold ones go.
func TestEvictKeepsHotKeys(t *testing.T) {
	for _, p := range []Policy{AllKeysLRU, AllKeysLFU} {
		t.Run(p.String(), func(t *testing.T) {
			clock := newFakeClock()
			s := mustStore(t, Options{Shards: 4, Now: clock.Now, MaxMemory: 1 << 20, Policy: p}, defaultTuning)
			const hot = 500
			val := make([]byte, 100)
			for i := range 30000 {
				if err := s.Evict(); err != nil {
					t.Fatal(err)
				}
				s.Update([]byte(fmt.Sprint("key:", i)), func(tx *Tx) { tx.Set(val, 0) })
				if i%10 == 0 {
					for j := range 20 {
						get(s, fmt.Sprint("key:", (i/10*20+j)%hot))
					}
				}
				if i%100 == 0 {
					clock.Advance(1000)
					s.Step(100) // refreshes the LRU clock
				}
			}
			alive := 0
			for i := range hot {
				if _, ok := get(s, fmt.Sprint("key:", i)); ok {
					alive++
				}
			}
			keys, _ := s.Len()
			if alive < hot*9/10 {
				t.Fatalf("%d of %d hot keys survived (%d keys in all)", alive, hot, keys)
			}
		})
	}
}

func TestEvictOOM(t *testing.T) {
	s := mustStore(t, Options{Shards: 2, MaxMemory: 64 << 10, Policy: NoEviction}, defaultTuning)
	val := make([]byte, 100)
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		set(s, fmt.Sprint("key:", i), string(val), 0)
		err = s.Evict()
	}
	if !errors.Is(err, ErrOOM) {
		t.Fatalf("noeviction: %v", err)
	}
	// A volatile policy without volatile keys cannot evict either.
	s.SetPolicy(VolatileLRU)
	if err := s.Evict(); !errors.Is(err, ErrOOM) {
		t.Fatalf("volatile-lru without volatile keys: %v", err)
	}
	// allkeys-lru can, back under the bound; a call frees a bounded amount.
	s.SetPolicy(AllKeysLRU)
	for i := 0; s.UsedMemory() > s.MaxMemory(); i++ {
		if err := s.Evict(); err != nil || i == 1000 {
			t.Fatalf("allkeys-lru: call %d: %v, used %d", i, err, s.UsedMemory())
		}
	}
	// Lifting the bound stops eviction.
	s.SetMaxMemory(0)
	if err := s.Evict(); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
}
