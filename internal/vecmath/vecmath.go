package vecmath

import (
	"fmt"
	"os"
)

// EnvImpl is the environment variable read once at package init. Set to
// "generic" it forces the scalar Go kernels; set to "avx2" or "avx512" it
// asks for that implementation, which is used only if the CPU supports it
// (otherwise the best supported one is used). Impl reports the outcome.
const EnvImpl = "REEF_VECMATH"

// kernels is one implementation of the distance kernels. Every
// single-vector field requires all its slices to have the same length; the
// batch fields require a non-empty query, len(codes) == len(out)*len(q) and
// fill all of out. The public functions check these rules.
type kernels struct {
	name          string
	l2            func(a, b []float32) float32
	dot           func(a, b []float32) float32
	l2U8          func(a, b []uint8) uint32
	dotU8         func(a, b []uint8) uint32
	l2WU8         func(q, w []float32, c []uint8) float32
	dotF32U8      func(a []float32, c []uint8) float32
	l2WU8Batch    func(q, w []float32, codes []uint8, out []float32)
	dotF32U8Batch func(a []float32, codes []uint8, out []float32)
}

var genericKernels = kernels{
	name:     "generic",
	l2:       l2SquaredGeneric,
	dot:      dotGeneric,
	l2U8:     l2SquaredU8Generic,
	dotU8:    dotU8Generic,
	l2WU8:    l2SquaredWeightedU8Generic,
	dotF32U8: dotF32U8Generic,
	l2WU8Batch: func(q, w []float32, codes []uint8, out []float32) {
		batchRowsWeightedU8(q, w, codes, out, l2SquaredWeightedU8Generic)
	},
	dotF32U8Batch: func(a []float32, codes []uint8, out []float32) {
		batchRowsF32U8(a, codes, out, dotF32U8Generic)
	},
}

// active is chosen once in init and never changes afterwards, so reading it
// needs no synchronisation.
var active = choose(os.Getenv(EnvImpl), supported())

// choose returns the implementation named by want if it is in avail, else
// the last (best) entry of avail. avail is ordered from slowest to fastest
// and always starts with the generic kernels.
func choose(want string, avail []kernels) kernels {
	for _, k := range avail {
		if k.name == want {
			return k
		}
	}
	return avail[len(avail)-1]
}

// Impl returns the name of the implementation chosen at init: "avx512",
// "avx2" or "generic".
func Impl() string { return active.name }

func checkLen(fn string, la, lb int) {
	if la != lb {
		panic(fmt.Sprintf("vecmath: %s: length mismatch %d != %d", fn, la, lb))
	}
}

// L2Squared returns the squared Euclidean distance sum((a[i]-b[i])^2).
// The caller guarantees len(a) == len(b) (a mismatch panics); empty vectors
// give 0. The result may differ from a sequential float64 sum by the
// rounding described in the package documentation.
func L2Squared(a, b []float32) float32 {
	checkLen("L2Squared", len(a), len(b))
	return active.l2(a, b)
}

// Dot returns the inner product sum(a[i]*b[i]). The caller guarantees
// len(a) == len(b) (a mismatch panics); empty vectors give 0.
func Dot(a, b []float32) float32 {
	checkLen("Dot", len(a), len(b))
	return active.dot(a, b)
}

// L2SquaredU8 returns sum((a[i]-b[i])^2) of two scalar-quantized vectors,
// computed exactly in integers. The result is exact while it fits in a
// uint32, which is guaranteed for len(a) <= MaxExactU8Len; beyond that it
// wraps modulo 2^32 identically in every implementation. The caller
// guarantees len(a) == len(b) (a mismatch panics).
func L2SquaredU8(a, b []uint8) uint32 {
	checkLen("L2SquaredU8", len(a), len(b))
	return active.l2U8(a, b)
}

// DotU8 returns sum(a[i]*b[i]) of two scalar-quantized vectors, exactly,
// under the same length rule as L2SquaredU8.
func DotU8(a, b []uint8) uint32 {
	checkLen("DotU8", len(a), len(b))
	return active.dotU8(a, b)
}

// MaxExactU8Len is the longest vector for which L2SquaredU8 and DotU8 cannot
// overflow uint32: 255*255*MaxExactU8Len <= 2^32-1.
const MaxExactU8Len = (1<<32 - 1) / (255 * 255) // 66051

// L2SquaredBatch writes to out[i] the squared Euclidean distance from q to
// the i-th of the n = len(data)/len(q) vectors stored back to back in data.
// The caller guarantees len(data) == n*len(q) and len(out) >= n (violations
// panic); out[n:] is left untouched. With an empty q every out element is
// set to 0 and data must be empty.
func L2SquaredBatch(q, data []float32, out []float32) {
	batch("L2SquaredBatch", active.l2, q, data, out)
}

// DotBatch is L2SquaredBatch for the inner product.
func DotBatch(q, data []float32, out []float32) {
	batch("DotBatch", active.dot, q, data, out)
}

func batch(fn string, k func(a, b []float32) float32, q, data, out []float32) {
	n := batchLen(fn, len(q), len(data), out)
	dim := len(q)
	for i := range n {
		out[i] = k(q, data[i*dim:(i+1)*dim:(i+1)*dim])
	}
}

// L2SquaredWeightedU8 returns sum(w[i]*(q[i]-float32(c[i]))^2): the squared
// Euclidean distance from a query to a scalar-quantized vector whose element
// i decodes as min[i] + scale[i]*c[i], once the query has been prepared per
// bucket as q[i] = (query[i]-min[i])/scale[i] and w[i] = scale[i]^2 (a
// dimension with scale[i] == 0 contributes the constant (query[i]-min[i])^2,
// which the caller adds itself, passing q[i] = w[i] = 0). The caller
// guarantees len(q) == len(w) == len(c) (a mismatch panics); empty vectors
// give 0. Rounding is bounded as described in the package documentation.
func L2SquaredWeightedU8(q, w []float32, c []uint8) float32 {
	checkLen3("L2SquaredWeightedU8", len(q), len(w), len(c))
	return active.l2WU8(q, w, c)
}

// DotF32U8 returns sum(a[i]*float32(c[i])): the inner product of a query
// with a scalar-quantized vector, once the query has been prepared per
// bucket as a[i] = query[i]*scale[i] (the offset sum(query[i]*min[i]) is the
// caller's). The caller guarantees len(a) == len(c) (a mismatch panics);
// empty vectors give 0.
func DotF32U8(a []float32, c []uint8) float32 {
	checkLen("DotF32U8", len(a), len(c))
	return active.dotF32U8(a, c)
}

// L2SquaredWeightedU8Batch writes to out[i] L2SquaredWeightedU8(q, w, c_i)
// for each of the n = len(codes)/len(q) code vectors c_i stored back to back
// in codes. The caller guarantees len(w) == len(q), len(codes) == n*len(q)
// and len(out) >= n (violations panic); out[n:] is left untouched. With an
// empty q every out element is set to 0 and codes must be empty.
func L2SquaredWeightedU8Batch(q, w []float32, codes []uint8, out []float32) {
	const fn = "L2SquaredWeightedU8Batch"
	checkLen(fn, len(q), len(w))
	if n := batchLen(fn, len(q), len(codes), out); n > 0 {
		active.l2WU8Batch(q, w, codes, out[:n])
	}
}

// DotF32U8Batch writes to out[i] DotF32U8(a, c_i) for each of the
// n = len(codes)/len(a) code vectors c_i stored back to back in codes, under
// the rules of L2SquaredWeightedU8Batch.
func DotF32U8Batch(a []float32, codes []uint8, out []float32) {
	if n := batchLen("DotF32U8Batch", len(a), len(codes), out); n > 0 {
		active.dotF32U8Batch(a, codes, out[:n])
	}
}

// batchRowsWeightedU8 sets out[i] to k over the i-th code vector of codes,
// for every i < len(out).
func batchRowsWeightedU8(q, w []float32, codes []uint8, out []float32, k func(q, w []float32, c []uint8) float32) {
	dim := len(q)
	for i := range out {
		out[i] = k(q, w, codes[i*dim:(i+1)*dim:(i+1)*dim])
	}
}

// batchRowsF32U8 is batchRowsWeightedU8 for the dot kernels.
func batchRowsF32U8(a []float32, codes []uint8, out []float32, k func(a []float32, c []uint8) float32) {
	dim := len(a)
	for i := range out {
		out[i] = k(a, codes[i*dim:(i+1)*dim:(i+1)*dim])
	}
}

func checkLen3(fn string, la, lb, lc int) {
	if la != lb || la != lc {
		panic(fmt.Sprintf("vecmath: %s: length mismatch %d, %d, %d", fn, la, lb, lc))
	}
}

// batchLen returns the number n of vectors of length dim in a batch of
// dataLen values, after checking the batch rules (dataLen == n*dim,
// len(out) >= n). An empty query clears all of out and returns 0.
func batchLen(fn string, dim, dataLen int, out []float32) int {
	if dim == 0 {
		if dataLen != 0 {
			panic(fmt.Sprintf("vecmath: %s: empty query with %d data values", fn, dataLen))
		}
		clear(out)
		return 0
	}
	n := dataLen / dim
	if n*dim != dataLen || len(out) < n {
		panic(fmt.Sprintf("vecmath: %s: len(data) %d is not n*%d with n <= len(out) %d", fn, dataLen, dim, len(out)))
	}
	return n
}
