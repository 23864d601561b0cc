package parse

import (
	"errors"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
)

// maxSQLBytes bounds the text Parse accepts; the pg_query parse tree of a
// statement costs tens of times its text in memory.
const maxSQLBytes = 16 << 20

// Parse parses one or more statements separated by semicolons. Empty
// statements are skipped; an empty text gives no statements and no error.
// Every error is an *Error matching ErrSyntax or ErrUnsupported, with a
// position in sql.
//
// Parse is safe for concurrent use.
func Parse(sql string) ([]Stmt, error) {
	if len(sql) > maxSQLBytes {
		return nil, newError(ErrUnsupported, sql, -1, "statement text of %d bytes is over the limit of %d", len(sql), maxSQLBytes)
	}
	// The C parser reads a NUL-terminated string and counts characters in
	// UTF-8: reject what it would misread.
	if i := strings.IndexByte(sql, 0); i >= 0 {
		return nil, newError(ErrSyntax, sql, i, "NUL byte in statement text")
	}
	if !utf8.ValidString(sql) {
		i := 0
		for i < len(sql) {
			r, n := utf8.DecodeRuneInString(sql[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, newError(ErrSyntax, sql, i, "invalid UTF-8 in statement text")
	}
	rw, perr := rewrite(sql)
	if perr != nil {
		return nil, perr
	}
	tree, err := pg.Parse(rw.sql)
	if err != nil {
		var pe *pgparser.Error
		if errors.As(err, &pe) {
			return nil, newError(ErrSyntax, sql, charToByte(rw.sql, pe.Cursorpos), "%s", pe.Message)
		}
		return nil, newError(ErrSyntax, sql, -1, "%v", err)
	}
	c := converter{files: rw.files, toks: rw.toks}
	stmts := make([]Stmt, 0, len(tree.Stmts))
	keys := rw.sortKeys
	for _, raw := range tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(sql)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		// Sort keys belong to the CREATE TABLE whose text holds them.
		var key *sortKey
		if len(keys) > 0 && keys[0].at >= start && keys[0].at < end {
			key = &keys[0]
			keys = keys[1:]
		}
		s, cerr := c.stmt(raw.Stmt, start)
		if cerr == nil && key != nil {
			cerr = attachSortKey(s, key)
		}
		if cerr != nil {
			return nil, newError(cerr.kind, sql, cerr.off, "%s", cerr.msg)
		}
		stmts = append(stmts, s)
	}
	if len(keys) > 0 {
		// The rewrite and PostgreSQL split statements differently; the
		// grammar accepted text the rewrite misread.
		return nil, newError(ErrSyntax, sql, keys[0].at, "sort key outside a CREATE TABLE statement")
	}
	return stmts, nil
}

// attachSortKey sets the sort key of a CREATE TABLE after checking each
// name is a column, once.
func attachSortKey(s Stmt, key *sortKey) *convError {
	ct, ok := s.(*CreateTable)
	if !ok {
		return errInvalid(int32(key.at), "a sort key (ORDER BY after the column list) belongs to CREATE TABLE only")
	}
	seen := map[string]bool{}
	for _, k := range key.cols {
		found := false
		for _, col := range ct.Columns {
			if col.Name == k.Name {
				found = true
				break
			}
		}
		if !found {
			return errInvalid(int32(k.At), "sort key column %q is not a column of table %q", k.Name, ct.Table.Name)
		}
		if seen[k.Name] {
			return errInvalid(int32(k.At), "sort key column %q appears twice", k.Name)
		}
		seen[k.Name] = true
	}
	ct.SortKey = key.cols
	return nil
}
