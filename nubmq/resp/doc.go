// Package resp is Nubmq's codec for the Redis serialization protocol, RESP2
// and RESP3 (docs/format/resp.md).
//
// Reader parses client commands in both of Redis's request forms (multibulk
// arrays of bulk strings, and inline lines with Redis's quoting rules) under
// Limits that mirror Redis's (proto-max-bulk-len, the multibulk count, the
// 64 KiB inline bound) and reports malformed input as a *ProtocolError whose
// text is Redis's. It also parses replies (ReadReply), for clients and tests.
// Writer encodes replies for either protocol version; values RESP2 lacks
// are downgraded the way Redis downgrades them.
//
// Memory: a bulk string is read in 64 KiB steps, so a client gets memory
// for the bytes it sends, not for the length it announces. Command arguments
// alias the Reader's buffer until the next ReadCommand.
//
// Concurrency: a Reader or Writer belongs to one connection goroutine.
package resp
