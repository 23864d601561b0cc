//go:build race

package frigatebird_test

// Under the race detector the SQLite differential test runs fewer
// tables by default (each query runs in two engines, both instrumented).
const defaultDiffSeeds = 12
