// Package kmeans clusters vectors for SatoriDB: Train builds the buckets of an
// index (balanced k-means) and Split2 divides one overfull bucket in two.
//
// # Method
//
// Train seeds its centroids with k-means++ run on a random sample of the data
// (max(4096, 16·K) points, or all of them), not on the whole set, so seeding
// costs O(sample·K·dim) instead of O(N·K·dim). It then runs Lloyd iterations:
// assign every point to its nearest centroid, move every centroid to the mean
// of its points, and re-seed an empty cluster with the point farthest from
// its centroid. It stops after Options.Iters rounds or when no point moves.
//
// With Options.Balance > 0 it balances cluster sizes in two ways:
//
//  1. Penalised assignment (after SPANN's and SPFresh's balanced k-means):
//     a point's cost for cluster c is
//     dist(x, c) + Balance·scale·max(size(c)/mean − 1, 0), where size(c) is
//     c's size in the previous round, mean = N/K and scale is the mean
//     distance of a point to its centroid in the previous round. Oversized
//     clusters become more expensive, so their border points drift to
//     smaller neighbours. (An unclipped λ·size penalty, or one accumulated
//     over rounds, made sizes oscillate and blow up in our tests.)
//  2. Capacity-constrained assignment in every round and at the end: no
//     cluster may hold more than ceil(MaxSizeRatio·N/K) points (default
//     ratio 2). Points are placed in order of how much they would lose by
//     moving (the gap between their nearest and second-nearest centroid,
//     largest first); a point whose preferred cluster is full goes to its
//     nearest cluster with room. Centroids then move to the means of the
//     capped clusters, so they adapt to the constraint, and the returned
//     centroids are the means of the final clusters.
//
// The hard cap is what the bound rests on; the penalty is a tuning knob
// whose effect on quality is small (0.1 to 0.5 is reasonable). With Balance 0, Train is plain k-means and every point is assigned
// to its nearest returned centroid.
//
// Split2 is 2-means whose assignment splits the points, sorted by
// d(x,c0) − d(x,c1), at the natural boundary moved just far enough that the
// larger half holds at most max(ceil(N/2), floor(5N/9)) points, i.e. at most
// 1.25 times the smaller half.
//
// For Metric InnerProduct, Train is spherical k-means: assignment ranks by
// largest dot product and each centroid is its cluster's mean scaled to unit
// length (plain means would let the longest centroid win every point).
// k-means++ seeding always uses squared L2.
//
// # Invariants
//
//   - Output depends only on the input and Options.Seed, never on
//     Options.Workers or scheduling: parallel steps write per-point results
//     and all sums are formed serially in point order.
//   - Every value of the input must be finite; NaN or ±Inf returns
//     ErrInvalidInput.
//   - len(assign) == N, every assign[i] in [0, K'), where K' = min(K, N) is
//     the number of returned centroids (len(centroids) == K'·dim).
//
// # Concurrency
//
// Train and Split2 are safe for concurrent use; each starts up to
// Options.Workers goroutines (Split2: one) and waits for them. Input slices
// are only read.
//
// The distance kernels are scalar Go in distance.go, the one file to change
// to use the SIMD kernels of internal/vecmath.
package kmeans
