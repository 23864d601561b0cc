package nubmq

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reefdb/reef/nubmq/resp"
)

var concSeed = flag.Uint64("nubmq.conc-seed", 0, "seed of TestConcurrentClientsDuringResize (0: from the clock)")

// concRace reports whether the test binary was built with -race (the
// package has no build-tagged constant for it).
func concRace() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// concConn is a raw connection used by one goroutine. Unlike client.do it
// returns errors, since t.Fatal must not be called off the test goroutine;
// an error reply is an error too.
type concConn struct{ c *client }

func concDial(t *testing.T, addr string) *concConn {
	t.Helper()
	c := dial(t, addr)
	c.nc.SetDeadline(time.Now().Add(3 * time.Minute))
	return &concConn{c}
}

// pipe sends cmds in one write and reads their replies.
func (cc *concConn) pipe(cmds ...[]string) ([]resp.Value, error) {
	for _, a := range cmds {
		cc.c.send(a...)
	}
	if err := cc.c.w.Flush(); err != nil {
		return nil, err
	}
	out := make([]resp.Value, len(cmds))
	for i := range out {
		v, err := cc.c.r.ReadReply()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", concCmd(cmds[i]), err)
		}
		if v.Kind == '-' {
			return nil, fmt.Errorf("%s: %s", concCmd(cmds[i]), v.Str)
		}
		out[i] = v
	}
	return out, nil
}

func (cc *concConn) do(args ...string) (resp.Value, error) {
	vs, err := cc.pipe(args)
	if err != nil {
		return resp.Value{}, err
	}
	return vs[0], nil
}

// concCmd renders a command for a failure message, long ones shortened.
func concCmd(args []string) string {
	if len(args) > 4 {
		return fmt.Sprintf("%.40q…(%d args)", args[:4], len(args))
	}
	return fmt.Sprintf("%.80q", args)
}

// scanAll runs a full SCAN iteration and returns the distinct keys.
func (cc *concConn) scanAll(count int) (map[string]bool, error) {
	seen := map[string]bool{}
	cursor := "0"
	for {
		v, err := cc.do("SCAN", cursor, "COUNT", strconv.Itoa(count))
		if err != nil {
			return nil, err
		}
		if v.Kind != '*' || len(v.Elems) != 2 || v.Elems[1].Kind != '*' {
			return nil, fmt.Errorf("SCAN reply %v", v)
		}
		for _, k := range v.Elems[1].Elems {
			seen[string(k.Str)] = true
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			return seen, nil
		}
	}
}

// TestConcurrentClientsDuringResize hammers SET/GET/DEL/INCR from many
// clients on both event loops while churn clients add and remove tens of
// thousands of keys, so that the keyspace's shard tables grow and shrink
// (and migrate incrementally) all the time. It checks:
//   - no lost update: every shared counter ends equal to the sum of the
//     increments its INCR/INCRBY replies acknowledged, and to the largest
//     reply seen; each worker sees a counter's replies increase by at least
//     its own increment;
//   - read-your-writes on private keys: a GET, MGET or EXISTS right after a
//     SET, MSET, DEL or UNLINK (in separate round trips or pipelined) sees
//     that write, SET GET returns the previous value, a private INCR
//     returns the previous value plus one;
//   - churn: MSET'd keys read back, DEL/UNLINK count every key it meant to
//     delete;
//   - SCAN during the churn returns every key present for its whole
//     iteration (the counters and the keys churn keeps);
//   - afterwards DBSIZE, Metrics.Keys and a full SCAN match exactly the keys
//     the workers know exist, every value is the expected one, and the
//     keyspace passes its invariant check;
//   - tables did grow and shrink many times during the run, and some shards
//     were seen mid-migration (Metrics.Resizing > 0).
//
// Run it under the race detector too. -nubmq.conc-seed replays a seed (the
// interleaving still varies).
func TestConcurrentClientsDuringResize(t *testing.T) {
	seed := *concSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -nubmq.conc-seed=%d)", seed, seed)

	const (
		counterWorkers = 6
		rywWorkers     = 6
		churnWorkers   = 2
		counterKeys    = 8
		ownKeys        = 16
		keepEvery      = 97 // churn keeps one key in keepEvery
	)
	cycles, churnKeys := 8, 40000
	if concRace() {
		cycles, churnKeys = 6, 30000
	}
	if testing.Short() {
		cycles = 2
	}
	// A cycle grows and shrinks about 400 tables (256 shards, two churn
	// workers of tens of thousands of keys): demand a quarter of that.
	minGrows, minShrinks := uint64(100*cycles), uint64(100*cycles)

	srv, addr := startServer(t, Options{IOThreads: 2})
	before := srv.Metrics()
	admin := concDial(t, addr)

	ctrKey := func(k int) string { return "conc:ctr:" + strconv.Itoa(k) }
	for k := range counterKeys { // present for the whole run (for the SCAN check)
		if _, err := admin.do("SET", ctrKey(k), "0"); err != nil {
			t.Fatal(err)
		}
	}

	var (
		stop     atomic.Bool
		failOnce sync.Mutex
		ops      atomic.Int64 // commands the hammering workers got replies to
		wg       sync.WaitGroup
	)
	fail := func(who string, format string, args ...any) {
		failOnce.Lock()
		defer failOnce.Unlock()
		t.Errorf("seed %d: %s: %s", seed, who, fmt.Sprintf(format, args...))
		stop.Store(true)
	}

	// Dial on the test goroutine (dial may t.Fatal); connections alternate
	// between the two event loops.
	conns := make([]*concConn, counterWorkers+rywWorkers+churnWorkers+1)
	for i := range conns {
		conns[i] = concDial(t, addr)
	}
	next := 0
	conn := func() *concConn { next++; return conns[next-1] }

	// Shared counters.
	type counterResult struct{ added, last [counterKeys]int64 }
	counterRes := make([]counterResult, counterWorkers)
	for w := range counterWorkers {
		cc, res := conn(), &counterRes[w]
		who := fmt.Sprintf("counter worker %d", w)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(100+w)))
			for !stop.Load() {
				n := 1
				if rng.IntN(10) < 3 {
					n = 2 + rng.IntN(9) // a pipeline
				}
				cmds := make([][]string, n)
				keys, deltas := make([]int, n), make([]int64, n)
				for i := range n {
					keys[i] = rng.IntN(counterKeys)
					if rng.IntN(2) == 0 {
						deltas[i] = 1
						cmds[i] = []string{"INCR", ctrKey(keys[i])}
					} else {
						deltas[i] = 1 + rng.Int64N(1000)
						cmds[i] = []string{"INCRBY", ctrKey(keys[i]), strconv.FormatInt(deltas[i], 10)}
					}
				}
				vs, err := cc.pipe(cmds...)
				if err != nil {
					fail(who, "%v", err)
					return
				}
				for i, v := range vs {
					k := keys[i]
					if v.Kind != ':' || v.Int < res.last[k]+deltas[i] {
						fail(who, "%q replied %v, below this worker's previous reply %d plus its increment: the counter went back or lost an increment",
							cmds[i], v, res.last[k])
						return
					}
					res.last[k] = v.Int
					res.added[k] += deltas[i]
				}
				ops.Add(int64(n))
			}
		})
	}

	// Read-your-writes on private keys.
	type rywResult struct {
		model map[string]string // key → value; absent keys are not in it
	}
	rywRes := make([]rywResult, rywWorkers)
	ownKey := func(w, j int) string { return fmt.Sprintf("conc:own:%d:%d", w, j) }
	ownCounter := func(w int) string { return fmt.Sprintf("conc:own:%d:n", w) }
	for w := range rywWorkers {
		cc, res := conn(), &rywRes[w]
		res.model = map[string]string{}
		who := fmt.Sprintf("read-your-writes worker %d", w)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(200+w)))
			model := res.model
			seq := 0
			fresh := func() string {
				seq++
				return fmt.Sprintf("%d:%d:%s", w, seq, strings.Repeat("v", rng.IntN(120)))
			}
			// expect checks one reply against the model: want nil means a
			// null reply, otherwise a bulk string (or integer) equal to it.
			expect := func(cmd []string, v resp.Value, want *string) bool {
				switch {
				case want == nil && v.IsNull():
					return true
				case want != nil && v.Kind == '$' && string(v.Str) == *want:
					return true
				case want != nil && v.Kind == ':' && strconv.FormatInt(v.Int, 10) == *want:
					return true
				case want != nil && v.Kind == '+' && string(v.Str) == *want:
					return true
				}
				ws := "(nil)"
				if want != nil {
					ws = strconv.Quote(*want)
				}
				fail(who, "%s replied %.80v, want %.80s", concCmd(cmd), v, ws)
				return false
			}
			lookup := func(k string) *string {
				if v, ok := model[k]; ok {
					return &v
				}
				return nil
			}
			str := func(s string) *string { return &s }
			exists := func(k string) *string {
				if _, ok := model[k]; ok {
					return str("1")
				}
				return str("0")
			}
			// run sends cmds (pipelined, or one round trip each) and checks
			// each reply against want[i], computed before the command runs
			// by the model update in step i.
			run := func(pipelined bool, steps ...func() ([]string, *string)) bool {
				cmds := make([][]string, len(steps))
				wants := make([]*string, len(steps))
				if pipelined {
					for i, s := range steps {
						cmds[i], wants[i] = s()
					}
					vs, err := cc.pipe(cmds...)
					if err != nil {
						fail(who, "%v", err)
						return false
					}
					for i, v := range vs {
						if !expect(cmds[i], v, wants[i]) {
							return false
						}
					}
					ops.Add(int64(len(steps)))
					return true
				}
				for i, s := range steps {
					cmds[i], wants[i] = s()
					v, err := cc.do(cmds[i]...)
					if err != nil {
						fail(who, "%v", err)
						return false
					}
					if !expect(cmds[i], v, wants[i]) {
						return false
					}
					ops.Add(1)
				}
				return true
			}
			set := func(k string) func() ([]string, *string) {
				return func() ([]string, *string) {
					v := fresh()
					model[k] = v
					return []string{"SET", k, v}, str("OK")
				}
			}
			setGet := func(k string) func() ([]string, *string) {
				return func() ([]string, *string) {
					v, old := fresh(), lookup(k)
					model[k] = v
					return []string{"SET", k, v, "GET"}, old
				}
			}
			get := func(k string) func() ([]string, *string) {
				return func() ([]string, *string) { return []string{"GET", k}, lookup(k) }
			}
			exist := func(k string) func() ([]string, *string) {
				return func() ([]string, *string) { return []string{"EXISTS", k}, exists(k) }
			}
			del := func(cmd, k string) func() ([]string, *string) {
				return func() ([]string, *string) {
					n := exists(k)
					delete(model, k)
					return []string{cmd, k}, n
				}
			}
			incr := func() ([]string, *string) {
				k := ownCounter(w)
				n, _ := strconv.ParseInt(model[k], 10, 64)
				model[k] = strconv.FormatInt(n+1, 10)
				return []string{"INCR", k}, str(model[k])
			}
			for !stop.Load() {
				k := ownKey(w, rng.IntN(ownKeys))
				pipelined := rng.IntN(2) == 0
				ok := true
				switch rng.IntN(8) {
				case 0:
					ok = run(pipelined, set(k), get(k), exist(k))
				case 1:
					ok = run(pipelined, setGet(k), get(k))
				case 2:
					ok = run(pipelined, del("DEL", k), get(k), exist(k))
				case 3:
					ok = run(pipelined, del("UNLINK", k), exist(k), get(k))
				case 4:
					ok = run(pipelined, get(k), exist(k))
				case 5:
					ok = run(pipelined, incr, get(ownCounter(w)))
				case 6: // MSET then MGET, checked key by key
					ks := []string{k, ownKey(w, rng.IntN(ownKeys)), ownKey(w, rng.IntN(ownKeys))}
					mset := []string{"MSET"}
					for _, k := range ks {
						v := fresh()
						model[k] = v
						mset = append(mset, k, v)
					}
					mget := append([]string{"MGET"}, ks...)
					mget = append(mget, ownKey(w, rng.IntN(ownKeys)))
					vs, err := cc.pipe(mset, mget)
					if err != nil {
						fail(who, "%v", err)
						return
					}
					if vs[1].Kind != '*' || len(vs[1].Elems) != len(mget)-1 {
						fail(who, "MGET replied %v", vs[1])
						return
					}
					for i, v := range vs[1].Elems {
						if !expect(mget, v, lookup(mget[1+i])) {
							return
						}
					}
					ops.Add(2)
				case 7:
					ok = run(pipelined, set(k), del("DEL", k), exist(k), set(k), get(k))
				}
				if !ok {
					return
				}
			}
		})
	}

	// Churn: fill the keyspace with tens of thousands of keys and empty it
	// again, keeping one key in keepEvery (the residue).
	var (
		residueMu sync.Mutex
		residue   []string
		churnOps  atomic.Int64
	)
	var churnWG sync.WaitGroup
	for w := range churnWorkers {
		cc := conn()
		who := fmt.Sprintf("churn worker %d", w)
		n := churnKeys * (2 + w) / 2 // out of step with each other
		churnWG.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(300+w)))
			keys, vals := make([]string, n), make([]string, n)
			for cycle := 0; cycle < cycles && !stop.Load(); cycle++ {
				for i := range n {
					keys[i] = fmt.Sprintf("conc:churn:%d:%d:%d", w, cycle, i)
					vals[i] = keys[i] + "=" + strings.Repeat("c", rng.IntN(40))
				}
				// Insert: MSET batches of 100 keys, 8 batches per write.
				var cmds [][]string
				flush := func(check func(i int, v resp.Value) bool) bool {
					if len(cmds) == 0 {
						return true
					}
					vs, err := cc.pipe(cmds...)
					if err != nil {
						fail(who, "%v", err)
						return false
					}
					for i, v := range vs {
						if !check(i, v) {
							return false
						}
					}
					churnOps.Add(int64(len(cmds)))
					cmds = cmds[:0]
					return true
				}
				isOK := func(i int, v resp.Value) bool {
					if v.Kind != '+' || string(v.Str) != "OK" {
						fail(who, "MSET replied %v", v)
						return false
					}
					return true
				}
				for lo := 0; lo < n; lo += 100 {
					mset := []string{"MSET"}
					for i := lo; i < min(lo+100, n); i++ {
						mset = append(mset, keys[i], vals[i])
					}
					cmds = append(cmds, mset)
					if len(cmds) == 8 && !flush(isOK) || stop.Load() {
						return
					}
				}
				if !flush(isOK) {
					return
				}
				// Read a sample back.
				mget := []string{"MGET"}
				for range 200 {
					mget = append(mget, keys[rng.IntN(n)])
				}
				v, err := cc.do(mget...)
				if err != nil {
					fail(who, "%v", err)
					return
				}
				for i, e := range v.Elems {
					if k := mget[1+i]; e.Kind != '$' || !strings.HasPrefix(string(e.Str), k+"=") {
						fail(who, "MGET %s replied %v after MSET", k, e)
						return
					}
				}
				// Delete in random order, DEL and UNLINK batches of 100;
				// every key must still be there.
				var doomed []string
				for _, i := range rng.Perm(n) {
					if i%keepEvery != 0 {
						doomed = append(doomed, keys[i])
					}
				}
				var batches [][]string
				for lo := 0; lo < len(doomed); lo += 100 {
					batch := doomed[lo:min(lo+100, len(doomed))]
					cmd := "DEL"
					if rng.IntN(2) == 0 {
						cmd = "UNLINK"
					}
					cmds = append(cmds, append([]string{cmd}, batch...))
					batches = append(batches, batch)
					if len(cmds) == 8 || lo+100 >= len(doomed) {
						sent := batches
						batches = nil
						if !flush(func(i int, v resp.Value) bool {
							if v.Kind != ':' || v.Int != int64(len(sent[i])) {
								fail(who, "DEL of %d existing keys replied %v", len(sent[i]), v)
								return false
							}
							return true
						}) {
							return
						}
					}
					if stop.Load() {
						return
					}
				}
				// The kept keys are there, a sample of the others is not.
				var kept []string
				for i := 0; i < n; i += keepEvery {
					kept = append(kept, keys[i])
				}
				gone := []string{"EXISTS"}
				for range 100 {
					gone = append(gone, doomed[rng.IntN(len(doomed))])
				}
				vs, err := cc.pipe(append([]string{"EXISTS"}, kept...), gone)
				if err != nil {
					fail(who, "%v", err)
					return
				}
				if vs[0].Int != int64(len(kept)) || vs[1].Int != 0 {
					fail(who, "EXISTS of %d kept keys = %v, of 100 deleted = %v", len(kept), vs[0], vs[1])
					return
				}
				residueMu.Lock()
				residue = append(residue, kept...)
				residueMu.Unlock()
			}
		})
	}

	// SCAN during the churn: every key present for a whole iteration is
	// returned.
	var scans atomic.Int64
	{
		cc := conn()
		wg.Go(func() {
			for !stop.Load() {
				residueMu.Lock()
				present := slices.Clone(residue)
				residueMu.Unlock()
				for k := range counterKeys {
					present = append(present, ctrKey(k))
				}
				seen, err := cc.scanAll(500)
				if err != nil {
					fail("scanner", "%v", err)
					return
				}
				for _, k := range present {
					if !seen[k] {
						fail("scanner", "SCAN iteration missed %q, present throughout (%d keys returned)", k, len(seen))
						return
					}
				}
				scans.Add(1)
			}
		})
	}

	// Sample the resize state.
	var (
		samples, resizingSamples atomic.Int64
		maxResizing              atomic.Int64
	)
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		for !stop.Load() {
			m := srv.Metrics()
			samples.Add(1)
			if m.Resizing > 0 {
				resizingSamples.Add(1)
				if int64(m.Resizing) > maxResizing.Load() {
					maxResizing.Store(int64(m.Resizing))
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()

	start := time.Now()
	churnWG.Wait()
	stop.Store(true)
	wg.Wait()
	<-samplerDone
	elapsed := time.Since(start)
	after := srv.Metrics()
	grows, shrinks := after.TableGrows-before.TableGrows, after.TableShrinks-before.TableShrinks
	t.Logf("%v: %d hammering commands, %d churn commands of 100 keys, %d SCAN iterations; %d grows, %d shrinks; Resizing > 0 in %d of %d samples, max %d shards; %d keys left",
		elapsed.Round(time.Millisecond), ops.Load(), churnOps.Load(), scans.Load(), grows, shrinks,
		resizingSamples.Load(), samples.Load(), maxResizing.Load(), after.Keys)
	if t.Failed() {
		return
	}

	// Final state: what the workers know exists.
	want := map[string]string{} // key → value ("" for churn residue: checked by prefix)
	for k := range counterKeys {
		var sum, maxSeen int64
		for w := range counterWorkers {
			sum += counterRes[w].added[k]
			maxSeen = max(maxSeen, counterRes[w].last[k])
		}
		if sum > 0 && maxSeen != sum {
			t.Errorf("seed %d: counter %s: largest INCR reply %d, acknowledged increments add up to %d", seed, ctrKey(k), maxSeen, sum)
		}
		want[ctrKey(k)] = strconv.FormatInt(sum, 10)
	}
	for w := range rywWorkers {
		maps.Copy(want, rywRes[w].model)
	}
	for _, k := range residue {
		want[k] = ""
	}
	keys := slices.Sorted(maps.Keys(want))
	for lo := 0; lo < len(keys); lo += 500 {
		batch := keys[lo:min(lo+500, len(keys))]
		v, err := admin.do(append([]string{"MGET"}, batch...)...)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range v.Elems {
			k, wv := batch[i], want[batch[i]]
			if e.Kind != '$' || wv != "" && string(e.Str) != wv || wv == "" && !strings.HasPrefix(string(e.Str), k+"=") {
				t.Errorf("seed %d: GET %s = %.80v, want %.80q (lost update or lost write)", seed, k, e, wv)
			}
		}
	}
	if v, err := admin.do("DBSIZE"); err != nil || v.Int != int64(len(want)) {
		t.Errorf("seed %d: DBSIZE = %v (%v), want %d", seed, v, err, len(want))
	}
	if after.Keys != len(want) {
		t.Errorf("seed %d: Metrics.Keys = %d, want %d", seed, after.Keys, len(want))
	}
	seen, err := admin.scanAll(100)
	if err != nil {
		t.Fatal(err)
	}
	var missing, extra []string
	for _, k := range keys {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	for k := range seen {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("seed %d: SCAN returned %d keys, want %d: %d missing %q, %d unexpected %q", seed, len(seen), len(want),
			len(missing), missing[:min(5, len(missing))], len(extra), extra[:min(5, len(extra))])
	}
	// Check expects no concurrent operation: stop the server (its cron
	// steps the keyspace) first.
	srv.Close()
	if err := srv.store.Check(); err != nil {
		t.Errorf("seed %d: keyspace invariants: %v", seed, err)
	}

	if grows < minGrows || shrinks < minShrinks {
		t.Errorf("tables grew %d and shrank %d times, want at least %d and %d: the run did not exercise resizing", grows, shrinks, minGrows, minShrinks)
	}
	if maxResizing.Load() == 0 {
		t.Errorf("no sample saw a shard mid-migration (%d samples)", samples.Load())
	}
}
