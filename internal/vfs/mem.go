package vfs

import (
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MemFS is an in-memory FS that models what survives a power loss, strictly:
// a byte is durable only once File.Sync returned nil on its file, and a
// directory entry only once its parent directory was synced. Crash throws
// away everything else. See the package documentation for the exact model.
//
// Names are slash-separated; relative names are taken from the root, so "a/b"
// and "/a/b" are the same file. Errors carry the errnos the OS would return
// (ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, EBADF, EBUSY), so
// errors.Is(err, fs.ErrNotExist) holds exactly where it would on the OS.
//
// A MemFS is safe for concurrent use; one mutex serialises every operation.
type MemFS struct {
	// mu guards the fields below, every memNode, and the position and
	// closed flag of every memFile.
	mu    sync.Mutex
	root  *memNode
	gen   uint64                // bumped by Crash; older handles fail
	locks map[*memNode]*memLock // held locks, by inode
}

// NewMem returns an empty MemFS whose root directory exists and is durable.
func NewMem() *MemFS {
	return &MemFS{
		root:  newMemDir(0o755),
		locks: make(map[*memNode]*memLock),
	}
}

// memNode is an inode: a directory or a regular file. Directory entries
// point at nodes, so a file renamed or removed while open keeps its content
// and its open handles.
type memNode struct {
	dir  bool
	mode os.FileMode

	// Directory: the current entries, and the entries as of the last Sync
	// of this directory.
	children        map[string]*memNode
	durableChildren map[string]*memNode

	// File: data is what reads see; durable is the content as of the last
	// successful Sync; pending are the mutations since, in order.
	// Invariant: data == durable with pending applied.
	data    []byte
	durable []byte
	pending []memOp
}

func newMemDir(perm os.FileMode) *memNode {
	return &memNode{
		dir:             true,
		mode:            os.ModeDir | perm.Perm(),
		children:        make(map[string]*memNode),
		durableChildren: make(map[string]*memNode),
	}
}

func newMemFile() *memNode {
	return &memNode{mode: 0o644}
}

// memOp is one mutation of a file's content: a write of data at off, or
// (resize) setting the size to size, zero-filling any growth.
type memOp struct {
	resize bool
	off    int64
	data   []byte
	size   int64
}

// apply returns buf with op applied. It may reuse buf's array.
func (op memOp) apply(buf []byte) []byte {
	if op.resize {
		return resizeBytes(buf, op.size)
	}
	if end := op.off + int64(len(op.data)); end > int64(len(buf)) {
		buf = resizeBytes(buf, end)
	}
	copy(buf[op.off:], op.data)
	return buf
}

// resizeBytes returns buf with length size; bytes beyond the old length are
// zero even when buf's array held older bytes there.
func resizeBytes(buf []byte, size int64) []byte {
	old := int64(len(buf))
	if size <= old {
		return buf[:size]
	}
	if size <= int64(cap(buf)) {
		buf = buf[:size]
		clear(buf[old:])
		return buf
	}
	grown := make([]byte, size, max(size, 2*int64(cap(buf))))
	copy(grown, buf)
	return grown
}

// mutateLocked applies op to the file's current content and remembers it
// until the next Sync.
func (n *memNode) mutateLocked(op memOp) {
	n.data = op.apply(n.data)
	n.pending = append(n.pending, op)
}

// syncLocked makes the node durable: a file's pending mutations, or a
// directory's current entries.
func (n *memNode) syncLocked() {
	if n.dir {
		n.durableChildren = maps.Clone(n.children)
		return
	}
	for _, op := range n.pending {
		n.durable = op.apply(n.durable)
	}
	n.pending = nil
}

// splitPath cleans name and splits it into components; the root is nil.
func splitPath(name string) []string {
	p := path.Clean("/" + filepath.ToSlash(name))
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

// walkLocked returns the node at parts.
func (fs *MemFS) walkLocked(parts []string) (*memNode, error) {
	n := fs.root
	for _, part := range parts {
		if !n.dir {
			return nil, syscall.ENOTDIR
		}
		child, ok := n.children[part]
		if !ok {
			return nil, syscall.ENOENT
		}
		n = child
	}
	return n, nil
}

// lookupLocked returns the node named name.
func (fs *MemFS) lookupLocked(name string) (*memNode, error) {
	return fs.walkLocked(splitPath(name))
}

// parentLocked returns the directory that holds name and name's last
// component, which is "" for the root.
func (fs *MemFS) parentLocked(name string) (*memNode, string, error) {
	parts := splitPath(name)
	if len(parts) == 0 {
		return nil, "", nil
	}
	dir, err := fs.walkLocked(parts[:len(parts)-1])
	if err != nil {
		return nil, "", err
	}
	if !dir.dir {
		return nil, "", syscall.ENOTDIR
	}
	return dir, parts[len(parts)-1], nil
}

// Create implements FS.
func (fs *MemFS) Create(name string) (File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, base, err := fs.parentLocked(name)
	if err != nil {
		return nil, opError("create", name, err)
	}
	if dir == nil {
		return nil, opError("create", name, syscall.EISDIR)
	}
	n, ok := dir.children[base]
	switch {
	case !ok:
		n = newMemFile()
		dir.children[base] = n
	case n.dir:
		return nil, opError("create", name, syscall.EISDIR)
	case len(n.data) > 0:
		n.mutateLocked(memOp{resize: true, size: 0})
	}
	return fs.newFileLocked(n, name, true), nil
}

// Open implements FS. Opening a directory succeeds, as on the OS; reading
// it fails with EISDIR.
func (fs *MemFS) Open(name string) (File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, err := fs.lookupLocked(name)
	if err != nil {
		return nil, opError("open", name, err)
	}
	return fs.newFileLocked(n, name, false), nil
}

// OpenReadWrite implements FS.
func (fs *MemFS) OpenReadWrite(name string) (File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, err := fs.lookupLocked(name)
	if err != nil {
		return nil, opError("open", name, err)
	}
	if n.dir {
		return nil, opError("open", name, syscall.EISDIR)
	}
	return fs.newFileLocked(n, name, true), nil
}

// OpenDir implements FS.
func (fs *MemFS) OpenDir(name string) (File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, err := fs.lookupLocked(name)
	if err != nil {
		return nil, opError("open dir", name, err)
	}
	if !n.dir {
		return nil, opError("open dir", name, syscall.ENOTDIR)
	}
	return fs.newFileLocked(n, name, false), nil
}

// Remove implements FS. A removed file stays readable and writable through
// the handles already open on it.
func (fs *MemFS) Remove(name string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, base, err := fs.parentLocked(name)
	if err != nil {
		return opError("remove", name, err)
	}
	if dir == nil {
		return opError("remove", name, syscall.EBUSY)
	}
	n, ok := dir.children[base]
	if !ok {
		return opError("remove", name, syscall.ENOENT)
	}
	if n.dir && len(n.children) > 0 {
		return opError("remove", name, syscall.ENOTEMPTY)
	}
	delete(dir.children, base)
	return nil
}

// RemoveAll implements FS. Like os.RemoveAll it returns nil when name does
// not exist. It empties every directory of the subtree, so a directory
// handle still open inside it syncs an empty directory.
func (fs *MemFS) RemoveAll(name string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, base, err := fs.parentLocked(name)
	if err == syscall.ENOENT {
		return nil
	}
	if err != nil {
		return opError("remove all", name, err)
	}
	if dir == nil {
		return opError("remove all", name, syscall.EBUSY)
	}
	n, ok := dir.children[base]
	if !ok {
		return nil
	}
	var empty func(n *memNode)
	empty = func(n *memNode) {
		for _, child := range n.children {
			if child.dir {
				empty(child)
			}
		}
		clear(n.children)
	}
	if n.dir {
		empty(n)
	}
	delete(dir.children, base)
	return nil
}

// Rename implements FS with rename(2)'s rules: a file replaces a file, a
// directory replaces an empty directory, and a directory cannot move into
// itself.
func (fs *MemFS) Rename(oldname, newname string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	names := oldname + " to " + newname
	oldDir, oldBase, err := fs.parentLocked(oldname)
	if err != nil {
		return opError("rename", names, err)
	}
	newDir, newBase, err := fs.parentLocked(newname)
	if err != nil {
		return opError("rename", names, err)
	}
	if oldDir == nil || newDir == nil {
		return opError("rename", names, syscall.EBUSY)
	}
	n, ok := oldDir.children[oldBase]
	if !ok {
		return opError("rename", names, syscall.ENOENT)
	}
	target := newDir.children[newBase]
	if target == n {
		return nil // two names of one inode: rename(2) does nothing
	}
	if n.dir {
		oldPath := "/" + strings.Join(splitPath(oldname), "/")
		newPath := "/" + strings.Join(splitPath(newname), "/")
		if strings.HasPrefix(newPath, oldPath+"/") {
			return opError("rename", names, syscall.EINVAL)
		}
	}
	if target != nil {
		switch {
		case n.dir && !target.dir:
			return opError("rename", names, syscall.ENOTDIR)
		case !n.dir && target.dir:
			return opError("rename", names, syscall.EISDIR)
		case target.dir && len(target.children) > 0:
			return opError("rename", names, syscall.ENOTEMPTY)
		}
	}
	delete(oldDir.children, oldBase)
	newDir.children[newBase] = n
	return nil
}

// MkdirAll implements FS. Each directory it creates is an entry of its
// parent, durable only once that parent is synced.
func (fs *MemFS) MkdirAll(dir string, perm os.FileMode) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := fs.root
	for _, part := range splitPath(dir) {
		child, ok := n.children[part]
		if !ok {
			child = newMemDir(perm)
			n.children[part] = child
		} else if !child.dir {
			return opError("mkdir all", dir, syscall.ENOTDIR)
		}
		n = child
	}
	return nil
}

// List implements FS.
func (fs *MemFS) List(dir string) ([]string, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, err := fs.lookupLocked(dir)
	if err != nil {
		return nil, opError("list", dir, err)
	}
	if !n.dir {
		return nil, opError("list", dir, syscall.ENOTDIR)
	}
	return slices.Sorted(maps.Keys(n.children)), nil
}

// Stat implements FS. ModTime is always the zero time: MemFS has no clock,
// so that runs stay deterministic.
func (fs *MemFS) Stat(name string) (os.FileInfo, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, err := fs.lookupLocked(name)
	if err != nil {
		return nil, opError("stat", name, err)
	}
	return n.infoLocked(name), nil
}

// Lock implements FS. The lock belongs to the file's inode, as flock(2)'s
// does; Crash releases every lock.
func (fs *MemFS) Lock(name string) (io.Closer, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, base, err := fs.parentLocked(name)
	if err != nil {
		return nil, opError("lock", name, err)
	}
	if dir == nil {
		return nil, opError("lock", name, syscall.EISDIR)
	}
	n, ok := dir.children[base]
	if !ok {
		n = newMemFile()
		dir.children[base] = n
	}
	if n.dir {
		return nil, opError("lock", name, syscall.EISDIR)
	}
	if fs.locks[n] != nil {
		return nil, fmt.Errorf("%w: %s", ErrLocked, name)
	}
	l := &memLock{fs: fs, node: n, name: name, gen: fs.gen}
	fs.locks[n] = l
	return l, nil
}

// CrashOptions says what Crash keeps beyond the durable state.
type CrashOptions struct {
	// KeepUnsyncedPrefix keeps, for each surviving file, a random prefix of
	// the mutations (writes, truncations, preallocations) made since its
	// last Sync, applied in order; the first mutation not kept may survive
	// torn, as a random prefix of its bytes. A later mutation never survives
	// without every earlier one. When false, exactly the durable state
	// survives.
	KeepUnsyncedPrefix bool
	// Rand chooses the prefixes. It is required with KeepUnsyncedPrefix;
	// the same seed and the same history crash to the same state.
	Rand *rand.Rand
}

// Crash simulates a power loss and the reboot after it. Every directory's
// entries revert to those it had when last synced, starting from the root,
// which always survives; every file still reachable reverts to its durable
// content (plus what opts keeps); everything else is gone. All locks are
// released, and every File and lock closer obtained before the crash fails
// with ErrCrashed from then on. The MemFS itself stays usable: it is the
// same disk, booted again.
func (fs *MemFS) Crash(opts CrashOptions) {
	if opts.KeepUnsyncedPrefix && opts.Rand == nil {
		panic("vfs: CrashOptions.KeepUnsyncedPrefix needs a Rand")
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.gen++
	clear(fs.locks)
	// A node can be reachable twice when a rename was made durable in its
	// new directory but not removed durably from its old one. A file then
	// has two names, like a hard link, and is reset once; a directory keeps
	// only the first name reached, since directories cannot be linked.
	// Children are visited in name order so that a seed picks the same
	// prefixes every time.
	seen := make(map[*memNode]bool)
	var reboot func(n *memNode)
	reboot = func(n *memNode) {
		seen[n] = true
		if !n.dir {
			n.rebootFileLocked(opts)
			return
		}
		n.children = maps.Clone(n.durableChildren)
		for _, name := range slices.Sorted(maps.Keys(n.children)) {
			child := n.children[name]
			switch {
			case !seen[child]:
				reboot(child)
			case child.dir:
				delete(n.children, name)
				delete(n.durableChildren, name)
			}
		}
	}
	reboot(fs.root)
}

// rebootFileLocked sets the file's content to what a crash leaves of it.
func (n *memNode) rebootFileLocked(opts CrashOptions) {
	if opts.KeepUnsyncedPrefix && len(n.pending) > 0 {
		keep := opts.Rand.IntN(len(n.pending) + 1)
		for _, op := range n.pending[:keep] {
			n.durable = op.apply(n.durable)
		}
		if keep < len(n.pending) {
			// Tear the next write after 0 to len-1 bytes. Zero bytes
			// must leave the size alone too, so skip the write.
			next := n.pending[keep]
			if torn := opts.Rand.IntN(max(len(next.data), 1)); torn > 0 {
				next.data = next.data[:torn]
				n.durable = next.apply(n.durable)
			}
		}
	}
	n.pending = nil
	n.data = slices.Clone(n.durable)
}

func (n *memNode) infoLocked(name string) os.FileInfo {
	return memFileInfo{
		name: path.Base("/" + filepath.ToSlash(name)),
		size: int64(len(n.data)),
		mode: n.mode,
	}
}

type memFileInfo struct {
	name string
	size int64
	mode os.FileMode
}

func (fi memFileInfo) Name() string       { return fi.name }
func (fi memFileInfo) Size() int64        { return fi.size }
func (fi memFileInfo) Mode() os.FileMode  { return fi.mode }
func (fi memFileInfo) ModTime() time.Time { return time.Time{} }
func (fi memFileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi memFileInfo) Sys() any           { return nil }

type memLock struct {
	fs   *MemFS
	node *memNode
	name string
	gen  uint64
}

func (l *memLock) Close() error {
	l.fs.mu.Lock()
	defer l.fs.mu.Unlock()
	if l.gen != l.fs.gen {
		return fmt.Errorf("%w: unlock %s", ErrCrashed, l.name)
	}
	if l.fs.locks[l.node] != l {
		return opError("unlock", l.name, os.ErrClosed)
	}
	delete(l.fs.locks, l.node)
	return nil
}

// memFile is an open handle on a memNode. Its fields other than pos and
// closed never change; those two are guarded by fs.mu.
type memFile struct {
	fs       *MemFS
	node     *memNode
	name     string
	gen      uint64
	writable bool

	pos    int64
	closed bool
}

func (fs *MemFS) newFileLocked(n *memNode, name string, writable bool) *memFile {
	return &memFile{fs: fs, node: n, name: name, gen: fs.gen, writable: writable}
}

// checkLocked returns the error for using a handle that is closed or from
// before a crash.
func (f *memFile) checkLocked(op string) error {
	if f.gen != f.fs.gen {
		return fmt.Errorf("%w: %s %s", ErrCrashed, op, f.name)
	}
	if f.closed {
		return opError(op, f.name, os.ErrClosed)
	}
	return nil
}

// checkReadLocked is checkLocked for reads and rejects a negative offset.
func (f *memFile) checkReadLocked(off int64) error {
	if err := f.checkLocked("read"); err != nil {
		return err
	}
	if f.node.dir {
		return opError("read", f.name, syscall.EISDIR)
	}
	if off < 0 {
		return opError("read", f.name, syscall.EINVAL)
	}
	return nil
}

// checkWriteLocked is checkLocked for ops that change the content.
func (f *memFile) checkWriteLocked(op string, off int64) error {
	if err := f.checkLocked(op); err != nil {
		return err
	}
	if f.node.dir {
		return opError(op, f.name, syscall.EISDIR)
	}
	if !f.writable {
		return opError(op, f.name, syscall.EBADF)
	}
	if off < 0 {
		return opError(op, f.name, syscall.EINVAL)
	}
	return nil
}

func (f *memFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkReadLocked(f.pos); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if f.pos >= int64(len(f.node.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.node.data[f.pos:])
	f.pos += int64(n)
	return n, nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkReadLocked(off); err != nil {
		return 0, err
	}
	n := 0
	if off < int64(len(f.node.data)) {
		n = copy(p, f.node.data[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkWriteLocked("write", f.pos); err != nil {
		return 0, err
	}
	f.writeAtLocked(p, f.pos)
	f.pos += int64(len(p))
	return len(p), nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkWriteLocked("write", off); err != nil {
		return 0, err
	}
	f.writeAtLocked(p, off)
	return len(p), nil
}

func (f *memFile) writeAtLocked(p []byte, off int64) {
	if len(p) > 0 {
		f.node.mutateLocked(memOp{off: off, data: slices.Clone(p)})
	}
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("close"); err != nil {
		return err
	}
	f.closed = true
	return nil
}

// Sync makes the file's content durable, or for a directory its entries.
// Syncing a directory does not sync the files in it.
func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("sync"); err != nil {
		return err
	}
	f.node.syncLocked()
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkWriteLocked("truncate", size); err != nil {
		return err
	}
	if size != int64(len(f.node.data)) {
		f.node.mutateLocked(memOp{resize: true, size: size})
	}
	return nil
}

// Preallocate only extends the size: memory needs no reservation.
func (f *memFile) Preallocate(off, length int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkWriteLocked("preallocate", min(off, length)); err != nil {
		return err
	}
	if end := off + length; length > 0 && end > int64(len(f.node.data)) {
		f.node.mutateLocked(memOp{resize: true, size: end})
	}
	return nil
}

func (f *memFile) Stat() (os.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("stat"); err != nil {
		return nil, err
	}
	return f.node.infoLocked(f.name), nil
}
