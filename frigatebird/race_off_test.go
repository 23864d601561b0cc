//go:build !race

package frigatebird_test

const defaultDiffSeeds = 40
