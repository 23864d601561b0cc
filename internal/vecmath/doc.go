// Package vecmath holds the distance kernels of SatoriDB's vector scans:
// squared Euclidean distance and inner product over float32 vectors
// (L2Squared, Dot), the same over scalar-quantized uint8 vectors
// (L2SquaredU8, DotU8), asymmetric forms that compare a float32 query with
// uint8 codes (L2SquaredWeightedU8, DotF32U8), and batch forms that compare
// one query with a bucket of vectors stored back to back (L2SquaredBatch,
// DotBatch, L2SquaredWeightedU8Batch, DotF32U8Batch).
//
// The asymmetric kernels scan a bucket whose vectors are stored as one code
// byte per dimension, x_i ~= min_i + scale_i*c_i. The caller prepares the
// query once per bucket, so that the kernels see neither min nor scale:
//
//	L2:  sum_i w_i*(q_i - c_i)^2  with q_i = (query_i-min_i)/scale_i, w_i = scale_i^2
//	dot: sum_i a_i*c_i            with a_i = query_i*scale_i (plus the constant sum_i query_i*min_i)
//
// # Caller obligations
//
//  1. All vector arguments have the same length (q, w and c for
//     L2SquaredWeightedU8). The single-vector functions check it and panic on
//     a mismatch (a bug in the caller, never an input error); empty vectors
//     give 0.
//  2. For the batch forms, len(data) == n*len(q) (len(codes) for the uint8
//     batches) and len(out) >= n; out[:n] is overwritten and out[n:] left
//     alone. Violations panic.
//  3. L2SquaredU8 and DotU8 are exact while the result fits in a uint32, which
//     is guaranteed for len <= MaxExactU8Len (66051 elements, since
//     255*255*66051 < 2^32). Longer vectors wrap modulo 2^32, identically in
//     every implementation.
//
// # Implementations
//
// Three implementations exist; one is chosen once at package init and
// reported by Impl:
//
//   - "avx512": AVX-512F/BW kernels (16 float32, 32 bytes, or 16 code bytes
//     per vector), used when golang.org/x/sys/cpu reports AVX-512F,
//     AVX-512BW, AVX2 and FMA;
//   - "avx2": AVX2+FMA kernels (8 float32, 16 bytes, or 8 code bytes per
//     vector);
//   - "generic": scalar Go, used on other CPUs and architectures.
//
// Setting the environment variable REEF_VECMATH (EnvImpl) to "generic" forces
// the scalar kernels, e.g. to compare results or benchmark the fallback;
// "avx2" or "avx512" is honoured only if the CPU supports it. The choice
// never changes after init, so all functions are safe for concurrent use;
// none allocates.
//
// The float kernels keep four vector accumulators (FMA latency) and finish
// the remainder that does not fill a vector with the next narrower
// implementation (avx512 -> avx2 -> generic). The uint8 kernels widen bytes
// to 16-bit words (VPMOVZXBW) and use VPMADDWD: a-b lies in [-255, 255] and
// a*b in [0, 65025], so a pair of products (at most 130050) never overflows
// the signed 32-bit lanes, and lane sums wrap modulo 2^32 like the scalar
// uint32 sum. VPMADDUBSW is not used: it saturates at int16.
//
// The asymmetric kernels widen 8 or 16 code bytes to int32 lanes
// (VPMOVZXBD) and convert them exactly to float32 (VCVTDQ2PS); from there
// they are float kernels, with four accumulators and the same remainder
// chain. The L2 term is computed as (w_i*d_i)*d_i with d_i = q_i-c_i in
// every implementation (the vector kernels fuse the second product with the
// add): w_i*d_i overflows only when the term does, whereas d_i*d_i could
// overflow for a large q_i whose tiny weight brings the term back in range.
// Their batch forms scan 4 (avx512) or 2 (avx2) code vectors per pass, so
// that each query and weight vector is loaded once for all of them; every
// row keeps its own four accumulators, reduction and remainder chain, so
// out[i] equals the single-vector result bit for bit, in every
// implementation.
//
// # Floating-point tolerance
//
// The implementations sum in different orders (4 scalar, 32 or 64 vector
// lanes), and the vector kernels fuse multiply and add, so float results
// differ in the last bits between implementations and from a sequential sum.
// For vectors of length n, every implementation satisfies
//
//	|result - exact| <= (n+8) * 2^-24 * sum_i |t_i|  (+ 4n * 2^-149 for subnormal terms)
//
// where t_i = (a_i-b_i)^2 or a_i*b_i and exact is the real-number sum of the
// exact terms. For L2Squared sum|t_i| is the result itself, so this is a
// relative error of at most (n+8)*2^-24 (about 6e-5 at n=1024, in practice
// far smaller); for Dot the bound is relative to sum|a_i*b_i| because of
// cancellation. Results that exceed the float32 range overflow to +Inf or
// NaN depending on order; NaN inputs give NaN. Tests check this bound on
// every implementation the CPU supports.
//
// The same bound holds for the asymmetric kernels with t_i = w_i*(q_i-c_i)^2
// (L2SquaredWeightedU8; t_i >= 0 when w_i >= 0, so again a relative error of
// the result) and t_i = a_i*c_i (DotF32U8), except that the subnormal
// allowance of L2SquaredWeightedU8 is (4 + |q_i-c_i|) * 2^-149 per element
// instead of 4 * 2^-149: when w_i*(q_i-c_i) is subnormal its rounding error
// is multiplied by q_i-c_i once more. Converting a code to float32 is exact,
// and q_i-c_i rounds once, which the (n+8) factor covers.
//
// # Regenerating the assembly
//
// kernels_amd64.s and kernels_stub_amd64.go are generated by asm/main.go with
// github.com/mmcloughlin/avo v0.6.0: the float, uint8 and asymmetric
// float32-by-uint8 kernels, each for AVX2 and AVX-512. asm is a separate
// module so that avo stays out of reef's dependency graph. After changing
// the generator run
//
//	go generate ./internal/vecmath
//
// and commit the regenerated files.
package vecmath
