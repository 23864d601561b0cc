// Package vector holds Frigatebird's execution vectors and the typed
// kernels that run over them.
//
// # Vectors
//
// A Vector is up to Size (2048) values of one types.Type in the physical
// layout of a decoded column chunk (chunk.Column): Ints, Floats, a Bools
// bitmap, or Offsets+Bytes for strings, plus a Valid bitmap (bit set =
// not NULL; empty = no NULLs). FromColumn turns a window of a decoded
// chunk into a vector without copying; ToColumn goes back.
//
// # Selections
//
// Active rows are a selection: []uint16 row numbers in increasing order;
// nil means all rows 0..Len-1, and an empty non-nil slice means none.
// Filter kernels (Filter*, FilterLike, FilterIn, FilterBetween,
// FilterNull) read a selection and write the rows that pass into a
// caller-owned buffer (which may be the input selection: out = sel[:0]
// filters in place). SelToBitmap and BitmapToSel convert to and from
// bitmap filters.
//
// # Kernels and SQL semantics
//
//   - Comparisons (= <> < <= > >=), vector-constant and vector-vector,
//     either filter (only TRUE rows pass: NULL compared is NULL) or produce
//     a BOOLEAN vector whose validity is the AND of the inputs'
//     (Compare, CompareConst). Floats follow SQL order: NaN equals NaN and
//     sorts above everything; -0.0 = 0.0. Strings compare bytewise.
//   - AND, OR, NOT with three-valued logic, 64 rows per word operation.
//   - Arithmetic: int64 (+ - * / %) with overflow checked against the
//     result type's range (INTEGER overflows at 2^31, as in PostgreSQL) and
//     division by zero an error; float64 (IEEE, division by zero an
//     error); DECIMAL (scaled int64, rescaled to the result scale and
//     checked against the precision). Errors never come from NULL rows or
//     rows outside the selection.
//   - IS [NOT] NULL, BETWEEN, IN (linear scan below 8 values, a hash set
//     from 8), LIKE / ILIKE (compiled once; exact, prefix%, %suffix,
//     %contains% and prefix%suffix fast paths; a backtracking matcher over
//     UTF-8 characters otherwise; \ escapes).
//   - String functions lower, upper, length (characters), substring
//     (PostgreSQL's clipping rules), trim, || (Concat), replace,
//     starts_with.
//   - Hash: a deterministic 64-bit hash per row, combinable across
//     columns; NULL hashes to NullHash.
//
// Kernels are specialised per physical type and selection / no selection
// (branch-free loops writing the row number and advancing by the
// predicate); NULLs are handled by computing every row and then dropping
// NULL rows from the selection, or by ANDing validity bitmaps, so the hot
// loops carry no NULL branch. Generic loops serve float64 constant filters
// (where IEEE and SQL order agree) and vector-vector ints; the int64
// constant filter is written out by hand because its generic
// instantiation measured ~30% slower (BenchmarkFilterInt64ConstGeneric).
//
// # Buffers and allocation
//
// Kernels write into caller-owned result vectors and selection buffers
// and reuse their capacity: with buffers of Size rows, the steady state
// allocates nothing (asserted for the int64 filter). Unless a kernel says
// otherwise its result vector must not be one of its inputs.
//
// # Concurrency
//
// Vectors are not synchronised: one goroutine owns a vector at a time.
// Compiled Patterns and InLists are immutable and may be shared.
package vector
