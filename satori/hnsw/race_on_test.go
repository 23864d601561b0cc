//go:build race

package hnsw

// raceEnabled shrinks the largest graphs: under the race detector they cost
// much and check nothing the smaller ones do not.
const raceEnabled = true
