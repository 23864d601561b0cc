package persist

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/reefdb/reef/internal/vfs"
)

// model is a dumb keyspace of strings and hashes with expiry times, which
// applies the effects Nubmq logs exactly as the package doc asks the server
// to: a command that does not fit the key's type is a no-op.
type model struct {
	keys map[string]*modelValue
}

type modelValue struct {
	str    []byte
	hash   map[string]string // non-nil: a hash
	expire int64
}

func newModel() *model { return &model{keys: map[string]*modelValue{}} }

// apply applies one effect and reports whether it changed anything (a
// server logs only effects that applied).
func (m *model) apply(args [][]byte) (bool, error) {
	if len(args) == 0 {
		return false, errors.New("empty command")
	}
	cmd := strings.ToUpper(string(args[0]))
	k := func(i int) string { return string(args[i]) }
	switch {
	case cmd == "SET" && (len(args) == 3 || len(args) == 5 && strings.EqualFold(string(args[3]), "PXAT")):
		v := &modelValue{str: bytes.Clone(args[2])}
		if len(args) == 5 {
			ms, err := strconv.ParseInt(string(args[4]), 10, 64)
			if err != nil {
				return false, err
			}
			v.expire = ms
		}
		m.keys[k(1)] = v
		return true, nil
	case cmd == "DEL" && len(args) >= 2:
		changed := false
		for i := 1; i < len(args); i++ {
			if _, ok := m.keys[k(i)]; ok {
				delete(m.keys, k(i))
				changed = true
			}
		}
		return changed, nil
	case cmd == "PEXPIREAT" && len(args) == 3:
		ms, err := strconv.ParseInt(string(args[2]), 10, 64)
		if err != nil {
			return false, err
		}
		if v, ok := m.keys[k(1)]; ok {
			v.expire = ms
			return true, nil
		}
		return false, nil
	case cmd == "PERSIST" && len(args) == 2:
		if v, ok := m.keys[k(1)]; ok && v.expire != 0 {
			v.expire = 0
			return true, nil
		}
		return false, nil
	case cmd == "HSET" && len(args) >= 4 && len(args)%2 == 0:
		v, ok := m.keys[k(1)]
		if ok && v.hash == nil {
			return false, nil // WRONGTYPE
		}
		if !ok {
			v = &modelValue{hash: map[string]string{}}
			m.keys[k(1)] = v
		}
		for i := 2; i < len(args); i += 2 {
			v.hash[k(i)] = k(i + 1)
		}
		return true, nil
	case cmd == "HDEL" && len(args) >= 3:
		v, ok := m.keys[k(1)]
		if !ok || v.hash == nil {
			return false, nil
		}
		changed := false
		for i := 2; i < len(args); i++ {
			if _, ok := v.hash[k(i)]; ok {
				delete(v.hash, k(i))
				changed = true
			}
		}
		if len(v.hash) == 0 {
			delete(m.keys, k(1))
		}
		return changed, nil
	case cmd == "FLUSHALL" && len(args) == 1:
		clear(m.keys)
		return true, nil
	}
	return false, fmt.Errorf("model: unknown command %q", args)
}

func (m *model) replay(args [][]byte) error {
	_, err := m.apply(args)
	return err
}

func (m *model) applyRecord(r Record) error {
	switch r.Kind {
	case KindString:
		m.keys[string(r.Key)] = &modelValue{str: bytes.Clone(r.Value), expire: r.ExpireAt}
	case KindHash:
		v, ok := m.keys[string(r.Key)]
		if !ok || v.hash == nil {
			v = &modelValue{hash: map[string]string{}}
			m.keys[string(r.Key)] = v
		}
		v.expire = r.ExpireAt
		for _, f := range r.Fields {
			v.hash[string(f[0])] = string(f[1])
		}
	default:
		return fmt.Errorf("model: record kind %v", r.Kind)
	}
	return nil
}

// emit emits one Record per key, in key order.
func (m *model) emit(emit func(Record) error) error {
	for _, key := range slices.Sorted(maps.Keys(m.keys)) {
		v := m.keys[key]
		r := Record{Kind: KindString, Key: []byte(key), Value: v.str, ExpireAt: v.expire}
		if v.hash != nil {
			r = Record{Kind: KindHash, Key: []byte(key), ExpireAt: v.expire}
			for _, f := range slices.Sorted(maps.Keys(v.hash)) {
				r.Fields = append(r.Fields, [2][]byte{[]byte(f), []byte(v.hash[f])})
			}
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// String renders the model for failure messages (long values as a digest).
func (m *model) String() string {
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(m.keys)) {
		v := m.keys[key]
		fmt.Fprintf(&b, "%s(exp %d)=", key, v.expire)
		if v.hash != nil {
			for _, f := range slices.Sorted(maps.Keys(v.hash)) {
				fmt.Fprintf(&b, "%s:%s,", f, short(v.hash[f]))
			}
		} else {
			b.WriteString(short(string(v.str)))
		}
		b.WriteString(" ")
	}
	return b.String()
}

func short(s string) string {
	if len(s) <= 16 {
		return strconv.Quote(s)
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("<%d bytes %x>", len(s), h.Sum64())
}

func (m *model) equal(o *model) bool { return m.String() == o.String() }

// server is the part of Nubmq that the AOF sees: sharded, locked keyspace;
// each effect applied and appended under its shard's lock; FLUSHALL under
// every lock; a rewrite iterating one shard at a time while writes go on.
type server struct {
	aof    *AOF
	shards [4]struct {
		sync.Mutex
		m *model
	}
	histMu sync.Mutex
	hist   map[uint64][][]byte // seq → command, as appended
}

func newServer(a *AOF, from *model) *server {
	s := &server{aof: a, hist: map[uint64][][]byte{}}
	for i := range s.shards {
		s.shards[i].m = newModel()
	}
	if from != nil {
		for k, v := range from.keys {
			s.shards[shardOf(k)].m.keys[k] = v
		}
	}
	return s
}

func shardOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % 4)
}

// do applies and appends one effect; it returns its sequence number, 0 if
// it changed nothing (and was not logged).
func (s *server) do(args [][]byte) (uint64, error) {
	if strings.EqualFold(string(args[0]), "FLUSHALL") {
		for i := range s.shards {
			s.shards[i].Lock()
		}
		for i := range s.shards {
			s.shards[i].m.apply(args)
		}
		seq := s.aof.Append(args)
		s.record(seq, args)
		for i := range s.shards {
			s.shards[i].Unlock()
		}
		return seq, nil
	}
	sh := &s.shards[shardOf(string(args[1]))]
	sh.Lock()
	defer sh.Unlock()
	changed, err := sh.m.apply(args)
	if err != nil || !changed {
		return 0, err
	}
	seq := s.aof.Append(args)
	s.record(seq, args)
	return seq, nil
}

func (s *server) record(seq uint64, args [][]byte) {
	c := make([][]byte, len(args))
	for i, a := range args {
		c[i] = bytes.Clone(a)
	}
	s.histMu.Lock()
	s.hist[seq] = c
	s.histMu.Unlock()
}

// iterate is the rewrite's view: each shard read under its lock, while
// writers go on between shards. afterShard, if set, runs between shards.
func (s *server) iterate(afterShard func()) func(emit func(Record) error) error {
	return func(emit func(Record) error) error {
		for i := range s.shards {
			sh := &s.shards[i]
			sh.Lock()
			err := sh.m.emit(emit)
			sh.Unlock()
			if err != nil {
				return err
			}
			if afterShard != nil {
				afterShard()
			}
		}
		return nil
	}
}

func (s *server) state() *model {
	m := newModel()
	for i := range s.shards {
		s.shards[i].Lock()
		for k, v := range s.shards[i].m.keys {
			m.keys[k] = v
		}
		s.shards[i].Unlock()
	}
	return m
}

// replayHistory is the reference: commands 1..upTo of hist applied in
// sequence order on an empty keyspace.
func replayHistory(hist map[uint64][][]byte, upTo uint64) (*model, error) {
	m := newModel()
	for seq := uint64(1); seq <= upTo; seq++ {
		args, ok := hist[seq]
		if !ok {
			return nil, fmt.Errorf("no command %d in the history", seq)
		}
		if _, err := m.apply(args); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// randomEffect draws an effect over a few keys, so that keys collide,
// change type and expire. bigBytes > 0 sometimes makes a value that large.
func randomEffect(rng *rand.Rand, bigBytes int) [][]byte {
	key := []byte(fmt.Sprintf("k%d", rng.IntN(24)))
	val := func() []byte {
		n := rng.IntN(24)
		if bigBytes > 0 && rng.IntN(16) == 0 {
			n = bigBytes/2 + rng.IntN(bigBytes)
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	ms := func() []byte { return strconv.AppendInt(nil, 1_700_000_000_000+rng.Int64N(1e9), 10) }
	field := func() []byte { return []byte(fmt.Sprintf("f%d", rng.IntN(6))) }
	switch r := rng.IntN(100); {
	case r < 30:
		return [][]byte{[]byte("SET"), key, val()}
	case r < 40:
		return [][]byte{[]byte("SET"), key, val(), []byte("PXAT"), ms()}
	case r < 50:
		return [][]byte{[]byte("DEL"), key}
	case r < 75:
		args := [][]byte{[]byte("HSET"), key}
		for n := 1 + rng.IntN(3); n > 0; n-- {
			args = append(args, field(), val())
		}
		return args
	case r < 85:
		return [][]byte{[]byte("HDEL"), key, field(), field()}
	case r < 92:
		return [][]byte{[]byte("PEXPIREAT"), key, ms()}
	case r < 99:
		return [][]byte{[]byte("PERSIST"), key}
	}
	return [][]byte{[]byte("FLUSHALL")}
}

// procFS is one process's view of a shared MemFS: kill makes every later
// operation fail, after the ones in flight have finished, as if the process
// died between two system calls. A crash test kills the process before it
// crashes the MemFS, so that nothing of the dead process (a path-based
// Rename, say) reaches the rebooted disk.
type procFS struct {
	fs   vfs.FS
	mu   sync.RWMutex
	dead bool
}

var errKilled = errors.New("process killed")

func (p *procFS) kill() {
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
}

func (p *procFS) do(op func() error) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.dead {
		return errKilled
	}
	return op()
}

func (p *procFS) file(op func() (vfs.File, error)) (vfs.File, error) {
	var f vfs.File
	err := p.do(func() (err error) { f, err = op(); return err })
	if err != nil {
		return nil, err
	}
	return &procFile{p: p, f: f}, nil
}

func (p *procFS) Create(name string) (vfs.File, error) {
	return p.file(func() (vfs.File, error) { return p.fs.Create(name) })
}
func (p *procFS) Open(name string) (vfs.File, error) {
	return p.file(func() (vfs.File, error) { return p.fs.Open(name) })
}
func (p *procFS) OpenReadWrite(name string) (vfs.File, error) {
	return p.file(func() (vfs.File, error) { return p.fs.OpenReadWrite(name) })
}
func (p *procFS) OpenDir(name string) (vfs.File, error) {
	return p.file(func() (vfs.File, error) { return p.fs.OpenDir(name) })
}
func (p *procFS) OpenDirect(name string) (vfs.File, error) {
	return p.file(func() (vfs.File, error) { return vfs.OpenDirect(p.fs, name) })
}
func (p *procFS) Remove(name string) error { return p.do(func() error { return p.fs.Remove(name) }) }
func (p *procFS) RemoveAll(name string) error {
	return p.do(func() error { return p.fs.RemoveAll(name) })
}
func (p *procFS) Rename(o, n string) error { return p.do(func() error { return p.fs.Rename(o, n) }) }
func (p *procFS) MkdirAll(dir string, perm os.FileMode) error {
	return p.do(func() error { return p.fs.MkdirAll(dir, perm) })
}
func (p *procFS) List(dir string) (names []string, err error) {
	err = p.do(func() error { names, err = p.fs.List(dir); return err })
	return names, err
}
func (p *procFS) Stat(name string) (fi os.FileInfo, err error) {
	err = p.do(func() error { fi, err = p.fs.Stat(name); return err })
	return fi, err
}
func (p *procFS) Lock(name string) (c io.Closer, err error) {
	err = p.do(func() error { c, err = p.fs.Lock(name); return err })
	return c, err
}

type procFile struct {
	p *procFS
	f vfs.File
}

func (f *procFile) Read(b []byte) (n int, err error) {
	err = f.p.do(func() error { n, err = f.f.Read(b); return err })
	return n, err
}
func (f *procFile) ReadAt(b []byte, off int64) (n int, err error) {
	err = f.p.do(func() error { n, err = f.f.ReadAt(b, off); return err })
	return n, err
}
func (f *procFile) Write(b []byte) (n int, err error) {
	err = f.p.do(func() error { n, err = f.f.Write(b); return err })
	return n, err
}
func (f *procFile) WriteAt(b []byte, off int64) (n int, err error) {
	err = f.p.do(func() error { n, err = f.f.WriteAt(b, off); return err })
	return n, err
}
func (f *procFile) Close() error { return f.p.do(f.f.Close) }
func (f *procFile) Sync() error  { return f.p.do(f.f.Sync) }
func (f *procFile) Truncate(size int64) error {
	return f.p.do(func() error { return f.f.Truncate(size) })
}
func (f *procFile) Preallocate(off, length int64) error {
	return f.p.do(func() error { return f.f.Preallocate(off, length) })
}
func (f *procFile) Stat() (fi os.FileInfo, err error) {
	err = f.p.do(func() error { fi, err = f.f.Stat(); return err })
	return fi, err
}
