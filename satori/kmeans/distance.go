package kmeans

// The scalar kernels every step of this package goes through. They are kept
// in this one file so they can be switched to the SIMD kernels of
// internal/vecmath without touching the algorithms. Both accumulate in
// float32, as SIMD kernels do.

// l2sq returns the squared Euclidean distance between a and b.
// len(b) must be at least len(a).
func l2sq(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		d := x - b[i]
		s += d * d
	}
	return s
}

// dot returns the dot product of a and b. len(b) must be at least len(a).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// distance returns the metric's distance between a and b, smaller nearer:
// squared L2, or the negated dot product.
func distance(m Metric, a, b []float32) float32 {
	if m == InnerProduct {
		return -dot(a, b)
	}
	return l2sq(a, b)
}
