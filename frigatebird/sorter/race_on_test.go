//go:build race

package sorter

// raceEnabled trims the randomized tests: under the race detector they
// cost much and check nothing the smaller runs do not.
const raceEnabled = true
