package frigatebird

import (
	"fmt"
	"slices"

	"github.com/reefdb/reef/frigatebird/cache"
	"github.com/reefdb/reef/frigatebird/plan"
)

// TableDesc describes a table for \dt and \d.
type TableDesc struct {
	Name    string
	Columns []plan.TableColumn
	// SortKey names the sort-key columns, in order.
	SortKey []string
	// Rows is the number of live rows; RowGroups the number of row groups.
	Rows, RowGroups int
}

// Tables describes every table, sorted by name.
func (db *DB) Tables() ([]TableDesc, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return nil, ErrClosed
	}
	out := make([]TableDesc, 0, len(db.tables))
	for _, t := range db.tables {
		d := TableDesc{Name: t.info.Name, Columns: t.info.Columns}
		for _, k := range t.info.SortKey {
			d.SortKey = append(d.SortKey, t.info.Columns[k].Name)
		}
		v, err := t.st.Snapshot()
		if err != nil {
			return nil, err
		}
		d.Rows, d.RowGroups = v.LiveRows(), v.NumRowGroups()
		v.Release()
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b TableDesc) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// Check verifies every table: each live row-group file's header, footer
// and every chunk checksum (storage.View.Check). It reads everything.
func (db *DB) Check() error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return ErrClosed
	}
	for name, t := range db.tables {
		v, err := t.st.Snapshot()
		if err != nil {
			return err
		}
		err = v.Check()
		v.Release()
		if err != nil {
			return fmt.Errorf("frigatebird: table %s: %w", name, err)
		}
	}
	return nil
}

// Metrics are the database's counters.
type Metrics struct {
	// Cache is the three-tier column cache: hot (decoded chunks), warm
	// (compressed chunks), cold (disk reads), with hit rates.
	Cache cache.Metrics
}

// Metrics returns the database's counters.
func (db *DB) Metrics() Metrics { return Metrics{Cache: db.cache.Metrics()} }
