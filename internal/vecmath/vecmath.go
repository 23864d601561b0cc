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

// kernels is one implementation of the four distance kernels. Every field
// requires len(a) == len(b); the public functions check it.
type kernels struct {
	name  string
	l2    func(a, b []float32) float32
	dot   func(a, b []float32) float32
	l2U8  func(a, b []uint8) uint32
	dotU8 func(a, b []uint8) uint32
}

var genericKernels = kernels{
	name:  "generic",
	l2:    l2SquaredGeneric,
	dot:   dotGeneric,
	l2U8:  l2SquaredU8Generic,
	dotU8: dotU8Generic,
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
	dim := len(q)
	if dim == 0 {
		if len(data) != 0 {
			panic(fmt.Sprintf("vecmath: %s: empty query with %d data values", fn, len(data)))
		}
		clear(out)
		return
	}
	n := len(data) / dim
	if n*dim != len(data) || len(out) < n {
		panic(fmt.Sprintf("vecmath: %s: len(data) %d is not n*%d with n <= len(out) %d", fn, len(data), dim, len(out)))
	}
	for i := range n {
		out[i] = k(q, data[i*dim:(i+1)*dim:(i+1)*dim])
	}
}
