// Command bench measures Reef against its peers, as the project's
// BENCHMARKS.md ("how we measure") prescribes:
//
//	cd bench && go run . <suite> [--quick] [--json FILE] [--dir DIR] [--case SUBSTR]
//
// bench is its own Go module so that peers (Pebble, etcd, …) never enter Reef's
// dependency graph; Reef itself comes in through a replace directive.
//
// # Harness
//
// A Suite yields Cases. A Case names its parameters ("interval 128B p16"), the
// Metrics it reports, and its Sides: Reef and one or more peers, each a function
// that performs one run in a fresh data directory and returns a Sample (metric →
// value). For every case the harness
//
//  1. runs every side once as a warm-up and discards the sample;
//  2. runs rounds Reef, peer1, peer2, … (A B A B …) Config.Pairs times; round i
//     gives pair i for every peer;
//  3. reports, per metric and peer, the median of Reef's runs, the median of the
//     peer's runs, their ratio reef/peer and every per-pair ratio.
//
// A suite may also set Done, called once after its last case with every
// result: it prints a summary after the table and releases what the cases
// shared (the sql suite's loaded databases).
//
// Before each run the harness collects garbage; after each run it removes the
// run's directory and flushes the file system, so no run pays for the previous
// one's garbage or dirty pages.
//
// Output is a human table followed by one line per measurement:
//
//	RESULT {"suite":"walrus","case":"interval 128B p16","metric":"appends_per_s","reef":152000,"peer":"pebble-v1.1.2","peer_value":140000,"ratio":1.09,"better":"higher"}
//
// A side that cannot run a case, or that failed, is reported with null values
// and an "na" field carrying the reason; the command then exits non-zero if it
// failed.
//
// # Concurrency
//
// Runs are strictly sequential: exactly one side runs at a time. A side may use
// as many goroutines as it likes, but must have stopped all of them when its Run
// returns.
package main
