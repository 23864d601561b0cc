//go:build linux

package uring

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestWriteAtReadBack(t *testing.T) {
	r := newRing(t, 8)
	f, fd := tempFile(t)
	if n, err := r.WriteAt(fd, []byte("hello"), 0); n != 5 || err != nil {
		t.Fatalf("WriteAt = %d, %v; want 5, nil", n, err)
	}
	if n, err := r.WriteAt(fd, []byte("reef"), 8); n != 4 || err != nil {
		t.Fatalf("WriteAt = %d, %v; want 4, nil", n, err)
	}
	if n, err := r.WriteAt(fd, []byte("J"), 0); n != 1 || err != nil {
		t.Fatalf("WriteAt = %d, %v; want 1, nil", n, err)
	}
	if n, err := r.WriteAt(fd, nil, 100); n != 0 || err != nil {
		t.Fatalf("empty WriteAt = %d, %v; want 0, nil", n, err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if want := "Jello\x00\x00\x00reef"; string(got) != want {
		t.Fatalf("file holds %q, want %q", got, want)
	}

	// A large write, from a random offset.
	big := make([]byte, 3<<20+17)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	if n, err := r.WriteAt(fd, big, 4096+3); n != len(big) || err != nil {
		t.Fatalf("large WriteAt = %d, %v; want %d, nil", n, err, len(big))
	}
	got, err = os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[4096+3:], big) {
		t.Fatal("large write reads back differently")
	}
}

func TestWriteAtSync(t *testing.T) {
	const recordBytes, records = 160, 50
	r := newRing(t, 8)
	f, fd := tempFile(t)
	var want []byte
	for i := range records {
		rec := bytes.Repeat([]byte{byte(i)}, recordBytes)
		if n, err := r.WriteAtSync(fd, rec, int64(len(want))); n != recordBytes || err != nil {
			t.Fatalf("WriteAtSync %d = %d, %v; want %d, nil", i, n, err, recordBytes)
		}
		want = append(want, rec...)
	}
	if n, err := r.WriteAtSync(fd, nil, 0); n != 0 || err != nil {
		t.Fatalf("empty WriteAtSync = %d, %v; want 0, nil", n, err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes that differ from the %d written", len(got), len(want))
	}
}

func TestFdatasync(t *testing.T) {
	r := newRing(t, 8)
	f, fd := tempFile(t)
	if _, err := f.WriteAt([]byte("data"), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Fdatasync(fd); err != nil {
		t.Fatal(err)
	}
	// fdatasync(2) of a read-only descriptor is allowed.
	ro, err := os.Open(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := r.Fdatasync(int(ro.Fd())); err != nil {
		t.Fatalf("Fdatasync of a read-only descriptor: %v", err)
	}
	// A pipe cannot be synced: the kernel's error must come back.
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	if err := r.Fdatasync(p[1]); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Fdatasync of a pipe: got %v, want EINVAL", err)
	}
}

func TestBadDescriptor(t *testing.T) {
	r := newRing(t, 8)
	f, _ := tempFile(t)
	ro, err := os.Open(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	// -1 is refused before submission; 1<<20 is beyond any descriptor
	// table, so the kernel fails the SQE; a read-only descriptor fails
	// the write in the kernel too.
	for _, fd := range []int{-1, 1 << 20, int(ro.Fd())} {
		_, writeErr := r.WriteAt(fd, []byte("x"), 0)
		_, syncWriteErr := r.WriteAtSync(fd, []byte("x"), 0)
		for what, err := range map[string]error{"WriteAt": writeErr, "WriteAtSync": syncWriteErr} {
			if !errors.Is(err, syscall.EBADF) {
				t.Errorf("%s(fd %d): got %v, want EBADF", what, fd, err)
			} else if !strings.HasPrefix(err.Error(), "uring: write: ") {
				t.Errorf("%s(fd %d): error %q does not name the action", what, fd, err)
			}
		}
	}
	for _, fd := range []int{-1, 1 << 20} {
		if err := r.Fdatasync(fd); !errors.Is(err, syscall.EBADF) {
			t.Errorf("Fdatasync(fd %d): got %v, want EBADF", fd, err)
		}
	}
}

func TestNegativeOffset(t *testing.T) {
	r := newRing(t, 8)
	_, fd := tempFile(t)
	// IORING_OP_WRITE would take -1 as "the file position"; pwrite fails.
	if _, err := r.WriteAt(fd, []byte("x"), -1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("WriteAt(-1): got %v, want EINVAL", err)
	}
	if _, err := r.WriteAtSync(fd, []byte("x"), -1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("WriteAtSync(-1): got %v, want EINVAL", err)
	}
}

// TestWriteAtSyncShort makes the linked write come back short: a pipe
// whose write end is non-blocking takes one pipe buffer of a write twice
// that size and returns. The kernel cancels the linked fsync, and
// WriteAtSync must write the rest (which waits for the reader) and then
// sync, which a pipe refuses with EINVAL. Every byte must arrive, in order.
func TestWriteAtSyncShort(t *testing.T) {
	r := newRing(t, 8)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	reader := os.NewFile(uintptr(p[0]), "pipe")
	defer reader.Close()
	defer unix.Close(p[1])
	if err := unix.SetNonblock(p[1], true); err != nil {
		t.Fatal(err)
	}
	pipeBytes, err := unix.FcntlInt(uintptr(p[1]), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 2*pipeBytes)
	for i := range want {
		want[i] = byte(i * 7 / 3)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := r.WriteAtSync(p[1], want, 0)
		done <- result{n, err}
	}()
	// Read nothing until the pipe is full, so the first write is short.
	for deadline := time.Now().Add(time.Minute); ; runtime.Gosched() {
		queued, err := unix.IoctlGetInt(p[0], unix.TIOCINQ) // FIONREAD
		if err != nil {
			t.Fatal(err)
		}
		if queued == pipeBytes {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pipe holds %d bytes after a minute, want %d", queued, pipeBytes)
		}
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(reader, got); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.n != len(want) || !errors.Is(res.err, syscall.EINVAL) {
		t.Fatalf("WriteAtSync to a pipe = %d, %v; want %d, EINVAL from the fdatasync", res.n, res.err, len(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the pipe delivered different bytes")
	}
}

func TestAvailable(t *testing.T) {
	if !Available() {
		t.Skipf("io_uring not usable here: %v", Unavailable())
	}
	if err := Unavailable(); err != nil {
		t.Fatalf("Available but Unavailable() = %v", err)
	}
}

// TestWriteAtSyncAllocs checks that the steady-state path allocates
// nothing: request slots, their channels and the SQE arguments are reused.
func TestWriteAtSyncAllocs(t *testing.T) {
	r := newRing(t, 8)
	_, fd := tempFile(t)
	rec := make([]byte, 160)
	off := int64(0)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := r.WriteAtSync(fd, rec, off); err != nil {
			t.Fatal(err)
		}
		off += int64(len(rec))
	})
	if allocs != 0 {
		t.Fatalf("WriteAtSync allocates %.1f times per call, want 0", allocs)
	}
}

// BenchmarkAppendSync appends 160-byte records, each made durable before the
// next, with pwrite(2)+fdatasync(2) and with one linked WriteAtSync.
func BenchmarkAppendSync(b *testing.B) {
	const recordBytes = 160
	b.Run("pwrite+fdatasync", func(b *testing.B) {
		_, fd := tempFile(b)
		rec := make([]byte, recordBytes)
		b.ReportAllocs()
		b.SetBytes(recordBytes)
		for i := 0; b.Loop(); i++ {
			if _, err := unix.Pwrite(fd, rec, int64(i*recordBytes)); err != nil {
				b.Fatal(err)
			}
			if err := unix.Fdatasync(fd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uring.WriteAtSync", func(b *testing.B) {
		r := newRing(b, 8)
		_, fd := tempFile(b)
		rec := make([]byte, recordBytes)
		b.ReportAllocs()
		b.SetBytes(recordBytes)
		for i := 0; b.Loop(); i++ {
			if _, err := r.WriteAtSync(fd, rec, int64(i*recordBytes)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
