package walrus

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
	"sync"

	"github.com/reefdb/reef/internal/vfs"
)

// Cursor file (docs/format/walrus.md): "cursors.log" in the topic directory, a
// sequence of records; the last record for a name wins. A torn tail is cut off
// on open. When the file has grown to several times its live content it is
// rewritten to cursors.tmp, synced and renamed over.
//
//	0  u32 bodyLen
//	4  u32 crc       CRC32C of the body
//	8  body: u8 kind (1 commit, 2 delete), u16 nameLen, name, u64 offset
const (
	cursorFile      = "cursors.log"
	cursorTmpFile   = "cursors.tmp"
	cursorCommit    = 1
	cursorDelete    = 2
	cursorCompactAt = 64 << 10
)

// cursorStore holds a topic's committed cursor offsets.
type cursorStore struct {
	t    *Topic
	path string

	mu        sync.Mutex
	f         vfs.File // nil until the first commit of this process
	size      int64
	committed map[string]uint64
}

func openCursorStore(t *Topic, readOnly bool) (*cursorStore, error) {
	c := &cursorStore{t: t, path: joinPath(t.dir, cursorFile), committed: map[string]uint64{}}
	fs := t.opts.FS
	if !readOnly {
		if err := fs.Remove(joinPath(t.dir, cursorTmpFile)); err != nil && !isNotExist(err) {
			return nil, fmt.Errorf("walrus: remove %s: %w", cursorTmpFile, err)
		}
	}
	f, err := fs.Open(c.path)
	if isNotExist(err) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("walrus: open cursors of %s: %w", t.name, err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("walrus: read cursors of %s: %w", t.name, err)
	}
	valid := c.load(data)
	c.size = int64(valid)
	if valid < len(data) && !readOnly {
		t.log.opts.Logger.Warn("cursor log has a torn tail; cut", "topic", t.name, "bytes", len(data)-valid)
		f, err := fs.OpenReadWrite(c.path)
		if err != nil {
			return nil, fmt.Errorf("walrus: repair cursors of %s: %w", t.name, err)
		}
		err = f.Truncate(int64(valid))
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("walrus: repair cursors of %s: %w", t.name, err)
		}
	}
	return c, nil
}

// load applies every valid record and returns the length of the valid prefix.
func (c *cursorStore) load(data []byte) int {
	pos := 0
	for len(data)-pos >= 8 {
		n := int(binary.LittleEndian.Uint32(data[pos:]))
		if n < 11 || n > len(data)-pos-8 {
			break
		}
		body := data[pos+8 : pos+8+n]
		if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[pos+4:]) {
			break
		}
		kind, nameLen := body[0], int(binary.LittleEndian.Uint16(body[1:]))
		if 3+nameLen+8 != n || (kind != cursorCommit && kind != cursorDelete) {
			break
		}
		name := string(body[3 : 3+nameLen])
		if kind == cursorCommit {
			c.committed[name] = binary.LittleEndian.Uint64(body[3+nameLen:])
		} else {
			delete(c.committed, name)
		}
		pos += 8 + n
	}
	return pos
}

func encodeCursorRecord(dst []byte, kind byte, name string, offset uint64) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, 8)...)
	dst = append(dst, kind)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(name)))
	dst = append(dst, name...)
	dst = binary.LittleEndian.AppendUint64(dst, offset)
	body := dst[start+8:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(body, castagnoli))
	return dst
}

// write appends one record durably (always fsynced: a commit is a promise).
func (c *cursorStore) write(kind byte, name string, offset uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		if err := c.openLocked(); err != nil {
			return err
		}
	}
	rec := encodeCursorRecord(nil, kind, name, offset)
	if _, err := c.f.WriteAt(rec, c.size); err != nil {
		return fmt.Errorf("walrus: commit cursor %s/%s: %w", c.t.name, name, err)
	}
	if err := c.f.Sync(); err != nil {
		return fmt.Errorf("walrus: commit cursor %s/%s: %w", c.t.name, name, err)
	}
	c.size += int64(len(rec))
	if kind == cursorCommit {
		c.committed[name] = offset
	} else {
		delete(c.committed, name)
	}
	if c.size > cursorCompactAt && c.size > 8*int64(len(c.committed))*32 {
		return c.compactLocked()
	}
	return nil
}

// openLocked opens (creating if needed) the cursor log for appending.
func (c *cursorStore) openLocked() error {
	fs := c.t.opts.FS
	if err := c.t.log.cache.reserve(1); err != nil {
		return err
	}
	f, err := fs.OpenReadWrite(c.path)
	if isNotExist(err) {
		f, err = fs.Create(c.path)
	}
	if err == nil {
		// Always, not only after Create: an earlier attempt may have created
		// the file and then failed to make its name durable.
		err = vfs.SyncDir(fs, c.t.dir)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		c.t.log.cache.release(1)
		return fmt.Errorf("walrus: open cursors of %s: %w", c.t.name, err)
	}
	c.f = f
	return nil
}

// compactLocked rewrites the log with one record per live cursor.
func (c *cursorStore) compactLocked() error {
	names := make([]string, 0, len(c.committed))
	for n := range c.committed {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf []byte
	for _, n := range names {
		buf = encodeCursorRecord(buf, cursorCommit, n, c.committed[n])
	}
	fs := c.t.opts.FS
	tmp := joinPath(c.t.dir, cursorTmpFile)
	if err := writeFileSync(fs, tmp, buf, true); err != nil {
		return fmt.Errorf("walrus: compact cursors of %s: %w", c.t.name, err)
	}
	if err := fs.Rename(tmp, c.path); err != nil {
		return fmt.Errorf("walrus: compact cursors of %s: %w", c.t.name, err)
	}
	// The old handle now names an unlinked file: drop it whatever happens
	// next; the next write reopens (and syncs the directory).
	c.f.Close()
	c.f = nil
	c.t.log.cache.release(1)
	c.size = int64(len(buf))
	if err := vfs.SyncDir(fs, c.t.dir); err != nil {
		return fmt.Errorf("walrus: compact cursors of %s: %w", c.t.name, err)
	}
	return nil
}

func (c *cursorStore) get(name string) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	off, ok := c.committed[name]
	return off, ok
}

func (c *cursorStore) all() map[string]uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]uint64, len(c.committed))
	for k, v := range c.committed {
		m[k] = v
	}
	return m
}

func (c *cursorStore) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	c.t.log.cache.release(1)
	return err
}

// Cursor is a named consumer position on a topic. Many cursors can read one
// topic independently. A cursor's position moves as it reads; only Commit
// persists it. A Cursor value is safe for concurrent use.
type Cursor struct {
	t    *Topic
	name string

	mu  sync.Mutex
	pos uint64
}

// Cursor returns the named cursor, positioned at its committed offset, or at
// the topic's first offset if it has never committed. Names follow the topic
// name rules.
func (t *Topic) Cursor(name string) (*Cursor, error) {
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("walrus: cursor %q: %w", name, err)
	}
	c := &Cursor{t: t, name: name}
	if off, ok := t.cursors.get(name); ok {
		c.pos = off
	} else {
		c.pos, _ = t.Bounds()
	}
	return c, nil
}

// Cursors returns the committed offset of every cursor of the topic.
func (t *Topic) Cursors() map[string]uint64 { return t.cursors.all() }

// DeleteCursor forgets a cursor's committed offset, durably.
func (t *Topic) DeleteCursor(name string) error {
	if _, ok := t.cursors.get(name); !ok {
		return nil
	}
	return t.cursors.write(cursorDelete, name, 0)
}

// Name returns the cursor's name.
func (c *Cursor) Name() string { return c.name }

// Position returns the offset the next Next will read from.
func (c *Cursor) Position() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos
}

// Seek moves the read position; it does not commit.
func (c *Cursor) Seek(offset uint64) {
	c.mu.Lock()
	c.pos = offset
	c.mu.Unlock()
}

// Committed returns the last committed offset, if any.
func (c *Cursor) Committed() (uint64, bool) { return c.t.cursors.get(c.name) }

// Next reads from the position (see Topic.Read) and moves past what it
// returns.
func (c *Cursor) Next(maxEntries, maxBytes int) ([]Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	es, err := c.t.Read(c.pos, maxEntries, maxBytes)
	if len(es) > 0 {
		c.pos = es[len(es)-1].Offset + 1
	}
	return es, err
}

// Poll is a blocking Next: it waits until an entry at the position is
// visible or ctx ends.
func (c *Cursor) Poll(ctx context.Context, maxEntries, maxBytes int) ([]Entry, error) {
	if err := c.t.Wait(ctx, c.Position()); err != nil {
		return nil, err
	}
	return c.Next(maxEntries, maxBytes)
}

// Commit durably records offset as the cursor's committed position (by
// convention the next offset to consume) and returns once it is fsynced.
func (c *Cursor) Commit(offset uint64) error {
	return c.t.cursors.write(cursorCommit, c.name, offset)
}
