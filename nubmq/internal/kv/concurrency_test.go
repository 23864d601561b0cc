package kv

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// TestConcurrentCounters: goroutines increment counters stored as decimal
// strings through Update while others churn keys in and out of the same
// shards (so tables grow and shrink without pause) and read, scan, rename
// and step. No increment may be lost.
func TestConcurrentCounters(t *testing.T) {
	tu := smallTuning
	tu.migrateBudget = 2
	s := mustStore(t, Options{Shards: 2}, tu)
	const (
		workers  = 4
		rounds   = 2000
		counters = 16
	)
	var wg sync.WaitGroup
	want := make([][counters]int, workers)
	for g := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range rounds {
				c := rng.IntN(counters)
				s.Update([]byte(fmt.Sprint("counter:", c)), func(tx *Tx) {
					n, _ := strconv.Atoi(string(tx.Bytes()))
					tx.Set(strconv.AppendInt(nil, int64(n+1), 10), 0)
				})
				want[g][c]++
				// Churn: fill in waves of 200 keys, then empty.
				k := []byte(fmt.Sprint("churn:", g, ":", i%200))
				if (i/200)%2 == 0 {
					s.Update(k, func(tx *Tx) {
						if tx.Kind() != KindHash {
							tx.Set(k, 0)
						}
					})
				} else {
					s.Delete(k)
				}
				switch rng.IntN(50) {
				case 0:
					s.Step(100)
				case 1:
					s.Scan(rng.Uint64(), 5, func([]byte) {})
				case 2:
					s.RandomKey()
				case 3:
					s.Rename(k, []byte(fmt.Sprint("renamed:", g)), false)
				case 4:
					s.SetIfNoneExist([][]byte{k, k, []byte(fmt.Sprint("msetnx:", g)), k})
				case 5:
					s.Update(k, func(tx *Tx) {
						if tx.Kind() != KindString {
							tx.HSet([]byte("f"), k)
						}
					})
				}
				s.View([]byte(fmt.Sprint("counter:", rng.IntN(counters))), func(v *Value) {
					if v.Exists() {
						if _, err := strconv.Atoi(string(v.Bytes())); err != nil {
							t.Errorf("counter value %q", v.Bytes())
						}
					}
				})
			}
		})
	}
	wg.Wait()
	for c := range counters {
		total := 0
		for g := range workers {
			total += want[g][c]
		}
		got, _ := get(s, fmt.Sprint("counter:", c))
		if got != strconv.Itoa(total) {
			t.Fatalf("counter %d = %s, want %d", c, got, total)
		}
	}
	if st := s.Stats(); st.Grows+st.Shrinks < 10 || st.Shrinks == 0 {
		t.Fatalf("only %d grows and %d shrinks: the test does not exercise migration", st.Grows, st.Shrinks)
	}
	mustCheck(t, s)
}

// TestScanDuringConcurrentChurn: a key present for a whole SCAN iteration is
// returned, while another goroutine grows and shrinks the tables.
func TestScanDuringConcurrentChurn(t *testing.T) {
	tu := smallTuning
	tu.migrateBudget = 3
	s := mustStore(t, Options{Shards: 2}, tu)
	const stable = 300
	for i := range stable {
		set(s, fmt.Sprint("stable:", i), "v", 0)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := []byte(fmt.Sprint("churn:", i%3000))
			if (i/3000)%2 == 0 {
				s.Update(k, func(tx *Tx) { tx.Set(k, 0) })
			} else {
				s.Delete(k)
			}
		}
	})
	// Iterate until 20 iterations overlapped a resize (bounded).
	overlapped := 0
	for iter := 0; overlapped < 20; iter++ {
		if iter == 5000 {
			close(stop)
			wg.Wait()
			t.Fatalf("only %d of %d scan iterations overlapped a resize", overlapped, iter)
		}
		before := resizes(s)
		seen := map[string]bool{}
		cursor := uint64(0)
		for {
			cursor = s.Scan(cursor, 1+iter%7, func(k []byte) { seen[string(k)] = true })
			if cursor == 0 {
				break
			}
			runtime.Gosched()
		}
		if resizes(s) != before {
			overlapped++
		}
		for i := range stable {
			if !seen[fmt.Sprint("stable:", i)] {
				close(stop)
				wg.Wait()
				t.Fatalf("iteration %d missed stable:%d", iter, i)
			}
		}
	}
	close(stop)
	wg.Wait()
	mustCheck(t, s)
}

func resizes(s *Store) uint64 {
	st := s.Stats()
	return st.Grows + st.Shrinks
}
