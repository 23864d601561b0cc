package walrus

import (
	"container/list"
	"fmt"
	"sync"
	"time"

	"github.com/reefdb/reef/internal/vfs"
)

// lruNode is a segment's place in the open-file list.
type lruNode = list.Element

// fileCache enforces Options.MaxOpenFiles. Fixed handles (active segments,
// cursor files) are reserved and released explicitly; sealed segments' handles
// are opened on demand and closed least-recently-used when the budget is
// needed, but never while a reader holds the segment.
type fileCache struct {
	fs     vfs.FS
	budget int

	mu      sync.Mutex
	cond    sync.Cond  // signalled when a handle may have become closable
	open    int        // handles held, fixed and cached
	waiters int        // goroutines waiting in reserveLocked
	sealed  *list.List // of *segment with an open handle, most recent first
}

// openFileWaitMax bounds how long an operation waits for the open-file
// budget (held by readers and background seals for moments) before failing
// with ErrTooManyOpenFiles.
const openFileWaitMax = 2 * time.Second

func newFileCache(fs vfs.FS, budget int) *fileCache {
	c := &fileCache{fs: fs, budget: budget, sealed: list.New()}
	c.cond.L = &c.mu
	return c
}

// released wakes waiters after a handle was released or a segment reference
// dropped (which may make its handle closable).
func (c *fileCache) released() {
	c.mu.Lock()
	if c.waiters > 0 {
		c.cond.Broadcast()
	}
	c.mu.Unlock()
}

// reserve takes n handles from the budget, closing idle sealed handles if
// needed.
func (c *fileCache) reserve(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reserveLocked(n)
}

func (c *fileCache) reserveLocked(n int) error {
	var deadline time.Time
	for c.open+n > c.budget {
		if c.evictLocked() {
			continue
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(openFileWaitMax)
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d handles of %d in use", ErrTooManyOpenFiles, c.open, c.budget)
		}
		c.waiters++
		wake := time.AfterFunc(20*time.Millisecond, c.cond.Broadcast) // re-check the deadline
		c.cond.Wait()
		wake.Stop()
		c.waiters--
	}
	c.open += n
	return nil
}

func (c *fileCache) release(n int) {
	c.mu.Lock()
	c.open -= n
	if c.waiters > 0 {
		c.cond.Broadcast()
	}
	c.mu.Unlock()
}

// evictLocked closes the least recently used sealed handle that no reader
// holds.
func (c *fileCache) evictLocked() bool {
	for e := c.sealed.Back(); e != nil; e = e.Prev() {
		s := e.Value.(*segment)
		if s.refs.Load() > 1 {
			continue
		}
		c.dropLocked(s)
		return true
	}
	return false
}

func (c *fileCache) dropLocked(s *segment) {
	if s.lru != nil {
		c.sealed.Remove(s.lru)
		s.lru = nil
	}
	if s.file != nil {
		s.file.Close()
		s.file = nil
		c.open--
	}
}

// file returns an open handle for s; the caller holds a reference to s.
func (c *fileCache) file(s *segment) (vfs.File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.lru != nil {
		c.sealed.MoveToFront(s.lru)
	}
	if s.file != nil {
		return s.file, nil
	}
	if err := c.reserveLocked(1); err != nil {
		return nil, err
	}
	f, err := c.fs.Open(s.path)
	if err != nil {
		c.open--
		return nil, fmt.Errorf("walrus: open segment %s: %w", s.path, err)
	}
	s.file = f
	s.lru = c.sealed.PushFront(s)
	return f, nil
}

// sealed moves an active segment's handle into the evictable list.
func (c *fileCache) sealedSegment(s *segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.file != nil && s.lru == nil {
		s.lru = c.sealed.PushFront(s)
	}
}

// close closes s's handle, if open.
func (c *fileCache) close(s *segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(s)
}
