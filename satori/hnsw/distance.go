package hnsw

import "github.com/reefdb/reef/internal/vecmath"

// Distance kernels, on internal/vecmath's SIMD kernels.
//
// A node vector is x[d] = min[d] + c[d]*scale[d] for its codes c. A float
// query q is prepared once per search (prepareQuery) so that each node
// distance is a single pass over the codes:
//
//	L2:           |q-x|^2 = base + sum_d w[d]*(a[d] - c[d])^2,
//	              w[d] = scale[d]^2, a[d] = (q[d]-min[d])/scale[d],
//	              base = sum of (q[d]-min[d])^2 over the dimensions whose scale is 0
//	InnerProduct: -<q,x>  = -(base + sum_d a[d]*c[d]),  a[d] = q[d]*scale[d], base = <q,min>

// l2Asym returns base + sum_d w[d]*(a[d] - c[d])^2.
func l2Asym(a, w []float32, base float32, c []uint8) float32 {
	return base + vecmath.L2SquaredWeightedU8(a, w, c)
}

// dotAsym returns sum_d a[d]*c[d].
func dotAsym(a []float32, c []uint8) float32 { return vecmath.DotF32U8(a, c) }

// l2Codes returns the squared L2 distance between two quantized vectors;
// xf is scratch of len(x) for x's codes as floats.
func l2Codes(w, xf []float32, x, y []uint8) float32 {
	xf = xf[:len(x)]
	for d, c := range x {
		xf[d] = float32(c)
	}
	return vecmath.L2SquaredWeightedU8(xf, w[:len(x)], y[:len(x)])
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
			t := x - q.min[d]
			if q.scale[d] == 0 {
				a[d] = 0
				base += t * t
				continue
			}
			a[d] = t / q.scale[d]
		}
	}
	return base
}
