package vfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/internal/vfs/vfstest"
)

// With no rules the wrapper must be invisible.
func TestInjectingConformance(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) (vfs.FS, string) {
		mem := vfs.NewMem()
		return vfs.NewInjecting(mem, 1), mkdurable(t, mem, "/tmp/vfstest")
	})
}

func wantInjected(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("%s: got %v, want an injected error", what, err)
	}
}

func wantStats(t *testing.T, fs *vfs.InjectingFS, want vfs.InjectStats) {
	t.Helper()
	if got := fs.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

func TestInjectByOp(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpSync}})
	f := create(t, fs, "/f")
	write(t, f, "data")
	wantInjected(t, "Sync", f.Sync())
	wantContent(t, fs, "/f", "data") // reads are not affected
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// create, write, sync, open, read (ReadAll until EOF: 2), close, close
	wantStats(t, fs, vfs.InjectStats{Ops: 8, Faults: 1})
	err := f.Sync()
	if want := "vfs: injected fault: sync /f (rule 0)"; err == nil || err.Error() != want {
		t.Fatalf("injected error = %v, want %q", err, want)
	}
}

func TestInjectByPath(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1,
		vfs.Rule{Ops: []vfs.Op{vfs.OpCreate}, PathMatch: "*.log"},
		vfs.Rule{Ops: []vfs.Op{vfs.OpCreate, vfs.OpRename}, PathContains: "wal/"},
	)
	if err := fs.MkdirAll("/db/wal", 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := fs.Create("/db/000001.log")
	wantInjected(t, "Create of a .log file", err)
	_, err = fs.Create("/db/wal/segment")
	wantInjected(t, "Create under wal/", err)
	create(t, fs, "/db/000001.dat")
	wantInjected(t, "Rename into wal/", fs.Rename("/db/000001.dat", "/db/wal/x"))
	if err := fs.Rename("/db/000001.dat", "/db/000002.dat"); err != nil {
		t.Fatal(err)
	}
}

func TestInjectNthOp(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, After: 2, Limit: 1})
	f := create(t, fs, "/f")
	var failed []int
	for i := 1; i <= 5; i++ {
		if _, err := f.Write([]byte{byte('0' + i)}); err != nil {
			wantInjected(t, "Write", err)
			failed = append(failed, i)
		}
	}
	if !slices.Equal(failed, []int{3}) {
		t.Fatalf("writes %v failed, want only the 3rd", failed)
	}
	wantContent(t, fs, "/f", "1245")
}

func TestInjectEveryOpAfter(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, After: 3})
	f := create(t, fs, "/f")
	var failed []int
	for i := 1; i <= 6; i++ {
		if _, err := f.Write([]byte("x")); err != nil {
			failed = append(failed, i)
		}
	}
	if !slices.Equal(failed, []int{4, 5, 6}) {
		t.Fatalf("writes %v failed, want 4, 5 and 6", failed)
	}
}

func TestInjectProbabilityIsSeeded(t *testing.T) {
	const writes = 400
	pattern := func(seed uint64) []bool {
		fs := vfs.NewInjecting(vfs.NewMem(), seed, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Prob: 0.25})
		f := create(t, fs, "/f")
		failed := make([]bool, writes)
		for i := range failed {
			_, err := f.Write([]byte("x"))
			failed[i] = err != nil
		}
		if got := fs.Stats().Faults; got < writes/8 || got > writes*3/8 {
			t.Fatalf("seed %d: %d of %d writes failed at probability 0.25", seed, got, writes)
		}
		return failed
	}
	a := pattern(42)
	if b := pattern(42); !slices.Equal(a, b) {
		t.Fatal("seed 42 failed different writes on two runs")
	}
	if c := pattern(43); slices.Equal(a, c) {
		t.Fatal("seeds 42 and 43 failed the same writes")
	}
}

func TestInjectShortWrite(t *testing.T) {
	p := []byte("0123456789abcdef")
	lengths := map[int]bool{}
	for seed := range uint64(20) {
		fs := vfs.NewInjecting(vfs.NewMem(), seed, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Fault: vfs.FaultShortWrite})
		f := create(t, fs, "/f")
		n, err := f.WriteAt(p, 0)
		wantInjected(t, "WriteAt", err)
		if n < 0 || n >= len(p) {
			t.Fatalf("seed %d: short write returned n=%d of %d", seed, n, len(p))
		}
		wantContent(t, fs, "/f", string(p[:n]))
		lengths[n] = true
	}
	if len(lengths) < 3 {
		t.Fatalf("20 seeds gave short writes of only %d distinct lengths", len(lengths))
	}
}

func TestInjectTornWrite(t *testing.T) {
	p := []byte("0123456789abcdef")
	for seed := range uint64(20) {
		fs := vfs.NewInjecting(vfs.NewMem(), seed,
			vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Limit: 1, Fault: vfs.FaultTornWrite})
		f := create(t, fs, "/f")
		n, err := f.Write(p)
		wantInjected(t, "Write", err)
		if n < 0 || n >= len(p) {
			t.Fatalf("seed %d: torn write returned n=%d of %d", seed, n, len(p))
		}
		// The position moved past the garbage: the next write follows it.
		write(t, f, "!")
		got := []byte(content(t, fs, "/f"))
		if len(got) != len(p)+1 || got[len(p)] != '!' {
			t.Fatalf("seed %d: file is %q, want %d bytes then '!'", seed, got, len(p))
		}
		if !bytes.Equal(got[:n], p[:n]) {
			t.Fatalf("seed %d: intact prefix %q, want %q", seed, got[:n], p[:n])
		}
		for i := n; i < len(p); i++ {
			if got[i] == p[i] {
				t.Fatalf("seed %d: byte %d of the torn tail equals the written byte", seed, i)
			}
		}
	}
}

// A failed fsync leaves the data where it was: visible but not durable.
func TestInjectFailedSyncIsNotDurable(t *testing.T) {
	mem := vfs.NewMem()
	dir := mkdurable(t, mem, "/db")
	name := filepath.Join(dir, "f")
	fs := vfs.NewInjecting(mem, 1, vfs.Rule{Ops: []vfs.Op{vfs.OpSync}, PathMatch: "f"})
	f := create(t, fs, name)
	syncDir(t, fs, dir)
	write(t, f, "acknowledged?")
	wantInjected(t, "Sync", f.Sync())
	wantContent(t, fs, name, "acknowledged?")
	mem.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "")

	// Stop injecting and reopen: the same steps now persist.
	fs.SetEnabled(false)
	f, err := fs.OpenReadWrite(name)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "durable")
	syncFile(t, f)
	mem.Crash(vfs.CrashOptions{})
	wantContent(t, fs, name, "durable")
}

func TestInjectWrapsErr(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpWrite}, Err: syscall.ENOSPC})
	f := create(t, fs, "/f")
	_, err := f.Write([]byte("x"))
	wantInjected(t, "Write", err)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("injected error %v does not wrap ENOSPC", err)
	}
}

func TestInjectSetEnabled(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpStat}, After: 1, Limit: 1})
	create(t, fs, "/f")
	stat := func() error { _, err := fs.Stat("/f"); return err }
	fs.SetEnabled(false)
	for range 5 {
		if err := stat(); err != nil {
			t.Fatalf("Stat while disabled: %v", err)
		}
	}
	fs.SetEnabled(true)
	// The rule saw none of the disabled Stats: the first passes, the
	// second fails.
	if err := stat(); err != nil {
		t.Fatalf("first enabled Stat: %v", err)
	}
	wantInjected(t, "second enabled Stat", stat())
	wantStats(t, fs, vfs.InjectStats{Ops: 8, Faults: 1})

	// New rules start counting afresh.
	fs.SetRules(vfs.Rule{Ops: []vfs.Op{vfs.OpStat}, Limit: 1})
	wantInjected(t, "Stat under new rules", stat())
	if err := stat(); err != nil {
		t.Fatalf("Stat past the new rule's limit: %v", err)
	}
}

func TestInjectFailedCloseCloses(t *testing.T) {
	fs := vfs.NewInjecting(vfs.NewMem(), 1, vfs.Rule{Ops: []vfs.Op{vfs.OpClose}, Limit: 1})
	f := create(t, fs, "/f")
	wantInjected(t, "Close", f.Close())
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after a failed Close: got %v, want os.ErrClosed", err)
	}
}

func TestInjectEveryOp(t *testing.T) {
	mem := vfs.NewMem()
	if err := mem.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	f := create(t, mem, "/d/f")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fs := vfs.NewInjecting(mem, 1, vfs.Rule{})
	open := func() vfs.File {
		fs.SetEnabled(false)
		defer fs.SetEnabled(true)
		f, err := fs.OpenReadWrite("/d/f")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	buf := make([]byte, 1)
	calls := map[string]func() error{
		"Create":        func() error { _, err := fs.Create("/d/g"); return err },
		"Open":          func() error { _, err := fs.Open("/d/f"); return err },
		"OpenReadWrite": func() error { _, err := fs.OpenReadWrite("/d/f"); return err },
		"OpenDir":       func() error { _, err := fs.OpenDir("/d"); return err },
		"Remove":        func() error { return fs.Remove("/d/f") },
		"RemoveAll":     func() error { return fs.RemoveAll("/d") },
		"Rename":        func() error { return fs.Rename("/d/f", "/d/g") },
		"MkdirAll":      func() error { return fs.MkdirAll("/e", 0o755) },
		"List":          func() error { _, err := fs.List("/d"); return err },
		"Stat":          func() error { _, err := fs.Stat("/d/f"); return err },
		"Lock":          func() error { _, err := fs.Lock("/d/LOCK"); return err },
		"Read":          func() error { _, err := open().Read(buf); return err },
		"ReadAt":        func() error { _, err := open().ReadAt(buf, 0); return err },
		"Write":         func() error { _, err := open().Write(buf); return err },
		"WriteAt":       func() error { _, err := open().WriteAt(buf, 0); return err },
		"Sync":          func() error { return open().Sync() },
		"Truncate":      func() error { return open().Truncate(0) },
		"Preallocate":   func() error { return open().Preallocate(0, 1) },
		"File.Stat":     func() error { _, err := open().Stat(); return err },
		"Close":         func() error { return open().Close() },
	}
	for name, call := range calls {
		wantInjected(t, name, call())
	}
	wantStats(t, fs, vfs.InjectStats{Ops: uint64(len(calls)) + 9, Faults: uint64(len(calls))})
	// Nothing reached the MemFS.
	names, err := mem.List("/")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(names); got != "[d]" {
		t.Fatalf("root holds %s after failed operations, want [d]", got)
	}
	names, err = mem.List("/d")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(names); got != "[f]" {
		t.Fatalf("/d holds %s after failed operations, want [f]", got)
	}
}

func TestInjectInvalidRulePanics(t *testing.T) {
	for _, r := range []vfs.Rule{{Prob: 1.5}, {After: -1}, {PathMatch: "["}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetRules(%+v) did not panic", r)
				}
			}()
			vfs.NewInjecting(vfs.NewMem(), 1, r)
		}()
	}
}
