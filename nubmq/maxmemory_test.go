package nubmq

import (
	"fmt"
	"strings"
	"testing"
)

// TestMaxMemory: under noeviction, writes that add data fail with Redis's
// OOM error once the keyspace is over maxmemory, while reads and deletes
// go on; under allkeys-lru, writes evict keys (notified as "evicted") and
// memory stays near the bound.
func TestMaxMemory(t *testing.T) {
	srv, addr := startServer(t, Options{})
	c := dial(t, addr)
	c.expect(`"OK"`, "CONFIG", "SET", "maxmemory", "4mb")
	c.expect(`*["maxmemory" "4194304" "maxmemory-policy" "noeviction"]`, "CONFIG", "GET", "maxmemory*")
	val := strings.Repeat("v", 1000)
	oomAt := -1
	for i := 0; i < 20000; i++ {
		v := c.do("SET", fmt.Sprint("key:", i), val)
		if v.Kind == '-' {
			if string(v.Str) != "OOM command not allowed when used memory > 'maxmemory'." {
				t.Fatalf("SET error %q", v.Str)
			}
			oomAt = i
			break
		}
	}
	if oomAt < 0 {
		t.Fatal("20 MB of writes under a 4 MB noeviction bound never got OOM")
	}
	c.expect(`"`+val+`"`, "GET", "key:0")
	c.expect(`1`, "DEL", "key:0")

	sub := dial(t, addr)
	c.expect(`"OK"`, "CONFIG", "SET", "notify-keyspace-events", "Ee", "maxmemory-policy", "allkeys-lru")
	sub.expect(`*["subscribe" "__keyevent@0__:evicted" 1]`, "SUBSCRIBE", "__keyevent@0__:evicted")
	for i := 0; i < 20000; i++ {
		if v := c.do("SET", fmt.Sprint("more:", i), val); v.Kind == '-' {
			t.Fatalf("SET under allkeys-lru: %v", v)
		}
	}
	m := srv.Metrics()
	if m.EvictedKeys == 0 {
		t.Fatal("no key evicted")
	}
	if m.UsedMemory > 6<<20 {
		t.Fatalf("used memory %d under a 4 MiB bound", m.UsedMemory)
	}
	if v, err := sub.r.ReadReply(); err != nil || string(v.Elems[0].Str) != "message" {
		t.Fatalf("evicted notification: %v %v", v, err)
	}
	info := string(c.do("INFO", "stats").Str)
	if !strings.Contains(info, fmt.Sprintf("evicted_keys:%d", srv.Metrics().EvictedKeys)) {
		t.Fatalf("INFO stats:\n%s", info)
	}
	c.expect(`(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction`, "CONFIG", "SET", "maxmemory-policy", "bogus")
}
