// Command kernelrun performs one run of the bench kernel suite: it starts a
// 3-node Raft cluster in this process (Octopii or hashicorp/raft), waits
// for a leader, lets proposers warm up, measures, and stops the cluster.
//
// It is a command of its own, built and started by the bench harness for
// every run, because Octopii (go.etcd.io/raft/v3 v3.6) and the walrus
// suite's etcd WAL (go.etcd.io/etcd/raft/v3 v3.5) both register protobuf
// types named raftpb.*, and the registry panics at start-up when one binary
// links both. Each run therefore also gets a fresh process: no heap, no
// goroutine and no file of one run survives into the next.
//
// # Protocol
//
//	kernelrun --engine octopii|hashicorp --dir DIR --commands FILE --command-bytes N
//	          --concurrency N --warmup DURATION --run DURATION --latencies FILE
//
// --commands holds the commands back to back, --command-bytes each (the
// harness writes them from its seeded generator). Proposer i starts at
// command i·count/concurrency and goes on cyclically. On success kernelrun
// writes the latency of every proposal that returned inside the measured
// window to --latencies (little-endian uint64 nanoseconds, from the call to
// its return), prints one JSON object (Report) on stdout and exits 0; on
// failure it prints the error on stderr and exits 1 (2 for a usage error).
//
//	kernelrun --versions
//
// prints the versions of the peer's modules built in, as a JSON object
// (module path → version), for the results' peer name.
//
// # Concurrency
//
// Proposers are goroutines, each with one proposal in flight; a cluster's
// Propose is called from all of them at once. Every goroutine a run starts,
// its own and its cluster's, has stopped when run returns.
package main
