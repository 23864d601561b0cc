package plan

import (
	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
)

// Catalog is what the binder knows of the database: its tables and table
// functions. The executor implements it.
type Catalog interface {
	// Table returns the named table, or false.
	Table(name string) (*TableInfo, bool)
	// TableFunc returns the schema of a table function call such as
	// read_parquet('f.parquet') or read_csv('f.csv'), given its constant
	// arguments; the returned TableInfo's Handle tells the executor how
	// to read it. Unknown functions and bad arguments are errors (the
	// binder adds the position).
	TableFunc(name string, args []types.Value) (*TableInfo, error)
}

// TableInfo describes a table (or a table function's result).
type TableInfo struct {
	Name    string
	Columns []TableColumn
	SortKey []int // column indexes; nil when none
	// Handle is the executor's own reference (opaque to the planner).
	Handle any
}

// TableColumn is one column of a table.
type TableColumn struct {
	Name    string
	T       types.Type
	NotNull bool
}

// Lookup returns the index of the column named name, or -1.
func (t *TableInfo) Lookup(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Stmt is a bound statement: *Query, *Explain, *CreateTable, *DropTable,
// *Insert, *Update, *Delete, *Copy, *Begin, *Commit or *Rollback.
type Stmt interface {
	stmt()
}

// Query is a SELECT: Root's columns are the result, named Names (which
// may repeat, as in SELECT a, a).
type Query struct {
	Root  Node
	Names []string
}

// Explain is EXPLAIN [ANALYZE] of a bound statement.
type Explain struct {
	Analyze bool
	Stmt    Stmt
}

// CreateTable creates Table (its Handle is nil).
type CreateTable struct {
	Table       *TableInfo
	IfNotExists bool
}

// DropTable drops tables by name; with IfExists, missing ones are skipped
// (the binder has checked the others exist).
type DropTable struct {
	Names    []string
	IfExists bool
}

// Insert appends Source's rows to Table. Source's columns are exactly the
// table's columns, in order and of the table's types (the binder adds the
// casts and NULLs for omitted columns). NOT NULL is checked by the
// executor, which knows the values.
type Insert struct {
	Table  *TableInfo
	Source Node
}

// Update rewrites rows: Source is a Scan (with RowID, under any Filter
// the WHERE needs) followed by a Project whose output is the new row: one
// expression per table column, of its type, then the row id. The
// executor deletes the old rows and inserts the new ones in one commit.
type Update struct {
	Table  *TableInfo
	Source Node
}

// Delete removes the rows Source produces: its only column is the row id
// (a Scan with RowID under the WHERE, projected to the row id).
type Delete struct {
	Table  *TableInfo
	Source Node
}

// Copy is COPY: FROM a file into Table (Columns: the table columns the
// file's fields go to, in order), or TO a file from Query (a table's
// columns become a Query).
type Copy struct {
	From    bool
	Table   *TableInfo // FROM only
	Columns []int      // FROM only
	Query   *Query     // TO only
	File    string
	Options parse.CopyOptions
}

// Begin, Commit and Rollback control the single writer's transaction.
type (
	Begin    struct{}
	Commit   struct{}
	Rollback struct{}
)

func (*Query) stmt()       {}
func (*Explain) stmt()     {}
func (*CreateTable) stmt() {}
func (*DropTable) stmt()   {}
func (*Insert) stmt()      {}
func (*Update) stmt()      {}
func (*Delete) stmt()      {}
func (*Copy) stmt()        {}
func (*Begin) stmt()       {}
func (*Commit) stmt()      {}
func (*Rollback) stmt()    {}
