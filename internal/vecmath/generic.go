package vecmath

// The generic kernels are the scalar fallback used on CPUs without AVX2+FMA,
// on other architectures, and when REEF_VECMATH=generic. The float kernels
// keep four partial sums so that the loop is not one long dependency chain;
// that changes the rounding compared with a sequential sum, within the
// tolerance documented in doc.go.

func l2SquaredGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// l2SquaredU8Generic sums in uint32 and wraps modulo 2^32 past
// MaxExactU8Len, exactly like the vector kernels.
func l2SquaredU8Generic(a, b []uint8) uint32 {
	b = b[:len(a)]
	var s uint32
	for i := range a {
		d := int32(a[i]) - int32(b[i])
		s += uint32(d * d)
	}
	return s
}

func dotU8Generic(a, b []uint8) uint32 {
	b = b[:len(a)]
	var s uint32
	for i := range a {
		s += uint32(a[i]) * uint32(b[i])
	}
	return s
}

// l2SquaredWeightedU8Generic computes each term as (w*d)*d rather than
// w*(d*d): the first product overflows only when the term itself does, so a
// large q with a tiny w cannot turn a finite term into +Inf. The vector
// kernels use the same order (VMULPS, then VFMADD231PS).
func l2SquaredWeightedU8Generic(q, w []float32, c []uint8) float32 {
	w = w[:len(q)]
	c = c[:len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		d0 := q[i] - float32(c[i])
		d1 := q[i+1] - float32(c[i+1])
		d2 := q[i+2] - float32(c[i+2])
		d3 := q[i+3] - float32(c[i+3])
		s0 += (w[i] * d0) * d0
		s1 += (w[i+1] * d1) * d1
		s2 += (w[i+2] * d2) * d2
		s3 += (w[i+3] * d3) * d3
	}
	for ; i < len(q); i++ {
		d := q[i] - float32(c[i])
		s0 += (w[i] * d) * d
	}
	return (s0 + s1) + (s2 + s3)
}

func dotF32U8Generic(a []float32, c []uint8) float32 {
	c = c[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * float32(c[i])
		s1 += a[i+1] * float32(c[i+1])
		s2 += a[i+2] * float32(c[i+2])
		s3 += a[i+3] * float32(c[i+3])
	}
	for ; i < len(a); i++ {
		s0 += a[i] * float32(c[i])
	}
	return (s0 + s1) + (s2 + s3)
}
