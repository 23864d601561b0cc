package parse

// Node is any AST node. Pos is the byte offset, into the SQL text given to
// Parse, of the token PostgreSQL attributes the node to: the first keyword of
// a statement, the operator of a binary expression, the name of a function.
type Node interface {
	Pos() int
}

// Stmt is one SQL statement: *CreateTable, *DropTable, *Insert, *Copy,
// *Update, *Delete, *Begin, *Commit, *Rollback, *Explain or *Select.
type Stmt interface {
	Node
	stmtNode()
}

// TableName names a table. Frigatebird has one schema, so it is one
// identifier; unquoted identifiers are lowercased, quoted ones kept as is.
type TableName struct {
	Name string
	At   int
}

// Pos implements Node.
func (t TableName) Pos() int { return t.At }

// Ident is a column name with its position.
type Ident struct {
	Name string
	At   int
}

// Pos implements Node.
func (i Ident) Pos() int { return i.At }

// CreateTable is CREATE TABLE [IF NOT EXISTS] t (col type [NOT NULL], ...)
// [ORDER BY (col, ...)].
type CreateTable struct {
	At          int
	Table       TableName
	IfNotExists bool
	Columns     []ColumnDef
	// SortKey is Frigatebird's ORDER BY clause: the columns row groups are
	// sorted by, in order. Every name is one of Columns. Nil when absent.
	SortKey []Ident
}

// ColumnDef is one column of a CREATE TABLE.
type ColumnDef struct {
	At      int
	Name    string
	Type    Type
	NotNull bool
}

// DropTable is DROP TABLE [IF EXISTS] t [, ...].
type DropTable struct {
	At       int
	Tables   []TableName
	IfExists bool
}

// Insert is INSERT INTO t [(cols)] VALUES (...), ... or INSERT INTO t
// [(cols)] SELECT .... Exactly one of Rows and Query is set.
type Insert struct {
	At      int
	Table   TableName
	Columns []Ident // nil: all columns in table order
	Rows    [][]Expr
	Query   *Select
}

// Copy is COPY t [(cols)] FROM|TO 'file' [WITH (...)] or COPY (SELECT ...)
// TO 'file'. Exactly one of Table and Query is set; Query implies !From.
type Copy struct {
	At      int
	Table   *TableName
	Columns []Ident
	Query   *Select
	// From is true for COPY ... FROM (load), false for COPY ... TO (export).
	From bool
	// File is the path; empty when Stdio is set.
	File string
	// Stdio is COPY ... FROM STDIN / TO STDOUT, served by the wire protocol.
	Stdio   bool
	Options CopyOptions
}

// CopyOptions are COPY's options. Zero values mean "not given": the
// executor applies its defaults (CSV, no header, comma).
type CopyOptions struct {
	Format    string // "csv" or "parquet", lowercased; "" if not given
	Header    bool
	Delimiter string // one character; "" if not given
}

// Update is UPDATE t SET c = e [, ...] [WHERE cond].
type Update struct {
	At    int
	Table TableName
	Set   []Assignment
	Where Expr // nil: every row
}

// Assignment is one c = e of an UPDATE.
type Assignment struct {
	At     int
	Column string
	Value  Expr
}

// Delete is DELETE FROM t [WHERE cond].
type Delete struct {
	At    int
	Table TableName
	Where Expr // nil: every row
}

// Begin is BEGIN or START TRANSACTION.
type Begin struct{ At int }

// Commit is COMMIT (or END).
type Commit struct{ At int }

// Rollback is ROLLBACK (or ABORT).
type Rollback struct{ At int }

// Explain is EXPLAIN [ANALYZE] stmt.
type Explain struct {
	At      int
	Analyze bool
	Stmt    Stmt
}

// Select is a query over at most one table.
type Select struct {
	At       int
	Distinct bool
	Items    []SelectItem
	From     *From // nil: SELECT without FROM, one row
	Where    Expr
	GroupBy  []GroupItem
	Having   Expr
	OrderBy  []OrderItem
	Limit    Expr // nil: no limit
	Offset   Expr // nil: no offset
}

// SelectItem is one entry of a select list: an expression with an optional
// alias, or a star (* or t.*).
type SelectItem struct {
	At    int
	Expr  Expr   // nil when Star
	Alias string // "" when none
	Star  bool
	// StarTable is t in t.*; "" for a bare *.
	StarTable string
}

// From is the single source of a Select: a table, or a table function such
// as read_parquet('f.parquet'). Exactly one of Table and Func is set.
type From struct {
	At    int
	Table *TableName
	Func  *Func
	// Alias is AS a; "" when none.
	Alias string
}

// GroupItem is one GROUP BY entry: an expression, or an ordinal position
// into the select list (GROUP BY 1).
type GroupItem struct {
	At   int
	Expr Expr // nil when Ordinal > 0
	// Ordinal is the 1-based select-list position, 0 when Expr is set.
	// Parse checks it is in range unless the select list holds a star.
	Ordinal int
}

// NullsOrder is where NULLs sort.
type NullsOrder uint8

// NullsDefault means "as the direction implies": PostgreSQL puts NULLs last
// ascending and first descending.
const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// OrderItem is one ORDER BY entry. Expr may be a bare column reference that
// names a select-list alias; the planner resolves it (output names win, as
// in PostgreSQL).
type OrderItem struct {
	At      int
	Expr    Expr // nil when Ordinal > 0
	Ordinal int  // 1-based select-list position; 0 when Expr is set
	Desc    bool
	Nulls   NullsOrder
}

func (s *CreateTable) Pos() int { return s.At }
func (s *DropTable) Pos() int   { return s.At }
func (s *Insert) Pos() int      { return s.At }
func (s *Copy) Pos() int        { return s.At }
func (s *Update) Pos() int      { return s.At }
func (s *Delete) Pos() int      { return s.At }
func (s *Begin) Pos() int       { return s.At }
func (s *Commit) Pos() int      { return s.At }
func (s *Rollback) Pos() int    { return s.At }
func (s *Explain) Pos() int     { return s.At }
func (s *Select) Pos() int      { return s.At }

func (*CreateTable) stmtNode() {}
func (*DropTable) stmtNode()   {}
func (*Insert) stmtNode()      {}
func (*Copy) stmtNode()        {}
func (*Update) stmtNode()      {}
func (*Delete) stmtNode()      {}
func (*Begin) stmtNode()       {}
func (*Commit) stmtNode()      {}
func (*Rollback) stmtNode()    {}
func (*Explain) stmtNode()     {}
func (*Select) stmtNode()      {}
