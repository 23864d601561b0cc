package bucket

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/reefdb/reef/internal/vfs"
)

// errRenamed marks a writeAtomic failure at or after the rename: the
// target may or may not have been replaced.
var errRenamed = errors.New("failed at or after rename")

// writeAtomic replaces dir/name with data: write dir/name.tmp, Sync,
// Close, Rename over dir/name, sync dir. A failure before the rename leaves
// dir/name untouched (the temporary file is removed best effort); a failure
// from the rename on wraps errRenamed.
func writeAtomic(fsys vfs.FS, dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+tmpSuffix)
	f, err := fsys.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fsys.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := fsys.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename %s: %w: %w", tmp, errRenamed, err)
	}
	if err := vfs.SyncDir(fsys, dir); err != nil {
		return fmt.Errorf("sync %s: %w: %w", dir, errRenamed, err)
	}
	return nil
}

// readFile reads a whole file of at most maxBytes bytes.
func readFile(fsys vfs.FS, name string, maxBytes int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxBytes {
		return nil, corruptf("%s is %d bytes (limit %d)", name, st.Size(), maxBytes)
	}
	buf := make([]byte, st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && len(buf) == 0) {
		return nil, err
	}
	return buf, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// syncParents makes dir's own entry durable, and that of each ancestor
// MkdirAll may have created.
func syncParents(fsys vfs.FS, dir string) error {
	for d := filepath.Clean(dir); ; {
		parent := filepath.Dir(d)
		if err := vfs.SyncDir(fsys, parent); err != nil {
			return err
		}
		if parent == d || parent == "." || parent == "/" {
			return nil
		}
		d = parent
	}
}
