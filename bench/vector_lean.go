//go:build reefonly

package main

// The lean build (-tags reefonly) leaves out the cgo peers (DuckDB, FAISS
// and the OpenBLAS FAISS pulls in) and the suites other than vector, so
// that a vector child measuring a pure-Go engine (reef) carries none of
// their pages in its RSS.

func faissSummary() string { return "FAISS not linked (lean build)" }
