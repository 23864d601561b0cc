package nubmq

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefdb/reef/internal/uring"
	"github.com/reefdb/reef/nubmq/resp"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func startServer(t *testing.T, o Options) (*Server, string) {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return s, ln.Addr().String()
}

type client struct {
	t  *testing.T
	nc net.Conn
	r  *resp.Reader
	w  *resp.Writer
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, nc: nc, r: resp.NewReader(nc, resp.Limits{}), w: resp.NewWriter(nc)}
}

func (c *client) send(args ...string) {
	c.w.ArrayHeader(len(args))
	for _, a := range args {
		c.w.BulkString(a)
	}
}

func (c *client) do(args ...string) resp.Value {
	c.t.Helper()
	c.send(args...)
	c.w.Flush()
	v, err := c.r.ReadReply()
	if err != nil {
		c.t.Fatalf("%v: %v", args, err)
	}
	return v
}

// expect checks a reply against its redis-cli-like rendering.
func (c *client) expect(want string, args ...string) {
	c.t.Helper()
	if got := c.do(args...).String(); got != want {
		c.t.Fatalf("%q: got %s, want %s", args, got, want)
	}
}

func TestStringsAndExpiry(t *testing.T) {
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	_, addr := startServer(t, Options{Now: clk.Now})
	c := dial(t, addr)
	c.expect(`"PONG"`, "PING")
	c.expect(`"hi"`, "PING", "hi")
	c.expect(`"x"`, "ECHO", "x")
	c.expect(`(nil)`, "GET", "k")
	c.expect(`"OK"`, "SET", "k", "v1")
	c.expect(`"v1"`, "GET", "k")
	c.expect(`(nil)`, "SET", "k", "v2", "NX")
	c.expect(`"v1"`, "SET", "k", "v2", "XX", "GET")
	c.expect(`(nil)`, "SET", "nokey", "v", "XX")
	c.expect(`(error) ERR syntax error`, "SET", "k", "v", "NX", "XX")
	c.expect(`(error) ERR syntax error`, "SET", "k", "v", "EX", "10", "PX", "5")
	c.expect(`(error) ERR value is not an integer or out of range`, "SET", "k", "v", "EX", "ten")
	c.expect(`(error) ERR invalid expire time in 'set' command`, "SET", "k", "v", "EX", "0")
	c.expect(`-1`, "TTL", "k")
	c.expect(`"OK"`, "SET", "t", "v", "EX", "10")
	c.expect(`10`, "TTL", "t")
	c.expect(`10000`, "PTTL", "t")
	c.expect(`"OK"`, "SET", "t", "w", "KEEPTTL")
	c.expect(`10`, "TTL", "t")
	clk.Add(9500 * time.Millisecond)
	c.expect(`1`, "TTL", "t")
	clk.Add(time.Second)
	c.expect(`(nil)`, "GET", "t") // invisible at once
	c.expect(`-2`, "TTL", "t")
	c.expect(`0`, "EXISTS", "t")

	c.expect(`1`, "INCR", "n")
	c.expect(`11`, "INCRBY", "n", "10")
	c.expect(`9`, "DECRBY", "n", "2")
	c.expect(`8`, "DECR", "n")
	c.expect(`(error) ERR value is not an integer or out of range`, "INCR", "k")
	c.expect(`"OK"`, "SET", "big", "9223372036854775807")
	c.expect(`(error) ERR increment or decrement would overflow`, "INCR", "big")
	c.expect(`4`, "APPEND", "a", "abcd")
	c.expect(`6`, "APPEND", "a", "ef")
	c.expect(`6`, "STRLEN", "a")
	c.expect(`"OK"`, "MSET", "m1", "a", "m2", "b")
	c.expect(`*["a" (nil) "b"]`, "MGET", "m1", "missing", "m2")
	c.expect(`1`, "SETNX", "s", "1")
	c.expect(`0`, "SETNX", "s", "2")
	c.expect(`"1"`, "GETDEL", "s")
	c.expect(`(nil)`, "GET", "s")
	c.expect(`"string"`, "TYPE", "m1")
	c.expect(`"none"`, "TYPE", "nope")
	c.expect(`2`, "DEL", "m1", "m2", "m3")

	c.expect(`1`, "EXPIRE", "a", "100")
	c.expect(`0`, "EXPIRE", "a", "200", "NX")
	c.expect(`1`, "EXPIRE", "a", "200", "GT")
	c.expect(`0`, "EXPIRE", "a", "50", "GT")
	c.expect(`1`, "EXPIRE", "a", "50", "LT")
	c.expect(`50000`, "PTTL", "a")
	c.expect(`1`, "PERSIST", "a")
	c.expect(`-1`, "TTL", "a")
	c.expect(`1`, "PEXPIRE", "a", "-1") // past: deleted
	c.expect(`0`, "EXISTS", "a")
	c.expect(`(error) ERR NX and XX, GT or LT options at the same time are not compatible`, "EXPIRE", "k", "1", "NX", "XX")

	c.expect(`3`, "DBSIZE") // k, n, big
	c.expect(`"OK"`, "FLUSHALL")
	c.expect(`0`, "DBSIZE")
	c.expect(`"OK"`, "SELECT", "0")
	c.expect(`(error) ERR DB index is out of range`, "SELECT", "1")
}

func TestErrorsAndProtocol(t *testing.T) {
	_, addr := startServer(t, Options{})
	c := dial(t, addr)
	c.expect(`(error) ERR wrong number of arguments for 'get' command`, "GET")
	c.expect(`(error) ERR wrong number of arguments for 'get' command`, "get", "a", "b")
	c.expect(`(error) ERR unknown command 'FOO', with args beginning with: 'a' 'b' `, "FOO", "a", "b")
	c.expect(`(error) NOPROTO unsupported protocol version`, "HELLO", "4")

	// HELLO 3 switches to RESP3: maps and nulls change shape.
	v := c.do("HELLO", "3")
	if v.Kind != '%' || len(v.Elems) != 14 || string(v.Elems[5].Str) != "" && v.Elems[5].Int != 3 {
		t.Fatalf("HELLO 3: %v", v)
	}
	if v := c.do("GET", "missing"); v.Kind != '_' {
		t.Fatalf("RESP3 null: %v", v)
	}

	// Inline commands from a raw connection, pipelined.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(nc, "SET k \"hello world\" EX 10\r\nGET k\r\nPING\r\n")
	br := bufio.NewReader(nc)
	for _, want := range []string{"+OK\r\n", "$11\r\n", "hello world\r\n", "+PONG\r\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("inline reply %q (%v), want %q", line, err, want)
		}
	}
	// Malformed input: Redis's error, then the connection is closed.
	fmt.Fprintf(nc, "*1\r\n$-5\r\n")
	line, _ := br.ReadString('\n')
	if line != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("protocol error reply %q", line)
	}
	if _, err := br.ReadString('\n'); err == nil {
		t.Fatal("connection stayed open after a protocol error")
	}
	// And the server still serves others.
	dial(t, addr).expect(`"PONG"`, "PING")
}

// TestPipelineManyClients runs pipelined clients, some with replies larger
// than a socket takes at once, through both I/O paths: a round's receives
// and sends batched through io_uring (the default, where the kernel allows
// it), and one system call per socket read and write.
func TestPipelineManyClients(t *testing.T) {
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("PlainSyscalls=%v", plain), func(t *testing.T) {
			s, addr := startServer(t, Options{PlainSyscalls: plain})
			info := string(dial(t, addr).do("INFO", "server").Str)
			want := "nubmq_io_uring_loops:0\r\n"
			if !plain && uringBatchWorks() {
				want = fmt.Sprintf("nubmq_io_uring_loops:%d\r\n", s.opts.IOThreads)
			}
			if !strings.Contains(info, want) {
				t.Fatalf("INFO server says %q, want %q", info, want)
			}
			big := strings.Repeat("v", 3<<20)
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					c := dial(t, addr)
					const n = 500
					for i := 0; i < n; i++ {
						c.send("INCR", "counter")
						c.send("SET", fmt.Sprintf("k%d:%d", g, i), "v")
					}
					c.w.Flush()
					for i := 0; i < 2*n; i++ {
						if _, err := c.r.ReadReply(); err != nil {
							t.Error(err)
							return
						}
					}
					// Replies of 3 MiB, several per batch: partial sends,
					// then write readiness.
					key := fmt.Sprintf("big%d", g)
					c.send("SET", key, big)
					for i := 0; i < 4; i++ {
						c.send("GET", key)
					}
					c.w.Flush()
					for i := 0; i < 5; i++ {
						v, err := c.r.ReadReply()
						if err != nil {
							t.Error(err)
							return
						}
						if i > 0 && string(v.Str) != big {
							t.Errorf("GET %s: %d bytes, want %d", key, len(v.Str), len(big))
							return
						}
					}
				}(g)
			}
			wg.Wait()
			c := dial(t, addr)
			if v := c.do("GET", "counter"); string(v.Str) != "4000" {
				t.Fatalf("counter %v after 8×500 INCR", v)
			}
			if m := s.Metrics(); m.Keys != 4009 || m.Commands < 8040 {
				t.Fatalf("metrics %+v", m)
			}
		})
	}
}

// uringBatchWorks reports whether this kernel runs io_uring socket batches.
func uringBatchWorks() bool {
	b, err := uring.NewBatch(2)
	if err != nil {
		return false
	}
	b.Close()
	return true
}

func TestMaxClients(t *testing.T) {
	_, addr := startServer(t, Options{MaxClients: 1})
	c := dial(t, addr)
	c.expect(`"PONG"`, "PING")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(nc).ReadString('\n')
	if !strings.HasPrefix(line, "-ERR max number of clients reached") {
		t.Fatalf("second client got %q", line)
	}
}

func TestAuthConfigClientInfo(t *testing.T) {
	_, addr := startServer(t, Options{RequirePass: "s3cret"})
	c := dial(t, addr)
	c.expect(`(error) NOAUTH Authentication required.`, "GET", "k")
	c.expect(`(error) WRONGPASS invalid username-password pair or user is disabled.`, "AUTH", "nope")
	c.expect(`"OK"`, "AUTH", "s3cret")
	c.expect(`(nil)`, "GET", "k")
	c.expect(`"OK"`, "SET", "k", "v", "EX", "100")

	// HELLO 3 with AUTH on a fresh connection authenticates and switches.
	h := dial(t, addr)
	if v := h.do("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "app"); v.Kind != '%' {
		t.Fatalf("HELLO 3 AUTH: %v", v)
	}
	h.expect(`"app"`, "CLIENT", "GETNAME")

	c.expect(`*["requirepass" "s3cret"]`, "CONFIG", "GET", "requirepass") // RESP2: a map is a flat array
	if v := c.do("CONFIG", "GET", "*"); len(v.Elems) != 2*len(configParams) {
		t.Fatalf("CONFIG GET *: %v", v)
	}
	c.expect(`"OK"`, "CONFIG", "SET", "timeout", "300", "maxclients", "50")
	c.expect(`*["maxclients" "50"]`, "CONFIG", "GET", "maxclients")
	c.expect(`(error) ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'`, "CONFIG", "SET", "nosuch", "1")
	c.expect(`"OK"`, "CLIENT", "SETNAME", "worker-1")
	c.expect(`"worker-1"`, "CLIENT", "GETNAME")
	c.expect(`(error) ERR Client names cannot contain spaces, newlines or special characters.`, "CLIENT", "SETNAME", "a b")
	c.expect(`"OK"`, "CLIENT", "SETINFO", "LIB-NAME", "go-redis")
	list := string(c.do("CLIENT", "LIST").Str)
	if !strings.Contains(list, "name=worker-1") || !strings.Contains(list, "name=app") || strings.Count(list, "\n") != 2 {
		t.Fatalf("CLIENT LIST:\n%s", list)
	}
	info := string(c.do("INFO").Str)
	for _, want := range []string{"# Server", "redis_version:", "connected_clients:2", "db0:keys=1,expires=1"} {
		if !strings.Contains(info, want) {
			t.Fatalf("INFO lacks %q:\n%s", want, info)
		}
	}
	if info := string(c.do("INFO", "keyspace").Str); strings.Contains(info, "# Server") {
		t.Fatalf("INFO keyspace printed other sections:\n%s", info)
	}
	c.expect(`"RESET"`, "RESET")
	c.expect(`(error) NOAUTH Authentication required.`, "GET", "k")
}

func TestCommandMetadata(t *testing.T) {
	for name := range commandTable {
		if _, ok := commandMetas[name]; !ok {
			t.Errorf("command %q has no COMMAND metadata", name)
		}
	}
	_, addr := startServer(t, Options{})
	c := dial(t, addr)
	if n := c.do("COMMAND", "COUNT").Int; n != int64(len(commandTable)) {
		t.Fatalf("COMMAND COUNT = %d", n)
	}
	c.expect(`*[*["get" 2 *["readonly" "fast"] 1 1 1 *["@string"] *[] *[] *[]] (nil)]`, "COMMAND", "INFO", "get", "nosuch")
	c.expect(`*["set" *["summary" "Sets a key's string value, with optional expiry and conditions." "since" "1.0.0" "group" "string"]]`, "COMMAND", "DOCS", "set")
	if v := c.do("COMMAND"); len(v.Elems) != len(commandTable) {
		t.Fatalf("COMMAND gave %d entries", len(v.Elems))
	}
}

// TestIdleTimeout: with timeout set, an idle client is closed; a busy one
// and a subscriber are not.
func TestIdleTimeout(t *testing.T) {
	_, addr := startServer(t, Options{})
	admin := dial(t, addr)
	admin.expect(`"OK"`, "CONFIG", "SET", "timeout", "1")
	idle := dial(t, addr)
	idle.expect(`"PONG"`, "PING")
	sub := dial(t, addr)
	sub.expect(`*["subscribe" "ch" 1]`, "SUBSCRIBE", "ch")
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		admin.expect(`"PONG"`, "PING") // stays active
		time.Sleep(100 * time.Millisecond)
	}
	idle.nc.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := idle.r.ReadReply(); err == nil {
		t.Fatal("idle client got a reply instead of being closed")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("idle client still connected after 4s with timeout 1")
	}
	admin.expect(`1`, "PUBLISH", "ch", "still here")
}
