package vfstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// Run runs the conformance tests as subtests of t. newFS returns the file
// system under test and an existing, empty directory in it to work in; it is
// called once per subtest.
func Run(t *testing.T, newFS func(t *testing.T) (fs vfs.FS, dir string)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, fs vfs.FS, dir string)
	}{
		{"CreateWriteRead", testCreateWriteRead},
		{"CreateTruncates", testCreateTruncates},
		{"ReadWriteShareOffset", testReadWriteShareOffset},
		{"ReadAtWriteAt", testReadAtWriteAt},
		{"WriteAtPastEndZeroFills", testWriteAtPastEnd},
		{"Truncate", testTruncate},
		{"Preallocate", testPreallocate},
		{"Rename", testRename},
		{"RenameDir", testRenameDir},
		{"Remove", testRemove},
		{"RemoveAll", testRemoveAll},
		{"MkdirAll", testMkdirAll},
		{"List", testList},
		{"Stat", testStat},
		{"Lock", testLock},
		{"OpenRemovedFile", testOpenRemovedFile},
		{"NotExist", testNotExist},
		{"ReadOnly", testReadOnly},
		{"Closed", testClosed},
		{"SyncDir", testSyncDir},
		{"ConcurrentReadAtWriteAt", testConcurrentReadAtWriteAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, dir := newFS(t)
			tt.fn(t, fs, dir)
		})
	}
}

func writeFile(t *testing.T, fs vfs.FS, name string, data []byte) {
	t.Helper()
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write(data); err != nil || n != len(data) {
		t.Fatalf("write %s: n=%d err=%v, want n=%d", name, n, err, len(data))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, fs vfs.FS, name string) []byte {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return data
}

func wantContent(t *testing.T, fs vfs.FS, name string, want []byte) {
	t.Helper()
	if got := readFile(t, fs, name); !bytes.Equal(got, want) {
		t.Fatalf("%s holds %q, want %q", name, got, want)
	}
}

func wantSize(t *testing.T, fs vfs.FS, name string, want int64) {
	t.Helper()
	fi, err := fs.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != want {
		t.Fatalf("%s has size %d, want %d", name, fi.Size(), want)
	}
}

func wantNotExist(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s: got error %v, want one satisfying errors.Is(err, os.ErrNotExist)", what, err)
	}
}

func testCreateWriteRead(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("hello, reef"))
	wantContent(t, fs, name, []byte("hello, reef"))
	wantSize(t, fs, name, 11)
}

func testCreateTruncates(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("a long first version"))
	writeFile(t, fs, name, []byte("short"))
	wantContent(t, fs, name, []byte("short"))
}

func testReadWriteShareOffset(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"abc", "def"} {
		if _, err := f.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	// Write appends at the handle's offset; WriteAt does not move it.
	if _, err := f.WriteAt([]byte("X"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("g")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, name, []byte("Xbcdefg"))

	f, err = fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4)
	for _, want := range []string{"Xbcd", "efg"} {
		n, err := f.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("Read = %q, %v; want %q, nil", buf[:n], err, want)
		}
	}
	if n, err := f.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read at end = %d, %v; want 0, io.EOF", n, err)
	}
}

func testReadAtWriteAt(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("0123456789"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("abc"), 4); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if n, err := f.ReadAt(buf, 2); err != nil || string(buf[:n]) != "23abc" {
		t.Fatalf("ReadAt(2) = %q, %v; want \"23abc\", nil", buf[:n], err)
	}
	// A read that crosses the end returns what there is and io.EOF.
	if n, err := f.ReadAt(buf, 7); err != io.EOF || string(buf[:n]) != "789" {
		t.Fatalf("ReadAt(7) = %q, %v; want \"789\", io.EOF", buf[:n], err)
	}
	if n, err := f.ReadAt(buf, 100); err != io.EOF || n != 0 {
		t.Fatalf("ReadAt(100) = %d, %v; want 0, io.EOF", n, err)
	}
	if _, err := f.ReadAt(buf, -1); err == nil {
		t.Fatal("ReadAt(-1) succeeded")
	}
	if _, err := f.WriteAt(buf, -1); err == nil {
		t.Fatal("WriteAt(-1) succeeded")
	}
}

func testWriteAtPastEnd(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("ab"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("z"), 6); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, name, []byte("ab\x00\x00\x00\x00z"))
}

func testTruncate(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("0123456789"))
	f, err := fs.OpenReadWrite(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(4); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, name, []byte("0123"))
	// Growing again must not resurrect the cut bytes.
	if err := f.Truncate(8); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, name, []byte("0123\x00\x00\x00\x00"))
	if err := f.Truncate(-1); err == nil {
		t.Fatal("Truncate(-1) succeeded")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func testPreallocate(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("head")); err != nil {
		t.Fatal(err)
	}
	if err := f.Preallocate(0, 4096); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 4096)
	copy(want, "head")
	wantContent(t, fs, name, want)

	// Preallocating inside the file changes nothing; zero length is a no-op.
	if err := f.Preallocate(0, 100); err != nil {
		t.Fatal(err)
	}
	if err := f.Preallocate(5000, 0); err != nil {
		t.Fatal(err)
	}
	wantSize(t, fs, name, 4096)

	// Preallocating past the end extends the size; the gap reads as zeros
	// and the space is writable.
	if err := f.Preallocate(8192, 100); err != nil {
		t.Fatal(err)
	}
	wantSize(t, fs, name, 8292)
	if _, err := f.WriteAt([]byte("tail"), 8200); err != nil {
		t.Fatal(err)
	}
	want = make([]byte, 8292)
	copy(want, "head")
	copy(want[8200:], "tail")
	wantContent(t, fs, name, want)

	if err := f.Preallocate(-1, 10); err == nil {
		t.Fatal("Preallocate(-1, 10) succeeded")
	}
}

func testRename(t *testing.T, fs vfs.FS, dir string) {
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, fs, a, []byte("new"))
	writeFile(t, fs, b, []byte("old"))
	if err := fs.Rename(a, b); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, b, []byte("new"))
	_, err := fs.Stat(a)
	wantNotExist(t, "Stat after rename", err)
	wantNotExist(t, "Rename of a missing file", fs.Rename(a, b))

	// A file cannot replace a directory.
	sub := filepath.Join(dir, "sub")
	if err := fs.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fs.Rename(b, sub); err == nil {
		t.Fatal("Rename of a file over a directory succeeded")
	}
	wantContent(t, fs, b, []byte("new"))
}

func testRenameDir(t *testing.T, fs vfs.FS, dir string) {
	from, to := filepath.Join(dir, "from"), filepath.Join(dir, "to")
	if err := fs.MkdirAll(from, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fs, filepath.Join(from, "f"), []byte("x"))
	if err := fs.Rename(from, to); err != nil {
		t.Fatal(err)
	}
	wantContent(t, fs, filepath.Join(to, "f"), []byte("x"))
	names, err := fs.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"to"}) {
		t.Fatalf("List = %q, want [to]", names)
	}
	if err := fs.Rename(to, filepath.Join(to, "inside")); err == nil {
		t.Fatal("Rename of a directory into itself succeeded")
	}
}

func testRemove(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("x"))
	if err := fs.Remove(name); err != nil {
		t.Fatal(err)
	}
	_, err := fs.Open(name)
	wantNotExist(t, "Open after Remove", err)
	wantNotExist(t, "Remove of a missing file", fs.Remove(name))

	sub := filepath.Join(dir, "sub")
	if err := fs.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fs, filepath.Join(sub, "f"), []byte("x"))
	if err := fs.Remove(sub); err == nil {
		t.Fatal("Remove of a non-empty directory succeeded")
	}
	if err := fs.Remove(filepath.Join(sub, "f")); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove(sub); err != nil {
		t.Fatalf("Remove of an empty directory: %v", err)
	}
}

func testRemoveAll(t *testing.T, fs vfs.FS, dir string) {
	top := filepath.Join(dir, "top")
	if err := fs.MkdirAll(filepath.Join(top, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fs, filepath.Join(top, "f"), []byte("x"))
	writeFile(t, fs, filepath.Join(top, "a", "b", "g"), []byte("y"))
	if err := fs.RemoveAll(top); err != nil {
		t.Fatal(err)
	}
	_, err := fs.Stat(top)
	wantNotExist(t, "Stat after RemoveAll", err)
	if err := fs.RemoveAll(top); err != nil {
		t.Fatalf("RemoveAll of a missing directory: %v", err)
	}
	names, err := fs.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Fatalf("List after RemoveAll = %q, want none", names)
	}
}

func testMkdirAll(t *testing.T, fs vfs.FS, dir string) {
	deep := filepath.Join(dir, "a", "b", "c")
	for range 2 { // the second call finds everything in place
		if err := fs.MkdirAll(deep, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := fs.Stat(deep)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		t.Fatalf("%s is not a directory", deep)
	}
	file := filepath.Join(dir, "file")
	writeFile(t, fs, file, nil)
	if err := fs.MkdirAll(filepath.Join(file, "sub"), 0o755); err == nil {
		t.Fatal("MkdirAll under a file succeeded")
	}
	if err := fs.MkdirAll(file, 0o755); err == nil {
		t.Fatal("MkdirAll of a file's name succeeded")
	}
}

func testList(t *testing.T, fs vfs.FS, dir string) {
	for _, name := range []string{"c", "a", "000010.log", "b", "000002.log"} {
		writeFile(t, fs, filepath.Join(dir, name), nil)
	}
	if err := fs.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := fs.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"000002.log", "000010.log", "a", "b", "c", "d"}
	if !slices.Equal(got, want) {
		t.Fatalf("List = %q, want %q", got, want)
	}
	_, err = fs.List(filepath.Join(dir, "missing"))
	wantNotExist(t, "List of a missing directory", err)
	if _, err := fs.List(filepath.Join(dir, "a")); err == nil {
		t.Fatal("List of a file succeeded")
	}
}

func testStat(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("12345"))
	fi, err := fs.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name() != "f" || fi.Size() != 5 || fi.IsDir() || !fi.Mode().IsRegular() {
		t.Fatalf("Stat = name %q size %d mode %v, want f, 5, regular", fi.Name(), fi.Size(), fi.Mode())
	}
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name() != "f" || fi.Size() != 5 {
		t.Fatalf("File.Stat = name %q size %d, want f, 5", fi.Name(), fi.Size())
	}
	sub := filepath.Join(dir, "sub")
	if err := fs.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if fi, err = fs.Stat(sub); err != nil || !fi.IsDir() || fi.Name() != "sub" {
		t.Fatalf("Stat(%s) = %v, %v; want a directory named sub", sub, fi, err)
	}
}

func testLock(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "LOCK")
	l1, err := fs.Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(name); err != nil {
		t.Fatalf("Lock did not create its file: %v", err)
	}
	if l, err := fs.Lock(name); !errors.Is(err, vfs.ErrLocked) {
		if l != nil {
			l.Close()
		}
		t.Fatalf("second Lock: got %v, want ErrLocked", err)
	}
	if err := l1.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := fs.Lock(name)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
}

func testOpenRemovedFile(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("still here"))
	f, err := fs.OpenReadWrite(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := fs.Remove(name); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := f.ReadAt(buf, 0); err != nil || string(buf[:n]) != "still here" {
		t.Fatalf("ReadAt of a removed file = %q, %v", buf[:n], err)
	}
	if _, err := f.WriteAt([]byte("STILL"), 0); err != nil {
		t.Fatalf("WriteAt to a removed file: %v", err)
	}
	if n, err := f.ReadAt(buf, 0); err != nil || string(buf[:n]) != "STILL here" {
		t.Fatalf("ReadAt after WriteAt = %q, %v", buf[:n], err)
	}
	_, err = fs.Stat(name)
	wantNotExist(t, "Stat of a removed file", err)
	// A new file of the same name is a different file.
	writeFile(t, fs, name, []byte("new"))
	if n, err := f.ReadAt(buf, 0); err != nil || string(buf[:n]) != "STILL here" {
		t.Fatalf("ReadAt after re-create = %q, %v", buf[:n], err)
	}
}

func testNotExist(t *testing.T, fs vfs.FS, dir string) {
	missing := filepath.Join(dir, "missing")
	_, err := fs.Open(missing)
	wantNotExist(t, "Open", err)
	_, err = fs.OpenReadWrite(missing)
	wantNotExist(t, "OpenReadWrite", err)
	_, err = fs.OpenDir(missing)
	wantNotExist(t, "OpenDir", err)
	_, err = fs.Stat(missing)
	wantNotExist(t, "Stat", err)
	_, err = fs.Create(filepath.Join(missing, "f"))
	wantNotExist(t, "Create in a missing directory", err)
	wantNotExist(t, "Remove", fs.Remove(missing))
}

func testReadOnly(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("data"))
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("x")); err == nil {
		t.Fatal("Write on a read-only file succeeded")
	}
	if _, err := f.WriteAt([]byte("x"), 0); err == nil {
		t.Fatal("WriteAt on a read-only file succeeded")
	}
	if err := f.Truncate(0); err == nil {
		t.Fatal("Truncate on a read-only file succeeded")
	}
	wantContent(t, fs, name, []byte("data"))
}

func testClosed(t *testing.T, fs vfs.FS, dir string) {
	f, err := fs.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	_, readErr := f.ReadAt(buf, 0)
	_, writeErr := f.WriteAt(buf, 0)
	for what, err := range map[string]error{
		"ReadAt": readErr, "WriteAt": writeErr, "Sync": f.Sync(), "Close": f.Close(),
	} {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s on a closed file: got %v, want os.ErrClosed", what, err)
		}
	}
}

func testSyncDir(t *testing.T, fs vfs.FS, dir string) {
	name := filepath.Join(dir, "f")
	writeFile(t, fs, name, []byte("x"))
	d, err := fs.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		t.Fatalf("sync dir: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if f, err := fs.OpenDir(name); err == nil {
		f.Close()
		t.Fatal("OpenDir of a file succeeded")
	}
}

func testConcurrentReadAtWriteAt(t *testing.T, fs vfs.FS, dir string) {
	const (
		writers    = 8
		blockBytes = 512
		rounds     = 50
	)
	f, err := fs.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			off := int64(w * blockBytes)
			got := make([]byte, blockBytes)
			for r := range rounds {
				want := bytes.Repeat([]byte{byte(w*rounds + r)}, blockBytes)
				if _, err := f.WriteAt(want, off); err != nil {
					t.Error(err)
					return
				}
				if _, err := f.ReadAt(got, off); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got, want) {
					t.Errorf("writer %d round %d read back another writer's bytes", w, r)
					return
				}
			}
		})
	}
	wg.Wait()
	all := make([]byte, writers*blockBytes)
	if _, err := f.ReadAt(all, 0); err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		block := all[w*blockBytes : (w+1)*blockBytes]
		if want := byte(w*rounds + rounds - 1); bytes.Count(block, []byte{want}) != blockBytes {
			t.Fatalf("block %d: %s, want all %#x", w, describe(block), want)
		}
	}
}

func describe(b []byte) string {
	return fmt.Sprintf("%d bytes starting %x", len(b), b[:min(len(b), 8)])
}
