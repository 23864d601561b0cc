package bucket

import (
	"errors"
	"io/fs"

	"github.com/reefdb/reef/internal/vfs"
)

// errRenamed marks a writeAtomic failure at or after the rename.
var errRenamed = vfs.ErrRenamed

// writeAtomic is vfs.WriteFileAtomic.
func writeAtomic(fsys vfs.FS, dir, name string, data []byte) error {
	return vfs.WriteFileAtomic(fsys, dir, name, data)
}

// readFile reads a whole file of at most maxBytes bytes.
func readFile(fsys vfs.FS, name string, maxBytes int64) ([]byte, error) {
	b, err := vfs.ReadFile(fsys, name, maxBytes)
	if errors.Is(err, vfs.ErrTooLarge) {
		return nil, corruptf("%v", err)
	}
	return b, err
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// syncParents is vfs.SyncParents.
func syncParents(fsys vfs.FS, dir string) error { return vfs.SyncParents(fsys, dir) }
