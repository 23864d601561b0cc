package frigatebird

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/exec"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/sorter"
	"github.com/reefdb/reef/frigatebird/storage"
	"github.com/reefdb/reef/frigatebird/vector"
)

// createTable creates the table's directory under a temporary name and
// renames it into place, so that a crash never leaves half a table.
func (db *DB) createTable(s *plan.CreateTable) (*Result, error) {
	name := s.Table.Name
	db.mu.RLock()
	_, exists := db.tables[name]
	db.mu.RUnlock()
	if exists {
		if s.IfNotExists {
			return &Result{Tag: "CREATE TABLE"}, nil
		}
		return nil, fmt.Errorf("frigatebird: table %q already exists", name)
	}
	final := db.tableDir(name)
	tmp := path.Join(db.dir, "tables", ".create-"+escapeName(name))
	if err := db.fs.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("frigatebird: create table %s: %w", name, err)
	}
	st, err := storage.Create(db.fs, tmp, schemaOf(s.Table), db.opts.Storage)
	if err != nil {
		return nil, fmt.Errorf("frigatebird: create table %s: %w", name, err)
	}
	if err := st.Close(); err != nil {
		return nil, fmt.Errorf("frigatebird: create table %s: %w", name, err)
	}
	if err := db.fs.Rename(tmp, final); err != nil {
		return nil, fmt.Errorf("frigatebird: create table %s: %w", name, err)
	}
	if err := db.syncDir(path.Join(db.dir, "tables")); err != nil {
		return nil, fmt.Errorf("frigatebird: create table %s: %w", name, err)
	}
	st, err = storage.Open(db.fs, final, db.opts.Storage)
	if err != nil {
		return nil, fmt.Errorf("frigatebird: create table %s: %w", name, err)
	}
	info := *s.Table
	t := &table{info: &info, st: st, dir: final, cache: db.cache}
	info.Handle = t
	db.mu.Lock()
	db.tables[name] = t
	db.mu.Unlock()
	return &Result{Tag: "CREATE TABLE"}, nil
}

// dropTables renames each table's directory to a .drop- name (the commit
// point), then removes it.
func (db *DB) dropTables(s *plan.DropTable) (*Result, error) {
	for _, name := range s.Names {
		db.mu.Lock()
		t, ok := db.tables[name]
		if ok {
			delete(db.tables, name)
		}
		db.mu.Unlock()
		if !ok {
			if s.IfExists {
				continue
			}
			return nil, fmt.Errorf("frigatebird: table %q does not exist", name)
		}
		if err := t.st.Close(); err != nil {
			db.opts.Logger.Warn("frigatebird: close dropped table", "table", name, "err", err)
		}
		db.cache.DropTable(t.dir)
		gone := path.Join(db.dir, "tables", ".drop-"+escapeName(name))
		if err := db.fs.Rename(t.dir, gone); err != nil {
			return nil, fmt.Errorf("frigatebird: drop table %s: %w", name, err)
		}
		if err := db.syncDir(path.Join(db.dir, "tables")); err != nil {
			return nil, fmt.Errorf("frigatebird: drop table %s: %w", name, err)
		}
		if err := db.fs.RemoveAll(gone); err != nil {
			db.opts.Logger.Warn("frigatebird: remove dropped table", "table", name, "err", err)
		}
	}
	return &Result{Tag: "DROP TABLE"}, nil
}

func (db *DB) syncDir(dir string) error {
	d, err := db.fs.OpenDir(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// tableOf returns the open table behind a bound statement's TableInfo
// (directly, or through a transaction's overlay).
func tableOf(info *plan.TableInfo) (*table, error) {
	switch h := info.Handle.(type) {
	case *table:
		return h, nil
	case txHandle:
		return h.tt.t, nil
	}
	return nil, fmt.Errorf("frigatebird: %s is not a table", info.Name)
}

// insert runs the source and adds its rows to the transaction.
func (db *DB) insert(ctx context.Context, s *plan.Insert, tx *txn) (*Result, error) {
	t, err := tableOf(s.Table)
	if err != nil {
		return nil, err
	}
	res, err := exec.Run(ctx, s.Source, db.execOptions())
	if err != nil {
		return nil, err
	}
	if err := checkNotNull(t, res.Rows); err != nil {
		return nil, err
	}
	tx.table(t).insert(res.Rows)
	return &Result{Tag: "INSERT", RowsAffected: int64(res.Rows.Len())}, nil
}

// writeRows sorts rows by the table's sort key and writes them as
// row-group files (durable, not yet live).
func (db *DB) writeRows(t *table, rows *vector.Collection) ([]storage.RowGroupMeta, error) {
	if rows.Len() == 0 {
		return nil, nil
	}
	if len(t.info.SortKey) > 0 {
		sorted, err := sortRows(rows, t.info.SortKey)
		if err != nil {
			return nil, err
		}
		rows = sorted
	}
	per := db.opts.Storage.RowGroupRows
	if per <= 0 {
		per = storage.DefaultRowGroupRows
	}
	var groups []storage.RowGroupMeta
	for seg := 0; seg < rows.Segments(); seg++ {
		g, err := db.writeSegment(t, rows.Segment(seg), per)
		groups = append(groups, g...)
		if err != nil {
			t.st.Discard(groups)
			return nil, err
		}
	}
	return groups, nil
}

// writeSegment writes one collection segment as row groups of at most
// per rows; on error it returns the groups written so far.
func (db *DB) writeSegment(t *table, segCols []chunk.Column, per int) ([]storage.RowGroupMeta, error) {
	var groups []storage.RowGroupMeta
	cols := make([]*chunk.Column, len(segCols))
	n := segCols[0].Len
	for at := 0; at < n; at += per {
		k := min(per, n-at)
		for j := range cols {
			c := sliceColumn(&segCols[j], at, k)
			cols[j] = &c
		}
		g, err := t.st.WriteRowGroup(cols)
		if err != nil {
			return groups, fmt.Errorf("frigatebird: write %s: %w", t.info.Name, err)
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// sliceColumn returns rows [at, at+n) of c, aliasing it; at must be a
// multiple of 64 unless it is 0.
func sliceColumn(c *chunk.Column, at, n int) chunk.Column {
	if at == 0 && n == c.Len {
		return *c
	}
	out := chunk.Column{Type: c.Type, Len: n}
	w0, w1 := at>>6, vector.Words(at+n)
	switch c.Type {
	case chunk.TypeInt64:
		out.Ints = c.Ints[at : at+n]
	case chunk.TypeFloat64:
		out.Floats = c.Floats[at : at+n]
	case chunk.TypeBool:
		out.Bools = c.Bools[w0:w1]
	case chunk.TypeBytes:
		out.Offsets = c.Offsets[at : at+n+1]
		out.Bytes = c.Bytes
	}
	if len(c.Valid) > 0 {
		out.Valid = c.Valid[w0:w1]
	}
	return out
}

// sortRows orders rows by the given columns (ascending, NULLs first, as
// storage's merge does).
func sortRows(rows *vector.Collection, key []int) (*vector.Collection, error) {
	keys := make([]sorter.Key, len(key))
	for i, c := range key {
		keys[i] = sorter.Key{Col: c, NullsFirst: true}
	}
	l, err := sorter.NewLocal(rows.Types(), keys, -1)
	if err != nil {
		return nil, err
	}
	var b vector.Batch
	idx := make([]uint32, 0, vector.Size)
	for at := 0; at < rows.Len(); at += vector.Size {
		n := min(vector.Size, rows.Len()-at)
		idx = rows.Read(at, n, &b, idx)
		if err := l.Add(&b); err != nil {
			return nil, err
		}
	}
	r, err := sorter.Merge([]*sorter.Local{l}, 1)
	if err != nil {
		return nil, err
	}
	out := vector.NewCollection(rows.Types())
	for r.Next(&b) {
		out.Append(&b)
	}
	return out, nil
}

// delete marks the rows its source finds deleted in the transaction.
func (db *DB) delete(ctx context.Context, s *plan.Delete, tx *txn) (*Result, error) {
	t, err := tableOf(s.Table)
	if err != nil {
		return nil, err
	}
	res, err := exec.Run(ctx, s.Source, db.execOptions())
	if err != nil {
		return nil, err
	}
	ids, err := rowIDColumn(res.Rows, 0)
	if err != nil {
		return nil, err
	}
	if err := applyDeletes(tx.table(t), ids); err != nil {
		return nil, err
	}
	return &Result{Tag: "DELETE", RowsAffected: int64(len(ids))}, nil
}

// update deletes the rows its source finds and inserts their new
// versions, in the same transaction.
func (db *DB) update(ctx context.Context, s *plan.Update, tx *txn) (*Result, error) {
	t, err := tableOf(s.Table)
	if err != nil {
		return nil, err
	}
	res, err := exec.Run(ctx, s.Source, db.execOptions())
	if err != nil {
		return nil, err
	}
	width := len(t.info.Columns)
	ids, err := rowIDColumn(res.Rows, width)
	if err != nil {
		return nil, err
	}
	// The new rows are the source's columns but the last.
	newRows := vector.NewCollection(res.Rows.Types()[:width])
	var b vector.Batch
	idx := make([]uint32, 0, vector.Size)
	for at := 0; at < res.Rows.Len(); at += vector.Size {
		k := min(vector.Size, res.Rows.Len()-at)
		idx = res.Rows.Read(at, k, &b, idx)
		newRows.Append(&vector.Batch{Cols: b.Cols[:width], Len: b.Len, Sel: b.Sel})
	}
	if err := checkNotNull(t, newRows); err != nil {
		return nil, err
	}
	tt := tx.table(t)
	if err := applyDeletes(tt, ids); err != nil {
		return nil, err
	}
	tt.insert(newRows)
	return &Result{Tag: "UPDATE", RowsAffected: int64(len(ids))}, nil
}

// applyDeletes maps row ids (of the overlay the statement read) onto the
// transaction's deletes, using the committed version it builds on (the
// writer lock keeps it current).
func applyDeletes(tt *txTable, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	view, err := tt.t.st.Snapshot()
	if err != nil {
		return err
	}
	defer view.Release()
	if view.Version() != tt.base {
		return errors.New("frigatebird: internal: table changed during the transaction")
	}
	return tt.delete(ids, view)
}
