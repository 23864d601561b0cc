package nubmq

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var diffSeeds = flag.Int("nubmq.diff-seeds", 40, "seeds for the differential test against redis-server")

// startRedis runs a real redis-server on a free loopback port, or skips the
// test when the binary is missing outside CI (CI installs it: .ci/run).
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed; .ci/run must install the Debian package redis-server")
		}
		t.Skip("redis-server not installed (apt-get install redis-server); the differential test needs it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIndentity: true})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
	}
}

// TestDifferentialRedis sends the same random command sequences to Nubmq and
// to Redis 7 and compares every reply, errors included. Documented
// exceptions: TTL and EXPIRETIME may differ by one second (the two servers
// see the command at slightly different times), hash fields come back in
// another order (compared sorted); Nubmq has database 0 only, so SELECT n>0 is
// not generated; commands whose replies describe the server (HELLO,
// COMMAND, INFO) are not generated.
func TestDifferentialRedis(t *testing.T) {
	redisAddr := startRedis(t)
	_, nubmqAddr := startServer(t, Options{})
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: redisAddr, Protocol: 2, DisableIndentity: true})
	nc := redis.NewClient(&redis.Options{Addr: nubmqAddr, Protocol: 2, DisableIndentity: true})
	defer rc.Close()
	defer nc.Close()
	for seed := uint64(1); seed <= uint64(*diffSeeds); seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		rc.FlushAll(ctx)
		nc.FlushAll(ctx)
		for step := 0; step < 200; step++ {
			args := randomCommand(rng)
			var rv, nv any
			var rerr, nerr error
			if args[0] == "SCAN" {
				// A whole iteration: cursors differ by design, the keys
				// returned may not.
				rv, rerr = scanAllKeys(ctx, rc, args[1:])
				nv, nerr = scanAllKeys(ctx, nc, args[1:])
			} else {
				rv, rerr = rc.Do(ctx, args...).Result()
				nv, nerr = nc.Do(ctx, args...).Result()
			}
			if fmt.Sprint(rerr) != fmt.Sprint(nerr) {
				t.Fatalf("seed %d step %d %q: redis error %v, nubmq error %v\nreplay: go test ./nubmq -run TestDifferentialRedis -nubmq.diff-seeds=%d", seed, step, args, rerr, nerr, seed)
			}
			if !sameReply(args, rv, nv) {
				t.Fatalf("seed %d step %d %q: redis %#v, nubmq %#v\nreplay: go test ./nubmq -run TestDifferentialRedis -nubmq.diff-seeds=%d", seed, step, args, rv, nv, seed)
			}
		}
	}
}

func sameReply(args []any, a, b any) bool {
	switch name, _ := args[0].(string); name {
	case "TTL", "EXPIRETIME":
		x, okx := a.(int64)
		y, oky := b.(int64)
		if okx && oky && x > 0 && y > 0 {
			return x-y <= 1 && y-x <= 1
		}
	case "HKEYS", "HVALS", "KEYS":
		return reflect.DeepEqual(sortedStrings(a), sortedStrings(b))
	case "HGETALL":
		return reflect.DeepEqual(sortedPairs(a), sortedPairs(b))
	case "HSCAN": // [cursor, [field value ...]]
		if reflect.DeepEqual(a, b) {
			return true
		}
		x, _ := a.([]any)
		y, _ := b.([]any)
		return len(x) == 2 && len(y) == 2 && reflect.DeepEqual(x[0], y[0]) &&
			reflect.DeepEqual(sortedPairs(x[1]), sortedPairs(y[1]))
	case "RANDOMKEY": // any key: both answer one, or both nil
		return (a == nil) == (b == nil)
	}
	return reflect.DeepEqual(a, b)
}

// scanAllKeys runs a SCAN iteration with the given options to its end and
// returns the keys, sorted and each once.
func scanAllKeys(ctx context.Context, c *redis.Client, opts []any) (any, error) {
	seen := map[string]bool{}
	cursor := "0"
	for i := 0; i < 10000; i++ {
		v, err := c.Do(ctx, append([]any{"SCAN", cursor}, opts...)...).Result()
		if err != nil {
			return nil, err
		}
		pair, _ := v.([]any)
		if len(pair) != 2 {
			return nil, fmt.Errorf("SCAN reply %v", v)
		}
		keys, _ := pair[1].([]any)
		for _, k := range keys {
			seen[fmt.Sprint(k)] = true
		}
		if cursor = fmt.Sprint(pair[0]); cursor == "0" {
			var out []string
			for k := range seen {
				out = append(out, k)
			}
			sort.Strings(out)
			return fmt.Sprint(out), nil
		}
	}
	return nil, fmt.Errorf("SCAN did not finish")
}

// sortedStrings and sortedPairs compare hash replies without their order:
// Redis keeps small hashes in insertion order, Nubmq's have none.
func sortedStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	sort.Strings(out)
	return out
}

func sortedPairs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for i := 0; i+1 < len(l); i += 2 {
		out = append(out, fmt.Sprint(l[i])+"="+fmt.Sprint(l[i+1]))
	}
	sort.Strings(out)
	return out
}

// randomCommand draws a command over a small keyspace, including invalid
// forms, so that error replies are compared too.
func randomCommand(rng *rand.Rand) []any {
	key := func() any { return "k" + strconv.Itoa(rng.IntN(5)) }
	val := func() any {
		switch rng.IntN(4) {
		case 0:
			return strconv.Itoa(rng.IntN(200) - 100)
		case 1:
			return "9223372036854775806"
		case 2:
			return ""
		}
		return "v" + strconv.Itoa(rng.IntN(10))
	}
	num := func() any { return strconv.Itoa(rng.IntN(2000) - 200) }
	pick := func(opts ...string) any { return opts[rng.IntN(len(opts))] }
	field := func() any { return "f" + strconv.Itoa(rng.IntN(4)) }
	switch rng.IntN(52) {
	case 47, 48:
		c := []any{}
		if rng.IntN(2) == 0 {
			c = append(c, "MATCH", pick("*", "k[0-2]", "k?", "x*"))
		}
		if rng.IntN(2) == 0 {
			c = append(c, "COUNT", pick("1", "3", "100", "0", "x"))
		}
		if rng.IntN(3) == 0 {
			c = append(c, "TYPE", pick("string", "hash", "list"))
		}
		return append([]any{"SCAN"}, c...)
	case 49:
		c := []any{"HSCAN", key(), pick("0", "0", "x")}
		if rng.IntN(2) == 0 {
			c = append(c, "MATCH", pick("*", "f[0-1]", "x*"))
		}
		if rng.IntN(3) == 0 {
			c = append(c, "COUNT", pick("1", "100", "0"))
		}
		return c
	case 50:
		return []any{"RANDOMKEY"}
	case 40:
		return []any{"GETRANGE", key(), pick("0", "1", "-1", "-3", "5", "100"), pick("0", "2", "-1", "-2", "100")}
	case 41:
		return []any{"SETRANGE", key(), pick("0", "2", "5", "-1", "x"), pick("ab", "", "xyz")}
	case 42:
		c := []any{"GETEX", key()}
		switch rng.IntN(5) {
		case 0:
			c = append(c, "PERSIST")
		case 1:
			c = append(c, pick("EX", "PX"), strconv.Itoa(100000+rng.IntN(1000)))
		case 2:
			c = append(c, "EX", pick("0", "x"))
		case 3:
			c = append(c, "BOGUS")
		}
		return c
	case 43:
		return []any{"MSETNX", key(), val(), key(), val()}
	case 44, 45:
		return []any{"INCRBYFLOAT", key(), pick("0.1", "-2.5", "1e3", "3", "abc", "0.2", "10.5", "-0.1")}
	case 46:
		return []any{"KEYS", pick("*", "k[0-2]", "k?", "x*", "k[^1]", "*4")}
	case 26, 27:
		c := []any{"HSET", key(), field(), val()}
		if rng.IntN(2) == 0 {
			c = append(c, field(), val())
		}
		if rng.IntN(10) == 0 {
			c = append(c, field()) // odd: wrong number of arguments
		}
		return c
	case 28:
		return []any{"HGET", key(), field()}
	case 29:
		return []any{"HMGET", key(), field(), field()}
	case 30:
		return []any{"HDEL", key(), field(), field()}
	case 31:
		return []any{pick("HLEN", "HGETALL", "HKEYS", "HVALS"), key()}
	case 32:
		return []any{"HEXISTS", key(), field()}
	case 33:
		return []any{"HINCRBY", key(), field(), pick("3", "-7", "x")}
	case 34:
		return []any{"GETSET", key(), val()}
	case 35:
		return []any{pick("SETEX", "PSETEX"), key(), pick("100000", "0", "-1", "x"), val()}
	case 36:
		return []any{pick("RENAME", "RENAMENX"), key(), key()}
	case 37:
		return []any{pick("EXPIREAT", "PEXPIREAT"), key(), pick("1", "4102444800", "4102444800000"), pick("NX", "GT", "XX")}[:3+rng.IntN(2)]
	case 38:
		return []any{"EXPIRETIME", key()}
	case 0, 1:
		c := []any{"SET", key(), val()}
		for i := rng.IntN(3); i > 0; i-- {
			switch rng.IntN(6) {
			case 0:
				c = append(c, pick("NX", "XX"))
			case 1:
				c = append(c, "GET")
			case 2:
				c = append(c, pick("EX", "PX"), strconv.Itoa(100000+rng.IntN(1000)))
			case 3:
				c = append(c, "KEEPTTL")
			case 4:
				c = append(c, "EX", pick("0", "-5", "abc"))
			default:
				c = append(c, "BOGUS")
			}
		}
		return c
	case 2, 3:
		return []any{"GET", key()}
	case 4:
		return []any{"SETNX", key(), val()}
	case 5:
		return []any{"GETDEL", key()}
	case 6:
		return []any{"MGET", key(), key(), key()}
	case 7:
		return []any{"MSET", key(), val(), key(), val()}
	case 8:
		return []any{"APPEND", key(), val()}
	case 9:
		return []any{"STRLEN", key()}
	case 10, 11:
		return []any{pick("INCR", "DECR"), key()}
	case 12:
		return []any{pick("INCRBY", "DECRBY"), key(), pick("5", "-3", "x", "9223372036854775807")}
	case 13:
		return []any{pick("DEL", "UNLINK"), key(), key()}
	case 14:
		return []any{"EXISTS", key(), key()}
	case 15:
		return []any{"TYPE", key()}
	case 16:
		c := []any{pick("EXPIRE", "PEXPIRE"), key(), pick("1000", "5000", "-1", "x")}
		if rng.IntN(2) == 0 {
			c = append(c, pick("NX", "XX", "GT", "LT"))
		}
		return c
	case 17:
		return []any{"PERSIST", key()}
	case 18:
		return []any{"TTL", key()}
	case 19:
		return []any{"DBSIZE"}
	case 20:
		return []any{"PING"}
	case 21:
		return []any{"ECHO", val()}
	case 22:
		return []any{pick("GET", "SET", "INCR", "MSET"), key()}[:1+rng.IntN(2)] // wrong arity
	case 23:
		return []any{"NOSUCHCMD", key()}
	case 24:
		return []any{"SELECT", pick("0", "x")} // exception: Nubmq has database 0 only
	}
	return []any{"SET", key(), num()}
}
