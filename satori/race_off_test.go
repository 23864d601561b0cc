//go:build !race

package satori

const raceEnabled = false
