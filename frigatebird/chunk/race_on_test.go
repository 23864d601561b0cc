//go:build race

package chunk

// raceEnabled trims the largest test matrices: under the race detector they
// cost minutes and add nothing the smaller ones do not check.
const raceEnabled = true
