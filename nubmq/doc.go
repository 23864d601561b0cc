// Package nubmq is Reef's in-memory key-value server that Redis clients
// speak to (redis-cli, redis-benchmark, go-redis): RESP2 and RESP3 over TCP
// (package resp), pipelining (replies are flushed once per batch of commands
// already received), and a command table with Redis's arities and error
// texts.
//
// This first version serves strings and key expiry (GET, SET with every
// option, SETNX, GETDEL, MGET, MSET, APPEND, STRLEN, INCR/DECR[BY], DEL,
// UNLINK, EXISTS, TYPE, EXPIRE/PEXPIRE with NX XX GT LT, TTL, PTTL, PERSIST,
// DBSIZE, FLUSHDB/FLUSHALL) and the connection commands (PING, ECHO, QUIT,
// HELLO 2|3, SELECT 0, COMMAND COUNT|DOCS). The keyspace is a fixed set of
// locked map shards with lazy expiry: an expired key is invisible at once.
// The incrementally resizing engine, active expiry, eviction, hashes,
// pub/sub and persistence of issue 3 come next, behind the same store
// methods.
//
// Concurrency: one goroutine per connection; the keyspace's shards are
// independently locked. A panic in a command is caught, logged and closes
// only that connection.
package nubmq
