package vfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/internal/vfs/vfstest"
)

func TestMemConformance(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) (vfs.FS, string) {
		fs := vfs.NewMem()
		t.Cleanup(func() { checkInvariants(t, fs) })
		return fs, mkdurable(t, fs, "/tmp/vfstest")
	})
}

// mkdurable creates dir and syncs it and every directory above it, so that
// it and its current entries survive a crash; it returns dir.
func mkdurable(t *testing.T, fs vfs.FS, dir string) string {
	t.Helper()
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		syncDir(t, fs, d)
		if d == filepath.Dir(d) {
			return dir
		}
	}
}

func syncDir(t *testing.T, fs vfs.FS, dir string) {
	t.Helper()
	d, err := fs.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, fs vfs.FS, name string) vfs.File {
	t.Helper()
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func write(t *testing.T, f vfs.File, s string) {
	t.Helper()
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func syncFile(t *testing.T, f vfs.File) {
	t.Helper()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// content returns the content of name, or "<missing>" when it does not
// exist.
func content(t *testing.T, fs vfs.FS, name string) string {
	t.Helper()
	f, err := fs.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return "<missing>"
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantContent(t *testing.T, fs vfs.FS, name, want string) {
	t.Helper()
	if got := content(t, fs, name); got != want {
		t.Fatalf("%s holds %q, want %q", name, got, want)
	}
}

func checkInvariants(t *testing.T, fs *vfs.MemFS) {
	t.Helper()
	if err := fs.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func TestMemCrashKeepsSyncedDataOnly(t *testing.T) {
	fs := vfs.NewMem()
	dir := mkdurable(t, fs, "/db")
	synced, unsynced := filepath.Join(dir, "synced"), filepath.Join(dir, "unsynced")
	f := create(t, fs, synced)
	write(t, f, "durable")
	syncFile(t, f)
	write(t, f, " but this is not")
	g := create(t, fs, unsynced)
	write(t, g, "never synced")
	syncDir(t, fs, dir)
	checkInvariants(t, fs)

	fs.Crash(vfs.CrashOptions{})
	checkInvariants(t, fs)
	wantContent(t, fs, synced, "durable")
	// The entry was durable, the data not: an empty file, as on ext4.
	wantContent(t, fs, unsynced, "")
}

func TestMemCrashTruncateNeedsSync(t *testing.T) {
	fs := vfs.NewMem()
	name := filepath.Join(mkdurable(t, fs, "/db"), "f")
	f := create(t, fs, name)
	write(t, f, "0123456789")
	syncFile(t, f)
	syncDir(t, fs, "/db")
	if err := f.Truncate(3); err != nil {
		t.Fatal(err)
	}
	if err := f.Preallocate(0, 64); err != nil {
		t.Fatal(err)
	}
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "0123456789")
}

func TestMemCrashCreateNeedsDirSync(t *testing.T) {
	fs := vfs.NewMem()
	dir := mkdurable(t, fs, "/db")
	name := filepath.Join(dir, "f")
	f := create(t, fs, name)
	write(t, f, "synced data, unsynced entry")
	syncFile(t, f)
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "<missing>")

	f = create(t, fs, name)
	write(t, f, "both synced")
	syncFile(t, f)
	syncDir(t, fs, dir)
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "both synced")
}

func TestMemCrashMkdirAllNeedsParentSync(t *testing.T) {
	fs := vfs.NewMem()
	deep := "/a/b"
	if err := fs.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(deep, "f")
	f := create(t, fs, name)
	write(t, f, "x")
	syncFile(t, f)
	syncDir(t, fs, deep)
	syncDir(t, fs, "/a") // but not "/": a itself is not durable
	fs.Crash(vfs.CrashOptions{})
	if _, err := fs.Stat("/a"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Stat(/a) after crash = %v, want not exist", err)
	}

	if err := fs.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	f = create(t, fs, name)
	write(t, f, "x")
	syncFile(t, f)
	mkdurable(t, fs, deep)
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "x")
}

func TestMemCrashRenameNeedsDirSync(t *testing.T) {
	for _, sync := range []bool{false, true} {
		t.Run(fmt.Sprintf("sync=%t", sync), func(t *testing.T) {
			fs := vfs.NewMem()
			dir := mkdurable(t, fs, "/db")
			cur, tmp := filepath.Join(dir, "CURRENT"), filepath.Join(dir, "CURRENT.tmp")
			for name, data := range map[string]string{cur: "old", tmp: "new"} {
				f := create(t, fs, name)
				write(t, f, data)
				syncFile(t, f)
			}
			syncDir(t, fs, dir)
			if err := fs.Rename(tmp, cur); err != nil {
				t.Fatal(err)
			}
			wantContent(t, fs, cur, "new")
			if sync {
				syncDir(t, fs, dir)
			}
			fs.Crash(vfs.CrashOptions{})
			if sync {
				wantContent(t, fs, cur, "new")
				wantContent(t, fs, tmp, "<missing>")
			} else {
				wantContent(t, fs, cur, "old")
				wantContent(t, fs, tmp, "new")
			}
		})
	}
}

func TestMemCrashRemoveNeedsDirSync(t *testing.T) {
	fs := vfs.NewMem()
	dir := mkdurable(t, fs, "/db")
	name := filepath.Join(dir, "f")
	f := create(t, fs, name)
	write(t, f, "x")
	syncFile(t, f)
	syncDir(t, fs, dir)

	if err := fs.Remove(name); err != nil {
		t.Fatal(err)
	}
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "x")

	if err := fs.Remove(name); err != nil {
		t.Fatal(err)
	}
	syncDir(t, fs, dir)
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "<missing>")
}

// A rename across directories made durable only in the target directory
// leaves the file under both names: the model keeps each directory's synced
// entries, whatever other directories say.
func TestMemCrashCrossDirRenameHalfSynced(t *testing.T) {
	fs := vfs.NewMem()
	mkdurable(t, fs, "/a")
	mkdurable(t, fs, "/b")
	f := create(t, fs, "/a/f")
	write(t, f, "x")
	syncFile(t, f)
	syncDir(t, fs, "/a")
	if err := fs.Rename("/a/f", "/b/f"); err != nil {
		t.Fatal(err)
	}
	syncDir(t, fs, "/b")
	fs.Crash(vfs.CrashOptions{})
	wantContent(t, fs, "/a/f", "x")
	wantContent(t, fs, "/b/f", "x")
	checkInvariants(t, fs)
}

// The same for a directory keeps one name only, the first in depth-first
// name order: directories cannot be linked.
func TestMemCrashCrossDirRenameOfDirHalfSynced(t *testing.T) {
	fs := vfs.NewMem()
	mkdurable(t, fs, "/a/d")
	mkdurable(t, fs, "/b")
	if err := fs.Rename("/a/d", "/b/d"); err != nil {
		t.Fatal(err)
	}
	syncDir(t, fs, "/b")
	fs.Crash(vfs.CrashOptions{})
	for dir, want := range map[string]string{"/a": "[d]", "/b": "[]"} {
		names, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(names); got != want {
			t.Errorf("List(%s) after crash = %s, want %s", dir, got, want)
		}
	}
	// The dropped name stays dropped at the next crash.
	fs.Crash(vfs.CrashOptions{})
	if _, err := fs.Stat("/b/d"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Stat(/b/d) after a second crash = %v, want not exist", err)
	}
}

func TestMemCrashInvalidatesHandles(t *testing.T) {
	fs := vfs.NewMem()
	dir := mkdurable(t, fs, "/db")
	name := filepath.Join(dir, "f")
	f := create(t, fs, name)
	write(t, f, "x")
	syncFile(t, f)
	syncDir(t, fs, dir)
	lock, err := fs.Lock(filepath.Join(dir, "LOCK"))
	if err != nil {
		t.Fatal(err)
	}
	syncDir(t, fs, dir) // the lock file survives: the same inode is locked again
	d, err := fs.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	fs.Crash(vfs.CrashOptions{})

	buf := make([]byte, 1)
	_, readErr := f.ReadAt(buf, 0)
	_, writeErr := f.Write(buf)
	_, statErr := f.Stat()
	for what, err := range map[string]error{
		"ReadAt": readErr, "Write": writeErr, "Stat": statErr,
		"Sync": f.Sync(), "Truncate": f.Truncate(0), "Close": f.Close(),
		"dir Sync": d.Sync(), "lock Close": lock.Close(),
	} {
		if !errors.Is(err, vfs.ErrCrashed) {
			t.Errorf("%s on a pre-crash handle: got %v, want ErrCrashed", what, err)
		}
	}
	// The crash released the lock, and the disk is usable again.
	lock, err = fs.Lock(filepath.Join(dir, "LOCK"))
	if err != nil {
		t.Fatalf("Lock after crash: %v", err)
	}
	if err := lock.Close(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, name, "x")
}

func TestMemCrashDropsOrphans(t *testing.T) {
	fs := vfs.NewMem()
	dir := mkdurable(t, fs, "/db")
	name := filepath.Join(dir, "f")
	f := create(t, fs, name)
	write(t, f, "x")
	syncFile(t, f)
	syncDir(t, fs, dir)
	if err := fs.Remove(name); err != nil {
		t.Fatal(err)
	}
	syncDir(t, fs, dir)
	write(t, f, "written to the removed file")
	syncFile(t, f)
	fs.Crash(vfs.CrashOptions{})
	names, err := fs.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Fatalf("List after crash = %q, want none", names)
	}
}

func TestMemCrashKeepUnsyncedPrefixWithoutRandPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Crash with KeepUnsyncedPrefix and no Rand did not panic")
		}
	}()
	vfs.NewMem().Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true})
}

// mutation is one random change to a file, applied both to a MemFS file
// and, by apply, to a plain byte slice as the reference.
type mutation struct {
	kind   string // "write", "truncate" or "preallocate"
	off    int64
	data   []byte
	length int64
}

func randomMutation(rng *rand.Rand, id byte) mutation {
	switch rng.IntN(6) {
	case 0:
		return mutation{kind: "truncate", length: rng.Int64N(48)}
	case 1:
		return mutation{kind: "preallocate", off: rng.Int64N(48), length: 1 + rng.Int64N(16)}
	default:
		// Every write has its own byte value, so each surviving byte
		// tells which write it came from.
		return mutation{kind: "write", off: rng.Int64N(48), data: bytes.Repeat([]byte{id}, 1+rng.IntN(16))}
	}
}

func (m mutation) do(f vfs.File) error {
	switch m.kind {
	case "truncate":
		return f.Truncate(m.length)
	case "preallocate":
		return f.Preallocate(m.off, m.length)
	default:
		_, err := f.WriteAt(m.data, m.off)
		return err
	}
}

func (m mutation) apply(b []byte) []byte {
	b = bytes.Clone(b)
	grow := func(size int64) {
		if size > int64(len(b)) {
			b = append(b, make([]byte, size-int64(len(b)))...)
		}
	}
	switch m.kind {
	case "truncate":
		grow(m.length)
		b = b[:m.length]
	case "preallocate":
		grow(m.off + m.length)
	default:
		grow(m.off + int64(len(m.data)))
		copy(b[m.off:], m.data)
	}
	return b
}

// TestMemCrashKeepUnsyncedPrefix checks, for many seeds, that a crash with
// KeepUnsyncedPrefix leaves a state reachable by applying a prefix of the
// mutations since the last Sync in order, the last possibly a torn write,
// and that over all seeds it leaves every kind of such state.
func TestMemCrashKeepUnsyncedPrefix(t *testing.T) {
	const seeds = 300
	var sawNone, sawAll, sawTorn int
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 0))
		fs := vfs.NewMem()
		name := filepath.Join(mkdurable(t, fs, "/db"), "f")
		f := create(t, fs, name)
		write(t, f, "durable base")
		syncFile(t, f)
		syncDir(t, fs, "/db")

		// states[k] is the content with the first k mutations applied;
		// torn holds the contents with mutation k torn after j bytes.
		states := [][]byte{[]byte("durable base")}
		torn := map[string]bool{}
		for k := range 2 + rng.IntN(10) {
			m := randomMutation(rng, byte('a'+k))
			if err := m.do(f); err != nil {
				t.Fatal(err)
			}
			prev := states[len(states)-1]
			if rng.IntN(4) == 0 {
				syncFile(t, f)
				states, torn = [][]byte{m.apply(prev)}, map[string]bool{}
				continue
			}
			for j := 1; j < len(m.data); j++ {
				partial := m
				partial.data = m.data[:j]
				torn[string(partial.apply(prev))] = true
			}
			states = append(states, m.apply(prev))
		}
		checkInvariants(t, fs)

		fs.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rng})
		checkInvariants(t, fs)
		got := content(t, fs, name)
		switch {
		case len(states) == 1:
		case got == string(states[0]):
			sawNone++
		case got == string(states[len(states)-1]):
			sawAll++
		case torn[got]:
			sawTorn++
		}
		ok := torn[got]
		for _, s := range states {
			ok = ok || got == string(s)
		}
		if !ok {
			t.Fatalf("seed %d: crash left %q, not a prefix of the mutations in order; states %q", seed, got, states)
		}
	}
	t.Logf("over %d seeds: %d kept nothing, %d kept everything, %d ended in a torn write", seeds, sawNone, sawAll, sawTorn)
	if sawNone == 0 || sawAll == 0 || sawTorn == 0 {
		t.Fatal("crash outcomes are not spread over nothing, everything and torn writes")
	}
}

func TestMemCrashDeterministicForSeed(t *testing.T) {
	run := func(seed uint64) string {
		fs := vfs.NewMem()
		dir := mkdurable(t, fs, "/db")
		var files []vfs.File
		for i := range 4 {
			f := create(t, fs, filepath.Join(dir, fmt.Sprint(i)))
			files = append(files, f)
		}
		syncDir(t, fs, dir)
		for round := range 8 {
			for i, f := range files {
				write(t, f, fmt.Sprintf("[file %d round %d]", i, round))
			}
		}
		fs.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rand.New(rand.NewPCG(seed, 0))})
		var all string
		for i := range files {
			all += content(t, fs, filepath.Join(dir, fmt.Sprint(i))) + "|"
		}
		return all
	}
	first := run(7)
	if again := run(7); again != first {
		t.Fatalf("seed 7 crashed to\n%s\nthen to\n%s", first, again)
	}
	differs := false
	for seed := range uint64(8) {
		differs = differs || run(100+seed) != first
	}
	if !differs {
		t.Fatal("eight other seeds all crashed to the same state as seed 7")
	}
}

// TestMemCrashDuringWrites crashes while goroutines write and sync: every
// operation either completes before the crash or fails with ErrCrashed
// after it.
func TestMemCrashDuringWrites(t *testing.T) {
	const (
		writers   = 4
		writesMax = 1 << 20 // far more than a crash takes to get the lock
		syncEvery = 1024
	)
	fs := vfs.NewMem()
	dir := mkdurable(t, fs, "/db")
	var started, done sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		f := create(t, fs, filepath.Join(dir, fmt.Sprint(w)))
		started.Add(1)
		done.Go(func() {
			for i := range writesMax {
				_, err := f.WriteAt([]byte("x"), int64(i%syncEvery))
				if err == nil && i%syncEvery == syncEvery-1 {
					err = f.Sync()
				}
				if i == 0 {
					started.Done()
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
			errs[w] = fmt.Errorf("%d writes and no crash", writesMax)
		})
	}
	started.Wait()
	fs.Crash(vfs.CrashOptions{})
	done.Wait()
	for w, err := range errs {
		if !errors.Is(err, vfs.ErrCrashed) {
			t.Errorf("writer %d stopped with %v, want ErrCrashed", w, err)
		}
	}
	checkInvariants(t, fs)
}

// MemFS locks belong to the inode, like flock: a new file under the name of
// a locked, removed one can be locked.
func TestMemLockFollowsInode(t *testing.T) {
	fs := vfs.NewMem()
	l, err := fs.Lock("/LOCK")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := fs.Remove("/LOCK"); err != nil {
		t.Fatal(err)
	}
	l2, err := fs.Lock("/LOCK")
	if err != nil {
		t.Fatalf("Lock of a new file under a removed locked name: %v", err)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l2.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second Close of a lock: got %v, want os.ErrClosed", err)
	}
}

func TestMemNames(t *testing.T) {
	fs := vfs.NewMem()
	f := create(t, fs, "a")
	write(t, f, "x")
	for _, name := range []string{"a", "/a", "./a", "/b/../a", "//a"} {
		wantContent(t, fs, name, "x")
	}
	_, err := fs.Open("/missing")
	if want := "vfs: open /missing: no such file or directory"; err == nil || err.Error() != want {
		t.Fatalf("Open error = %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Open error %v does not wrap ENOENT", err)
	}
}
