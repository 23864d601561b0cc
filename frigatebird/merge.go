package frigatebird

import "github.com/reefdb/reef/frigatebird/storage"

// Small inserts make small row groups, which scan slowly (fixed cost per
// group and per chunk) and compress badly. After a commit, a table with
// mergeTrigger or more groups under a quarter of the row-group size gets
// them merged in the background (storage.Table.MergeSmall), under the
// writer lock like any write, one merge at a time.
const mergeTrigger = 8

// maybeMerge starts a background merge of t's small row groups when
// enough have piled up.
func (db *DB) maybeMerge(t *table) {
	per := db.opts.Storage.RowGroupRows
	if per <= 0 {
		per = storage.DefaultRowGroupRows
	}
	v, err := t.st.Snapshot()
	if err != nil {
		return
	}
	small := 0
	for _, g := range v.RowGroups() {
		if g.Rows < per/4 {
			small++
		}
	}
	v.Release()
	if small < mergeTrigger || !db.merging.CompareAndSwap(false, true) {
		return
	}
	db.bg.Add(1)
	go func() {
		defer db.bg.Done()
		defer db.merging.Store(false)
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
		if db.usable() != nil {
			return
		}
		db.mu.RLock()
		live := db.tables[t.info.Name] == t
		db.mu.RUnlock()
		if !live {
			return // dropped meanwhile
		}
		stats, err := t.st.MergeSmall(per / 2)
		if err != nil {
			db.opts.Logger.Warn("frigatebird: merge small row groups", "table", t.info.Name, "err", err)
			return
		}
		db.merges.Add(int64(stats.Removed))
	}()
}
