//go:build race

package storage

// raceEnabled trims the longest model runs: under the race detector they
// cost minutes and add nothing the smaller ones do not check.
const raceEnabled = true
