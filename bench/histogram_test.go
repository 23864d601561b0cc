package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistBucketsAreContiguous(t *testing.T) {
	// Every bucket starts right after the previous one ends, and the last
	// one ends at the largest uint64.
	var next uint64
	for i := 0; i < histBuckets; i++ {
		lo, hi := histBucketRange(i)
		if lo != next || hi < lo {
			t.Fatalf("bucket %d = [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if histBucket(lo) != i || histBucket(hi) != i {
			t.Fatalf("bucket %d = [%d, %d] but its ends map to %d and %d", i, lo, hi, histBucket(lo), histBucket(hi))
		}
		next = hi + 1
	}
	if next != 0 { // wrapped past math.MaxUint64
		t.Fatalf("buckets end at %d, want %d", next-1, uint64(math.MaxUint64))
	}
}

func TestHistBucketPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 100000; n++ {
		v := rng.Uint64() >> rng.IntN(64)
		lo, hi := histBucketRange(histBucket(v))
		if v < lo || v > hi {
			t.Fatalf("%d is not in its bucket [%d, %d]", v, lo, hi)
		}
		if float64(hi-lo) > float64(lo)/histSub {
			t.Fatalf("bucket [%d, %d] of %d is wider than 1/%d", lo, hi, v, histSub)
		}
	}
}

func TestHistogramQuantilesMatchSortedValues(t *testing.T) {
	seed := uint64(42)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var parts [3]Histogram
	var all []time.Duration
	for n := 0; n < 30000; n++ {
		// Log-normal-ish latencies from 1µs to ~1s.
		d := time.Duration(math.Exp(rng.Float64()*14) * 1000)
		parts[n%3].Record(d)
		all = append(all, d)
	}
	var h Histogram
	for i := range parts {
		h.Merge(&parts[i])
	}
	if h.Count() != uint64(len(all)) {
		t.Fatalf("count %d, want %d", h.Count(), len(all))
	}
	slices.Sort(all)
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		rank := int(math.Ceil(q * float64(len(all))))
		want := all[max(rank, 1)-1]
		got := h.Quantile(q)
		if got < want || float64(got-want) > float64(want)/histSub {
			t.Errorf("q%v = %v, want %v (within 1/%d above)", q, got, want, histSub)
		}
	}
}

func TestHistogramEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 {
		t.Fatalf("empty histogram: q99 = %v, want 0", h.Quantile(0.99))
	}
	h.Record(-5)
	h.Record(3 * time.Second)
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("q50 = %v, want 0 (negative durations count as zero)", got)
	}
	if got := h.Quantile(1); got != 3*time.Second {
		t.Errorf("q100 = %v, want exactly the max, 3s", got)
	}
}
