//go:build race

package hashagg

// raceEnabled trims the randomized and large tests: under the race
// detector they cost much and check nothing the smaller runs do not.
const raceEnabled = true
