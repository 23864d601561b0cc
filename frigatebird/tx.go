package frigatebird

import (
	"errors"
	"fmt"
	"slices"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/exec"
	"github.com/reefdb/reef/frigatebird/storage"
	"github.com/reefdb/reef/frigatebird/vector"
)

// txn is a write transaction: the changes of its statements, kept in
// memory until COMMIT. Frigatebird has a single writer: a transaction
// holds DB.writeMu from its first statement (BEGIN, or the statement
// itself in autocommit) to its end, so the table versions it read are
// the ones it commits on top of. Readers are never blocked: they read
// committed versions.
type txn struct {
	db     *DB
	tables map[string]*txTable
	// committed lists the tables a successful commit changed (for the
	// background merge check, made once the writer lock is released).
	committed []*table
}

// txTable is one table's pending changes.
type txTable struct {
	t    *table
	base uint64 // the table version the transaction reads and changes
	// rows are the inserted rows not yet committed; dead marks those
	// deleted again by a later statement of the transaction.
	rows *vector.Collection
	dead []uint64
	// deletes are the committed rows deleted, by row-group name.
	deletes map[string][]uint32
	// written are row groups a bulk load (COPY in a statement of its
	// own) already wrote, durable but not yet live.
	written []storage.RowGroupMeta
}

func newTxn(db *DB) *txn { return &txn{db: db, tables: map[string]*txTable{}} }

// table returns t's pending changes, starting them.
func (tx *txn) table(t *table) *txTable {
	name := t.info.Name
	if tt, ok := tx.tables[name]; ok {
		return tt
	}
	tt := &txTable{t: t, base: t.st.Version(), deletes: map[string][]uint32{}}
	tx.tables[name] = tt
	return tt
}

// changed reports whether the transaction changed t (its reads must then
// go through the overlay).
func (tx *txn) changed(name string) (*txTable, bool) {
	tt, ok := tx.tables[name]
	return tt, ok
}

// insert adds rows (already checked against NOT NULL) to the pending rows.
func (tt *txTable) insert(rows *vector.Collection) {
	if rows.Len() == 0 {
		return
	}
	if tt.rows == nil {
		tt.rows = rows
		return
	}
	appendCollection(tt.rows, rows)
}

// appendCollection copies every row of src to dst.
func appendCollection(dst, src *vector.Collection) {
	var b vector.Batch
	idx := make([]uint32, 0, vector.Size)
	for at := 0; at < src.Len(); at += vector.Size {
		n := min(vector.Size, src.Len()-at)
		idx = src.Read(at, n, &b, idx)
		dst.Append(&b)
	}
}

// delete marks rows deleted, given their ids in the overlay snapshot
// that the statement read: groups below committed are committed row
// groups (named by view), the others are segments of the pending rows.
func (tt *txTable) delete(ids []int64, view *storage.View) error {
	committed := view.NumRowGroups()
	for _, id := range ids {
		rg, row := exec.SplitRowID(id)
		if rg < committed {
			name := view.RowGroup(rg).Name
			tt.deletes[name] = append(tt.deletes[name], uint32(row))
			continue
		}
		r := (rg-committed)*vector.SegmentRows + row
		if tt.rows == nil || r >= tt.rows.Len() {
			return fmt.Errorf("frigatebird: internal: row id %d past the pending rows", id)
		}
		for len(tt.dead) < vector.Words(r+1) {
			tt.dead = append(tt.dead, 0)
		}
		tt.dead[r>>6] |= 1 << (uint(r) & 63)
	}
	return nil
}

func (tt *txTable) isDead(r int) bool {
	return r>>6 < len(tt.dead) && tt.dead[r>>6]&(1<<(uint(r)&63)) != 0
}

// liveRows returns the pending rows not deleted again.
func (tt *txTable) liveRows() *vector.Collection {
	if tt.rows == nil || len(tt.dead) == 0 {
		return tt.rows
	}
	out := vector.NewCollection(tt.rows.Types())
	var b vector.Batch
	idx := make([]uint32, 0, vector.Size)
	for at := 0; at < tt.rows.Len(); {
		idx = idx[:0]
		for ; at < tt.rows.Len() && len(idx) < vector.Size; at++ {
			if !tt.isDead(at) {
				idx = append(idx, uint32(at))
			}
		}
		if len(idx) > 0 {
			tt.rows.Gather(idx, &b)
			out.Append(&b)
		}
	}
	return out
}

// commit makes the transaction's changes durable and visible: see wal.go
// for the protocol. On an error before the commit point nothing changed;
// an error after it fails the database (reopening recovers the commit).
func (tx *txn) commit() error {
	type work struct {
		tt     *txTable
		groups []storage.RowGroupMeta
	}
	var todo []work
	names := make([]string, 0, len(tx.tables))
	for name := range tx.tables {
		names = append(names, name)
	}
	slices.Sort(names)
	discard := func() {
		for _, w := range todo {
			w.tt.t.st.Discard(w.groups)
		}
	}
	for _, name := range names {
		tt := tx.tables[name]
		groups := tt.written
		if rows := tt.liveRows(); rows != nil && rows.Len() > 0 {
			more, err := tx.db.writeRows(tt.t, rows)
			if err != nil {
				tt.t.st.Discard(groups)
				discard()
				return err
			}
			groups = append(groups, more...)
		}
		if len(groups) == 0 && len(tt.deletes) == 0 {
			continue
		}
		todo = append(todo, work{tt, groups})
	}
	switch len(todo) {
	case 0:
		return nil
	case 1:
		w := todo[0]
		if err := w.tt.t.st.Commit(w.groups, w.tt.deletes, nil); err != nil {
			w.tt.t.st.Discard(w.groups)
			return fmt.Errorf("frigatebird: commit %s: %w", w.tt.t.info.Name, err)
		}
		tx.committed = append(tx.committed, w.tt.t)
		return nil
	}
	rec := &walRecord{}
	for _, w := range todo {
		wt := walTable{Dir: escapeName(w.tt.t.info.Name), Base: w.tt.base, Deletes: w.tt.deletes}
		for _, g := range w.groups {
			wt.Files = append(wt.Files, g.Name)
		}
		rec.Tables = append(rec.Tables, wt)
	}
	if err := tx.db.appendWAL(rec); err == nil && commitHook != nil {
		err = commitHook("wal")
		if err != nil {
			return err // a simulated crash: the test reopens the database
		}
	} else if err != nil {
		discard()
		// The record may be on disk; if it is, recovery would commit a
		// transaction whose files are gone: fail so that it is reopened
		// only after a trim.
		if terr := tx.db.trimWAL(); terr != nil {
			tx.db.fail(fmt.Errorf("write WAL: %w; trim: %v", err, terr))
		}
		return fmt.Errorf("frigatebird: commit: write WAL: %w", err)
	}
	for i, w := range todo {
		if i == 1 && commitHook != nil {
			if err := commitHook("first table"); err != nil {
				return err
			}
		}
		if err := w.tt.t.st.Commit(w.groups, w.tt.deletes, nil); err != nil {
			err = fmt.Errorf("frigatebird: commit %s after the WAL record: %w", w.tt.t.info.Name, err)
			tx.db.fail(err)
			return err
		}
	}
	if err := tx.db.trimWAL(); err != nil {
		err = fmt.Errorf("frigatebird: trim WAL: %w", err)
		tx.db.fail(err)
		return err
	}
	for _, w := range todo {
		tx.committed = append(tx.committed, w.tt.t)
	}
	return nil
}

// commitHook, set by tests, runs at points of a multi-table commit ("wal":
// the record is durable; "first table": one table committed); an error
// stops the commit there, as a crash would.
var commitHook func(stage string) error

// rollback forgets the pending changes (nothing of them is on disk).
func (tx *txn) rollback() { tx.tables = nil }

// txHandle is what a statement inside a transaction scans for a table the
// transaction changed: the committed version plus the pending changes.
type txHandle struct{ tt *txTable }

// Snapshot implements exec.Table.
func (h txHandle) Snapshot() (exec.Snapshot, error) {
	v, err := h.tt.t.st.Snapshot()
	if err != nil {
		return nil, err
	}
	if v.Version() != h.tt.base {
		v.Release()
		return nil, errors.New("frigatebird: internal: table changed under a transaction")
	}
	return &overlay{view: v, base: h.tt.t.snapshotOf(v), tt: h.tt}, nil
}

// overlay is exec.Snapshot over a committed view and a transaction's
// pending changes: the view's row groups first, then one group per
// segment of the pending rows (SegmentRows rows each).
type overlay struct {
	view *storage.View
	base exec.ViewSnapshot
	tt   *txTable
}

func (o *overlay) committed() int { return o.view.NumRowGroups() }

func (o *overlay) NumRowGroups() int {
	n := o.committed()
	if o.tt.rows != nil {
		n += o.tt.rows.Segments()
	}
	return n
}

func (o *overlay) segment(rg int) []chunk.Column { return o.tt.rows.Segment(rg - o.committed()) }

func (o *overlay) Rows(rg int) int {
	if rg < o.committed() {
		return o.view.RowGroup(rg).Rows
	}
	return o.segment(rg)[0].Len
}

func (o *overlay) ZoneMap(rg, col int) (chunk.ZoneMap, bool) {
	if rg < o.committed() {
		return o.view.ZoneMap(rg, col), true
	}
	return chunk.ZoneMap{}, false
}

func (o *overlay) Deleted(rg int) storage.DeleteSet {
	if rg < o.committed() {
		d := o.view.Deleted(rg)
		if rows := o.tt.deletes[o.view.RowGroup(rg).Name]; len(rows) > 0 {
			d = d.Add(rows)
		}
		return d
	}
	base := (rg - o.committed()) * vector.SegmentRows
	var rows []uint32
	for r := 0; r < o.segment(rg)[0].Len; r++ {
		if o.tt.isDead(base + r) {
			rows = append(rows, uint32(r))
		}
	}
	return storage.DeleteSet{}.Add(rows)
}

func (o *overlay) ChunkBytes(rg, col int) int {
	if rg < o.committed() {
		return o.view.RowGroup(rg).Columns[col].Length
	}
	return 0
}

// Column returns a pending column as it is (the scan only reads it).
func (o *overlay) Column(rg, col int, scratch *chunk.Column) (*chunk.Column, error) {
	if rg < o.committed() {
		return o.base.Column(rg, col, scratch)
	}
	return &o.segment(rg)[col], nil
}

func (o *overlay) Release() { o.view.Release() }

// checkNotNull refuses rows with a NULL in a NOT NULL column.
func checkNotNull(t *table, rows *vector.Collection) error {
	for seg := 0; seg < rows.Segments(); seg++ {
		if err := checkNotNullColumns(t, rows.Segment(seg)); err != nil {
			return err
		}
	}
	return nil
}

// checkNotNullColumns checks one segment.
func checkNotNullColumns(t *table, cols []chunk.Column) error {
	for j, c := range t.info.Columns {
		if c.NotNull && cols[j].NullCount() > 0 {
			return fmt.Errorf("frigatebird: null value in column %q of table %q violates not-null constraint", c.Name, t.info.Name)
		}
	}
	return nil
}

// rowIDColumn returns column col of rows as row ids.
func rowIDColumn(rows *vector.Collection, col int) ([]int64, error) {
	ids := make([]int64, 0, rows.Len())
	for seg := 0; seg < rows.Segments(); seg++ {
		c := &rows.Segment(seg)[col]
		if c.Type != chunk.TypeInt64 || c.NullCount() > 0 {
			return nil, errors.New("frigatebird: internal: bad row id column")
		}
		ids = append(ids, c.Ints[:c.Len]...)
	}
	return ids, nil
}
