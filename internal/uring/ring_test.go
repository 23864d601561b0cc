//go:build linux

package uring

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// newRing returns a ring closed at the end of the test, or skips the test,
// saying why, where io_uring cannot run.
func newRing(t testing.TB, entries uint32) *Ring {
	t.Helper()
	if err := Unavailable(); err != nil {
		t.Skipf("io_uring not usable here: %v", err)
	}
	r, err := New(entries)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Error(err)
		}
	})
	return r
}

// tempFile creates an empty file and returns it with its descriptor.
func tempFile(t testing.TB) (*os.File, int) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, int(f.Fd())
}

func TestNewRejectsBadSizes(t *testing.T) {
	for _, entries := range []uint32{0, EntriesMax + 1} {
		if r, err := New(entries); !errors.Is(err, syscall.EINVAL) {
			if r != nil {
				r.Close()
			}
			t.Errorf("New(%d) = %v, want EINVAL", entries, err)
		}
	}
}

func TestNewRoundsUp(t *testing.T) {
	r := newRing(t, 3)
	if r.entries != 4 {
		t.Fatalf("New(3) has %d entries, want 4", r.entries)
	}
}

func TestClose(t *testing.T) {
	r := newRing(t, 4)
	_, fd := tempFile(t)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	_, writeErr := r.WriteAt(fd, []byte("x"), 0)
	_, emptyErr := r.WriteAt(fd, nil, 0)
	_, syncWriteErr := r.WriteAtSync(fd, []byte("x"), 0)
	for what, err := range map[string]error{
		"WriteAt": writeErr, "empty WriteAt": emptyErr, "WriteAtSync": syncWriteErr,
		"Fdatasync": r.Fdatasync(fd), "second Close": r.Close(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", what, err)
		}
	}
}

// TestCloseDuringWrites closes a ring under writers: Close must wait for the
// operations in flight, each of which either succeeds (and its bytes are in
// the file) or fails with ErrClosed.
func TestCloseDuringWrites(t *testing.T) {
	const writers, rounds, blockBytes = 8, 200, 64
	r := newRing(t, 4)
	f, fd := tempFile(t)
	var wg sync.WaitGroup
	done := make([]int, writers) // rounds completed per writer
	var total atomic.Int64
	for w := range writers {
		wg.Go(func() {
			block := bytes.Repeat([]byte{byte('a' + w)}, blockBytes)
			for i := range rounds {
				off := int64((i*writers + w) * blockBytes)
				if _, err := r.WriteAtSync(fd, block, off); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("writer %d: %v", w, err)
					}
					return
				}
				done[w]++
				total.Add(1)
			}
		})
	}
	// Close in the middle of the workload, not before it starts.
	for total.Load() < writers*rounds/8 {
		runtime.Gosched()
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	data := make([]byte, rounds*writers*blockBytes)
	if _, err := f.ReadAt(data, 0); err != nil && len(data) > 0 {
		// A short file is fine: later blocks may never have been written.
		t.Logf("read back: %v", err)
	}
	for w := range writers {
		for i := range done[w] {
			off := (i*writers + w) * blockBytes
			if got := data[off : off+blockBytes]; !bytes.Equal(got, bytes.Repeat([]byte{byte('a' + w)}, blockBytes)) {
				t.Fatalf("writer %d round %d acknowledged but reads back %q", w, i, got[:8])
			}
		}
	}
}

// TestConcurrent runs writers that mix all three operations on a ring too
// small for them, so callers wait for room, share completions and pass the
// polling role around; every block must read back.
func TestConcurrent(t *testing.T) {
	for _, entries := range []uint32{2, 4, 64} {
		t.Run(fmt.Sprintf("entries=%d", entries), func(t *testing.T) {
			const writers, rounds, blockBytes = 16, 40, 512
			r := newRing(t, entries)
			f, fd := tempFile(t)
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range rounds {
						block := bytes.Repeat([]byte{byte(w*rounds + i)}, blockBytes)
						off := int64((i*writers + w) * blockBytes)
						var err error
						switch (w + i) % 3 {
						case 0:
							_, err = r.WriteAt(fd, block, off)
						case 1:
							_, err = r.WriteAtSync(fd, block, off)
						case 2:
							if _, err = r.WriteAt(fd, block, off); err == nil {
								err = r.Fdatasync(fd)
							}
						}
						if err != nil {
							t.Errorf("writer %d round %d: %v", w, i, err)
							return
						}
					}
				})
			}
			wg.Wait()
			data, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != writers*rounds*blockBytes {
				t.Fatalf("file has %d bytes, want %d", len(data), writers*rounds*blockBytes)
			}
			for w := range writers {
				for i := range rounds {
					off := (i*writers + w) * blockBytes
					if bytes.Count(data[off:off+blockBytes], []byte{byte(w*rounds + i)}) != blockBytes {
						t.Fatalf("writer %d round %d: block at %d reads back %x...", w, i, off, data[off:off+8])
					}
				}
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.inflight != 0 || r.live != 0 || r.polling || len(r.free) != int(r.entries) {
				t.Fatalf("idle ring: inflight %d live %d polling %v free %d/%d",
					r.inflight, r.live, r.polling, len(r.free), r.entries)
			}
		})
	}
}

// TestBrokenRing makes io_uring_enter fail for good (the ring's descriptor
// number no longer names it): the SQE queued must be taken back and failed,
// not left for the kernel to find later, and the ring must refuse work.
func TestBrokenRing(t *testing.T) {
	if err := Unavailable(); err != nil {
		t.Skipf("io_uring not usable here: %v", err)
	}
	r, err := New(4)
	if err != nil {
		t.Fatal(err)
	}
	ringFd := r.fd
	defer unix.Close(ringFd)
	r.fd = -1
	_, fd := tempFile(t)
	for i := range 2 {
		_, err := r.WriteAtSync(fd, []byte("x"), 0)
		if !errors.Is(err, syscall.EBADF) || !strings.Contains(err.Error(), "io_uring_enter") {
			t.Fatalf("WriteAtSync %d on a broken ring: got %v, want io_uring_enter's EBADF", i, err)
		}
	}
	r.mu.Lock()
	if r.inflight != 0 || r.live != 0 || r.tail != atomic.LoadUint32(r.sqHead) {
		t.Errorf("broken ring keeps work: inflight %d live %d queued %d",
			r.inflight, r.live, r.tail-atomic.LoadUint32(r.sqHead))
	}
	r.mu.Unlock()
	if err := r.Close(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Close of a ring whose descriptor is gone: got %v, want EBADF", err)
	}
}
