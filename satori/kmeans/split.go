package kmeans

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// split2Iters bounds the 2-means rounds of Split2.
const split2Iters = 10

// Split2 divides the len(data)/dim vectors of data (flat, row-major) into two
// clusters by squared L2 for a bucket split, and returns both centroids and
// each vector's side (0 or 1). The larger side holds at most
// max(ceil(N/2), floor(5N/9)) vectors, so with N ≥ 2 both sides are non-empty
// and the larger is at most 1.25 times the smaller (up to rounding for tiny
// N). With N == 1 the single vector goes to side 0 and c1 equals c0. data
// is read, never written.
func Split2(data []float32, dim int, seed uint64) (c0, c1 []float32, assign []int8, err error) {
	n, err := checkData(data, dim)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("kmeans: split2: %w", err)
	}
	vec := func(i int) []float32 { return data[i*dim : (i+1)*dim] }
	assign = make([]int8, n)
	if n == 1 {
		return append([]float32(nil), data...), append([]float32(nil), data...), assign, nil
	}
	maxSide := max((n+1)/2, 5*n/9)
	rng := rand.New(rand.NewPCG(seed, 0x73706c6974322121)) // "split2!!"

	// 2-means++: c0 a random point, c1 drawn with probability ∝ d²(x, c0).
	c0 = append([]float32(nil), vec(rng.IntN(n))...)
	c1 = make([]float32, dim)
	d0 := make([]float64, n)
	var sum float64
	for i := range n {
		d0[i] = float64(l2sq(vec(i), c0))
		sum += d0[i]
	}
	pick := rng.IntN(n) // all points equal: any split is as good
	if sum > 0 {
		u := rng.Float64() * sum
		for i, d := range d0 {
			if d == 0 {
				continue
			}
			pick = i
			if u -= d; u < 0 {
				break
			}
		}
	}
	copy(c1, vec(pick))

	delta := make([]float32, n)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	for it := range split2Iters {
		for i := range n {
			x := vec(i)
			delta[i] = l2sq(x, c0) - l2sq(x, c1)
		}
		// Sort by preference for c0; the natural boundary is the number of
		// points strictly nearer c0, moved into [n-maxSide, maxSide].
		sort.SliceStable(order, func(a, b int) bool {
			da, db := delta[order[a]], delta[order[b]]
			return da < db || (da == db && order[a] < order[b])
		})
		n0 := 0
		for _, d := range delta {
			if d < 0 {
				n0++
			}
		}
		n0 = min(max(n0, n-maxSide), maxSide)
		changed := it == 0
		for r, i := range order {
			side := int8(0)
			if r >= n0 {
				side = 1
			}
			if assign[i] != side {
				changed = true
				assign[i] = side
			}
		}
		if !changed {
			break
		}
		var s0, s1 = make([]float64, dim), make([]float64, dim)
		for i, side := range assign {
			s := s0
			if side == 1 {
				s = s1
			}
			for j, x := range vec(i) {
				s[j] += float64(x)
			}
		}
		for j := range dim {
			c0[j] = float32(s0[j] / float64(n0))
			c1[j] = float32(s1[j] / float64(n-n0))
		}
	}
	for _, c := range [][]float32{c0, c1} {
		for _, x := range c {
			if math.IsNaN(float64(x)) {
				panic("kmeans: split2: NaN centroid from finite input")
			}
		}
	}
	return c0, c1, assign, nil
}
