//go:build race

package satori

// raceEnabled: tests shrink under the race detector, and allocation
// counts are not meaningful there.
const raceEnabled = true
