//go:build linux

package vfs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/reefdb/reef/internal/uring"
	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/internal/vfs/vfstest"
)

// newURingFS is one FS for the whole test binary: its ring lives as long as
// the process, as NewURing documents.
var newURingFS = sync.OnceValues(vfs.NewURing)

// uringFS returns the shared io_uring FS, or skips the test, saying why,
// where io_uring cannot run.
func uringFS(t *testing.T) vfs.FS {
	t.Helper()
	fs, err := newURingFS()
	if errors.Is(err, uring.ErrUnavailable) {
		t.Skipf("io_uring not usable here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestURingConformance(t *testing.T) {
	fs := uringFS(t)
	vfstest.Run(t, func(t *testing.T) (vfs.FS, string) {
		return fs, t.TempDir()
	})
}

func TestURingWriteAtSync(t *testing.T) {
	const recordBytes, records = 160, 20
	fs := uringFS(t)
	name := filepath.Join(t.TempDir(), "log")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(vfs.SyncWriter); !ok {
		t.Fatalf("%T does not implement SyncWriter", f)
	}
	var want []byte
	for i := range records {
		rec := bytes.Repeat([]byte{byte('a' + i)}, recordBytes)
		if n, err := vfs.WriteAtSync(f, rec, int64(len(want))); n != recordBytes || err != nil {
			t.Fatalf("WriteAtSync %d = %d, %v; want %d, nil", i, n, err, recordBytes)
		}
		want = append(want, rec...)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes that differ from the %d written", len(got), len(want))
	}
	if _, err := vfs.WriteAtSync(f, []byte("x"), -1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("WriteAtSync at -1: got %v, want EINVAL", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := vfs.WriteAtSync(f, []byte("x"), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("WriteAtSync on a closed file: got %v, want os.ErrClosed", err)
	}

	ro, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = vfs.WriteAtSync(ro, []byte("x"), 0)
	if !errors.Is(err, syscall.EBADF) {
		t.Fatalf("WriteAtSync on a read-only file: got %v, want EBADF", err)
	}
	if prefix := "vfs: write and sync " + name + ": "; !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("error %q does not start %q", err, prefix)
	}
	if err := ro.Sync(); err != nil {
		t.Fatalf("Sync of a read-only file: %v", err)
	}
}

func TestURingDirect(t *testing.T) {
	fs := uringFS(t)
	name := filepath.Join(t.TempDir(), "f")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	d, err := vfs.OpenDirect(fs, name)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("the test directory's file system has no O_DIRECT: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, ok := d.(vfs.SyncWriter); !ok {
		t.Fatalf("OpenDirect returned %T, which does not write through the ring", d)
	}
	buf := vfs.AlignedBuffer(2 * vfs.DirectAlignment)
	for i := range buf {
		buf[i] = byte(i)
	}
	if n, err := vfs.WriteAtSync(d, buf, vfs.DirectAlignment); n != len(buf) || err != nil {
		t.Fatalf("aligned WriteAtSync = %d, %v", n, err)
	}
	if _, err := d.WriteAt(buf[1:vfs.DirectAlignment+1], 0); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("misaligned write: %v, want EINVAL", err)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[vfs.DirectAlignment:], buf) {
		t.Fatal("direct write reads back differently")
	}
}

// TestWriteAtSyncFallback checks vfs.WriteAtSync on files without
// SyncWriter: the bytes must be durable (they survive a MemFS crash), and a
// failed sync must be reported.
func TestWriteAtSyncFallback(t *testing.T) {
	mem := vfs.NewMem()
	f, err := mem.Create("/f")
	if err != nil {
		t.Fatal(err)
	}
	d, err := mem.OpenDir("/")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(vfs.SyncWriter); ok {
		t.Fatalf("%T implements SyncWriter; this test needs a file that does not", f)
	}
	if n, err := vfs.WriteAtSync(f, []byte("durable"), 0); n != 7 || err != nil {
		t.Fatalf("WriteAtSync = %d, %v; want 7, nil", n, err)
	}
	mem.Crash(vfs.CrashOptions{})
	g, err := mem.Open("/f")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	got := make([]byte, 16)
	if n, _ := g.ReadAt(got, 0); string(got[:n]) != "durable" {
		t.Fatalf("after a crash the file holds %q, want %q", got[:n], "durable")
	}

	inj := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpSync}, Prob: 1})
	h, err := inj.Create("/g")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if n, err := vfs.WriteAtSync(h, []byte("lost"), 0); n != 4 || !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("WriteAtSync with failing Sync = %d, %v; want 4, ErrInjected", n, err)
	}
}
