package hnsw

// Distance kernels. They are kept small and free of graph state so they can
// later be replaced by the SIMD kernels of internal/vecmath.
//
// A node vector is x[d] = min[d] + c[d]*scale[d] for its codes c. A float
// query q is prepared once per search (prepareQuery) so that each node
// distance is a single pass over the codes:
//
//	L2:           |q-x|^2 = sum_d (a[d] - c[d]*scale[d])^2,  a[d] = q[d]-min[d]
//	InnerProduct: -<q,x>  = -(base + sum_d a[d]*c[d]),       a[d] = q[d]*scale[d], base = <q,min>

// l2Asym returns sum_d (a[d] - c[d]*scale[d])^2.
func l2Asym(a, scale []float32, c []uint8) float32 {
	a = a[:len(c)]
	scale = scale[:len(c)]
	var s float32
	for d, x := range c {
		t := a[d] - float32(x)*scale[d]
		s += t * t
	}
	return s
}

// dotAsym returns sum_d a[d]*c[d].
func dotAsym(a []float32, c []uint8) float32 {
	a = a[:len(c)]
	var s float32
	for d, x := range c {
		s += a[d] * float32(x)
	}
	return s
}

// l2Codes returns the squared L2 distance between two quantized vectors.
func l2Codes(scale []float32, x, y []uint8) float32 {
	scale = scale[:len(x)]
	y = y[:len(x)]
	var s float32
	for d := range x {
		t := float32(int(x[d])-int(y[d])) * scale[d]
		s += t * t
	}
	return s
}

// dotCodes returns the inner product of two quantized vectors.
func dotCodes(min, scale []float32, x, y []uint8) float32 {
	min = min[:len(x)]
	scale = scale[:len(x)]
	y = y[:len(x)]
	var s float32
	for d := range x {
		s += (min[d] + float32(x[d])*scale[d]) * (min[d] + float32(y[d])*scale[d])
	}
	return s
}

// prepareQuery fills a (len Dim) for query v and returns base (see above).
func prepareQuery(m Metric, q *Quantizer, v, a []float32) (base float32) {
	switch m {
	case InnerProduct:
		for d, x := range v {
			a[d] = x * q.scale[d]
			base += x * q.min[d]
		}
	default:
		for d, x := range v {
			a[d] = x - q.min[d]
		}
	}
	return base
}
