// Package synth makes seeded synthetic vector data sets, computes their exact
// k-nearest-neighbour ground truth, and reads the standard benchmark formats
// (.fvecs, .bvecs, .ivecs, .npy), so SatoriDB's tests and benchmarks measure
// recall against a brute-force reference.
//
// # Main pieces
//
//   - Spec, Generate, Queries (synth.go): a mixture of Gaussians with skewed
//     cluster sizes. Output is a flat row-major []float32 of N×Dim values.
//   - GroundTruth, Recall (truth.go): exact k-NN by brute force, parallel over
//     queries; ties broken by the lower id.
//   - ReadFvecs, ReadBvecs, ReadIvecs, ReadNpy (read.go): decoders for the
//     TEXMEX and NumPy formats.
//
// # Invariants
//
//   - Generate and Queries are pure functions of their arguments: the same
//     Spec and seeds give the same bytes on every run and platform. The
//     generator uses math/rand/v2's PCG for uniform bits only, builds normal
//     deviates from integer sums (Irwin–Hall, 12 terms), and writes its
//     floating-point expressions so that the compiler cannot fuse a
//     multiply-add; no math library function touches the data.
//   - GroundTruth is exact: distances are accumulated in float64, and the
//     result does not depend on the number of workers.
//   - Readers never allocate more than a small constant ahead of the bytes
//     they have actually read, so a corrupt length field cannot exhaust
//     memory. Every malformed input returns an error matching ErrCorrupt.
//
// # Concurrency
//
// All functions are safe for concurrent use; none keeps state between calls.
// GroundTruth starts its own worker goroutines and waits for them.
package synth
