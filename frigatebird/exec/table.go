package exec

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/cache"
	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/storage"
)

// Table is what a plan.TableInfo's Handle must implement for a Scan to
// read it: a source of consistent snapshots.
type Table interface {
	Snapshot() (Snapshot, error)
}

// Snapshot is one immutable version of a table as the scan reads it:
// row groups with zone maps and delete sets, and their column chunks.
// storage.View is the plain implementation (ViewSnapshot); the cache and
// a transaction's own uncommitted writes wrap it.
type Snapshot interface {
	NumRowGroups() int
	// Rows returns the number of rows of row group rg, deleted ones
	// included.
	Rows(rg int) int
	// ZoneMap returns column col's zone map in row group rg (no I/O), or
	// false when the group has none (rows not yet written).
	ZoneMap(rg, col int) (chunk.ZoneMap, bool)
	// Deleted returns row group rg's deleted rows.
	Deleted(rg int) storage.DeleteSet
	// ChunkBytes returns the stored size of a column chunk.
	ChunkBytes(rg, col int) int
	// Column returns a decoded column chunk: a shared, read-only one
	// (from a cache, or pending rows) or scratch, decoded into (the
	// caller owns scratch and reuses it).
	Column(rg, col int, scratch *chunk.Column) (*chunk.Column, error)
	// Release gives the snapshot back.
	Release()
}

// ViewSnapshot adapts a storage.View, reading through a cache when one
// is set (Table names the table's directory in the cache's keys).
type ViewSnapshot struct {
	*storage.View
	Cache *cache.Cache
	Table string
}

// Column implements Snapshot.
func (v ViewSnapshot) Column(rg, col int, scratch *chunk.Column) (*chunk.Column, error) {
	if v.Cache == nil {
		return scratch, v.View.ReadColumn(rg, col, scratch)
	}
	k := cache.Key{Table: v.Table, Group: v.View.RowGroup(rg).Name, Col: col}
	return v.Cache.Column(k,
		func() ([]byte, error) { return v.View.ReadChunk(rg, col) },
		func(b []byte, into *chunk.Column) error { return v.View.DecodeChunk(rg, col, b, into) },
		scratch)
}

// ZoneMap implements Snapshot.
func (v ViewSnapshot) ZoneMap(rg, col int) (chunk.ZoneMap, bool) {
	return v.View.ZoneMap(rg, col), true
}

// Rows implements Snapshot.
func (v ViewSnapshot) Rows(rg int) int { return v.View.RowGroup(rg).Rows }

// ChunkBytes implements Snapshot.
func (v ViewSnapshot) ChunkBytes(rg, col int) int {
	return v.View.RowGroup(rg).Columns[col].Length
}

// RowID packs a row's address: its row group in the snapshot and its row
// within the group.
func RowID(rg, row int) int64 { return int64(rg)<<32 | int64(row) }

// SplitRowID is the inverse of RowID.
func SplitRowID(id int64) (rg, row int) { return int(id >> 32), int(uint32(id)) }

// tableOf returns the Table behind a handle.
func tableOf(h any) (Table, error) {
	t, ok := h.(Table)
	if !ok {
		return nil, fmt.Errorf("frigatebird: exec: table handle %T cannot be scanned", h)
	}
	return t, nil
}
