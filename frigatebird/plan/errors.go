package plan

import (
	"errors"
	"fmt"

	"github.com/reefdb/reef/frigatebird/parse"
)

// Sentinel errors. Every error Bind returns is an *Error matching exactly
// one of them (errors.Is).
var (
	// ErrUnknownTable: a table, a table qualifier or a table function
	// that does not exist.
	ErrUnknownTable = errors.New("unknown table")
	// ErrUnknownColumn: a column that no table in scope has, or a GROUP
	// BY or ORDER BY position outside the select list.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrAmbiguous: a name that matches more than one column.
	ErrAmbiguous = errors.New("ambiguous name")
	// ErrType: operands or arguments of types no operator or function
	// takes, a literal or constant that does not convert to the type its
	// context needs, a wrong number of INSERT values.
	ErrType = errors.New("type mismatch")
	// ErrGrouping: a column used outside an aggregate without being
	// grouped, an aggregate where none is allowed (WHERE, GROUP BY, inside
	// another aggregate), an ORDER BY of SELECT DISTINCT outside the
	// select list.
	ErrGrouping = errors.New("grouping error")
	// ErrUnsupported: valid SQL that Frigatebird does not run (yet).
	ErrUnsupported = errors.New("not supported")
	// ErrExists: a name defined twice: CREATE TABLE of an existing table
	// without IF NOT EXISTS, a column named twice in a column list.
	ErrExists = errors.New("already exists")
)

// Error is the error type Bind returns. Its message reads
// "frigatebird: plan: <Msg> (at line L, column C)", as parse.Error's does.
type Error struct {
	// Msg says what is wrong, without the package prefix or the position.
	Msg string
	// Offset is the byte offset into the SQL text given to Bind of the
	// node at fault, or -1 when there is none.
	Offset int
	// Line and Column are 1-based; Column counts characters. Both are 0
	// when Offset is -1.
	Line, Column int

	kind error
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return "frigatebird: plan: " + e.Msg
	}
	return fmt.Sprintf("frigatebird: plan: %s (at line %d, column %d)", e.Msg, e.Line, e.Column)
}

// Unwrap returns the sentinel (ErrUnknownTable, ErrType, ...) the error
// matches.
func (e *Error) Unwrap() error { return e.kind }

// errorf builds an *Error of the given kind at byte offset off of sql.
func errorf(sql string, kind error, off int, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...), Offset: off, kind: kind}
	if off < 0 {
		e.Offset = -1
		return e
	}
	if off > len(sql) {
		e.Offset = len(sql)
	}
	e.Line, e.Column = parse.LineColumn(sql, e.Offset)
	return e
}

// catalogKind is the kind of an error a Catalog returned: the plan
// sentinel it wraps, if any, else ErrUnknownTable (a table function
// whose name or file is not found is a missing table).
func catalogKind(err error) error {
	for _, k := range []error{ErrUnknownTable, ErrUnknownColumn, ErrAmbiguous, ErrType, ErrGrouping, ErrUnsupported, ErrExists} {
		if errors.Is(err, k) {
			return k
		}
	}
	return ErrUnknownTable
}
