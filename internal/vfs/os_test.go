//go:build linux

package vfs_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/internal/vfs/vfstest"
)

func TestOSConformance(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) (vfs.FS, string) {
		return vfs.Default, t.TempDir()
	})
}

func TestOSErrorsNameTheAction(t *testing.T) {
	name := filepath.Join(t.TempDir(), "missing")
	_, err := vfs.Default.Open(name)
	if want := "vfs: open " + name + ": no such file or directory"; err == nil || err.Error() != want {
		t.Fatalf("Open error = %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Open error %v does not wrap ENOENT", err)
	}
}

func TestInjectingOSConformance(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) (vfs.FS, string) {
		return vfs.NewInjecting(vfs.Default, 1), t.TempDir()
	})
}
