package nubmq

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reefdb/reef/nubmq/resp"
)

// dump renders the whole keyspace: every key, its type, value (hash fields
// sorted) and whether it has an expiry, sorted by key.
func dump(t *testing.T, c *client) string {
	t.Helper()
	var keys []string
	for cursor := "0"; ; {
		v := c.do("SCAN", cursor, "COUNT", "100")
		cursor = string(v.Elems[0].Str)
		for _, k := range v.Elems[1].Elems {
			keys = append(keys, string(k.Str))
		}
		if cursor == "0" {
			break
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 && keys[i-1] == k {
			continue
		}
		typ := string(c.do("TYPE", k).Str)
		ttl := c.do("PTTL", k).Int
		b.WriteString(k + " " + typ)
		if ttl > 0 {
			b.WriteString(" volatile")
		}
		switch typ {
		case "string":
			b.WriteString(" " + strconv.Quote(string(c.do("GET", k).Str)))
		case "hash":
			v := c.do("HGETALL", k)
			var pairs []string
			for j := 0; j+1 < len(v.Elems); j += 2 {
				pairs = append(pairs, string(v.Elems[j].Str)+"="+string(v.Elems[j+1].Str))
			}
			sort.Strings(pairs)
			b.WriteString(" " + strings.Join(pairs, ","))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// mixedWrites runs every kind of write command, so that each effect the AOF
// logs is replayed by the tests.
func mixedWrites(c *client, rng *rand.Rand, n int) {
	for i := 0; i < n; i++ {
		k := "k" + strconv.Itoa(rng.IntN(40))
		h := "h" + strconv.Itoa(rng.IntN(10))
		switch rng.IntN(20) {
		case 0, 1:
			c.do("SET", k, "v"+strconv.Itoa(i))
		case 2:
			c.do("SET", k, "e"+strconv.Itoa(i), "EX", "1000")
		case 3:
			c.do("INCRBY", "n"+strconv.Itoa(rng.IntN(5)), strconv.Itoa(rng.IntN(100)))
		case 4:
			c.do("APPEND", k, "+a")
		case 5:
			c.do("SETRANGE", k, strconv.Itoa(rng.IntN(6)), "xy")
		case 6:
			c.do("HSET", h, "f"+strconv.Itoa(rng.IntN(5)), strconv.Itoa(i), "g", "1")
		case 7:
			c.do("HDEL", h, "f"+strconv.Itoa(rng.IntN(5)), "g")
		case 8:
			c.do("HINCRBY", h, "c", "3")
		case 9:
			c.do("EXPIRE", k, "500")
		case 10:
			c.do("PERSIST", k)
		case 11:
			c.do("RENAME", k, "k"+strconv.Itoa(rng.IntN(40)))
		case 12:
			c.do("RENAME", h, "h"+strconv.Itoa(rng.IntN(10)))
		case 13:
			c.do("MSETNX", "m"+strconv.Itoa(i), "1", "m"+strconv.Itoa(i+1), "2")
		case 14:
			c.do("DEL", k, h)
		case 15:
			c.do("GETEX", k, "PX", "900000")
		case 16:
			c.do("GETDEL", k)
		case 17:
			c.do("INCRBYFLOAT", "fl", "1.5")
		case 18:
			c.do("PEXPIRE", k, "-1") // deletes
		case 19:
			if rng.IntN(20) == 0 {
				c.do("FLUSHALL")
			} else {
				c.do("MSET", k, "m", "k"+strconv.Itoa(rng.IntN(40)), "n")
			}
		}
	}
}

func TestAOFRestoresEveryEffect(t *testing.T) {
	for _, fsync := range []string{"always", "everysec", "no"} {
		t.Run(fsync, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, AppendOnly: true, AppendFsync: fsync}
			srv, addr := startServer(t, o)
			c := dial(t, addr)
			mixedWrites(c, rand.New(rand.NewPCG(1, 2)), 3000)
			restartHolds(t, srv, o, dump(t, c))
		})
	}
}

// TestAOFRewriteUnderWrites rewrites the AOF while clients write, twice,
// then restarts: the dataset is exactly what it was.
func TestAOFRewriteUnderWrites(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, AppendOnly: true, IOThreads: 2}
	srv, addr := startServer(t, o)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			mixedWrites(dial(t, addr), rand.New(rand.NewPCG(uint64(w), 9)), 3000)
		}(w)
	}
	c := dial(t, addr)
	for i := 0; i < 2; i++ {
		time.Sleep(20 * time.Millisecond)
		for {
			v := c.do("BGREWRITEAOF")
			if v.Kind == '+' {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wg.Wait()
	for strings.Contains(string(c.do("INFO", "persistence").Str), "aof_rewrite_in_progress:1") {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(string(c.do("INFO", "persistence").Str), "aof_rewrites:2") {
		t.Fatalf("INFO persistence after two rewrites:\n%s", c.do("INFO", "persistence").Str)
	}
	restartHolds(t, srv, o, dump(t, c))
}

// restartHolds closes srv, starts a server with o, and checks it holds
// exactly the dataset want (a dump).
func restartHolds(t *testing.T, srv *Server, o Options, want string) {
	t.Helper()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	_, addr := startServer(t, o)
	if got := dump(t, dial(t, addr)); got != want {
		t.Fatalf("after restart:\n%s\nwant:\n%s", got, want)
	}
}

// TestSnapshotSaveAndRestart: SAVE and BGSAVE write the snapshot a server
// without the AOF loads at startup; CONFIG SET appendonly yes starts a log
// from the dataset in memory.
func TestSnapshotSaveAndRestart(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir}
	srv, addr := startServer(t, o)
	c := dial(t, addr)
	mixedWrites(c, rand.New(rand.NewPCG(3, 4)), 2000)
	c.expect(`"OK"`, "SAVE")
	want := dump(t, c)
	before := c.do("LASTSAVE").Int
	c.do("SET", "after-save", "lost") // not in the snapshot
	srv.Close()

	srv, addr = startServer(t, o)
	c = dial(t, addr)
	if got := dump(t, c); got != want {
		t.Fatalf("after restart:\n%s\nwant:\n%s", got, want)
	}
	c.expect(`"Background saving started"`, "BGSAVE")
	for strings.Contains(string(c.do("INFO", "persistence").Str), "rdb_bgsave_in_progress:1") {
		time.Sleep(5 * time.Millisecond)
	}
	if c.do("LASTSAVE").Int < before {
		t.Fatal("LASTSAVE went back")
	}
	c.expect(`"OK"`, "CONFIG", "SET", "appendonly", "yes")
	c.do("SET", "logged", "1")
	want = dump(t, c)
	srv.Close()

	_, addr = startServer(t, Options{Dir: dir, AppendOnly: true})
	if got := dump(t, dial(t, addr)); got != want {
		t.Fatalf("after switching the AOF on and restarting:\n%s\nwant:\n%s", got, want)
	}
}

// The child side of TestKill9AOF: a server with appendfsync always on the
// directory in NUBMQ_KILL_DIR, its address printed on stdout.
func TestKill9AOFChild(t *testing.T) {
	dir := os.Getenv("NUBMQ_KILL_DIR")
	if dir == "" {
		t.Skip("helper process for TestKill9AOF; runs only when re-executed by it")
	}
	s, err := New(Options{Dir: dir, AppendOnly: true, AppendFsync: "always", IOThreads: 2})
	if err != nil {
		fmt.Printf("open-error %v\n", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Printf("listen-error %v\n", err)
		os.Exit(3)
	}
	fmt.Printf("addr %s\n", ln.Addr())
	s.Serve(ln) // until killed
}

// TestKill9AOF: with appendonly yes and appendfsync always, kill -9 of the
// server during writes loses no acknowledged write. Each round restarts the
// server on the same directory, checks every write acknowledged so far, and
// writes more until the next kill.
func TestKill9AOF(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[string]string{} // key -> last acknowledged value
	counters := map[string]int64{}
	var mu sync.Mutex
	const rounds = 6
	for round := 0; round <= rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill9AOFChild$", "-test.v")
		cmd.Env = append(os.Environ(), "NUBMQ_KILL_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(stdout)
		var addr string
		for addr == "" {
			line, err := br.ReadString('\n')
			if err != nil {
				cmd.Process.Kill()
				t.Fatalf("round %d: child: %v", round, err)
			}
			if a, ok := strings.CutPrefix(strings.TrimSpace(line), "addr "); ok {
				addr = a
			} else if strings.Contains(line, "error") {
				t.Fatalf("round %d: child: %s", round, line)
			}
		}
		go func() {
			for {
				if _, err := br.ReadString('\n'); err != nil {
					return
				}
			}
		}()

		// Everything acknowledged before the last kill is there.
		c := dial(t, addr)
		mu.Lock()
		for k, v := range acked {
			// A write sent but not acknowledged before the kill may have
			// been logged too: the value is the acknowledged one or later.
			got := c.do("GET", k)
			if got.Kind != '$' || writeIndex(string(got.Str)) < writeIndex(v) {
				t.Fatalf("round %d: %s = %v, acknowledged %q", round, k, got, v)
			}
		}
		for k, n := range counters {
			if got, _ := strconv.ParseInt(string(c.do("GET", k).Str), 10, 64); got < n {
				t.Fatalf("round %d: counter %s = %d, %d increments acknowledged", round, k, got, n)
			}
		}
		mu.Unlock()
		if round == rounds {
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			break
		}

		// Writers until the kill.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer nc.Close()
				wc := &client{t: t, nc: nc}
				wc.r, wc.w = newClientCodec(nc)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("r%d:w%d:k%d", round, w, i%50)
					val := fmt.Sprintf("%d-%d", round, i)
					ctr := fmt.Sprintf("ctr%d", w)
					wc.send("SET", key, val)
					wc.send("INCR", ctr)
					if wc.w.Flush() != nil {
						return
					}
					if v, err := wc.r.ReadReply(); err != nil || v.Kind != '+' {
						return
					}
					mu.Lock()
					acked[key] = val
					mu.Unlock()
					if v, err := wc.r.ReadReply(); err != nil || v.Kind != ':' {
						return
					}
					mu.Lock()
					counters[ctr]++
					mu.Unlock()
				}
			}(w)
		}
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	t.Logf("%d keys and %d counters checked across %d kills", len(acked), len(counters), rounds)
}

// writeIndex is the i of a "round-i" value.
func writeIndex(v string) int {
	_, i, _ := strings.Cut(v, "-")
	n, err := strconv.Atoi(i)
	if err != nil {
		return -1
	}
	return n
}

func newClientCodec(nc net.Conn) (*resp.Reader, *resp.Writer) {
	return resp.NewReader(nc, resp.Limits{}), resp.NewWriter(nc)
}
