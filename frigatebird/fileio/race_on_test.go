//go:build race

package fileio

// raceEnabled trims the largest randomized loops: under the race detector
// they cost much and check nothing the smaller runs do not.
const raceEnabled = true
