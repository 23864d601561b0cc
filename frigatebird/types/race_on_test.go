//go:build race

package types

// raceEnabled trims the largest randomized loops: under the race detector
// they cost much and check nothing the smaller runs do not.
const raceEnabled = true
