package kv

import (
	"fmt"
	"sync"
	"testing"
)

func TestExpiryBoundary(t *testing.T) {
	clock := newFakeClock()
	var expired []string
	s := mustStore(t, Options{Shards: 1, Now: clock.Now, OnExpire: func(k []byte) { expired = append(expired, string(k)) }}, smallTuning)
	set(s, "k", "v", clock.After(10))
	clock.Advance(9)
	if _, ok := get(s, "k"); !ok {
		t.Fatal("key gone 1 ms before its expiry")
	}
	clock.Advance(1)
	if _, ok := get(s, "k"); ok {
		t.Fatal("key visible at its expiry")
	}
	if len(expired) != 1 || expired[0] != "k" {
		t.Fatalf("OnExpire calls %q", expired)
	}
	// Setting an expiry in the past deletes without OnExpire.
	set(s, "p", "v", clock.After(-1))
	if n, _ := s.Len(); n != 0 || len(expired) != 1 {
		t.Fatalf("past expiry: Len %d, OnExpire %q", n, expired)
	}
	mustCheck(t, s)
}

// TestExpireExactlyOnce races lazy expiry (readers and writers) against
// active expiry (Step): every expired key must be reported exactly once
// and never be visible.
func TestExpireExactlyOnce(t *testing.T) {
	clock := newFakeClock()
	var mu sync.Mutex
	calls := map[string]int{}
	tu := smallTuning
	tu.migrateBudget = 2
	s := mustStore(t, Options{Shards: 4, Now: clock.Now, OnExpire: func(k []byte) {
		mu.Lock()
		calls[string(k)]++
		mu.Unlock()
	}}, tu)
	const n = 3000
	key := func(i int) []byte { return []byte(fmt.Sprint("key:", i)) }
	for i := range n {
		s.Update(key(i), func(tx *Tx) { tx.Set([]byte("value"), clock.After(int64(100+i%50))) })
	}
	clock.Advance(150)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < n; i += 2 {
				if g%2 == 0 {
					s.View(key(i), func(v *Value) {
						if v.Exists() {
							errs <- fmt.Errorf("expired key %d visible", i)
						}
					})
				} else {
					s.Update(key(i), func(tx *Tx) {
						if tx.Exists() {
							errs <- fmt.Errorf("expired key %d exists in Update", i)
						}
					})
				}
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			s.Step(200)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for range 10000 {
		if k, _ := s.Len(); k == 0 {
			break
		}
		s.Step(1000)
	}
	if k, v := s.Len(); k != 0 || v != 0 {
		t.Fatalf("Len %d %d after expiry", k, v)
	}
	for i := range n {
		if c := calls[string(key(i))]; c != 1 {
			t.Fatalf("key %d: OnExpire called %d times", i, c)
		}
	}
	if st := s.Stats(); st.Expired != n {
		t.Fatalf("Stats.Expired %d", st.Expired)
	}
	mustCheck(t, s)
}

// TestActiveExpiry: Step alone deletes expired keys, and only those.
func TestActiveExpiry(t *testing.T) {
	clock := newFakeClock()
	var calls int
	s := mustStore(t, Options{Shards: 8, Now: clock.Now, OnExpire: func([]byte) { calls++ }}, defaultTuning)
	for i := range 5000 {
		exp := int64(0)
		if i%2 == 0 {
			exp = clock.After(1000)
		}
		set(s, fmt.Sprint("k", i), "v", exp)
	}
	if _, v := s.Len(); v != 2500 {
		t.Fatalf("volatile %d", v)
	}
	clock.Advance(1000)
	for range 1000 {
		if k, _ := s.Len(); k == 2500 {
			break
		}
		s.Step(StepBudget)
	}
	if k, v := s.Len(); k != 2500 || v != 0 || calls != 2500 {
		t.Fatalf("after active expiry: %d keys, %d volatile, %d OnExpire", k, v, calls)
	}
	mustCheck(t, s)
}
