package storage

import (
	"fmt"
	"path/filepath"
)

// Adopt makes row-group files that exist in the table directory but are
// not live pending again, as if WriteRowGroup had just written them, so
// that Commit can make them live. It is for recovery: the files were
// written (and synced) before a crash, kept by Options.Keep, and a log
// says they belong to a commit. Each file's footer is checked; chunks are
// checked when read (or by View.Check).
func (t *Table) Adopt(names []string) ([]RowGroupMeta, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usableLocked(); err != nil {
		return nil, err
	}
	schema := &t.current.m.schema
	out := make([]RowGroupMeta, 0, len(names))
	for _, name := range names {
		num, ok := parseRowGroupName(name)
		if !ok {
			return nil, invalidf("adopt %s: not a row-group file name", name)
		}
		for _, g := range t.current.m.groups {
			if g.meta.Name == name {
				return nil, invalidf("adopt %s: the group is live", name)
			}
		}
		buf, err := readFile(t.fs, filepath.Join(t.dir, name), 1<<40)
		if err != nil {
			return nil, fmt.Errorf("frigatebird/storage: adopt %s: %w", name, err)
		}
		if len(buf) < rgHeaderBytes {
			return nil, corruptf("adopt %s: %d-byte file", name, len(buf))
		}
		meta, err := decodeRowGroupFooter(buf[:rgHeaderBytes], buf, int64(len(buf)), schema, t.opts.RowGroupRows)
		if err != nil {
			return nil, fmt.Errorf("frigatebird/storage: adopt %s: %w", name, err)
		}
		meta.num, meta.Name = num, name
		m := meta
		t.pending[name] = &m
		t.nextFile = max(t.nextFile, num+1)
		out = append(out, meta)
	}
	return out, nil
}
