// Package plan binds parsed SQL (frigatebird/parse) to Frigatebird's
// catalog and turns it into logical plans.
//
// Bind is the entry point: it resolves names against a Catalog, checks
// and converts types, and returns a bound Stmt — for a SELECT a *Query
// whose Root is a tree of Nodes (Scan, OneRow, Values, Filter, Project,
// Aggregate, Sort, Limit) over bound Exprs. Format prints a plan as an
// indented tree (EXPLAIN), FormatStmt any bound statement.
//
// # Contracts
//
// expr.go, logical.go and stmt.go are the contract with the evaluator
// (frigatebird/eval) and the executor; the comments there are the spec.
// The binder makes every implicit conversion an explicit *Cast, so that
// each operator sees exactly the operand types its comment promises, and
// folds the casts of constants (and constant date arithmetic, integer,
// float and decimal arithmetic that cannot fail) so that constants stay
// *Const and filters keep the col <op> const form zone maps use.
//
// # Type rules (PostgreSQL's and DuckDB's)
//
//   - Integer literals are INTEGER when they fit, else BIGINT; 1.50 is
//     DECIMAL(3,2) (DOUBLE past 18 digits); 1e3 is DOUBLE.
//   - A bare string literal or NULL has no type until its context gives
//     one: the other operand of a comparison, IN, BETWEEN or arithmetic
//     (next to a DATE or TIMESTAMP, '1 day' is an INTERVAL), the other
//     results of CASE, COALESCE, GREATEST and LEAST, the column of an
//     INSERT or UPDATE. It is converted when bound; a bad one is an
//     ErrType at its position. Alone it is VARCHAR (NULL: INTEGER).
//   - Comparisons use types.Common, with two refinements: a VARCHAR value
//     meets only VARCHARs, and a constant that converts to the other
//     operand's type without loss takes that type (g = 5 on a SMALLINT g
//     compares SMALLINTs; d < TIMESTAMP '2024-01-01' on a DATE d compares
//     DATEs), so the column is read as stored.
//   - Arithmetic: integers widen; floats compute as DOUBLE (REAL results
//     are cast back); decimals follow types.DecimalResult; decimal
//     division is DOUBLE. DATE ± integer, DATE - DATE and TIMESTAMP ±
//     INTERVAL constant are functions (FnDateAddDays, ...). INTERVAL
//     values exist only as those constants: anything else yielding one is
//     ErrUnsupported.
//
// # Plans
//
// A SELECT becomes Scan (or OneRow) → Aggregate → Filter (HAVING) →
// Project → Aggregate (DISTINCT) → Sort → Limit → Project; bind_select.go
// says how. The Scan reads only the columns the query uses and carries
// the WHERE conjuncts as Filters. ORDER BY expressions missing from the
// select list are hidden columns of the Project, dropped by the last
// Project. A LIMIT over a Sort makes the Sort a top-N (Limit and Offset
// set: it keeps Offset+Limit rows) under a Limit node that applies the
// offset.
//
// # Errors
//
// Every error is an *Error with the position of the offending node and
// matches one sentinel (ErrUnknownTable, ErrUnknownColumn, ErrAmbiguous,
// ErrType, ErrGrouping, ErrUnsupported, ErrExists); messages follow
// PostgreSQL's. Bind never panics on any statement parse.Parse returns.
//
// # Concurrency
//
// Bind keeps no state between calls and never changes what the Catalog
// returns; it is safe for concurrent use when the Catalog is. Bound
// statements are not changed after Bind returns.
package plan
