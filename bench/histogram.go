package main

import (
	"math/bits"
	"time"
)

// histSubBits sets the histogram's precision: every power-of-two range of
// values is split into 1<<histSubBits buckets, so a recorded value is known to
// within 1/128 (< 0.8 %) of itself. Values below 2<<histSubBits are exact.
const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	// histBuckets covers every uint64: 2*histSub exact buckets, then histSub
	// buckets for each of the ranges [2^k, 2^(k+1)), k = histSubBits+1 … 63.
	histBuckets = (64 - histSubBits + 1) * histSub
)

// Histogram records durations in nanoseconds in log-linear buckets, like
// HdrHistogram, with a fixed footprint (~58 KiB) and no allocation per record.
// A Histogram is not safe for concurrent use: give each goroutine its own and
// Merge them afterwards.
type Histogram struct {
	counts   [histBuckets]uint64
	count    uint64
	min, max uint64
}

// histBucket returns the bucket holding v.
func histBucket(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1 // v>>shift is in [histSub, 2*histSub)
	return (shift+1)*histSub + int(v>>shift) - histSub
}

// histBucketRange returns the smallest and largest value of bucket i.
func histBucketRange(i int) (lo, hi uint64) {
	if i < 2*histSub {
		return uint64(i), uint64(i)
	}
	shift := i/histSub - 1
	m := uint64(i%histSub + histSub)
	lo = m << shift
	return lo, lo + (uint64(1) << shift) - 1
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d)
	}
	h.counts[histBucket(v)]++
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count++
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.count }

// Merge adds every duration recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
}

// Quantile returns the duration below or at which a fraction q of the
// recorded durations lie: the largest value of the bucket holding the
// ceil(q*count)-th smallest duration, clamped to the recorded range, so it
// overstates by less than 1/128. It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := uint64(q*float64(h.count) + 0.999999999)
	rank = max(rank, 1)
	rank = min(rank, h.count)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := histBucketRange(i)
			hi = max(hi, h.min)
			hi = min(hi, h.max)
			return time.Duration(hi)
		}
	}
	panic("bench: histogram counts disagree with count")
}
