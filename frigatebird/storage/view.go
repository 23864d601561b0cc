package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/vfs"
)

// View is an immutable snapshot of one table version. Its row groups, zone
// maps and delete sets never change, and its files stay on disk until it
// is released, whatever later commits do. A View is safe for concurrent
// use; Release it exactly once.
type View struct {
	t        *Table
	v        *version
	released atomic.Bool
}

// Version returns the table version the view shows.
func (w *View) Version() uint64 { return w.v.m.version }

// Schema returns the table's schema (a copy).
func (w *View) Schema() Schema { return w.v.m.schema.clone() }

// NumRowGroups returns the number of live row groups.
func (w *View) NumRowGroups() int { return len(w.v.m.groups) }

// RowGroups returns the live row groups in order. The metadata is shared
// and must not be modified.
func (w *View) RowGroups() []RowGroupMeta {
	out := make([]RowGroupMeta, len(w.v.m.groups))
	for i, g := range w.v.m.groups {
		out[i] = *g.meta
	}
	return out
}

// RowGroup returns row group rg's metadata.
func (w *View) RowGroup(rg int) RowGroupMeta { return *w.v.m.groups[rg].meta }

// ZoneMap returns column col's zone map in row group rg, without I/O. It
// covers deleted rows too.
func (w *View) ZoneMap(rg, col int) chunk.ZoneMap { return w.v.m.groups[rg].meta.ZoneMap(col) }

// Deleted returns the deleted rows of row group rg.
func (w *View) Deleted(rg int) DeleteSet { return w.v.m.groups[rg].deleted }

// LiveRows returns the number of rows of the view not deleted.
func (w *View) LiveRows() int {
	n := 0
	for _, g := range w.v.m.groups {
		n += g.meta.Rows - g.deleted.Len()
	}
	return n
}

// Release gives the view back. Files that only released views named are
// removed. Calling Release twice panics.
func (w *View) Release() {
	if w.released.Swap(true) {
		panic("frigatebird/storage: view released twice")
	}
	w.t.releaseVersion(w.v)
}

var readBufs = sync.Pool{New: func() any { return new([]byte) }}

// ReadColumn reads and decodes column col of row group rg into into
// (reusing its buffers), with one ReadAt of exactly that chunk. Deleted
// rows are included; see Deleted. A checksum failure returns an error
// wrapping ErrCorrupt (and chunk.ErrCorrupt).
func (w *View) ReadColumn(rg, col int, into *chunk.Column) error {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf, err := w.readChunk(rg, col, *bp)
	*bp = buf[:0]
	if err != nil {
		return err
	}
	return w.DecodeChunk(rg, col, buf, into)
}

// ReadChunk returns column col of row group rg as stored (one ReadAt of
// exactly the chunk), for a cache to keep; DecodeChunk decodes it.
func (w *View) ReadChunk(rg, col int) ([]byte, error) {
	return w.readChunk(rg, col, nil)
}

// readChunk reads a chunk into buf's storage when it is large enough.
func (w *View) readChunk(rg, col int, buf []byte) ([]byte, error) {
	if w.released.Load() {
		panic("frigatebird/storage: read through a released view")
	}
	if rg < 0 || rg >= len(w.v.m.groups) || col < 0 || col >= len(w.v.m.schema.Columns) {
		return buf, invalidf("read column %d of row group %d: out of range", col, rg)
	}
	g := w.v.m.groups[rg]
	c := g.meta.Columns[col]
	f, err := w.file(g.meta.Name)
	if err != nil {
		return buf, err
	}
	if cap(buf) < c.Length {
		buf = make([]byte, c.Length)
	}
	buf = buf[:c.Length]
	if _, err := f.ReadAt(buf, c.Offset); err != nil {
		return buf, fmt.Errorf("frigatebird/storage: read %s column %d: %w", g.meta.Name, col, err)
	}
	return buf, nil
}

// DecodeChunk decodes a chunk that ReadChunk returned for (rg, col),
// verifying its checksum and that it is the chunk the manifest describes.
func (w *View) DecodeChunk(rg, col int, buf []byte, into *chunk.Column) error {
	if rg < 0 || rg >= len(w.v.m.groups) || col < 0 || col >= len(w.v.m.schema.Columns) {
		return invalidf("decode column %d of row group %d: out of range", col, rg)
	}
	g := w.v.m.groups[rg]
	c := g.meta.Columns[col]
	lim := chunk.Limits{MaxRows: MaxRowGroupRows}
	info, err := chunk.DecodeWithLimits(buf, into, lim)
	if err != nil {
		if errors.Is(err, chunk.ErrCorrupt) {
			return fmt.Errorf("frigatebird/storage: read %s column %d: %w: %w", g.meta.Name, col, ErrCorrupt, err)
		}
		return fmt.Errorf("frigatebird/storage: read %s column %d: %w", g.meta.Name, col, err)
	}
	if len(buf) != c.Length || info.Rows != g.meta.Rows || info.Type != c.Info.Type || !bytes.Equal(buf[:len(c.header)], c.header) {
		return corruptf("read %s column %d: chunk does not match the manifest", g.meta.Name, col)
	}
	return nil
}

// file returns an open handle to a row-group file, opened on first use and
// kept until the version's last view is released.
func (w *View) file(name string) (vfs.File, error) {
	v := w.v
	v.hmu.Lock()
	defer v.hmu.Unlock()
	if f, ok := v.handles[name]; ok {
		return f, nil
	}
	if v.handles == nil {
		panic("frigatebird/storage: read from a version with no references")
	}
	f, err := w.t.fs.Open(filepath.Join(w.t.dir, name))
	if err != nil {
		if isNotExist(err) {
			return nil, corruptf("open row group %s: missing", name)
		}
		return nil, fmt.Errorf("frigatebird/storage: open row group %s: %w", name, err)
	}
	v.handles[name] = f
	return f, nil
}

// Check verifies every row-group file of the view: its header, footer and
// footer checksum, that the footer matches the manifest, and every chunk's
// checksum. It reads everything; tests and repair tools call it.
func (w *View) Check() error {
	for rg, g := range w.v.m.groups {
		if err := w.checkGroup(rg, g); err != nil {
			return err
		}
	}
	return nil
}

func (w *View) checkGroup(rg int, g liveGroup) error {
	f, err := w.file(g.meta.Name)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("frigatebird/storage: check %s: %w", g.meta.Name, err)
	}
	size := st.Size()
	if size != g.meta.SizeBytes || size < rgHeaderBytes+rgTrailerBytes {
		return corruptf("check %s: %d bytes, manifest says %d", g.meta.Name, size, g.meta.SizeBytes)
	}
	head := make([]byte, rgHeaderBytes)
	tr := make([]byte, rgTrailerBytes)
	if _, err := f.ReadAt(head, 0); err != nil {
		return fmt.Errorf("frigatebird/storage: check %s: %w", g.meta.Name, err)
	}
	if _, err := f.ReadAt(tr, size-rgTrailerBytes); err != nil {
		return fmt.Errorf("frigatebird/storage: check %s: %w", g.meta.Name, err)
	}
	flen := int64(binary.LittleEndian.Uint32(tr))
	if flen > size-rgHeaderBytes-rgTrailerBytes {
		return corruptf("check %s: footer of %d bytes", g.meta.Name, flen)
	}
	tail := make([]byte, flen+rgTrailerBytes)
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
		return fmt.Errorf("frigatebird/storage: check %s: %w", g.meta.Name, err)
	}
	fm, err := decodeRowGroupFooter(head, tail, size, &w.v.m.schema, MaxRowGroupRows)
	if err != nil {
		return fmt.Errorf("check %s: %w", g.meta.Name, err)
	}
	if fm.Rows != g.meta.Rows {
		return corruptf("check %s: footer says %d rows, manifest %d", g.meta.Name, fm.Rows, g.meta.Rows)
	}
	var col chunk.Column
	for i, c := range g.meta.Columns {
		fc := fm.Columns[i]
		if fc.Offset != c.Offset || fc.Length != c.Length || !bytes.Equal(fc.header, c.header) {
			return corruptf("check %s: column %d footer differs from the manifest", g.meta.Name, i)
		}
		if err := w.ReadColumn(rg, i, &col); err != nil {
			return err
		}
	}
	return nil
}
