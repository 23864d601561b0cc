package kmeans

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
)

// Metric is the distance clusters are formed by.
type Metric int

const (
	// L2 clusters by squared Euclidean distance.
	L2 Metric = iota
	// InnerProduct clusters by largest dot product.
	InnerProduct
)

// String returns "l2" or "ip".
func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case InnerProduct:
		return "ip"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// ErrInvalidInput is returned by Train and Split2 for data that is empty, not
// a multiple of dim long, or holds NaN or ±Inf values, and for Options that
// fail Validate.
var ErrInvalidInput = errors.New("kmeans: invalid input")

// Defaults and bounds.
const (
	// DefaultIters is the number of Lloyd rounds when Options.Iters is 0.
	DefaultIters = 10
	// MaxIters bounds Options.Iters.
	MaxIters = 1000
	// DefaultMaxSizeRatio is the cluster size cap, as a multiple of N/K,
	// applied when Options.Balance > 0 and Options.MaxSizeRatio is 0.
	DefaultMaxSizeRatio = 2.0
	// initSampleMin and initSamplePerK size the k-means++ seeding sample:
	// max(initSampleMin, initSamplePerK·K) points.
	initSampleMin  = 4096
	initSamplePerK = 16
	// parallelMinPoints: below this many points a step runs on one goroutine.
	parallelMinPoints = 1024
)

// Options configures Train. The zero value with K set is usable.
type Options struct {
	// K is the number of clusters, ≥ 1. K > N yields N clusters.
	K int
	// Iters is the maximum number of Lloyd rounds; 0 means DefaultIters.
	Iters int
	// Seed seeds the sample and the k-means++ draws.
	Seed uint64
	// Balance is the weight of the cluster size penalty (see the package
	// doc); 0 is plain k-means. Typical values are 0.1 to 1.
	Balance float64
	// MaxSizeRatio caps every cluster at ceil(MaxSizeRatio·N/K) points when
	// Balance > 0; 0 means DefaultMaxSizeRatio. Must be 0 or ≥ 1.
	MaxSizeRatio float64
	// Workers is the number of goroutines for assignment; < 1 means 1.
	Workers int
	// Metric is L2 (the default) or InnerProduct.
	Metric Metric
}

// Validate reports whether o is usable.
func (o Options) Validate() error {
	switch {
	case o.K < 1:
		return fmt.Errorf("%w: K %d < 1", ErrInvalidInput, o.K)
	case o.Iters < 0 || o.Iters > MaxIters:
		return fmt.Errorf("%w: Iters %d not in [0, %d]", ErrInvalidInput, o.Iters, MaxIters)
	case !(o.Balance >= 0) || math.IsInf(o.Balance, 0):
		return fmt.Errorf("%w: Balance %v not finite and ≥ 0", ErrInvalidInput, o.Balance)
	case o.MaxSizeRatio != 0 && !(o.MaxSizeRatio >= 1) || math.IsInf(o.MaxSizeRatio, 0):
		return fmt.Errorf("%w: MaxSizeRatio %v not 0 or finite ≥ 1", ErrInvalidInput, o.MaxSizeRatio)
	case o.Metric != L2 && o.Metric != InnerProduct:
		return fmt.Errorf("%w: Metric %d", ErrInvalidInput, o.Metric)
	}
	return nil
}

// Train clusters the len(data)/dim vectors of data (flat, row-major) into
// min(K, N) clusters and returns the centroids (flat, row-major) and each
// vector's cluster. data is read, never written. See the package doc for
// the method.
func Train(data []float32, dim int, opts Options) (centroids []float32, assign []int32, err error) {
	return train(data, dim, opts, nil)
}

// checkData validates the shape and values of data and returns N.
func checkData(data []float32, dim int) (int, error) {
	if dim < 1 {
		return 0, fmt.Errorf("%w: dim %d < 1", ErrInvalidInput, dim)
	}
	if len(data) == 0 || len(data)%dim != 0 {
		return 0, fmt.Errorf("%w: %d values is not a positive multiple of dim %d", ErrInvalidInput, len(data), dim)
	}
	if len(data)/dim > math.MaxInt32 {
		return 0, fmt.Errorf("%w: more than 2^31-1 vectors", ErrInvalidInput)
	}
	for i, x := range data {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return 0, fmt.Errorf("%w: vector %d holds %v", ErrInvalidInput, i/dim, x)
		}
	}
	return len(data) / dim, nil
}

// train is Train with a hook that sees the objective (the sum of distances of
// points to their assigned centroid) of every round, for tests.
func train(data []float32, dim int, opts Options, onIter func(iter int, objective float64)) ([]float32, []int32, error) {
	if err := opts.Validate(); err != nil {
		return nil, nil, fmt.Errorf("kmeans: train: %w", err)
	}
	n, err := checkData(data, dim)
	if err != nil {
		return nil, nil, fmt.Errorf("kmeans: train: %w", err)
	}
	t := &trainer{
		data:    data,
		dim:     dim,
		n:       n,
		k:       min(opts.K, n),
		metric:  opts.Metric,
		workers: max(opts.Workers, 1),
		rng:     rand.New(rand.NewPCG(opts.Seed, 0x6b6d65616e732b2b)), // "kmeans++"
	}
	iters := opts.Iters
	if iters == 0 {
		iters = DefaultIters
	}
	capacity := n
	if opts.Balance > 0 {
		ratio := opts.MaxSizeRatio
		if ratio == 0 {
			ratio = DefaultMaxSizeRatio
		}
		capacity = min(n, int(math.Ceil(ratio*float64(n)/float64(t.k))))
	}
	t.assign = make([]int32, n)
	t.dist = make([]float32, n)
	t.second = make([]float32, n)
	t.sizes = make([]int, t.k)
	t.penalty = make([]float32, t.k)
	t.seed()

	for it := range iters {
		changed := t.assignPoints(it == 0)
		t.capAssign(capacity)
		if onIter != nil {
			onIter(it, t.objective())
		}
		if !changed && it > 0 {
			break
		}
		if opts.Balance > 0 {
			t.setPenalty(opts.Balance)
		}
		t.update()
	}
	t.assignPoints(false)
	if opts.Balance > 0 {
		t.capAssign(capacity)
		t.fillEmpty()
		t.means()
	}
	return t.centroids, t.assign, nil
}

type trainer struct {
	data      []float32
	dim, n, k int
	metric    Metric
	workers   int
	rng       *rand.Rand

	centroids []float32 // k × dim
	assign    []int32   // per point: its cluster
	dist      []float32 // per point: distance to its cluster's centroid
	second    []float32 // per point: distance to its second-nearest centroid
	sizes     []int     // per cluster: points assigned
	penalty   []float32 // per cluster: added to every point's cost
}

func (t *trainer) vec(i int) []float32 { return t.data[i*t.dim : (i+1)*t.dim] }

func (t *trainer) centroid(c int) []float32 { return t.centroids[c*t.dim : (c+1)*t.dim] }

// parallel runs fn over [0, n) split into contiguous chunks, one per worker.
func parallel(n, workers int, fn func(lo, hi int)) {
	if workers <= 1 || n < parallelMinPoints {
		fn(0, n)
		return
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += step {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+step, n))
	}
	wg.Wait()
}

// seed chooses k initial centroids by k-means++ (squared L2) over a sample.
func (t *trainer) seed() {
	m := min(t.n, max(initSampleMin, initSamplePerK*t.k))
	sample := t.rng.Perm(t.n)[:m]
	t.centroids = make([]float32, 0, t.k*t.dim)
	chosen := make([]bool, m)
	minD := make([]float64, m)
	for i := range minD {
		minD[i] = math.Inf(1)
	}
	pick := t.rng.IntN(m)
	for c := 0; c < t.k; c++ {
		chosen[pick] = true
		cv := t.vec(sample[pick])
		t.centroids = append(t.centroids, cv...)
		if c == t.k-1 {
			break
		}
		parallel(m, t.workers, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if d := float64(l2sq(t.vec(sample[i]), cv)); d < minD[i] {
					minD[i] = d
				}
			}
		})
		var sum float64
		for i, d := range minD {
			if !chosen[i] {
				sum += d
			}
		}
		pick = -1
		if sum > 0 {
			u := t.rng.Float64() * sum
			for i, d := range minD {
				if chosen[i] || d == 0 {
					continue
				}
				pick = i
				if u -= d; u < 0 {
					break
				}
			}
		}
		if pick < 0 {
			// Every unchosen sample point duplicates a centroid: take the
			// next unchosen one; the cluster may end up empty.
			for i := range chosen {
				if !chosen[i] {
					pick = i
					break
				}
			}
		}
		if pick < 0 {
			panic("kmeans: seed: sample smaller than k") // m ≥ k always
		}
	}
}

// assignPoints assigns every point to the centroid of least cost (distance
// plus penalty; ties to the lower cluster), recording its distance and its
// second-best distance, and recounts sizes. It reports whether any point
// changed cluster; with first set it reports true.
func (t *trainer) assignPoints(first bool) bool {
	var mu sync.Mutex
	changed := first
	parallel(t.n, t.workers, func(lo, hi int) {
		moved := false
		for i := lo; i < hi; i++ {
			x := t.vec(i)
			best, bestCost := int32(0), float32(math.Inf(1))
			var bestD float32
			secondD := float32(math.Inf(1))
			for c := range t.k {
				d := distance(t.metric, x, t.centroid(c))
				cost := d + t.penalty[c]
				if cost < bestCost {
					if bestCost != float32(math.Inf(1)) {
						secondD = min(secondD, bestD)
					}
					best, bestCost, bestD = int32(c), cost, d
				} else {
					secondD = min(secondD, d)
				}
			}
			if t.assign[i] != best {
				moved = true
			}
			t.assign[i], t.dist[i], t.second[i] = best, bestD, secondD
		}
		if moved {
			mu.Lock()
			changed = true
			mu.Unlock()
		}
	})
	clear(t.sizes)
	for _, c := range t.assign {
		t.sizes[c]++
	}
	return changed
}

func (t *trainer) objective() float64 {
	var s float64
	for _, d := range t.dist {
		s += float64(d)
	}
	return s
}

// setPenalty prices every cluster by its current size for the next round.
func (t *trainer) setPenalty(balance float64) {
	var scale float64
	for _, d := range t.dist {
		scale += math.Abs(float64(d))
	}
	scale /= float64(t.n)
	mean := float64(t.n) / float64(t.k)
	for c, s := range t.sizes {
		t.penalty[c] = float32(balance * scale * max(float64(s)/mean-1, 0))
	}
}

// update moves each centroid to the mean of its points and re-seeds empty
// clusters.
func (t *trainer) update() {
	t.means()
	t.fillEmpty()
}

// fillEmpty moves into each empty cluster the point farthest from its
// centroid among clusters with more than one point, and makes that point
// the cluster's centroid. No cluster grows except the empty ones.
func (t *trainer) fillEmpty() {
	for c := range t.k {
		if t.sizes[c] > 0 {
			continue
		}
		far, farD := -1, float32(math.Inf(-1))
		for i, d := range t.dist {
			if t.sizes[t.assign[i]] > 1 && d > farD {
				far, farD = i, d
			}
		}
		if far < 0 || t.metric == L2 && farD <= 0 {
			return // all points sit on their centroids (duplicates)
		}
		// Move the point now, so the next empty cluster takes another one.
		t.sizes[t.assign[far]]--
		t.assign[far] = int32(c)
		t.sizes[c] = 1
		t.dist[far] = 0
		dst := t.centroid(c)
		copy(dst, t.vec(far))
		if t.metric == InnerProduct {
			if norm := math.Sqrt(float64(dot(dst, dst))); norm > 0 {
				for j := range dst {
					dst[j] = float32(float64(dst[j]) / norm)
				}
			}
		}
	}
}

// means sets each non-empty cluster's centroid to the mean of its points
// (for InnerProduct: the mean's direction, unit length), summing in float64
// in point order.
func (t *trainer) means() {
	sums := make([]float64, t.k*t.dim)
	for i, c := range t.assign {
		s := sums[int(c)*t.dim : (int(c)+1)*t.dim]
		for j, x := range t.vec(i) {
			s[j] += float64(x)
		}
	}
	for c := range t.k {
		if t.sizes[c] == 0 {
			continue
		}
		s := sums[c*t.dim : (c+1)*t.dim]
		inv := 1 / float64(t.sizes[c])
		if t.metric == InnerProduct {
			// Spherical k-means: a unit centroid, so no cluster wins every
			// point merely by having the longest centroid.
			var norm float64
			for _, x := range s {
				norm += x * x
			}
			if norm > 0 {
				inv = 1 / math.Sqrt(norm)
			}
		}
		dst := t.centroid(c)
		for j := range dst {
			dst[j] = float32(s[j] * inv)
		}
	}
}

// capAssign reassigns points so that no cluster holds more than capacity.
// Points are placed in order of decreasing margin (second-nearest distance
// minus nearest); one whose nearest cluster is full goes to its nearest
// cluster with room.
func (t *trainer) capAssign(capacity int) {
	if capacity*t.k < t.n {
		panic(fmt.Sprintf("kmeans: capacity %d × %d clusters < %d points", capacity, t.k, t.n))
	}
	over := false
	for _, s := range t.sizes {
		over = over || s > capacity
	}
	if !over {
		return
	}
	order := make([]int32, t.n)
	for i := range order {
		order[i] = int32(i)
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		return t.second[i]-t.dist[i] > t.second[j]-t.dist[j]
	})
	clear(t.sizes)
	for _, i := range order {
		c := t.assign[i]
		if t.sizes[c] >= capacity {
			x := t.vec(int(i))
			best, bestD := int32(-1), float32(math.Inf(1))
			for cc := range t.k {
				if t.sizes[cc] >= capacity {
					continue
				}
				if d := distance(t.metric, x, t.centroid(cc)); best < 0 || d < bestD {
					best, bestD = int32(cc), d
				}
			}
			c = best
			t.assign[i], t.dist[i] = c, bestD
		}
		t.sizes[c]++
	}
}
