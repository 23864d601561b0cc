// Package nubmq is Reef's in-memory key-value server that Redis clients
// speak to (redis-cli, redis-benchmark, go-redis): RESP2 and RESP3 over TCP
// (package resp), pipelining (replies are flushed once per batch of commands
// already received), and a command table with Redis's arities and error
// texts.
//
// This first version serves strings, hashes and key expiry: GET, SET (NX XX
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
// timeout), INFO server|clients|memory|stats|keyspace). Commands on a key of
// the other type answer WRONGTYPE. Every
// reply is checked against a real Redis 7 by TestDifferentialRedis.
//
// The keyspace is a fixed set of locked map shards with lazy expiry: an
// expired key is invisible at once. The incrementally resizing engine,
// active expiry, eviction, pub/sub and persistence of issue 3 come next,
// behind the same store methods.
//
// Concurrency: one goroutine per connection; the keyspace's shards are
// independently locked. A panic in a command is caught, logged and closes
// only that connection.
package nubmq
