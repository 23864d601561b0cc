package nubmq

import (
	"crypto/subtle"
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reefdb/reef/nubmq/internal/kv"
	"github.com/reefdb/reef/nubmq/internal/persist"
)

func init() {
	for _, cmd := range []commandDef{
		{"auth", -2, cmdAuth}, {"reset", 1, cmdReset},
		{"config", -2, cmdConfig}, {"client", -2, cmdClient}, {"info", -1, cmdInfo},
	} {
		register(cmd)
	}
}

// config holds the settings CONFIG SET can change while serving.
type config struct {
	mu sync.RWMutex
	v  Options
}

func (c *config) get() Options {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.v
}

func (c *config) set(o Options) {
	c.mu.Lock()
	c.v = o
	c.mu.Unlock()
}

// configParams are the parameters CONFIG GET/SET know. Only settings that
// take effect are listed: maxmemory and its policies, for one, arrive with
// eviction.
var configParams = []string{"maxclients", "proto-max-bulk-len", "requirepass", "timeout", "notify-keyspace-events",
	"maxmemory", "maxmemory-policy", "save", "appendonly", "appendfsync", "dir", "dbfilename", "appenddirname"}

func configGet(o Options, name string) string {
	switch name {
	case "maxclients":
		return strconv.Itoa(o.MaxClients)
	case "proto-max-bulk-len":
		return strconv.FormatInt(o.ProtoMaxBulkLen, 10)
	case "requirepass":
		return o.RequirePass
	case "timeout":
		return strconv.FormatInt(int64(o.Timeout/time.Second), 10)
	case "notify-keyspace-events":
		flags, _ := parseNotifyFlags(o.NotifyKeyspaceEvents)
		return formatNotifyFlags(flags)
	case "maxmemory":
		return strconv.FormatInt(o.MaxMemory, 10)
	case "maxmemory-policy":
		return o.MaxMemoryPolicy
	case "save": // no automatic snapshot points: SAVE, BGSAVE, or the AOF
		return ""
	case "appendonly":
		if o.AppendOnly {
			return "yes"
		}
		return "no"
	case "appendfsync":
		return o.AppendFsync
	case "dir":
		return o.Dir
	case "dbfilename":
		return snapshotName
	case "appenddirname":
		return aofDirName
	}
	return ""
}

func configSet(o *Options, name, value string) error {
	switch name {
	case "maxclients":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("argument must be between 1 and 2147483647")
		}
		o.MaxClients = n
	case "proto-max-bulk-len":
		n, ok := parseMemory(value)
		if !ok || n < 1024*1024 {
			return fmt.Errorf("argument must be a memory value of at least 1mb")
		}
		o.ProtoMaxBulkLen = n
	case "requirepass":
		o.RequirePass = value
	case "timeout":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("argument couldn't be parsed into an integer")
		}
		o.Timeout = time.Duration(n) * time.Second
	case "notify-keyspace-events":
		if _, err := parseNotifyFlags(value); err != nil {
			return fmt.Errorf("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
		}
		o.NotifyKeyspaceEvents = value
	case "maxmemory":
		n, ok := parseMemory(value)
		if !ok {
			return fmt.Errorf("argument must be a memory value")
		}
		o.MaxMemory = n
	case "maxmemory-policy":
		p, err := kv.ParsePolicy(value)
		if err != nil {
			return fmt.Errorf("argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
		}
		o.MaxMemoryPolicy = p.String()
	case "appendonly":
		switch strings.ToLower(value) {
		case "yes":
			o.AppendOnly = true
		case "no":
			o.AppendOnly = false
		default:
			return fmt.Errorf("argument must be 'yes' or 'no'")
		}
	case "appendfsync":
		f, err := persist.ParseFsync(strings.ToLower(value))
		if err != nil {
			return fmt.Errorf("argument(s) must be one of the following: everysec, always, no")
		}
		o.AppendFsync = f.String()
	default:
		return errUnknownParam
	}
	return nil
}

var errUnknownParam = fmt.Errorf("unknown parameter")

// parseMemory parses Redis memory values: 100, 1k (1000), 1kb (1024), m,
// mb, g, gb.
func parseMemory(s string) (int64, bool) {
	s = strings.ToLower(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mult, true
}

// cmdAuth: AUTH password, or AUTH default password.
func cmdAuth(c *conn, args [][]byte) {
	pass := c.srv.cfg.get().RequirePass
	if len(args) > 3 {
		c.w.Error(errSyntax)
		return
	}
	if pass == "" {
		c.w.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	given := args[len(args)-1]
	user := "default"
	if len(args) == 3 {
		user = string(args[1])
	}
	if user != "default" || subtle.ConstantTimeCompare(given, []byte(pass)) != 1 {
		c.w.Error("WRONGPASS invalid username-password pair or user is disabled.")
		return
	}
	c.authed = true
	c.w.OK()
}

// cmdReset returns the connection to its initial state.
func cmdReset(c *conn, args [][]byte) {
	c.setProtocol(2)
	c.setInfo(func() { c.name = "" })
	c.authed = c.srv.cfg.get().RequirePass == ""
	c.srv.pubsub.dropAll(c)
	c.w.SimpleString("RESET")
}

// cmdConfig: CONFIG GET pattern [pattern ...], CONFIG SET name value [name
// value ...], CONFIG RESETSTAT.
func cmdConfig(c *conn, args [][]byte) {
	switch sub := lower(args[1]); sub {
	case "get":
		if len(args) < 3 {
			c.w.Error("ERR wrong number of arguments for 'config|get' command")
			return
		}
		o := c.srv.cfg.get()
		var names []string
		for _, name := range configParams {
			for _, p := range args[2:] {
				if ok, _ := path.Match(lower(p), name); ok {
					names = append(names, name)
					break
				}
			}
		}
		c.w.MapHeader(len(names))
		for _, name := range names {
			c.w.BulkString(name)
			c.w.BulkString(configGet(o, name))
		}
	case "set":
		if len(args) < 4 || len(args)%2 != 0 {
			c.w.Error("ERR wrong number of arguments for 'config|set' command")
			return
		}
		c.srv.cfg.mu.Lock()
		o := c.srv.cfg.v
		for i := 2; i < len(args); i += 2 {
			name := lower(args[i])
			if err := configSet(&o, name, string(args[i+1])); err != nil {
				c.srv.cfg.mu.Unlock()
				if err == errUnknownParam {
					c.w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + string(args[i]) + "'")
				} else {
					c.w.Error("ERR CONFIG SET failed (possibly related to argument '" + string(args[i]) + "') - " + err.Error())
				}
				return
			}
		}
		if err := c.srv.applyConfig(c.srv.cfg.v, o); err != nil {
			c.srv.cfg.mu.Unlock()
			c.w.Error("ERR CONFIG SET failed - " + err.Error())
			return
		}
		c.srv.cfg.v = o // all or nothing, as Redis
		c.srv.cfg.mu.Unlock()
		c.w.OK()
	case "resetstat":
		c.w.OK()
	default:
		c.w.Error("ERR unknown subcommand '" + string(args[1]) + "'. Try CONFIG HELP.")
	}
}

// cmdClient: CLIENT ID | SETNAME name | GETNAME | LIST | INFO | SETINFO
// LIB-NAME|LIB-VER value.
func cmdClient(c *conn, args [][]byte) {
	switch sub := lower(args[1]); {
	case sub == "id" && len(args) == 2:
		c.w.Integer(c.id)
	case sub == "setname" && len(args) == 3:
		for _, b := range args[2] {
			if b < '!' || b > '~' {
				c.w.Error("ERR Client names cannot contain spaces, newlines or special characters.")
				return
			}
		}
		c.setInfo(func() { c.name = string(args[2]) })
		c.w.OK()
	case sub == "getname" && len(args) == 2:
		c.infoMu.Lock()
		name := c.name
		c.infoMu.Unlock()
		if name == "" {
			c.w.Null()
			return
		}
		c.w.BulkString(name)
	case sub == "setinfo" && len(args) == 4:
		switch lower(args[2]) {
		case "lib-name":
			c.setInfo(func() { c.libName = string(args[3]) })
		case "lib-ver":
			c.setInfo(func() { c.libVer = string(args[3]) })
		default:
			c.w.Error("ERR Unrecognized option '" + string(args[2]) + "'")
			return
		}
		c.w.OK()
	case sub == "info" && len(args) == 2:
		c.w.BulkString(c.describe() + "\n")
	case sub == "list" && len(args) == 2:
		c.srv.mu.Lock()
		conns := make([]*conn, 0, len(c.srv.conns))
		for o := range c.srv.conns {
			conns = append(conns, o)
		}
		c.srv.mu.Unlock()
		sort.Slice(conns, func(i, j int) bool { return conns[i].id < conns[j].id })
		var b strings.Builder
		for _, o := range conns {
			b.WriteString(o.describe())
			b.WriteByte('\n')
		}
		c.w.BulkString(b.String())
	default:
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try CLIENT HELP.")
	}
}

// describe is a CLIENT LIST line.
func (c *conn) describe() string {
	c.infoMu.Lock()
	name, lib, ver := c.name, c.libName, c.libVer
	c.infoMu.Unlock()
	last := ""
	if cmd := c.lastCmd.Load(); cmd != nil {
		last = cmd.name
	}
	idle := int64(0)
	if t := c.lastActive.Load(); t > 0 {
		idle = int64(time.UnixMilli(c.srv.nowMs.Load()).Sub(time.Unix(0, t)) / time.Second)
	}
	subs, psubs := c.subs.counts()
	return fmt.Sprintf("id=%d addr=%s laddr=%s name=%s age=%d idle=%d db=0 sub=%d psub=%d resp=%d cmd=%s lib-name=%s lib-ver=%s",
		c.id, c.remote, c.addr, name, int64(time.Since(c.created)/time.Second), idle,
		subs, psubs, c.proto.Load(), last, lib, ver)
}

// cmdInfo: INFO [section ...] with sections server, clients, memory,
// stats, keyspace (default and "all"/"everything": all of them).
func cmdInfo(c *conn, args [][]byte) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[lower(a)] = true
	}
	all := len(want) == 0 || want["all"] || want["everything"] || want["default"]
	m := c.srv.Metrics()
	cfg := c.srv.cfg.get()
	var b strings.Builder
	section := func(name string, lines ...string) {
		if !all && !want[strings.ToLower(name)] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + name + "\r\n")
		for _, l := range lines {
			b.WriteString(l + "\r\n")
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	section("Server",
		"redis_version:7.0.15", "nubmq_version:0.1.0", "redis_mode:standalone",
		"os:"+runtime.GOOS, "arch_bits:64", "process_id:"+strconv.Itoa(os.Getpid()),
		"uptime_in_seconds:"+strconv.FormatInt(int64(c.srv.opts.Now().Sub(c.srv.started)/time.Second), 10),
		"multiplexing_api:epoll",
		"nubmq_event_loops:"+strconv.Itoa(len(c.srv.loops)),
		"nubmq_io_uring_loops:"+strconv.Itoa(int(c.srv.batchedLoops.Load())))
	section("Clients", "connected_clients:"+strconv.Itoa(m.Clients), "maxclients:"+strconv.Itoa(cfg.MaxClients))
	section("Memory",
		"used_memory:"+strconv.FormatInt(m.UsedMemory, 10),
		"used_memory_human:"+humanBytes(m.UsedMemory),
		"used_memory_heap:"+strconv.FormatUint(ms.HeapAlloc, 10),
		"used_memory_rss:"+strconv.FormatUint(ms.Sys, 10),
		"maxmemory:"+strconv.FormatInt(cfg.MaxMemory, 10),
		"maxmemory_human:"+humanBytes(cfg.MaxMemory),
		"maxmemory_policy:"+cfg.MaxMemoryPolicy)
	section("Persistence", c.srv.persistenceInfo()...)
	section("Stats",
		"total_connections_received:"+strconv.FormatUint(m.Connections, 10),
		"total_commands_processed:"+strconv.FormatUint(m.Commands, 10),
		"rejected_connections:"+strconv.FormatUint(m.Rejected, 10),
		"expired_keys:"+strconv.FormatUint(m.ExpiredKeys, 10),
		"evicted_keys:"+strconv.FormatUint(m.EvictedKeys, 10),
		"client_output_buffer_limit_disconnections:"+strconv.FormatUint(m.OutputLimitKills, 10),
		"keyspace_table_grows:"+strconv.FormatUint(m.TableGrows, 10),
		"keyspace_table_shrinks:"+strconv.FormatUint(m.TableShrinks, 10))
	keyspace := []string{}
	if m.Keys > 0 {
		keyspace = append(keyspace, fmt.Sprintf("db0:keys=%d,expires=%d,avg_ttl=0", m.Keys, m.Expires))
	}
	section("Keyspace", keyspace...)
	c.w.BulkString(b.String())
}

// applyConfig puts the changes of a CONFIG SET into effect (the caller
// holds cfg.mu); an error leaves the old settings.
func (s *Server) applyConfig(old, o Options) error {
	if o.AppendOnly != old.AppendOnly || (o.AppendOnly && o.AppendFsync != old.AppendFsync) {
		s.opts.AppendFsync = o.AppendFsync
		if old.AppendOnly {
			// A new policy takes a new log: off, then on (a rewrite from memory).
			if err := s.setAppendOnly(false); err != nil {
				return err
			}
		}
		if o.AppendOnly {
			if err := s.setAppendOnly(true); err != nil {
				return err
			}
		}
	}
	s.opts.AppendFsync = o.AppendFsync
	policy, _ := kv.ParsePolicy(o.MaxMemoryPolicy)
	s.store.SetPolicy(policy)
	s.store.SetMaxMemory(o.MaxMemory)
	flags, _ := parseNotifyFlags(o.NotifyKeyspaceEvents)
	s.notify.Store(uint32(flags))
	return nil
}

// humanBytes formats a byte count as INFO's *_human fields do.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 2, 64) + "G"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 2, 64) + "M"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 2, 64) + "K"
	}
	return strconv.FormatInt(n, 10) + "B"
}
