//go:build !race

package sorter

const raceEnabled = false
