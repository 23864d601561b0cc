// Package parse turns SQL text into Frigatebird's abstract syntax tree.
//
// Parse is the whole API: it returns one Stmt per statement (*CreateTable,
// *DropTable, *Insert, *Copy, *Update, *Delete, *Begin, *Commit, *Rollback,
// *Explain, *Select), whose expressions are Expr values (*ColumnRef,
// *Literal, *Param, *Unary, *Binary, *IsNull, *Between, *In, *Like, *Case,
// *Cast, *Func). The planner works on these small typed structs only.
//
// # The grammar
//
// The grammar is PostgreSQL 17's own, through github.com/pganalyze/pg_query_go
// (libpg_query, compiled with cgo). This is the only Reef package that
// imports pg_query_go: its protobuf trees never leave the package. Parse
// converts what Frigatebird runs and rejects the rest — joins, subqueries,
// window functions, CTEs, set operations, more than one table — with an
// error matching ErrUnsupported, and PostgreSQL's syntax errors with one
// matching ErrSyntax.
//
// # Frigatebird syntax, rewritten before parsing
//
// PostgreSQL does not know two Frigatebird forms, so a rewrite turns them
// into PostgreSQL first (rewrite.go):
//
//   - CREATE TABLE t (...) ORDER BY (a, b) declares the sort key. The clause
//     must directly follow the column list; it is recorded and blanked.
//     Parse checks each key names a column, once (CreateTable.SortKey).
//   - SELECT ... FROM 'file.parquet' reads a file as DuckDB does; the string
//     becomes a quoted identifier of the same length and the table becomes
//     read_parquet('file.parquet') (read_csv for .csv and .tsv).
//
// The rewrite works on tokens, so ORDER BY and FROM inside strings,
// quoted identifiers, comments and dollar quotes are left alone, and so is
// the ORDER BY of a SELECT (CREATE TABLE AS, INSERT ... SELECT).
//
// # Positions
//
// Every node has Pos(): a byte offset into the text given to Parse. The
// rewrite never moves a byte — removed text becomes spaces, changed tokens
// keep their length — so PostgreSQL's locations in the rewritten text are
// locations in the user's text without a mapping table. PostgreSQL reports
// syntax errors in characters; Parse converts them to bytes. An *Error
// carries the offset and its 1-based line and column (in characters), and
// reads "frigatebird: parse: <what> (at line L, column C)".
//
// Literals are kept exact: integers that fit int64 are LitInt, larger
// integers and numbers with a point are LitDecimal (text and scale), and
// only numbers with an exponent are LitFloat. Typed literals (DATE '...',
// TIMESTAMP '...', INTERVAL '...', and '...'::date) are literals, not
// casts; their text is checked by the planner, which has the position.
//
// GROUP BY and ORDER BY ordinals (ORDER BY 2) are resolved to select-list
// positions and range-checked; names in ORDER BY that may be select-list
// aliases are left as column references for the planner.
//
// # Concurrency and cost
//
// Parse is safe for concurrent use and keeps no state between calls.
// Building the package compiles libpg_query's C sources (about a minute
// on a cold cache); the build cache makes later builds instant.
package parse
