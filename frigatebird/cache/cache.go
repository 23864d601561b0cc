// Package cache is Frigatebird's three-tier column cache:
//
//   - hot: decoded column chunks (chunk.Column), ready for vectors without
//     decoding, within a byte budget;
//   - warm: compressed chunk bytes as stored, within a second budget, so a
//     chunk evicted from hot is decoded again without I/O;
//   - cold: the row-group file itself, read with one pread per chunk by the
//     loader the caller passes.
//
// Keys name immutable data (a row-group file is never rewritten under
// the same name in the same table), so entries never go stale: a dropped
// table's entries just age out. Each tier evicts least recently used
// entries first. A hot entry is shared by every reader and must never be
// modified; eviction only drops the cache's reference, so a reader still
// using it is unaffected (the garbage collector frees it later).
//
// The cache is safe for concurrent use. Two readers missing the same key
// at once may both load it; the second insert wins and the work is only
// duplicated, never wrong.
package cache

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/chunk"
)

// Key names one column chunk.
type Key struct {
	Table string // the table's directory
	Group string // the row-group file name
	Col   int
}

// Options are the tier budgets in bytes; 0 disables a tier.
type Options struct {
	HotBytes  int64
	WarmBytes int64
}

// Metrics count what the tiers did.
type Metrics struct {
	HotHits, HotMisses   int64
	WarmHits, WarmMisses int64
	// ColdReads are chunks read from disk; ColdBytes their stored size.
	ColdReads, ColdBytes int64
	HotBytes, WarmBytes  int64 // held now
	HotEntries           int
	WarmEntries          int
}

// HotHitRate returns hot hits / lookups (0 when none).
func (m Metrics) HotHitRate() float64 { return rate(m.HotHits, m.HotMisses) }

// WarmHitRate returns warm hits / warm lookups (hot misses).
func (m Metrics) WarmHitRate() float64 { return rate(m.WarmHits, m.WarmMisses) }

func rate(h, m int64) float64 {
	if h+m == 0 {
		return 0
	}
	return float64(h) / float64(h+m)
}

// Cache is the three tiers.
type Cache struct {
	hot  *lru[*chunk.Column]
	warm *lru[[]byte]

	hotHits, hotMisses   atomic.Int64
	warmHits, warmMisses atomic.Int64
	coldReads, coldBytes atomic.Int64
}

// New returns a cache with the given budgets.
func New(o Options) *Cache {
	return &Cache{hot: newLRU[*chunk.Column](o.HotBytes), warm: newLRU[[]byte](o.WarmBytes)}
}

// Loader reads a chunk's stored bytes from disk (cold tier).
type Loader func() ([]byte, error)

// Decoder decodes stored bytes into a column.
type Decoder func(src []byte, into *chunk.Column) error

// Column returns the decoded chunk for k: from the hot tier, else decoded
// from the warm tier, else read with load and decoded. The result is
// shared and read-only. When the hot tier is disabled or the chunk is
// larger than its budget, the chunk is decoded into scratch (which the
// caller owns and may reuse) and scratch is returned.
func (c *Cache) Column(k Key, load Loader, decode Decoder, scratch *chunk.Column) (*chunk.Column, error) {
	if col, ok := c.hot.get(k); ok {
		c.hotHits.Add(1)
		return col, nil
	}
	c.hotMisses.Add(1)
	raw, ok := c.warm.get(k)
	if ok {
		c.warmHits.Add(1)
	} else {
		c.warmMisses.Add(1)
		var err error
		if raw, err = load(); err != nil {
			return nil, err
		}
		c.coldReads.Add(1)
		c.coldBytes.Add(int64(len(raw)))
		c.warm.put(k, raw, int64(len(raw)))
	}
	into := scratch
	if c.hot.budget > 0 {
		into = new(chunk.Column)
	}
	if err := decode(raw, into); err != nil {
		return nil, err
	}
	if into != scratch {
		if size := columnBytes(into); size <= c.hot.budget {
			c.hot.put(k, into, size)
		}
	}
	return into, nil
}

// columnBytes is the memory a decoded column holds.
func columnBytes(c *chunk.Column) int64 {
	return int64(cap(c.Ints)*8+cap(c.Floats)*8+cap(c.Bools)*8+cap(c.Offsets)*4+cap(c.Bytes)+cap(c.Valid)*8) + 64
}

// Metrics returns the counters.
func (c *Cache) Metrics() Metrics {
	m := Metrics{
		HotHits: c.hotHits.Load(), HotMisses: c.hotMisses.Load(),
		WarmHits: c.warmHits.Load(), WarmMisses: c.warmMisses.Load(),
		ColdReads: c.coldReads.Load(), ColdBytes: c.coldBytes.Load(),
	}
	m.HotBytes, m.HotEntries = c.hot.size()
	m.WarmBytes, m.WarmEntries = c.warm.size()
	return m
}

// DropTable forgets every entry of a table (after DROP TABLE).
func (c *Cache) DropTable(table string) {
	c.hot.dropIf(func(k Key) bool { return k.Table == table })
	c.warm.dropIf(func(k Key) bool { return k.Table == table })
}

// lru is one tier: a byte-budgeted least-recently-used map.
type lru[V any] struct {
	mu      sync.Mutex
	budget  int64
	used    int64
	order   *list.List // front: most recent
	entries map[Key]*list.Element
}

type entry[V any] struct {
	key  Key
	val  V
	size int64
}

func newLRU[V any](budget int64) *lru[V] {
	return &lru[V]{budget: budget, order: list.New(), entries: map[Key]*list.Element{}}
}

func (l *lru[V]) get(k Key) (V, bool) {
	var zero V
	if l.budget <= 0 {
		return zero, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[k]
	if !ok {
		return zero, false
	}
	l.order.MoveToFront(e)
	return e.Value.(*entry[V]).val, true
}

func (l *lru[V]) put(k Key, v V, size int64) {
	if l.budget <= 0 || size > l.budget {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.entries[k]; ok {
		old := e.Value.(*entry[V])
		l.used += size - old.size
		old.val, old.size = v, size
		l.order.MoveToFront(e)
	} else {
		l.entries[k] = l.order.PushFront(&entry[V]{key: k, val: v, size: size})
		l.used += size
	}
	for l.used > l.budget {
		back := l.order.Back()
		victim := back.Value.(*entry[V])
		l.order.Remove(back)
		delete(l.entries, victim.key)
		l.used -= victim.size
	}
}

func (l *lru[V]) size() (int64, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.used, len(l.entries)
}

func (l *lru[V]) dropIf(f func(Key) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, e := range l.entries {
		if f(k) {
			l.used -= e.Value.(*entry[V]).size
			l.order.Remove(e)
			delete(l.entries, k)
		}
	}
}
