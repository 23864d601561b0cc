package frigatebird

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/reefdb/reef/frigatebird/cache"
	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/exec"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/storage"
	"github.com/reefdb/reef/frigatebird/types"
)

// table is one open table: its storage and its planner description.
type table struct {
	info  *plan.TableInfo
	st    *storage.Table
	dir   string
	cache *cache.Cache
}

// Snapshot implements exec.Table.
func (t *table) Snapshot() (exec.Snapshot, error) {
	v, err := t.st.Snapshot()
	if err != nil {
		return nil, err
	}
	return t.snapshotOf(v), nil
}

func (t *table) snapshotOf(v *storage.View) exec.ViewSnapshot {
	return exec.ViewSnapshot{View: v, Cache: t.cache, Table: t.dir}
}

// catalog is the binder's view of the database's tables (plan.Catalog):
// inside a transaction, the tables it changed are read through an overlay
// of its pending changes.
type catalog struct {
	db *DB
	tx *txn
}

func (c catalog) Table(name string) (*plan.TableInfo, bool) {
	t, ok := c.db.tables[name]
	if !ok {
		return nil, false
	}
	if c.tx != nil {
		if tt, ok := c.tx.changed(name); ok {
			info := *t.info
			info.Handle = txHandle{tt}
			return &info, true
		}
	}
	return t.info, true
}

func (c catalog) TableFunc(name string, args []types.Value) (*plan.TableInfo, error) {
	return c.db.tableFunc(name, args)
}

// Table directories are named after the table, with bytes outside
// [a-z0-9_] escaped as %XX so that any quoted identifier is a safe,
// unambiguous file name.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func unescapeName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad table directory name %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad table directory name %q", s)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// notNullSuffix marks a NOT NULL column in storage's logical type string.
const notNullSuffix = " NOT NULL"

// schemaOf maps a planner table onto a storage schema: each column's
// logical type (and NOT NULL) is kept as text in ColumnDef.Logical.
func schemaOf(t *plan.TableInfo) storage.Schema {
	var s storage.Schema
	for _, c := range t.Columns {
		logical := c.T.String()
		if c.NotNull {
			logical += notNullSuffix
		}
		s.Columns = append(s.Columns, storage.ColumnDef{Name: c.Name, Type: chunk.PhysType(c.T.Phys()), Logical: logical})
	}
	s.SortKey = append([]int(nil), t.SortKey...)
	return s
}

// infoOf is the inverse of schemaOf.
func infoOf(name string, s storage.Schema) (*plan.TableInfo, error) {
	t := &plan.TableInfo{Name: name, SortKey: s.SortKey}
	for _, c := range s.Columns {
		logical, notNull := strings.CutSuffix(c.Logical, notNullSuffix)
		ty, err := parseLogical(logical)
		if err != nil {
			return nil, fmt.Errorf("table %s column %s: %w", name, c.Name, err)
		}
		if chunk.PhysType(ty.Phys()) != c.Type {
			return nil, fmt.Errorf("table %s column %s: type %s is not stored as %s", name, c.Name, ty, c.Type)
		}
		t.Columns = append(t.Columns, plan.TableColumn{Name: c.Name, T: ty, NotNull: notNull})
	}
	return t, nil
}

// parseLogical reads back types.Type.String(): NAME or NAME(p[,s]).
func parseLogical(s string) (types.Type, error) {
	name, params := s, []int(nil)
	if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		name = s[:i]
		for _, p := range strings.Split(s[i+1:len(s)-1], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return types.Type{}, fmt.Errorf("bad type %q", s)
			}
			params = append(params, n)
		}
	}
	return types.FromName(name, params)
}

func (db *DB) tableDir(name string) string { return path.Join(db.dir, "tables", escapeName(name)) }
