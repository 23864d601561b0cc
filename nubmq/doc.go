// Package nubmq is Reef's in-memory key-value server that Redis clients
// speak to (redis-cli, redis-benchmark, go-redis): RESP2 and RESP3 over TCP
// (package resp), pipelining (replies are flushed once per batch of commands
// already received), and a command table with Redis's arities and error
// texts.
//
// It serves strings, hashes and key expiry: GET, SET (NX XX
// GET EX PX EXAT PXAT KEEPTTL), SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX,
// MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE, SETRANGE, INCR/DECR[BY],
// INCRBYFLOAT (in long-double precision, as Redis); HSET, HGET, HMGET, HDEL, HEXISTS,
// HLEN, HGETALL, HKEYS, HVALS, HINCRBY; KEYS, DEL, UNLINK, EXISTS, TYPE, RENAME,
// RENAMENX, EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT (NX XX GT LT), TTL, PTTL,
// EXPIRETIME, PEXPIRETIME, PERSIST, DBSIZE, FLUSHDB/FLUSHALL; and the
// connection and server commands (PING, ECHO, QUIT, HELLO 2|3 [AUTH]
// [SETNAME], AUTH with requirepass, RESET, SELECT 0, COMMAND COUNT|DOCS,
// CLIENT ID|SETNAME|GETNAME|LIST|INFO|SETINFO, CONFIG GET|SET for the
// settings that take effect (maxclients, proto-max-bulk-len, requirepass,
// timeout, notify-keyspace-events), INFO server|clients|memory|stats|keyspace);
// pub/sub (SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, PUBSUB
// CHANNELS|NUMSUB|NUMPAT, RESP3 pushes) and keyspace notifications
// (__keyspace@0__ and __keyevent@0__, Redis's event names and classes).
// Commands on a key of
// the other type answer WRONGTYPE. Every
// reply is checked against a real Redis 7 by TestDifferentialRedis.
//
// The keyspace is package kv (nubmq/internal/kv): records packed in
// per-shard arenas (no Go object per key), hash-ordered linear-probing index
// tables that grow and shrink incrementally (a shard migrates to its resized
// table in bounded steps while both serve), millisecond expiry (an expired key
// is invisible at once; active expiry samples volatile keys from the cron;
// "expired" is notified exactly once per key), and maxmemory eviction with
// Redis's policies (sampled). SCAN's cursor is a position in hash order, so
// it survives resizes. KEYS, SCAN (MATCH COUNT TYPE), HSCAN (a hash in one
// call) and RANDOMKEY are served; evicted keys notify "evicted".
//
// Persistence (persistence.go, package nubmq/internal/persist): with
// appendonly, every write command logs its effects — absolute, idempotent
// commands (SET k v PXAT t, DEL, HSET, HDEL, PEXPIREAT, PERSIST, FLUSHALL) —
// to an AOF on Walrus, under the key's shard lock so the log's order per key
// is the order of the changes; a loop syncs the AOF once per round, per
// appendfsync, before it writes that round's replies (so every policy
// survives kill -9, and always survives power loss). Rewrites (BGREWRITEAOF,
// and automatically) snapshot the keyspace fuzzily while writes go on, which
// the idempotent effects make exact. SAVE/BGSAVE write Dir/dump.snap, loaded
// at startup when the AOF is off. An AOF write error makes write commands
// answer MISCONF and closes the clients whose writes it could not make
// durable, unanswered.
//
// Concurrency: Options.IOThreads event loops (epoll, loop_linux.go) each own
// a set of connections: a loop reads a ready socket once, parses every
// complete command in the buffer (resp.Parser, arguments alias the buffer),
// runs them and writes all the replies with one write — Redis's model, one
// loop per thread. Where io_uring is available a round's reads are one
// system call and its writes another (internal/uring.Batch); otherwise
// each is a read(2) or write(2) of its own. A client whose replies pile up is not read until they
// drain. PUBLISH from another loop leaves messages in the subscriber's push
// buffer and wakes its loop (eventfd); a subscriber over its output buffer
// limit is closed, never waited for. The keyspace's shards are locked
// independently. A panic in a command is caught, logged and closes only that
// connection.
//
// Lock order: a keyspace shard, then pubsub.mu, then a conn's pushMu, then a
// loop's mu.
package nubmq
