//go:build !race

package hashagg

const raceEnabled = false
