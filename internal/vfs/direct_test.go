package vfs

import (
	"bytes"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
)

func TestDirect(t *testing.T) {
	for name, c := range map[string]struct {
		fs  FS
		dir string
	}{"os": {Default, t.TempDir()}, "mem": {NewMem(), "/d"}} {
		t.Run(name, func(t *testing.T) {
			if err := c.fs.MkdirAll(c.dir, 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(c.dir, "f")
			f, err := c.fs.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			d, err := OpenDirect(c.fs, p)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			buf := AlignedBuffer(2 * DirectAlignment)
			for i := range buf {
				buf[i] = byte(i)
			}
			if _, err := d.WriteAt(buf, DirectAlignment); err != nil {
				t.Fatal(err)
			}
			if _, err := d.WriteAt(buf[1:DirectAlignment+1], 0); !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("misaligned write: %v, want EINVAL", err)
			}
			if err := d.Sync(); err != nil {
				t.Fatal(err)
			}
			r, _ := c.fs.Open(p)
			defer r.Close()
			got := make([]byte, len(buf))
			if _, err := r.ReadAt(got, DirectAlignment); err != nil || !bytes.Equal(got, buf) {
				t.Fatalf("read back through a buffered handle: %v", err)
			}
		})
	}
	if _, err := OpenDirect(struct{ FS }{NewMem()}, "/x"); !errors.Is(err, ErrNoDirectIO) {
		t.Fatalf("FS without direct I/O: %v", err)
	}
}
