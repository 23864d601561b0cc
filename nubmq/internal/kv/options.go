package kv

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrOOM is returned by Evict when used memory is above MaxMemory and
	// nothing can be freed: the policy is noeviction, or no key is eligible
	// (a volatile-* policy with no key that has an expiry, or an empty
	// store) and no arena garbage is left to reclaim.
	ErrOOM = errors.New("kv: used memory above maxmemory and nothing can be evicted")
	// ErrCorrupt is wrapped by every error Check returns: an invariant of the
	// store is broken, which is a bug in this package.
	ErrCorrupt = errors.New("kv: corrupt")
	// ErrUnknownPolicy is returned by ParsePolicy for a name that is not one
	// of Redis's maxmemory-policy values.
	ErrUnknownPolicy = errors.New("kv: unknown maxmemory policy")
)

// Policy is what Evict removes when used memory is above MaxMemory; the
// values are Redis's maxmemory-policy settings.
type Policy uint8

const (
	// NoEviction evicts nothing: Evict returns ErrOOM (Redis's default).
	NoEviction Policy = iota
	// AllKeysLRU evicts the least recently used of a sample of keys.
	AllKeysLRU
	// AllKeysLFU evicts the least frequently used of a sample of keys.
	AllKeysLFU
	// VolatileLRU is AllKeysLRU restricted to keys with an expiry.
	VolatileLRU
	// VolatileLFU is AllKeysLFU restricted to keys with an expiry.
	VolatileLFU
	// VolatileTTL evicts the key of a sample of keys with an expiry that
	// expires soonest.
	VolatileTTL
	// AllKeysRandom evicts a random key.
	AllKeysRandom
	// VolatileRandom evicts a random key with an expiry.
	VolatileRandom
	policyCount
)

var policyNames = [policyCount]string{
	NoEviction:     "noeviction",
	AllKeysLRU:     "allkeys-lru",
	AllKeysLFU:     "allkeys-lfu",
	VolatileLRU:    "volatile-lru",
	VolatileLFU:    "volatile-lfu",
	VolatileTTL:    "volatile-ttl",
	AllKeysRandom:  "allkeys-random",
	VolatileRandom: "volatile-random",
}

// String returns the policy's Redis name.
func (p Policy) String() string {
	if p < policyCount {
		return policyNames[p]
	}
	return fmt.Sprintf("policy(%d)", uint8(p))
}

// ParsePolicy returns the policy with Redis name name (case-insensitive,
// as CONFIG SET accepts it).
func ParsePolicy(name string) (Policy, error) {
	for p, n := range policyNames {
		if strings.EqualFold(n, name) {
			return Policy(p), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownPolicy, name)
}

// volatileOnly reports whether p evicts only keys with an expiry.
func (p Policy) volatileOnly() bool {
	return p == VolatileLRU || p == VolatileLFU || p == VolatileTTL || p == VolatileRandom
}

// lfu reports whether p ranks keys by access frequency, which decides what
// the per-record access metadata means (see touchLocked).
func (p Policy) lfu() bool { return p == AllKeysLFU || p == VolatileLFU }

// Options configures a Store. The zero value is usable: 256 shards, the wall
// clock, no memory limit, noeviction, no callbacks.
type Options struct {
	// Shards is the number of independently locked shards, a power of two
	// from 1 to MaxShards; 0 means DefaultShards.
	Shards int
	// Now returns the current time in unix milliseconds; nil means the wall
	// clock. Tests inject a fake clock.
	Now func() int64
	// MaxMemory is the UsedMemory bound in bytes that Evict enforces; 0 means
	// unlimited. Changeable at run time with SetMaxMemory.
	MaxMemory int64
	// Policy is what Evict removes; changeable with SetPolicy.
	Policy Policy
	// OnExpire is called once for every key deleted because its expiry
	// passed, whether found by an operation (lazy expiry) or by Step (active
	// expiry). It runs with the key's shard locked: it must not call the
	// Store, and key is valid only during the call (copy it to keep it).
	OnExpire func(key []byte)
	// OnEvict is called once for every key Evict deletes, under the same
	// rules as OnExpire.
	OnEvict func(key []byte)
}

const (
	// DefaultShards is the shard count when Options.Shards is 0.
	DefaultShards = 256
	// MaxShards bounds Options.Shards.
	MaxShards = 1 << 16
)

// Validate reports whether o is usable (after defaults are applied).
func (o *Options) Validate() error {
	n := o.Shards
	if n == 0 {
		n = DefaultShards
	}
	if n < 1 || n > MaxShards || n&(n-1) != 0 {
		return fmt.Errorf("kv: options: shards %d is not a power of two from 1 to %d", o.Shards, MaxShards)
	}
	if o.MaxMemory < 0 {
		return fmt.Errorf("kv: options: maxmemory %d is negative", o.MaxMemory)
	}
	if o.Policy >= policyCount {
		return fmt.Errorf("kv: options: %w: %d", ErrUnknownPolicy, o.Policy)
	}
	return nil
}

func wallClockMs() int64 { return time.Now().UnixMilli() }

// tuning holds the engine's internal sizes. Production uses defaultTuning;
// tests shrink everything so that resizes, migrations and compactions happen
// after a handful of operations.
type tuning struct {
	minSlots      int  // smallest index table, a power of two ≥ 8
	chunkMinBytes int  // smallest arena chunk
	chunkMaxBytes int  // largest shared arena chunk, ≤ 1<<refOffsetBits
	bigRecord     int  // records this large get a chunk of their own
	tagHomeBits   uint // tables up to this many bits find an entry's home slot from its tag
	migrateBudget int  // migration work units done by every write (see migrateLocked)
	compactBudget int  // compaction work units done by every write (see compactStepLocked)
}

var defaultTuning = tuning{
	minSlots:      64,
	chunkMinBytes: 4 << 10,
	chunkMaxBytes: 256 << 10,
	bigRecord:     32 << 10,
	tagHomeBits:   tagBits,
	migrateBudget: 128,
	compactBudget: 64,
}

func (tu *tuning) validate() error {
	switch {
	case tu.minSlots < 8 || tu.minSlots&(tu.minSlots-1) != 0:
		return fmt.Errorf("kv: tuning: minSlots %d", tu.minSlots)
	case tu.chunkMinBytes < 64 || tu.chunkMinBytes > tu.chunkMaxBytes || tu.chunkMaxBytes > 1<<refOffsetBits:
		return fmt.Errorf("kv: tuning: chunk sizes %d..%d", tu.chunkMinBytes, tu.chunkMaxBytes)
	case tu.bigRecord < 32 || tu.bigRecord > tu.chunkMaxBytes:
		return fmt.Errorf("kv: tuning: bigRecord %d", tu.bigRecord)
	case tu.tagHomeBits > tagBits:
		return fmt.Errorf("kv: tuning: tagHomeBits %d", tu.tagHomeBits)
	case tu.migrateBudget < 1 || tu.compactBudget < 1:
		return fmt.Errorf("kv: tuning: budgets %d %d", tu.migrateBudget, tu.compactBudget)
	}
	return nil
}
