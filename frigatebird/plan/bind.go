package plan

import (
	"fmt"

	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
)

// Bind resolves the names of a parsed statement against cat, checks and
// converts its types, and returns the bound statement (for a SELECT, a
// *Query whose Root is a logical plan). sql is the text s was parsed from;
// errors carry positions in it. Every error is an *Error matching one of
// the sentinels of errors.go.
//
// Bind keeps no state between calls; it is safe for concurrent use when
// cat is.
func Bind(cat Catalog, sql string, s parse.Stmt) (Stmt, error) {
	b := newBinder(cat, sql)
	st, err := b.stmt(s)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// maxCopiedNodes bounds the nodes a statement's expressions gain by
// using an operand more than once (BETWEEN, NULLIF and simple CASE do):
// nesting them doubles a tree at each level, and every later pass over
// it (rewrites, String) walks the copies.
const maxCopiedNodes = 1 << 20

// binder holds the state of binding one statement.
type binder struct {
	cat Catalog
	sql string

	// scope is what column references resolve against.
	scope scope

	// untyped marks the constants bound from a bare string literal or
	// NULL: their type is not settled until the context gives one (the
	// other operand of a comparison, the column of an INSERT, ...).
	untyped map[*Const]bool
	// refs records where each column reference was written and how, for
	// grouping errors found after binding.
	refs map[*ColRef]refInfo

	// aggClause is the clause being bound when aggregates are not allowed
	// there ("WHERE", "GROUP BY", ...); "" when they are.
	aggClause string
	// inAgg is set while binding an aggregate's argument.
	inAgg bool
	// copied counts the nodes gained by reusing operands (see
	// maxCopiedNodes).
	copied int
}

type refInfo struct {
	pos  int
	name string // as PostgreSQL prints it in grouping errors: alias.column
}

func newBinder(cat Catalog, sql string) *binder {
	// Aggregates are refused until a clause that takes them says so.
	return &binder{cat: cat, sql: sql, untyped: map[*Const]bool{}, refs: map[*ColRef]refInfo{}, aggClause: "this context"}
}

func (b *binder) errorf(kind error, pos int, format string, args ...any) error {
	return errorf(b.sql, kind, pos, format, args...)
}

// scope is the tables a FROM clause brings in. Column references bind to
// "virtual" indexes: table i's column c is base(i)+c. Once the statement
// is bound and the columns it reads are known, the virtual indexes are
// remapped onto each Scan's output (column pruning). Joins will add
// tables; today there is at most one.
type scope struct {
	tables []scopeTable
}

type scopeTable struct {
	alias string // what qualified references and t.* name
	info  *TableInfo
	base  int
}

// add appends a table and returns its base index.
func (s *scope) add(alias string, info *TableInfo) int {
	base := 0
	if n := len(s.tables); n > 0 {
		last := s.tables[n-1]
		base = last.base + len(last.info.Columns)
	}
	s.tables = append(s.tables, scopeTable{alias: alias, info: info, base: base})
	return base
}

// table returns the table named alias, or nil.
func (s *scope) table(alias string) *scopeTable {
	for i := range s.tables {
		if s.tables[i].alias == alias {
			return &s.tables[i]
		}
	}
	return nil
}

// column binds a column reference.
func (b *binder) column(ref *parse.ColumnRef) (Expr, error) {
	type match struct {
		t *scopeTable
		c int
	}
	var found []match
	if ref.Table != "" {
		t := b.scope.table(ref.Table)
		if t == nil {
			return nil, b.errorf(ErrUnknownTable, ref.At, "missing FROM-clause entry for table %q", ref.Table)
		}
		for c, col := range t.info.Columns {
			if col.Name == ref.Column {
				found = append(found, match{t, c})
			}
		}
		if len(found) == 0 {
			return nil, b.errorf(ErrUnknownColumn, ref.At, "column %s.%s does not exist", ref.Table, ref.Column)
		}
	} else {
		for i := range b.scope.tables {
			t := &b.scope.tables[i]
			for c, col := range t.info.Columns {
				if col.Name == ref.Column {
					found = append(found, match{t, c})
				}
			}
		}
		if len(found) == 0 {
			return nil, b.errorf(ErrUnknownColumn, ref.At, "column %q does not exist", ref.Column)
		}
	}
	if len(found) > 1 {
		return nil, b.errorf(ErrAmbiguous, ref.At, "column reference %q is ambiguous", ref.Column)
	}
	m := found[0]
	col := m.t.info.Columns[m.c]
	r := &ColRef{Index: m.t.base + m.c, Name: col.Name, T: col.T}
	b.refs[r] = refInfo{pos: ref.At, name: m.t.alias + "." + col.Name}
	return r, nil
}

// starColumns expands * (table "") or t.* into column references, in
// table order.
func (b *binder) starColumns(table string, pos int) ([]Expr, []string, error) {
	tables := b.scope.tables
	if table != "" {
		t := b.scope.table(table)
		if t == nil {
			return nil, nil, b.errorf(ErrUnknownTable, pos, "missing FROM-clause entry for table %q", table)
		}
		tables = []scopeTable{*t}
	} else if len(tables) == 0 {
		return nil, nil, b.errorf(ErrUnknownTable, pos, "SELECT * with no tables specified is not valid")
	}
	var es []Expr
	var names []string
	for _, t := range tables {
		for c, col := range t.info.Columns {
			r := &ColRef{Index: t.base + c, Name: col.Name, T: col.T}
			b.refs[r] = refInfo{pos: pos, name: t.alias + "." + col.Name}
			es = append(es, r)
			names = append(names, col.Name)
		}
	}
	return es, names, nil
}

// stmt binds any statement.
func (b *binder) stmt(s parse.Stmt) (Stmt, error) {
	switch s := s.(type) {
	case *parse.Select:
		return b.query(s)
	case *parse.Explain:
		inner, err := newBinder(b.cat, b.sql).stmt(s.Stmt)
		if err != nil {
			return nil, err
		}
		return &Explain{Analyze: s.Analyze, Stmt: inner}, nil
	case *parse.CreateTable:
		return b.createTable(s)
	case *parse.DropTable:
		return b.dropTable(s)
	case *parse.Insert:
		return b.insert(s)
	case *parse.Update:
		return b.update(s)
	case *parse.Delete:
		return b.delete(s)
	case *parse.Copy:
		return b.copyStmt(s)
	case *parse.Begin:
		return &Begin{}, nil
	case *parse.Commit:
		return &Commit{}, nil
	case *parse.Rollback:
		return &Rollback{}, nil
	case nil:
		return nil, b.errorf(ErrUnsupported, -1, "no statement")
	}
	return nil, b.errorf(ErrUnsupported, s.Pos(), "statement %T is not supported", s)
}

// lowerType names a type in messages that follow PostgreSQL's
// ("invalid input syntax for type date").
func lowerType(t types.Type) string {
	s := []byte(t.String())
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			s[i] = c + 'a' - 'A'
		}
	}
	return string(s)
}

// typeName names a bound expression's type in operator and function
// errors; untyped literals are "unknown", as in PostgreSQL.
func (b *binder) typeName(e Expr) string {
	if c, ok := e.(*Const); ok && b.untyped[c] {
		return "unknown"
	}
	return e.Type().String()
}

func assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("plan: broken invariant: "+format, args...))
	}
}
