package nubmq

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHostileInput sends malformed, oversized and truncated input on many
// connections. Each gets an error or is waited on until it closes; the
// server stays up and keeps serving.
func TestHostileInput(t *testing.T) {
	srv, addr := startServer(t, Options{ProtoMaxBulkLen: 1 << 20})
	inputs := []string{
		"*1\r\n$-5\r\n",                     // negative bulk length
		"*1\r\n$2000000\r\n",                // bulk over proto-max-bulk-len
		"*99999999999\r\n",                  // multibulk count over the bound
		"*2\r\n$3\r\nGET\r\nxx\r\n",         // '$' expected
		"*1\r\n$3\r\nGETxx",                 // bulk without CRLF
		"*3\r\n$3\r\nSET\r\n$1\r\nk",        // truncated mid-command, then closed
		"*1\r\n$100000\r\n" + "abc",         // announces more than it sends
		"SET \"unbalanced\r\n",              // inline quote never closed
		strings.Repeat("A", 70<<10),         // inline line too long
		"*" + strings.Repeat("9", 70<<10),   // count line too long
		"\x00\x01\x02\xff\r\n",              // binary inline
		"*1\r\n$4\r\nPING\r\n*1\r\n$-1\r\n", // a good command, then a bad one
		"*-1\r\n*0\r\n\r\n\n",               // skipped forms only
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 40; i++ { // and random bytes
		b := make([]byte, rng.IntN(200))
		for j := range b {
			b[j] = "*$\r\n0123456789-abc \"'\\x"[rng.IntN(22)]
		}
		inputs = append(inputs, string(b))
	}
	for i, in := range inputs {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		// Byte by byte for some, at once for others: partial reads must not matter.
		if i%3 == 0 {
			for j := 0; j < len(in) && j < 4096; j++ {
				nc.Write([]byte{in[j]})
			}
			if len(in) > 4096 {
				nc.Write([]byte(in[4096:]))
			}
		} else {
			nc.Write([]byte(in))
		}
		// Read what comes back for a short while; every line must be a
		// reply, and an error reply is Redis's protocol error text.
		nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		got, _ := io.ReadAll(nc)
		nc.Close()
		if bytes.Contains(got, []byte("internal error")) {
			t.Fatalf("input %d %.40q: %q", i, in, got)
		}
		for _, line := range bytes.Split(got, []byte("\r\n")) {
			if bytes.HasPrefix(line, []byte("-ERR Protocol error")) || bytes.HasPrefix(line, []byte("-ERR unknown command")) {
				continue
			}
			if len(line) > 0 && line[0] == '-' && !bytes.HasPrefix(line, []byte("-ERR")) {
				t.Fatalf("input %d: odd error %q", i, line)
			}
		}
	}
	c := dial(t, addr)
	c.expect(`"PONG"`, "PING")
	deadline := time.Now().Add(5 * time.Second)
	for srv.Metrics().Clients != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients still open, want 1", srv.Metrics().Clients)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var randomSeed = flag.Uint64("nubmq.random-seed", 11, "seed of TestRandomCommandsNeverPanic")

// TestRandomCommandsNeverPanic sends every command of the table with random
// arguments (numbers, options, keys of both types, garbage). A panic in a
// command would answer "ERR internal error": none may.
func TestRandomCommandsNeverPanic(t *testing.T) {
	var log syncBuffer
	_, addr := startServer(t, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	c := dial(t, addr)
	names := make([]string, 0, len(commandTable))
	for name := range commandTable {
		switch name {
		case "quit", "reset", "subscribe", "psubscribe", "hello", "auth", "config", "client":
			continue // change the connection's mode or settings; covered elsewhere
		case "unsubscribe", "punsubscribe":
			continue // one reply per argument
		}
		names = append(names, name)
	}
	sort.Strings(names)
	words := []string{"k", "h", "s", "0", "1", "-1", "10", "9223372036854775807", "-9223372036854775808",
		"1.5", "inf", "nan", "EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "KEEPTTL", "GET", "PERSIST",
		"MATCH", "COUNT", "*", "", "\x00", "f", "v", "COUNT", "TYPE", "string", "hash", "ch"}
	rng := rand.New(rand.NewPCG(*randomSeed, 11))
	c.do("SET", "s", "12")
	c.do("HSET", "h", "f", "1")
	for i := 0; i < 20000; i++ {
		name := names[rng.IntN(len(names))]
		args := []string{name}
		n := rng.IntN(6)
		if a := commandTable[name].arity; rng.IntN(4) > 0 { // mostly a valid count
			n = max(a, -a) - 1
			if a < 0 {
				n += rng.IntN(4)
			}
		}
		for ; n > 0; n-- {
			args = append(args, words[rng.IntN(len(words))])
		}
		c.send(args...)
		c.w.Flush()
		v, err := c.r.ReadReply()
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if v.Kind == '-' && strings.Contains(string(v.Str), "internal error") {
			t.Fatalf("%q panicked: %s", args, log.String())
		}
		if i%500 == 0 {
			c.do("SET", "s", fmt.Sprint(i))
			c.do("HSET", "h", "f", "1")
		}
	}
}

// syncBuffer is a bytes.Buffer for a logger written from the event loops.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
