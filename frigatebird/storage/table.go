package storage

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/vfs"
)

// Table is one table directory: immutable row-group files and the manifest
// that names the live ones. See the package comment for the commit
// protocol and the concurrency contract.
type Table struct {
	fs   vfs.FS
	dir  string
	opts Options
	lock io.Closer
	log  *slog.Logger

	// commitMu serialises Commit and MergeSmall, so that what a commit
	// checks against is what it replaces. Lock order: commitMu, then mu.
	commitMu sync.Mutex

	mu       sync.Mutex
	closed   bool
	failed   error                    // set when a Commit left the disk state unknown
	current  *version                 // the newest committed version; holds one ref
	fileRefs map[string]int           // row-group file -> versions naming it
	pending  map[string]*RowGroupMeta // written by WriteRowGroup, not committed
	nextFile uint64                   // next row-group file number
}

// version is one installed manifest with the views that use it.
type version struct {
	m    *manifest
	refs int // guarded by Table.mu; the table's own ref while current

	hmu     sync.Mutex
	handles map[string]vfs.File // guarded by hmu; opened on first read
}

// Create creates a table in dir (created if missing) with schema and opens
// it. It fails with ErrExist if dir already holds a table. When Create
// returns nil the table is durable.
func Create(fsys vfs.FS, dir string, schema Schema, opts Options) (*Table, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if err := schema.Validate(opts.MaxColumns); err != nil {
		return nil, err
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("frigatebird/storage: create %s: %w", dir, err)
	}
	if err := syncParents(fsys, dir); err != nil {
		return nil, fmt.Errorf("frigatebird/storage: create %s: %w", dir, err)
	}
	lock, err := fsys.Lock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("frigatebird/storage: create %s: lock: %w", dir, err)
	}
	t, err := create(fsys, dir, schema.clone(), opts, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return t, nil
}

func create(fsys vfs.FS, dir string, schema Schema, opts Options, lock io.Closer) (*Table, error) {
	names, err := fsys.List(dir)
	if err != nil {
		return nil, fmt.Errorf("frigatebird/storage: create %s: %w", dir, err)
	}
	for _, n := range names {
		if _, ok := parseManifestName(n); ok || n == currentName {
			return nil, fmt.Errorf("frigatebird/storage: create %s: %w", dir, ErrExist)
		}
	}
	m := &manifest{version: 1, nextFile: 1, schema: schema}
	if err := writeAtomic(fsys, dir, manifestName(1), encodeManifest(m)); err != nil {
		return nil, fmt.Errorf("frigatebird/storage: create %s: %w", dir, err)
	}
	if err := writeAtomic(fsys, dir, currentName, encodeCurrent(1)); err != nil {
		return nil, fmt.Errorf("frigatebird/storage: create %s: %w", dir, err)
	}
	return openLocked(fsys, dir, opts, lock)
}

// Open opens the table in dir, recovering from any crash: it reads the
// version CURRENT names (or, when CURRENT is missing or corrupt, the newest
// valid MANIFEST-*), checks that every live row-group file exists with its
// recorded size, and removes what belongs to no commit: temporary files,
// other manifests and unreferenced row-group files.
func Open(fsys vfs.FS, dir string, opts Options) (*Table, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if _, err := fsys.Stat(dir); err != nil {
		if isNotExist(err) {
			return nil, fmt.Errorf("frigatebird/storage: open %s: %w", dir, ErrNoTable)
		}
		return nil, fmt.Errorf("frigatebird/storage: open %s: %w", dir, err)
	}
	lock, err := fsys.Lock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("frigatebird/storage: open %s: lock: %w", dir, err)
	}
	t, err := openLocked(fsys, dir, opts, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return t, nil
}

func openLocked(fsys vfs.FS, dir string, opts Options, lock io.Closer) (*Table, error) {
	names, err := fsys.List(dir)
	if err != nil {
		return nil, fmt.Errorf("frigatebird/storage: open %s: %w", dir, err)
	}
	m, err := recoverManifest(fsys, dir, names, opts)
	if err != nil {
		return nil, fmt.Errorf("frigatebird/storage: open %s: %w", dir, err)
	}
	live := make(map[string]bool, len(m.groups))
	for _, g := range m.groups {
		live[g.meta.Name] = true
		st, err := fsys.Stat(filepath.Join(dir, g.meta.Name))
		switch {
		case isNotExist(err):
			return nil, corruptf("open %s: row group %s is missing", dir, g.meta.Name)
		case err != nil:
			return nil, fmt.Errorf("frigatebird/storage: open %s: %w", dir, err)
		case st.Size() != g.meta.SizeBytes:
			return nil, corruptf("open %s: row group %s is %d bytes, manifest says %d", dir, g.meta.Name, st.Size(), g.meta.SizeBytes)
		}
	}
	t := &Table{
		fs: fsys, dir: dir, opts: opts, lock: lock, log: opts.Logger,
		fileRefs: make(map[string]int, len(m.groups)),
		pending:  make(map[string]*RowGroupMeta),
		nextFile: m.nextFile,
	}
	t.current = t.newVersionLocked(m)
	// Remove what no commit owns. Failures only leave garbage that the
	// next Open removes again.
	removed := false
	for _, n := range names {
		v, isManifest := parseManifestName(n)
		_, isGroup := parseRowGroupName(n)
		if isGroup && !live[n] && opts.Keep != nil && opts.Keep(n) {
			continue
		}
		if strings.HasSuffix(n, tmpSuffix) || (isManifest && v != m.version) || (isGroup && !live[n]) {
			if err := fsys.Remove(filepath.Join(dir, n)); err != nil && !isNotExist(err) {
				t.log.Warn("frigatebird/storage: remove leftover", "file", n, "err", err)
				continue
			}
			removed = true
		}
	}
	if removed {
		// So a new file of a reused number is never confused with the old.
		if err := vfs.SyncDir(fsys, dir); err != nil {
			return nil, fmt.Errorf("frigatebird/storage: open %s: %w", dir, err)
		}
	}
	return t, nil
}

// recoverManifest finds the committed manifest: the one CURRENT names, or
// without a valid CURRENT the newest valid MANIFEST-*.
func recoverManifest(fsys vfs.FS, dir string, names []string, opts Options) (*manifest, error) {
	cur, curErr := readFile(fsys, filepath.Join(dir, currentName), currentBytes)
	var v uint64
	if curErr == nil {
		v, curErr = decodeCurrent(cur)
	}
	if curErr == nil {
		m, err := readManifest(fsys, dir, v, opts)
		if err != nil {
			if isNotExist(err) {
				return nil, corruptf("CURRENT names %s, which is missing", manifestName(v))
			}
			return nil, err
		}
		return m, nil
	}
	if errors.Is(curErr, ErrUnsupportedVersion) || !(isNotExist(curErr) || errors.Is(curErr, ErrCorrupt) || errors.Is(curErr, ErrLimit)) {
		return nil, curErr
	}
	var versions []uint64
	for _, n := range names {
		if v, ok := parseManifestName(n); ok {
			versions = append(versions, v)
		}
	}
	slices.Sort(versions)
	var firstErr error
	for _, v := range slices.Backward(versions) {
		m, err := readManifest(fsys, dir, v, opts)
		if err == nil {
			return m, nil
		}
		if errors.Is(err, ErrUnsupportedVersion) {
			return nil, err
		}
		firstErr = cmpErr(firstErr, err)
	}
	if firstErr != nil {
		return nil, fmt.Errorf("no valid manifest (CURRENT: %v): %w", curErr, firstErr)
	}
	if isNotExist(curErr) {
		return nil, ErrNoTable
	}
	return nil, fmt.Errorf("no manifest: %w", curErr)
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func readManifest(fsys vfs.FS, dir string, v uint64, opts Options) (*manifest, error) {
	b, err := readFile(fsys, filepath.Join(dir, manifestName(v)), opts.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	m, err := decodeManifest(b, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName(v), err)
	}
	if m.version != v {
		return nil, corruptf("%s holds version %d", manifestName(v), m.version)
	}
	return m, nil
}

// newVersionLocked wraps m as a version with one ref and counts its files.
func (t *Table) newVersionLocked(m *manifest) *version {
	for _, g := range m.groups {
		t.fileRefs[g.meta.Name]++
	}
	return &version{m: m, refs: 1, handles: make(map[string]vfs.File)}
}

// releaseVersion drops one ref of v; the last one closes v's handles and
// removes the files no other version names.
func (t *Table) releaseVersion(v *version) {
	t.mu.Lock()
	v.refs--
	if v.refs < 0 {
		t.mu.Unlock()
		panic("frigatebird/storage: version released twice")
	}
	if v.refs > 0 {
		t.mu.Unlock()
		return
	}
	var dead []string
	for _, g := range v.m.groups {
		t.fileRefs[g.meta.Name]--
		if t.fileRefs[g.meta.Name] == 0 {
			delete(t.fileRefs, g.meta.Name)
			// The current version's files are the table: Close drops
			// the table's ref without making them garbage.
			if v != t.current {
				dead = append(dead, g.meta.Name)
			}
		}
	}
	t.mu.Unlock()
	v.hmu.Lock()
	for _, f := range v.handles {
		f.Close()
	}
	v.handles = nil
	v.hmu.Unlock()
	// Removal need not be durable: a file that comes back after a crash
	// is unreferenced and Open removes it.
	for _, n := range dead {
		if err := t.fs.Remove(filepath.Join(t.dir, n)); err != nil && !isNotExist(err) {
			t.log.Warn("frigatebird/storage: remove row group", "file", n, "err", err)
		}
	}
}

// Schema returns the table's schema (a copy).
func (t *Table) Schema() Schema {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current.m.schema.clone()
}

// Version returns the newest committed table version.
func (t *Table) Version() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current.m.version
}

func (t *Table) usableLocked() error {
	if t.closed {
		return fmt.Errorf("frigatebird/storage: %w", ErrClosed)
	}
	if t.failed != nil {
		return fmt.Errorf("frigatebird/storage: %w: %w", ErrFailed, t.failed)
	}
	return nil
}

// WriteRowGroup writes cols (one per schema column, of equal length
// 1..RowGroupRows) as a new row-group file and makes the file durable, but
// not live: Commit makes it part of the table. It may run concurrently with
// other writes and with Commit.
func (t *Table) WriteRowGroup(cols []*chunk.Column) (RowGroupMeta, error) {
	t.mu.Lock()
	if err := t.usableLocked(); err != nil {
		t.mu.Unlock()
		return RowGroupMeta{}, err
	}
	schema := &t.current.m.schema
	if err := checkColumns(cols, schema, t.opts.RowGroupRows); err != nil {
		t.mu.Unlock()
		return RowGroupMeta{}, err
	}
	num := t.nextFile
	t.nextFile++
	t.mu.Unlock()

	meta := &RowGroupMeta{num: num, Name: rowGroupName(num)}
	buf, err := encodeRowGroup(nil, cols, t.opts.Chunk, meta)
	if err != nil {
		if errors.Is(err, chunk.ErrLimit) {
			return RowGroupMeta{}, fmt.Errorf("frigatebird/storage: write row group: %w: %w", ErrLimit, err)
		}
		return RowGroupMeta{}, fmt.Errorf("frigatebird/storage: write row group: %w: %w", ErrInvalidArgument, err)
	}
	if err := writeAtomic(t.fs, t.dir, meta.Name, buf); err != nil {
		if errors.Is(err, errRenamed) {
			// The file may exist; it is unreferenced, so Open removes it.
			t.fs.Remove(filepath.Join(t.dir, meta.Name))
		}
		return RowGroupMeta{}, fmt.Errorf("frigatebird/storage: write row group %s: %w", meta.Name, err)
	}
	t.mu.Lock()
	t.pending[meta.Name] = meta
	t.mu.Unlock()
	return *meta, nil
}

func checkColumns(cols []*chunk.Column, schema *Schema, maxRows int) error {
	if len(cols) != len(schema.Columns) {
		return invalidf("write row group: %d columns, schema has %d", len(cols), len(schema.Columns))
	}
	for i, c := range cols {
		switch {
		case c == nil:
			return invalidf("write row group: column %d is nil", i)
		case c.Type != schema.Columns[i].Type:
			return invalidf("write row group: column %d is %v, schema says %v", i, c.Type, schema.Columns[i].Type)
		case c.Len != cols[0].Len:
			return invalidf("write row group: column %d has %d rows, column 0 has %d", i, c.Len, cols[0].Len)
		}
	}
	if n := cols[0].Len; n <= 0 || n > maxRows {
		if n > maxRows {
			return fmt.Errorf("frigatebird/storage: write row group: %w: %d rows (RowGroupRows %d)", ErrLimit, n, maxRows)
		}
		return invalidf("write row group: %d rows", n)
	}
	return nil
}

// Discard removes row groups written by WriteRowGroup and never committed.
// Groups not pending are ignored.
func (t *Table) Discard(groups []RowGroupMeta) {
	t.mu.Lock()
	var names []string
	for _, g := range groups {
		if _, ok := t.pending[g.Name]; ok {
			delete(t.pending, g.Name)
			names = append(names, g.Name)
		}
	}
	t.mu.Unlock()
	for _, n := range names {
		if err := t.fs.Remove(filepath.Join(t.dir, n)); err != nil && !isNotExist(err) {
			t.log.Warn("frigatebird/storage: discard row group", "file", n, "err", err)
		}
	}
}

// Commit atomically makes a new table version: the groups in add (written
// by WriteRowGroup, not yet committed) become live, the rows listed in
// deletes (by group name; live or added groups; any order, repeats
// allowed) become deleted, and the groups in remove stop being live.
// Either all of it happens or none. When Commit returns nil the new
// version is durable; new Snapshots see it, older Views keep theirs.
//
// An error that leaves the on-disk state unknown (while installing
// CURRENT) fails the table: later writes return ErrFailed and the table
// must be reopened. Any other error leaves the table as it was.
func (t *Table) Commit(add []RowGroupMeta, deletes map[string][]uint32, remove []string) error {
	t.commitMu.Lock()
	defer t.commitMu.Unlock()
	return t.commitLocked(add, deletes, remove)
}

// commitLocked is Commit with commitMu held.
func (t *Table) commitLocked(add []RowGroupMeta, deletes map[string][]uint32, remove []string) error {
	if len(add) == 0 && len(deletes) == 0 && len(remove) == 0 {
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.usableLocked()
	}
	t.mu.Lock()
	if err := t.usableLocked(); err != nil {
		t.mu.Unlock()
		return err
	}
	old := t.current.m
	next, err := t.nextManifestLocked(old, add, deletes, remove)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	buf := encodeManifest(next)
	if int64(len(buf)) > t.opts.MaxManifestBytes {
		return fmt.Errorf("frigatebird/storage: commit: %w: manifest of %d bytes (limit %d)", ErrLimit, len(buf), t.opts.MaxManifestBytes)
	}
	// The manifest first: until CURRENT names it, it is not the table.
	if err := writeAtomic(t.fs, t.dir, manifestName(next.version), buf); err != nil {
		return fmt.Errorf("frigatebird/storage: commit version %d: %w", next.version, err)
	}
	if err := writeAtomic(t.fs, t.dir, currentName, encodeCurrent(next.version)); err != nil {
		err = fmt.Errorf("frigatebird/storage: commit version %d: %w", next.version, err)
		if errors.Is(err, errRenamed) {
			t.mu.Lock()
			t.failed = err
			t.mu.Unlock()
			return fmt.Errorf("%w (%w)", err, ErrFailed)
		}
		return err
	}
	t.mu.Lock()
	prev := t.current
	t.current = t.newVersionLocked(next)
	for _, g := range add {
		delete(t.pending, g.Name)
	}
	t.mu.Unlock()
	t.releaseVersion(prev)
	if err := t.fs.Remove(filepath.Join(t.dir, manifestName(old.version))); err != nil && !isNotExist(err) {
		t.log.Warn("frigatebird/storage: remove old manifest", "version", old.version, "err", err)
	}
	return nil
}

// nextManifestLocked checks a commit against old and builds its manifest.
func (t *Table) nextManifestLocked(old *manifest, add []RowGroupMeta, deletes map[string][]uint32, remove []string) (*manifest, error) {
	index := make(map[string]int, len(old.groups)+len(add))
	for i, g := range old.groups {
		index[g.meta.Name] = i
	}
	removed := make(map[string]bool, len(remove))
	for _, n := range remove {
		if _, ok := index[n]; !ok || removed[n] {
			return nil, invalidf("commit: remove %q: not live or repeated", n)
		}
		removed[n] = true
	}
	next := &manifest{version: old.version + 1, nextFile: t.nextFile, schema: old.schema}
	next.groups = make([]liveGroup, 0, len(old.groups)-len(remove)+len(add))
	for _, g := range old.groups {
		if !removed[g.meta.Name] {
			next.groups = append(next.groups, g)
		}
	}
	for _, a := range add {
		meta, ok := t.pending[a.Name]
		if !ok {
			return nil, invalidf("commit: add %q: not a pending row group", a.Name)
		}
		if _, dup := index[a.Name]; dup {
			return nil, invalidf("commit: add %q twice", a.Name)
		}
		index[a.Name] = -1
		next.groups = append(next.groups, liveGroup{meta: meta})
	}
	for name, rows := range deletes {
		if removed[name] {
			return nil, invalidf("commit: delete from %q, which the commit removes", name)
		}
		k := slices.IndexFunc(next.groups, func(g liveGroup) bool { return g.meta.Name == name })
		if k < 0 {
			return nil, invalidf("commit: delete from %q: no such group", name)
		}
		g := &next.groups[k]
		for _, r := range rows {
			if int64(r) >= int64(g.meta.Rows) {
				return nil, invalidf("commit: delete row %d of %q, which has %d", r, name, g.meta.Rows)
			}
		}
		g.deleted = g.deleted.Add(rows)
	}
	return next, nil
}

// Snapshot returns a View of the newest committed version. Release it when
// done; until then its files stay readable.
func (t *Table) Snapshot() (*View, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("frigatebird/storage: snapshot: %w", ErrClosed)
	}
	t.current.refs++
	return &View{t: t, v: t.current}, nil
}

// Close releases the table's lock and its reference to the current
// version. Views still open stay readable until released. Pending row
// groups are left for the next Open to remove.
func (t *Table) Close() error {
	t.commitMu.Lock()
	defer t.commitMu.Unlock()
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return fmt.Errorf("frigatebird/storage: close: %w", ErrClosed)
	}
	t.closed = true
	cur := t.current
	t.mu.Unlock()
	t.releaseVersion(cur)
	return t.lock.Close()
}
