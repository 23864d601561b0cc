package kmeans

import "github.com/reefdb/reef/internal/vecmath"

// The kernels every step of this package goes through: internal/vecmath's
// SIMD (or scalar fallback) kernels, kept behind these names so the
// algorithms read the same either way.

// l2sq returns the squared Euclidean distance between a and b.
// len(b) must be at least len(a).
func l2sq(a, b []float32) float32 { return vecmath.L2Squared(a, b[:len(a)]) }

// dot returns the dot product of a and b. len(b) must be at least len(a).
func dot(a, b []float32) float32 { return vecmath.Dot(a, b[:len(a)]) }

// distance returns the metric's distance between a and b, smaller nearer:
// squared L2, or the negated dot product.
func distance(m Metric, a, b []float32) float32 {
	if m == InnerProduct {
		return -dot(a, b)
	}
	return l2sq(a, b)
}
