package kv

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var (
	flagSeeds = flag.Int("kv.seeds", 30, "number of seeds the model tests run")
	flagSeed  = flag.Uint64("kv.seed", 0, "run the model tests with this seed only")
	flagOps   = flag.Int("kv.ops", 3000, "operations per model test seed")
)

// seeds returns the seeds to run: -kv.seed, or 1..-kv.seeds.
func seeds() []uint64 {
	if *flagSeed != 0 {
		return []uint64{*flagSeed}
	}
	out := make([]uint64, *flagSeeds)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// refValue is the reference model's value of a key.
type refValue struct {
	kind     Kind
	str      []byte
	hash     map[string]string
	expireAt int64
}

// model applies random operations to a Store and to a map, and compares.
// The map keeps expired keys until the Store reports them through
// OnExpire, so that Len, and "exactly once", can be checked exactly.
type model struct {
	t       *testing.T
	seed    uint64
	rng     *rand.Rand
	clock   *fakeClock
	s       *Store
	ref     map[string]*refValue
	expired []string // OnExpire calls not yet checked
	evicted []string // OnEvict calls not yet checked
	keys    []string
	fields  []string
	log     []string // recent operations, printed on failure
	stable  map[string]bool
}

func newModel(t *testing.T, seed uint64) *model { return newModelMem(t, seed, 0, NoEviction) }

func newModelMem(t *testing.T, seed uint64, maxMemory int64, policy Policy) *model {
	rng := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15))
	m := &model{t: t, seed: seed, rng: rng, clock: newFakeClock(), ref: map[string]*refValue{}}
	tu := smallTuning
	tu.chunkMaxBytes = []int{256, 512, 1024}[rng.IntN(3)]
	tu.chunkMinBytes = 64 << rng.IntN(2)
	tu.bigRecord = max(32, tu.chunkMaxBytes/[]int{1, 2, 4}[rng.IntN(3)])
	tu.tagHomeBits = []uint{tagBits, 2, 4, 6}[rng.IntN(4)]
	tu.migrateBudget = []int{1, 3, 16, 128}[rng.IntN(4)]
	tu.compactBudget = []int{1, 4, 64}[rng.IntN(3)]
	shards := []int{1, 2, 4}[rng.IntN(3)]
	s, err := newStore(Options{
		Shards:    shards,
		Now:       m.clock.Now,
		OnExpire:  func(key []byte) { m.expired = append(m.expired, string(key)) },
		OnEvict:   func(key []byte) { m.evicted = append(m.evicted, string(key)) },
		MaxMemory: maxMemory,
		Policy:    policy,
	}, tu)
	if err != nil {
		t.Fatal(err)
	}
	m.s = s
	m.logf("shards %d tuning %+v", shards, tu)
	nkeys := 50 + rng.IntN(600)
	for i := range nkeys {
		var k string
		switch r := rng.IntN(20); {
		case i == 0:
			k = ""
		case r == 0:
			k = strings.Repeat("long", 40) + fmt.Sprint(i) // two-byte key length
		default:
			k = fmt.Sprintf("key:%d", i)
		}
		m.keys = append(m.keys, k)
	}
	for i := range 8 {
		m.fields = append(m.fields, fmt.Sprint("f", i))
	}
	return m
}

func (m *model) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf(format, args...))
	if len(m.log) > 40 {
		m.log = m.log[1:]
	}
}

func (m *model) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("seed %d (-kv.seed=%d): %s\nrecent operations:\n  %s", m.seed, m.seed%1000,
		fmt.Sprintf(format, args...), strings.Join(m.log, "\n  "))
}

func (m *model) now() int64 { return m.clock.Now() }

// live returns k's model value if it exists and has not expired.
func (m *model) live(k string) *refValue {
	v := m.ref[k]
	if v == nil || (v.expireAt != 0 && v.expireAt <= m.now()) {
		return nil
	}
	return v
}

func (m *model) del(k string) {
	delete(m.ref, k)
	delete(m.stable, k)
}

// settle checks the OnExpire calls an operation made, and that the keys it
// touched no longer linger expired.
func (m *model) settle(touched ...string) {
	m.t.Helper()
	for _, k := range m.expired {
		v := m.ref[k]
		if v == nil || v.expireAt == 0 || v.expireAt > m.now() {
			m.fail("OnExpire(%q) for a key that is not an expired key (%+v)", k, v)
		}
		m.del(k)
	}
	m.expired = m.expired[:0]
	for _, k := range m.evicted {
		v := m.live(k)
		if v == nil {
			m.fail("OnEvict(%q) for a key that does not exist", k)
		}
		if m.s.Policy().volatileOnly() && v.expireAt == 0 {
			m.fail("OnEvict(%q) under %v for a key without expiry", k, m.s.Policy())
		}
		m.del(k)
	}
	m.evicted = m.evicted[:0]
	for _, k := range touched {
		if v := m.ref[k]; v != nil && m.live(k) == nil {
			m.fail("operation on %q left it expired without OnExpire", k)
		}
	}
}

func (m *model) key() string { return m.keys[m.rng.IntN(len(m.keys))] }

func (m *model) value() []byte {
	sizes := []int{0, 1, 4, 16, 32, 33, 100, 200, 300, 700, 1500}
	n := sizes[m.rng.IntN(len(sizes))]
	if m.rng.IntN(4) == 0 {
		n = m.rng.IntN(400)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + m.rng.IntN(26))
	}
	return b
}

// expiry returns a random expiry: mostly none, some in the near future,
// some already past.
func (m *model) expiry() int64 {
	switch r := m.rng.IntN(10); {
	case r < 5:
		return 0
	case r < 9:
		return m.now() + 1 + m.rng.Int64N(200)
	default:
		return m.now() - m.rng.Int64N(3)
	}
}

func (m *model) checkValue(k string) {
	m.t.Helper()
	want := m.live(k)
	var msg string
	field := m.fields[m.rng.IntN(len(m.fields))]
	m.s.View([]byte(k), func(v *Value) {
		switch {
		case v.Exists() != (want != nil):
			msg = fmt.Sprintf("exists %v, model %v", v.Exists(), want != nil)
		case want == nil:
			if v.Kind() != KindNone || v.Bytes() != nil || v.HLen() != 0 {
				msg = "missing key has a value"
			}
		case v.Kind() != want.kind:
			msg = fmt.Sprintf("kind %v, model %v", v.Kind(), want.kind)
		case v.ExpireAt() != want.expireAt:
			msg = fmt.Sprintf("expireAt %d, model %d", v.ExpireAt(), want.expireAt)
		case want.kind == KindString && !bytes.Equal(v.Bytes(), want.str):
			msg = fmt.Sprintf("value %q, model %q", v.Bytes(), want.str)
		case want.kind == KindHash:
			got := map[string]string{}
			v.HRange(func(f string, val []byte) bool { got[f] = string(val); return true })
			if !maps.Equal(got, want.hash) || v.HLen() != len(want.hash) {
				msg = fmt.Sprintf("hash %v, model %v", got, want.hash)
			}
			gv, gok := v.HGet([]byte(field))
			wv, wok := want.hash[field]
			if gok != wok || string(gv) != wv {
				msg = fmt.Sprintf("HGet %s: %q %v, model %q %v", field, gv, gok, wv, wok)
			}
		}
	})
	m.settle(k)
	if msg != "" {
		m.fail("get %q: %s", k, msg)
	}
}

func (m *model) checkLen() {
	m.t.Helper()
	keys, volatile := m.s.Len()
	wantVolatile := 0
	for _, v := range m.ref {
		if v.expireAt != 0 {
			wantVolatile++
		}
	}
	if keys != len(m.ref) || volatile != wantVolatile {
		m.fail("Len %d %d, model %d %d", keys, volatile, len(m.ref), wantVolatile)
	}
}

// scanAll runs a whole SCAN iteration, calling between(i) after each call,
// and checks that every key live throughout was returned and that only
// live keys were.
func (m *model) scanAll(between func()) {
	m.t.Helper()
	m.stable = map[string]bool{}
	for k := range m.ref {
		if m.live(k) != nil {
			m.stable[k] = true
		}
	}
	seen := map[string]bool{}
	count := 1 + m.rng.IntN(20)
	cursor := uint64(0)
	for calls := 0; ; calls++ {
		if calls > 100000 {
			m.fail("scan does not end")
		}
		cursor = m.s.Scan(cursor, count, func(key []byte) {
			if m.live(string(key)) == nil {
				m.fail("scan returned %q, which does not exist", key)
			}
			seen[string(key)] = true
		})
		if cursor == 0 {
			break
		}
		if between != nil {
			between()
			for k := range m.stable {
				if m.live(k) == nil {
					delete(m.stable, k)
				}
			}
		}
	}
	for k := range m.stable {
		if !seen[k] {
			m.fail("scan (count %d) missed %q, present throughout", count, k)
		}
	}
	m.stable = nil
}

func (m *model) step(i int, weights []int) {
	m.t.Helper()
	total := 0
	for _, w := range weights {
		total += w
	}
	r := m.rng.IntN(total)
	op := 0
	for r >= weights[op] {
		r -= weights[op]
		op++
	}
	now := m.now()
	rel := func(e int64) int64 { // an expiry relative to now, for the log
		if e == 0 {
			return 0
		}
		return e - now
	}
	switch op {
	case 0: // set
		k, v, e := m.key(), m.value(), m.expiry()
		m.logf("%d set %q len %d exp %+d", i, k, len(v), rel(e))
		existed := m.live(k) != nil
		var sawExists bool
		m.s.Update([]byte(k), func(tx *Tx) { sawExists = tx.Exists(); tx.Set(v, e) })
		m.settle(k)
		if sawExists != existed {
			m.fail("set %q: tx.Exists %v, model %v", k, sawExists, existed)
		}
		if e != 0 && e <= now {
			m.del(k)
		} else {
			m.ref[k] = &refValue{kind: KindString, str: v, expireAt: e}
		}
	case 1: // get
		k := m.key()
		m.logf("%d get %q", i, k)
		m.checkValue(k)
	case 2: // delete
		k := m.key()
		m.logf("%d delete %q", i, k)
		want := m.live(k) != nil
		got := m.s.Delete([]byte(k))
		m.settle(k)
		if got != want {
			m.fail("delete %q: %v, model %v", k, got, want)
		}
		m.del(k)
	case 3: // append, keeping the expiry
		k, v := m.key(), m.value()
		m.logf("%d append %q len %d", i, k, len(v))
		want := m.live(k)
		m.s.Update([]byte(k), func(tx *Tx) {
			if tx.Kind() == KindHash {
				return
			}
			tx.Set(append(tx.Bytes(), v...), tx.ExpireAt())
		})
		m.settle(k)
		switch {
		case want == nil:
			m.ref[k] = &refValue{kind: KindString, str: v}
		case want.kind == KindString:
			want.str = append(slices.Clip(want.str), v...)
		}
	case 4: // expire / persist
		k, e := m.key(), m.expiry()
		m.logf("%d expire %q %+d", i, k, rel(e))
		want := m.live(k)
		var got bool
		m.s.Update([]byte(k), func(tx *Tx) { got = tx.SetExpire(e) })
		m.settle(k)
		if got != (want != nil) {
			m.fail("expire %q: %v, model %v", k, got, want != nil)
		}
		switch {
		case want == nil:
		case e != 0 && e <= now:
			m.del(k)
		default:
			want.expireAt = e
		}
	case 5: // advance the clock
		d := m.rng.Int64N(40)
		m.logf("%d advance %d", i, d)
		m.clock.Advance(d)
	case 6: // hset
		k, f, v := m.key(), m.fields[m.rng.IntN(len(m.fields))], m.value()
		m.logf("%d hset %q %s len %d", i, k, f, len(v))
		want := m.live(k)
		var created, skipped bool
		m.s.Update([]byte(k), func(tx *Tx) {
			if tx.Kind() == KindString {
				skipped = true
				return
			}
			created = tx.HSet([]byte(f), v)
		})
		m.settle(k)
		if skipped != (want != nil && want.kind == KindString) {
			m.fail("hset %q: kind disagrees", k)
		}
		if skipped {
			break
		}
		if want == nil {
			want = &refValue{kind: KindHash, hash: map[string]string{}}
			m.ref[k] = want
		}
		_, had := want.hash[f]
		if created == had {
			m.fail("hset %q %s: created %v, model had %v", k, f, created, had)
		}
		want.hash[f] = string(v)
	case 7: // hdel
		k, f := m.key(), m.fields[m.rng.IntN(len(m.fields))]
		m.logf("%d hdel %q %s", i, k, f)
		want := m.live(k)
		var got bool
		m.s.Update([]byte(k), func(tx *Tx) { got = tx.HDel([]byte(f)) })
		m.settle(k)
		had := false
		if want != nil && want.kind == KindHash {
			_, had = want.hash[f]
			delete(want.hash, f)
			if len(want.hash) == 0 {
				m.del(k)
			}
		}
		if got != had {
			m.fail("hdel %q %s: %v, model %v", k, f, got, had)
		}
	case 8: // rename
		src, dst, nx := m.key(), m.key(), m.rng.IntN(3) == 0
		m.logf("%d rename %q %q nx %v", i, src, dst, nx)
		sv, dv := m.live(src), m.live(dst)
		got := m.s.Rename([]byte(src), []byte(dst), nx)
		m.settle(src, dst)
		want := 1
		switch {
		case sv == nil:
			want = -1
		case src == dst && nx:
			want = 0
		case src == dst:
		case nx && dv != nil:
			want = 0
		default:
			m.del(src)
			m.ref[dst] = sv
			delete(m.stable, dst) // replaced: a new key, not the one present throughout
		}
		if got != want {
			m.fail("rename %q %q nx %v: %d, model %d", src, dst, nx, got, want)
		}
	case 9: // msetnx
		n := 1 + m.rng.IntN(3)
		var kvs [][]byte
		var ks []string
		none := true
		for range n {
			k := m.key()
			ks = append(ks, k)
			kvs = append(kvs, []byte(k), m.value())
			if m.live(k) != nil {
				none = false
			}
		}
		m.logf("%d msetnx %q", i, ks)
		got := m.s.SetIfNoneExist(kvs)
		m.settle() // keys after the first existing one are not looked at
		if got != none {
			m.fail("msetnx %q: %v, model %v", ks, got, none)
		}
		if got {
			for j := 0; j < len(kvs); j += 2 {
				m.ref[string(kvs[j])] = &refValue{kind: KindString, str: kvs[j+1]}
			}
		}
	case 10: // background work
		b := 1 + m.rng.IntN(300)
		m.logf("%d step %d", i, b)
		m.s.Step(b)
		m.settle()
	case 11: // a whole scan
		m.logf("%d scan", i)
		m.scanAll(nil)
	case 12: // random key
		k, ok := m.s.RandomKey()
		m.logf("%d randomkey %q %v", i, k, ok)
		m.settle()
		if ok && m.live(string(k)) == nil {
			m.fail("RandomKey %q does not exist", k)
		}
		if !ok {
			for k := range m.ref {
				if m.live(k) != nil && len(m.ref) < randomKeyTries/2 {
					m.fail("RandomKey found nothing but %q exists", k)
				}
			}
		}
	case 13: // flush
		m.logf("%d flush", i)
		m.s.Flush()
		clear(m.ref)
		clear(m.stable)
	case 14: // evict
		err := m.s.Evict()
		m.logf("%d evict: %v (used %d)", i, err, m.s.UsedMemory())
		m.settle()
		if err == nil {
			break
		}
		p := m.s.Policy()
		if !errors.Is(err, ErrOOM) {
			m.fail("Evict: %v", err)
		}
		if p == NoEviction {
			break
		}
		for k, v := range m.ref {
			if m.live(k) != nil && (!p.volatileOnly() || v.expireAt != 0) {
				m.fail("Evict under %v: %v, but %q could be evicted", p, err, k)
			}
		}
	}
}

// Operation weights: set get delete append expire advance hset hdel rename
// msetnx step scan randomkey flush evict. Phases alternate between filling and
// emptying the store so that tables grow and shrink again and again.
var (
	fillWeights  = []int{30, 15, 3, 5, 6, 3, 10, 3, 3, 3, 8, 1, 1, 0, 0}
	drainWeights = []int{5, 15, 30, 2, 6, 3, 2, 8, 3, 1, 8, 1, 1, 0, 0}
)

func TestModel(t *testing.T) {
	for _, seed := range seeds() {
		m := newModel(t, seed)
		for i := range *flagOps {
			w := fillWeights
			if (i/400)%2 == 1 {
				w = drainWeights
			}
			if i == *flagOps/2 {
				w = slices.Clone(w)
				w[13] = 1 // allow one flush in the second half
			}
			m.step(i, w)
			m.checkLen()
			if i%25 == 0 {
				if err := m.s.Check(); err != nil {
					m.fail("%v", err)
				}
			}
		}
		if err := m.s.Check(); err != nil {
			m.fail("%v", err)
		}
	}
}

// TestModelScanDuringChanges runs SCAN iterations with random operations
// between the calls, which grow and shrink the tables mid-iteration; every
// key present throughout must be returned.
func TestModelScanDuringChanges(t *testing.T) {
	for _, seed := range seeds() {
		m := newModel(t, seed+1000)
		for round := range 20 {
			w := fillWeights
			if round%2 == 1 {
				w = drainWeights
			}
			w = slices.Clone(w)
			w[11], w[13] = 0, 0 // no nested scans, no flushes
			for i := range 100 {
				m.step(round*1000+i, w)
			}
			m.scanAll(func() {
				for i := range 1 + m.rng.IntN(8) {
					m.step(round*1000+500+i, w)
				}
			})
			if err := m.s.Check(); err != nil {
				m.fail("%v", err)
			}
		}
	}
}

// TestModelEvict runs the model with a small memory bound and Evict calls
// under every policy: evicted keys must exist (with an expiry, under the
// volatile policies), and Evict may fail only when nothing is evictable.
func TestModelEvict(t *testing.T) {
	for _, seed := range seeds() {
		p := Policy(seed % uint64(policyCount))
		m := newModelMem(t, seed+2000, int64(4<<10+seed%8*(4<<10)), p)
		w := slices.Clone(fillWeights)
		w[14] = 20
		for i := range *flagOps {
			m.step(i, w)
			m.checkLen()
			if i%25 == 0 {
				if err := m.s.Check(); err != nil {
					m.fail("%v", err)
				}
			}
		}
		// (Volatile keys expire within 200 ms here, so volatile policies
		// often find expired keys to delete instead.)
		if p != NoEviction && !p.volatileOnly() && m.s.Stats().Evicted == 0 {
			m.fail("%v evicted nothing", p)
		}
	}
}
