package vfs

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// ErrRenamed is wrapped by a WriteFileAtomic failure at or after the
// rename: the target may or may not have been replaced.
var ErrRenamed = errors.New("failed at or after rename")

// ErrTooLarge is wrapped by ReadFile when the file passes its limit.
var ErrTooLarge = errors.New("file too large")

// WriteFileAtomic replaces dir/name with data, following the rules in the
// package comment: write dir/name.tmp, Sync, Close, Rename over
// dir/name, sync dir. A failure before the rename leaves dir/name
// untouched (the temporary file is removed, best effort); a failure from
// the rename on wraps ErrRenamed. Callers remove leftover .tmp files
// when they open their directory.
func WriteFileAtomic(fsys FS, dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
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
		return fmt.Errorf("rename %s: %w: %w", tmp, ErrRenamed, err)
	}
	if err := SyncDir(fsys, dir); err != nil {
		return fmt.Errorf("sync %s: %w: %w", dir, ErrRenamed, err)
	}
	return nil
}

// ReadFile reads the whole file name, refusing (ErrTooLarge) one larger
// than maxBytes before allocating.
func ReadFile(fsys FS, name string, maxBytes int64) ([]byte, error) {
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
		return nil, fmt.Errorf("%w: %s is %d bytes (limit %d)", ErrTooLarge, name, st.Size(), maxBytes)
	}
	buf := make([]byte, st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && len(buf) == 0) {
		return nil, err
	}
	return buf, nil
}

// SyncParents makes dir's own entry durable, and that of each ancestor
// MkdirAll may have created: it syncs every directory from dir's parent
// up to the root.
func SyncParents(fsys FS, dir string) error {
	for d := filepath.Clean(dir); ; {
		parent := filepath.Dir(d)
		if err := SyncDir(fsys, parent); err != nil {
			return err
		}
		if parent == d || parent == "." || parent == "/" {
			return nil
		}
		d = parent
	}
}
