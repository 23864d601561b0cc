package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// ErrInvalidSpec is returned by Generate and Queries when the Spec fails
// Validate.
var ErrInvalidSpec = errors.New("synth: invalid spec")

// Limits on a Spec, so a typo cannot ask for terabytes.
const (
	// MaxDim is the largest Spec.Dim accepted.
	MaxDim = 1 << 16
	// MaxValues is the largest N×Dim accepted (1 GiB of float32).
	MaxValues = 1 << 28
)

// Spec describes a mixture of Gaussians.
//
// Cluster centres are drawn per coordinate from N(0, 1), so two centres are
// about sqrt(2·Dim) apart. A point is its centre plus per-coordinate noise
// with standard deviation Spread·sqrt(2), so a point lies about
// Spread × (the typical between-centre distance) from its centre. Cluster i
// (0-based) receives a share of the N points proportional to 1/(i+1)^Skew.
type Spec struct {
	N        int     // number of data points, ≥ 0
	Dim      int     // dimensions, 1..MaxDim
	Clusters int     // mixture components, ≥ 1
	Skew     float64 // Zipf exponent of cluster sizes; 0 = equal sizes
	Spread   float64 // within-cluster std relative to between-centre distance, ≥ 0
	Seed     uint64  // seeds centres, sizes, data points and their order
}

// Validate reports whether s can be generated.
func (s Spec) Validate() error {
	switch {
	case s.N < 0:
		return fmt.Errorf("%w: N %d < 0", ErrInvalidSpec, s.N)
	case s.Dim < 1 || s.Dim > MaxDim:
		return fmt.Errorf("%w: Dim %d not in [1, %d]", ErrInvalidSpec, s.Dim, MaxDim)
	case s.Clusters < 1:
		return fmt.Errorf("%w: Clusters %d < 1", ErrInvalidSpec, s.Clusters)
	case !(s.Skew >= 0) || math.IsInf(s.Skew, 0):
		return fmt.Errorf("%w: Skew %v not finite and ≥ 0", ErrInvalidSpec, s.Skew)
	case !(s.Spread >= 0) || math.IsInf(s.Spread, 0):
		return fmt.Errorf("%w: Spread %v not finite and ≥ 0", ErrInvalidSpec, s.Spread)
	case int64(s.N)*int64(s.Dim) > MaxValues:
		return fmt.Errorf("%w: N×Dim %d > %d", ErrInvalidSpec, int64(s.N)*int64(s.Dim), MaxValues)
	case int64(s.Clusters)*int64(s.Dim) > MaxValues:
		return fmt.Errorf("%w: Clusters×Dim too large", ErrInvalidSpec)
	}
	return nil
}

// Generate returns s.N points of s.Dim values, flat and row-major, and the
// mixture component each point was drawn from. Points are in random order,
// not grouped by cluster.
func Generate(s Spec) (data []float32, labels []int32, err error) {
	if err := s.Validate(); err != nil {
		return nil, nil, fmt.Errorf("synth: generate: %w", err)
	}
	data = make([]float32, s.N*s.Dim)
	labels, err = stream(s, s.N, func(first int, chunk []float32) error {
		copy(data[first*s.Dim:], chunk)
		return nil
	}, data)
	return data, labels, err
}

// MaxStreamN is the largest Spec.N Stream accepts: ids are int32.
const MaxStreamN = 1<<31 - 1

// Stream produces the points of Generate(s), in order, in chunks of at
// most chunk points: fn gets the index of the chunk's first point and the
// chunk's values, flat and row-major, valid only during the call. It is
// for data sets larger than Generate's MaxValues: only one chunk and the
// labels (4 bytes per point) are held. s.N may be up to MaxStreamN; the
// other limits are Validate's. An error from fn stops Stream and is
// returned.
func Stream(s Spec, chunk int, fn func(first int, data []float32) error) error {
	big := s
	big.N = 0
	if err := big.Validate(); err != nil {
		return fmt.Errorf("synth: stream: %w", err)
	}
	if s.N < 0 || s.N > MaxStreamN || chunk < 1 || int64(chunk)*int64(s.Dim) > MaxValues {
		return fmt.Errorf("synth: stream: %w: N %d, chunk %d", ErrInvalidSpec, s.N, chunk)
	}
	_, err := stream(s, chunk, fn, make([]float32, min(chunk, s.N)*s.Dim))
	return err
}

// stream draws the points of s in order into buf (chunk points at a time)
// and hands each full or final chunk to fn. It returns the labels.
func stream(s Spec, chunk int, fn func(first int, data []float32) error, buf []float32) ([]int32, error) {
	m := newMixture(s)
	rng := rand.New(rand.NewPCG(s.Seed, 0x6461746170747321)) // "datapts!"

	// Exact cluster sizes by largest remainder, then a shuffled label list.
	sizes := m.sizes(s.N)
	labels := make([]int32, 0, s.N)
	for c, n := range sizes {
		for range n {
			labels = append(labels, int32(c))
		}
	}
	rng.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })

	for first := 0; first < s.N; first += chunk {
		n := min(chunk, s.N-first)
		for i, c := range labels[first : first+n] {
			m.point(rng, int(c), buf[i*s.Dim:(i+1)*s.Dim])
		}
		if err := fn(first, buf[:n*s.Dim]); err != nil {
			return nil, err
		}
	}
	return labels, nil
}

// Queries returns n query points of s.Dim values drawn from the same mixture
// as Generate(s): the same centres and cluster weights, fresh noise seeded by
// seed. Queries are not copies of data points.
func Queries(s Spec, n int, seed uint64) ([]float32, error) {
	mix := s
	mix.N = min(s.N, 1) // the data set's size does not matter: a Stream-sized N is fine
	if err := mix.Validate(); err != nil {
		return nil, fmt.Errorf("synth: queries: %w", err)
	}
	if n < 0 || int64(n)*int64(s.Dim) > MaxValues {
		return nil, fmt.Errorf("synth: queries: %w: n %d out of range", ErrInvalidSpec, n)
	}
	m := newMixture(s)
	rng := rand.New(rand.NewPCG(seed, 0x7175657269657321)) // "queries!"
	out := make([]float32, n*s.Dim)
	for i := range n {
		m.point(rng, m.pick(rng), out[i*s.Dim:(i+1)*s.Dim])
	}
	return out, nil
}

// mixture holds the centres and weights derived from a Spec.
type mixture struct {
	dim     int
	sigma   float64
	centres []float64 // Clusters × dim
	weights []float64 // normalised, sum 1
	cum     []float64 // cumulative weights, last = 1
}

func newMixture(s Spec) *mixture {
	rng := rand.New(rand.NewPCG(s.Seed, 0x63656e7472657321)) // "centres!"
	m := &mixture{
		dim:     s.Dim,
		sigma:   s.Spread * math.Sqrt2,
		centres: make([]float64, s.Clusters*s.Dim),
		weights: make([]float64, s.Clusters),
		cum:     make([]float64, s.Clusters),
	}
	for i := range m.centres {
		m.centres[i] = normal(rng)
	}
	var sum float64
	for i := range m.weights {
		// math.Pow is pure Go except on s390x, whose assembly version may
		// differ in the last bit; weights only decide integer sizes and
		// query clusters, so at worst one point's cluster could change
		// there. Skew 0 and 1, the common cases, avoid Pow entirely.
		w := 1.0
		switch s.Skew {
		case 0:
		case 1:
			w = 1 / float64(i+1)
		default:
			w = 1 / math.Pow(float64(i+1), s.Skew)
		}
		m.weights[i] = w
		sum += w
	}
	var acc float64
	for i := range m.weights {
		m.weights[i] /= sum
		acc += m.weights[i]
		m.cum[i] = acc
	}
	m.cum[len(m.cum)-1] = 1
	return m
}

// sizes splits n points over the clusters by largest remainder; ties go to
// the lower cluster.
func (m *mixture) sizes(n int) []int {
	sizes := make([]int, len(m.weights))
	rem := make([]float64, len(m.weights))
	left := n
	for i, w := range m.weights {
		exact := float64(w * float64(n))
		sizes[i] = int(exact)
		rem[i] = exact - float64(sizes[i])
		left -= sizes[i]
	}
	for left > 0 {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		sizes[best]++
		rem[best] = -1
		left--
	}
	return sizes
}

// pick draws a cluster by weight.
func (m *mixture) pick(rng *rand.Rand) int {
	u := rng.Float64()
	for i, c := range m.cum {
		if u < c {
			return i
		}
	}
	return len(m.cum) - 1
}

// point writes centre c plus noise into dst.
func (m *mixture) point(rng *rand.Rand, c int, dst []float32) {
	centre := m.centres[c*m.dim : (c+1)*m.dim]
	for j := range dst {
		// The explicit float64 conversion forbids fusing into an FMA, which
		// would change the last bit on arm64, ppc64 and s390x.
		dst[j] = float32(centre[j] + float64(m.sigma*normal(rng)))
	}
}

// normal returns an approximately standard normal deviate: the Irwin–Hall sum
// of twelve 16-bit uniforms, minus 6. All arithmetic before the final exact
// scaling is on integers, so the value is identical on every platform. The
// tails are cut at ±6, which synthetic clusters do not miss.
func normal(rng *rand.Rand) float64 {
	var sum uint64
	for range 3 {
		u := rng.Uint64()
		sum += u&0xffff + u>>16&0xffff + u>>32&0xffff + u>>48
	}
	// sum/65536 is exact (a power-of-two scale of an integer < 2^20).
	// Subtract the mean 12·65535/2/65536 of the discrete uniforms.
	return (float64(sum) - 6*65535) / 65536
}
