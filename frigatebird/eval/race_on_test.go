//go:build race

package eval

// raceEnabled trims the randomized loops and skips the allocation
// assertions (the race detector allocates and costs much).
const raceEnabled = true
