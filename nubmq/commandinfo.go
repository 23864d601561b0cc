package nubmq

import (
	"sort"
	"strings"
	"sync"
)

// commandMeta is what COMMAND and COMMAND DOCS tell about a command, and
// what the server itself uses: write commands are logged to the AOF,
// denyoom ones refused over maxmemory.
type commandMeta struct {
	group   string // Redis's command group: string, generic, hash, pubsub, connection, server
	flags   string // space-separated: write readonly denyoom fast pubsub loading stale noscript admin ...
	first   int    // position of the first key (0: none)
	last    int    // position of the last key (-1: the last argument)
	step    int    // distance between keys
	since   string // the Redis version that introduced it
	summary string
}

// commandMetas describes every command of the table.
var commandMetas = map[string]commandMeta{
	"get":          {"string", "readonly fast", 1, 1, 1, "1.0.0", "Returns the string value of a key."},
	"set":          {"string", "write denyoom", 1, 1, 1, "1.0.0", "Sets a key's string value, with optional expiry and conditions."},
	"setnx":        {"string", "write denyoom fast", 1, 1, 1, "1.0.0", "Sets a key's value only if the key does not exist."},
	"setex":        {"string", "write denyoom", 1, 1, 1, "2.0.0", "Sets a key's value and its expiry in seconds."},
	"psetex":       {"string", "write denyoom", 1, 1, 1, "2.6.0", "Sets a key's value and its expiry in milliseconds."},
	"getset":       {"string", "write denyoom fast", 1, 1, 1, "1.0.0", "Sets a key's value and returns the previous one."},
	"getdel":       {"string", "write fast", 1, 1, 1, "6.2.0", "Returns a key's value and deletes the key."},
	"getex":        {"string", "write fast", 1, 1, 1, "6.2.0", "Returns a key's value and changes its expiry."},
	"mget":         {"string", "readonly fast", 1, -1, 1, "1.0.0", "Returns the values of several keys."},
	"mset":         {"string", "write denyoom", 1, -1, 2, "1.0.1", "Sets several keys' values."},
	"msetnx":       {"string", "write denyoom", 1, -1, 2, "1.0.1", "Sets several keys' values only if none of them exists."},
	"append":       {"string", "write denyoom fast", 1, 1, 1, "2.0.0", "Appends to a key's string value."},
	"strlen":       {"string", "readonly fast", 1, 1, 1, "2.2.0", "Returns the length of a key's string value."},
	"getrange":     {"string", "readonly", 1, 1, 1, "2.4.0", "Returns a substring of a key's value."},
	"setrange":     {"string", "write denyoom", 1, 1, 1, "2.2.0", "Overwrites part of a key's value at an offset."},
	"incr":         {"string", "write denyoom fast", 1, 1, 1, "1.0.0", "Adds one to a key's integer value."},
	"decr":         {"string", "write denyoom fast", 1, 1, 1, "1.0.0", "Subtracts one from a key's integer value."},
	"incrby":       {"string", "write denyoom fast", 1, 1, 1, "1.0.0", "Adds an integer to a key's integer value."},
	"decrby":       {"string", "write denyoom fast", 1, 1, 1, "1.0.0", "Subtracts an integer from a key's integer value."},
	"incrbyfloat":  {"string", "write denyoom fast", 1, 1, 1, "2.6.0", "Adds a floating-point number to a key's value."},
	"del":          {"generic", "write", 1, -1, 1, "1.0.0", "Deletes keys."},
	"unlink":       {"generic", "write fast", 1, -1, 1, "4.0.0", "Deletes keys."},
	"exists":       {"generic", "readonly fast", 1, -1, 1, "1.0.0", "Counts how many of the given keys exist."},
	"type":         {"generic", "readonly fast", 1, 1, 1, "1.0.0", "Returns the type of a key's value."},
	"rename":       {"generic", "write", 1, 2, 1, "1.0.0", "Renames a key, replacing any key of the new name."},
	"renamenx":     {"generic", "write fast", 1, 2, 1, "1.0.0", "Renames a key only if the new name is free."},
	"expire":       {"generic", "write fast", 1, 1, 1, "1.0.0", "Sets a key's time to live in seconds."},
	"pexpire":      {"generic", "write fast", 1, 1, 1, "2.6.0", "Sets a key's time to live in milliseconds."},
	"expireat":     {"generic", "write fast", 1, 1, 1, "1.2.0", "Sets a key's expiry to a Unix time in seconds."},
	"pexpireat":    {"generic", "write fast", 1, 1, 1, "2.6.0", "Sets a key's expiry to a Unix time in milliseconds."},
	"ttl":          {"generic", "readonly fast", 1, 1, 1, "1.0.0", "Returns a key's time to live in seconds."},
	"pttl":         {"generic", "readonly fast", 1, 1, 1, "2.6.0", "Returns a key's time to live in milliseconds."},
	"expiretime":   {"generic", "readonly fast", 1, 1, 1, "7.0.0", "Returns a key's expiry as a Unix time in seconds."},
	"pexpiretime":  {"generic", "readonly fast", 1, 1, 1, "7.0.0", "Returns a key's expiry as a Unix time in milliseconds."},
	"persist":      {"generic", "write fast", 1, 1, 1, "2.2.0", "Removes a key's expiry."},
	"keys":         {"generic", "readonly", 0, 0, 0, "1.0.0", "Returns the keys matching a pattern."},
	"scan":         {"generic", "readonly", 0, 0, 0, "2.8.0", "Iterates over the keys, a cursor at a time."},
	"randomkey":    {"generic", "readonly", 0, 0, 0, "1.0.0", "Returns a random key."},
	"dbsize":       {"server", "readonly fast", 0, 0, 0, "1.0.0", "Returns the number of keys."},
	"flushdb":      {"server", "write", 0, 0, 0, "1.0.0", "Deletes every key."},
	"flushall":     {"server", "write", 0, 0, 0, "1.0.0", "Deletes every key."},
	"hset":         {"hash", "write denyoom fast", 1, 1, 1, "2.0.0", "Sets fields of a hash."},
	"hget":         {"hash", "readonly fast", 1, 1, 1, "2.0.0", "Returns a field's value of a hash."},
	"hmget":        {"hash", "readonly fast", 1, 1, 1, "2.0.0", "Returns several fields' values of a hash."},
	"hdel":         {"hash", "write fast", 1, 1, 1, "2.0.0", "Deletes fields of a hash."},
	"hexists":      {"hash", "readonly fast", 1, 1, 1, "2.0.0", "Tells whether a hash has a field."},
	"hlen":         {"hash", "readonly fast", 1, 1, 1, "2.0.0", "Returns the number of fields of a hash."},
	"hgetall":      {"hash", "readonly", 1, 1, 1, "2.0.0", "Returns every field and value of a hash."},
	"hkeys":        {"hash", "readonly", 1, 1, 1, "2.0.0", "Returns every field of a hash."},
	"hvals":        {"hash", "readonly", 1, 1, 1, "2.0.0", "Returns every value of a hash."},
	"hincrby":      {"hash", "write denyoom fast", 1, 1, 1, "2.0.0", "Adds an integer to a hash field's value."},
	"hscan":        {"hash", "readonly", 1, 1, 1, "2.8.0", "Iterates over a hash's fields, a cursor at a time."},
	"subscribe":    {"pubsub", "pubsub noscript loading stale", 0, 0, 0, "2.0.0", "Listens for messages on channels."},
	"unsubscribe":  {"pubsub", "pubsub noscript loading stale", 0, 0, 0, "2.0.0", "Stops listening on channels."},
	"psubscribe":   {"pubsub", "pubsub noscript loading stale", 0, 0, 0, "2.0.0", "Listens for messages on channels matching patterns."},
	"punsubscribe": {"pubsub", "pubsub noscript loading stale", 0, 0, 0, "2.0.0", "Stops listening on patterns."},
	"publish":      {"pubsub", "pubsub loading stale fast", 0, 0, 0, "2.0.0", "Sends a message to a channel's subscribers."},
	"pubsub":       {"pubsub", "pubsub loading stale", 0, 0, 0, "2.8.0", "Describes channels and subscriptions."},
	"ping":         {"connection", "fast stale", 0, 0, 0, "1.0.0", "Answers PONG, or echoes its argument."},
	"echo":         {"connection", "fast", 0, 0, 0, "1.0.0", "Returns its argument."},
	"quit":         {"connection", "fast loading stale noauth", 0, 0, 0, "1.0.0", "Closes the connection."},
	"hello":        {"connection", "fast loading stale noauth", 0, 0, 0, "6.0.0", "Chooses the protocol version, authenticates, names the connection."},
	"auth":         {"connection", "fast loading stale noauth", 0, 0, 0, "1.0.0", "Authenticates the connection."},
	"reset":        {"connection", "fast loading stale noauth", 0, 0, 0, "6.2.0", "Resets the connection's state."},
	"select":       {"connection", "fast loading stale", 0, 0, 0, "1.0.0", "Selects a database (only 0 exists)."},
	"client":       {"connection", "admin loading stale", 0, 0, 0, "2.4.0", "Inspects and names connections."},
	"command":      {"server", "loading stale", 0, 0, 0, "2.8.13", "Describes the commands."},
	"config":       {"server", "admin loading stale", 0, 0, 0, "2.0.0", "Reads and changes settings."},
	"info":         {"server", "loading stale", 0, 0, 0, "1.0.0", "Reports the server's state and statistics."},
	"save":         {"server", "admin noscript", 0, 0, 0, "1.0.0", "Writes a snapshot of the keyspace."},
	"bgsave":       {"server", "admin noscript", 0, 0, 0, "1.0.0", "Writes a snapshot of the keyspace in the background."},
	"bgrewriteaof": {"server", "admin noscript", 0, 0, 0, "1.0.0", "Rewrites the append-only file in the background."},
	"lastsave":     {"server", "fast loading stale", 0, 0, 0, "1.0.0", "Returns the Unix time of the last snapshot."},
}

var commandFlagsOnce sync.Once

// setCommandFlags copies the flags the server acts on into the table.
func setCommandFlags() {
	for name, cmd := range commandTable {
		m := commandMetas[name]
		cmd.write, cmd.denyOOM = m.has("write"), m.has("denyoom")
	}
}

func (m commandMeta) has(flag string) bool {
	for _, f := range strings.Fields(m.flags) {
		if f == flag {
			return true
		}
	}
	return false
}

// writeCommandInfo writes one command's COMMAND / COMMAND INFO entry.
func writeCommandInfo(c *conn, cmd *command) {
	m := commandMetas[cmd.name]
	c.w.ArrayHeader(10)
	c.w.BulkString(cmd.name)
	c.w.Integer(int64(cmd.arity))
	flags := strings.Fields(m.flags)
	c.w.SetHeader(len(flags))
	for _, f := range flags {
		c.w.SimpleString(f)
	}
	c.w.Integer(int64(m.first))
	c.w.Integer(int64(m.last))
	c.w.Integer(int64(m.step))
	c.w.SetHeader(1)
	c.w.SimpleString("@" + m.group)
	c.w.SetHeader(0) // tips
	c.w.ArrayHeader(0)
	c.w.ArrayHeader(0)
}

// writeCommandDocs writes one command's COMMAND DOCS entry.
func writeCommandDocs(c *conn, cmd *command) {
	m := commandMetas[cmd.name]
	c.w.BulkString(cmd.name)
	c.w.MapHeader(3)
	c.w.BulkString("summary")
	c.w.BulkString(m.summary)
	c.w.BulkString("since")
	c.w.BulkString(m.since)
	c.w.BulkString("group")
	c.w.BulkString(m.group)
}

func sortedCommands() []*command {
	cmds := make([]*command, 0, len(commandTable))
	for _, cmd := range commandTable {
		cmds = append(cmds, cmd)
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

// cmdCommand: COMMAND, COMMAND COUNT, COMMAND INFO [name ...], COMMAND
// DOCS [name ...], COMMAND LIST.
func cmdCommand(c *conn, args [][]byte) {
	if len(args) == 1 {
		cmds := sortedCommands()
		c.w.ArrayHeader(len(cmds))
		for _, cmd := range cmds {
			writeCommandInfo(c, cmd)
		}
		return
	}
	switch sub := lower(args[1]); {
	case sub == "count" && len(args) == 2:
		c.w.Integer(int64(len(commandTable)))
	case sub == "list" && len(args) == 2:
		cmds := sortedCommands()
		c.w.ArrayHeader(len(cmds))
		for _, cmd := range cmds {
			c.w.BulkString(cmd.name)
		}
	case sub == "info":
		cmds := sortedCommands()
		if len(args) > 2 {
			cmds = cmds[:0]
			for _, a := range args[2:] {
				cmds = append(cmds, commandTable[lower(a)]) // nil: unknown
			}
		}
		c.w.ArrayHeader(len(cmds))
		for _, cmd := range cmds {
			if cmd == nil {
				c.w.NullArray()
				continue
			}
			writeCommandInfo(c, cmd)
		}
	case sub == "docs":
		var cmds []*command
		if len(args) == 2 {
			cmds = sortedCommands()
		} else {
			for _, a := range args[2:] {
				if cmd := commandTable[lower(a)]; cmd != nil {
					cmds = append(cmds, cmd)
				}
			}
		}
		c.w.MapHeader(len(cmds))
		for _, cmd := range cmds {
			writeCommandDocs(c, cmd)
		}
	default:
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try COMMAND HELP.")
	}
}
