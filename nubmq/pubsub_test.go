package nubmq

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reefdb/reef/nubmq/resp"
)

// exact renders a reply with every type byte, so that a simple string and
// a bulk string, or an array and a push, differ.
func exact(v resp.Value) string {
	switch v.Kind {
	case '*', '%', '~', '>':
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = exact(e)
		}
		return fmt.Sprintf("%c[%s]", v.Kind, strings.Join(parts, " "))
	case ':':
		return fmt.Sprintf(":%d", v.Int)
	case '_':
		return "_"
	}
	return fmt.Sprintf("%c%q", v.Kind, v.Str)
}

// step is one command of a transcript: client c sends cmd, then the
// replies listed in read are read, from each client in client order.
type step struct {
	c    int
	cmd  string
	read map[int]int
}

// runTranscript plays steps against the server at addr with n clients and
// returns every reply read, in order, prefixed by the reading client.
func runTranscript(t *testing.T, addr string, n int, steps []step) []string {
	t.Helper()
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = dial(t, addr)
	}
	var out []string
	for _, s := range steps {
		c := clients[s.c]
		args := strings.Fields(s.cmd)
		for i, a := range args {
			if a == "''" {
				args[i] = ""
			}
		}
		c.send(args...)
		c.w.Flush()
		for i := 0; i < n; i++ {
			for k := 0; k < s.read[i]; k++ {
				clients[i].nc.SetReadDeadline(time.Now().Add(2 * time.Second))
				v, err := clients[i].r.ReadReply()
				if err != nil {
					t.Fatalf("step %q: client %d reply %d: %v (got so far: %q)", s.cmd, i, k, err, out)
				}
				if strings.HasPrefix(s.cmd, "HELLO") && i == s.c {
					// The server's name and version differ by design.
					out = append(out, fmt.Sprintf("%d HELLO reply of kind %c", i, v.Kind))
					continue
				}
				if strings.HasPrefix(s.cmd, "PUBSUB CHANNELS") {
					// Redis lists channels in hash-table order.
					sort.Slice(v.Elems, func(a, b int) bool { return string(v.Elems[a].Str) < string(v.Elems[b].Str) })
				}
				out = append(out, fmt.Sprintf("%d %s", i, exact(v)))
			}
		}
	}
	// Nothing more may be waiting.
	for i, c := range clients {
		c.nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if v, err := c.r.ReadReply(); err == nil {
			t.Fatalf("client %d: unexpected extra reply %s", i, exact(v))
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	return out
}

// pubsubTranscript covers subscribing, publishing, patterns, RESP3 pushes,
// the subscribed-mode restrictions and keyspace notifications. Its replies
// are compared with a real Redis 7's, byte for byte.
var pubsubTranscript = []step{
	{0, "SUBSCRIBE news sport", map[int]int{0: 2}},
	{1, "PUBLISH news hello", map[int]int{0: 1, 1: 1}},
	{1, "PUBLISH weather rain", map[int]int{1: 1}},
	{0, "PSUBSCRIBE n* s?ort", map[int]int{0: 2}},
	{1, "PUBLISH news again", map[int]int{0: 2, 1: 1}},
	{1, "PUBLISH sport goal", map[int]int{0: 2, 1: 1}},
	{1, "PUBSUB CHANNELS", map[int]int{1: 1}},
	{1, "PUBSUB CHANNELS s*", map[int]int{1: 1}},
	{1, "PUBSUB NUMSUB news nothing", map[int]int{1: 1}},
	{1, "PUBSUB NUMPAT", map[int]int{1: 1}},
	{0, "PING", map[int]int{0: 1}},
	{0, "PING hi", map[int]int{0: 1}},
	{0, "GET k", map[int]int{0: 1}},
	{0, "UNSUBSCRIBE news", map[int]int{0: 1}},
	{0, "PUNSUBSCRIBE", map[int]int{0: 2}},
	{0, "UNSUBSCRIBE", map[int]int{0: 1}},
	{0, "UNSUBSCRIBE", map[int]int{0: 1}},
	{0, "GET k", map[int]int{0: 1}},
	// RESP3: pushes, and ordinary commands while subscribed.
	{2, "HELLO 3", map[int]int{2: 1}},
	{2, "SUBSCRIBE ch", map[int]int{2: 1}},
	{2, "SET k v", map[int]int{2: 1}},
	{1, "PUBLISH ch m1", map[int]int{1: 1, 2: 1}},
	{2, "PUBLISH ch self", map[int]int{2: 2}},
	{2, "UNSUBSCRIBE ch", map[int]int{2: 1}},
	// Keyspace notifications.
	{1, "CONFIG SET notify-keyspace-events KEA", map[int]int{1: 1}},
	{1, "CONFIG GET notify-keyspace-events", map[int]int{1: 1}},
	{0, "PSUBSCRIBE __key*@0__:*", map[int]int{0: 1}},
	{1, "SET k v2", map[int]int{0: 2, 1: 1}},
	{1, "SET k v3 EX 100", map[int]int{0: 4, 1: 1}},
	{1, "PERSIST k", map[int]int{0: 2, 1: 1}},
	{1, "INCRBY n 5", map[int]int{0: 2, 1: 1}},
	{1, "APPEND k x", map[int]int{0: 2, 1: 1}},
	{1, "HSET h f 1 g 2", map[int]int{0: 2, 1: 1}},
	{1, "HDEL h f g", map[int]int{0: 4, 1: 1}},
	{1, "RENAME k k2", map[int]int{0: 4, 1: 1}},
	{1, "EXPIRE k2 100", map[int]int{0: 2, 1: 1}},
	{1, "DEL k2 n missing", map[int]int{0: 4, 1: 1}},
	{1, "MSET a 1 b 2", map[int]int{0: 4, 1: 1}},
	{1, "PEXPIRE a -1", map[int]int{0: 2, 1: 1}},
	{1, "GETDEL b", map[int]int{0: 2, 1: 1}},
	{1, "CONFIG SET notify-keyspace-events Eg", map[int]int{1: 1}},
	{1, "SET c 1 EX 5", map[int]int{0: 1, 1: 1}},
	{1, "CONFIG SET notify-keyspace-events ''", map[int]int{1: 1}},
	{1, "DEL c", map[int]int{1: 1}},
}

func TestPubSubTranscriptMatchesRedis(t *testing.T) {
	redisAddr := startRedis(t)
	_, addr := startServer(t, Options{})
	want := runTranscript(t, redisAddr, 3, pubsubTranscript)
	got := runTranscript(t, addr, 3, pubsubTranscript)
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Fatalf("reply %d: nubmq %s, redis %s\nredis transcript:\n%s", i, g, w, strings.Join(want, "\n"))
		}
	}
}

// TestSlowSubscriberIsDisconnected: a subscriber that stops reading is
// closed once its pending messages pass the hard limit; the publisher is
// never blocked and other subscribers keep receiving.
func TestSlowSubscriberIsDisconnected(t *testing.T) {
	srv, addr := startServer(t, Options{PubSubBufferHard: 4 << 20, IOThreads: 2})
	slow := dial(t, addr)
	slow.expect(`*["subscribe" "ch" 1]`, "SUBSCRIBE", "ch")
	fast := dial(t, addr)
	fast.expect(`*["subscribe" "ch" 1]`, "SUBSCRIBE", "ch")
	pub := dial(t, addr)

	payload := strings.Repeat("x", 32<<10)
	done := make(chan struct{})
	go func() { // fast keeps reading
		defer close(done)
		for i := 0; i < 400; i++ {
			if _, err := fast.r.ReadReply(); err != nil {
				t.Errorf("fast subscriber, message %d: %v", i, err)
				return
			}
		}
	}()
	start := time.Now()
	for i := 0; i < 400; i++ { // 12.5 MiB: more than slow's sockets and limit hold
		pub.send("PUBLISH", "ch", payload)
	}
	pub.w.Flush()
	sawDrop := false
	for i := 0; i < 400; i++ {
		v, err := pub.r.ReadReply()
		if err != nil {
			t.Fatal(err)
		}
		if v.Int == 1 {
			sawDrop = true
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("publisher took %v", d)
	}
	<-done
	if !sawDrop {
		t.Fatal("every PUBLISH still reached 2 subscribers: the slow one was never dropped")
	}
	if srv.Metrics().OutputLimitKills != 1 {
		t.Fatalf("OutputLimitKills = %d, want 1", srv.Metrics().OutputLimitKills)
	}
	// The slow client's socket is closed: after what was buffered, EOF.
	slow.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := slow.r.ReadReply(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("slow subscriber still connected")
			}
			break
		}
	}
	pub.expect(`*["ch" 1]`, "PUBSUB", "NUMSUB", "ch")
}

// TestSoftOutputLimit: over the soft limit for longer than its time closes
// the subscriber.
func TestSoftOutputLimit(t *testing.T) {
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	srv, addr := startServer(t, Options{Now: clk.Now, PubSubBufferSoft: 256 << 10, PubSubBufferSoftTime: 10 * time.Second})
	slow := dial(t, addr)
	slow.expect(`*["subscribe" "ch" 1]`, "SUBSCRIBE", "ch")
	pub := dial(t, addr)
	payload := strings.Repeat("y", 64<<10)
	for i := 0; i < 200; i++ { // 12.5 MiB: more than the sockets hold, under the hard limit
		pub.expect(`1`, "PUBLISH", "ch", payload)
	}
	clk.Add(11 * time.Second)
	pub.do("PUBLISH", "ch", payload)
	deadline := time.Now().Add(5 * time.Second)
	for srv.Metrics().OutputLimitKills == 0 {
		if time.Now().After(deadline) {
			t.Fatal("subscriber over the soft limit for 11s was not closed")
		}
		pub.do("PUBLISH", "ch", "z")
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExpiredNotificationExactlyOnce: keys with a TTL raise "expired" once
// each, whether active expiry (the cron) or a read (lazy expiry) finds them
// first, while readers race for them.
func TestExpiredNotificationExactlyOnce(t *testing.T) {
	srv, addr := startServer(t, Options{NotifyKeyspaceEvents: "Ex", IOThreads: 2})
	sub := dial(t, addr)
	sub.expect(`*["subscribe" "__keyevent@0__:expired" 1]`, "SUBSCRIBE", "__keyevent@0__:expired")
	c := dial(t, addr)
	const n = 300
	for i := 0; i < n; i++ {
		c.do("SET", fmt.Sprintf("t%d", i), "v", "PX", fmt.Sprint(50+i%100))
	}
	// Readers touch the keys as they expire: lazy expiry races the cron.
	done := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		rc := dial(t, addr)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				for i := 0; i < n; i += 7 {
					rc.do("GET", fmt.Sprintf("t%d", i))
				}
			}
		}()
	}
	seen := map[string]int{}
	sub.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(seen) < n {
		v, err := sub.r.ReadReply()
		if err != nil {
			t.Fatalf("after %d expirations: %v", len(seen), err)
		}
		seen[string(v.Elems[2].Str)]++
	}
	close(done)
	readers.Wait()
	// No second notification for any key.
	sub.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if v, err := sub.r.ReadReply(); err == nil {
		t.Fatalf("extra notification %v", v)
	}
	for k, count := range seen {
		if count != 1 {
			t.Fatalf("%s expired %d times", k, count)
		}
	}
	if m := srv.Metrics(); m.ExpiredKeys != n || m.Keys != 0 {
		t.Fatalf("expired_keys %d, keys %d", m.ExpiredKeys, m.Keys)
	}
}
