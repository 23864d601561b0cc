// Package types defines Frigatebird's logical SQL types and the scalar
// operations on their values: exact decimals, dates, timestamps and
// intervals, casts, comparison, and the promotion rules of binary operators.
//
// # Types
//
// A Type is a Kind plus its parameters: DECIMAL(Precision, Scale) and
// VARCHAR(Max) (Max 0 is unbounded; TEXT is VARCHAR). Every kind maps onto
// one physical representation (Type.Phys), the same as the column chunk
// codec's (frigatebird/chunk.PhysType, same numeric values):
//
//	BOOLEAN                                   PhysBool
//	SMALLINT, INTEGER, BIGINT                 PhysInt64
//	DECIMAL(p,s), p <= 18                     PhysInt64, value × 10^s
//	DATE                                      PhysInt64, days since 1970-01-01
//	TIMESTAMP                                 PhysInt64, µs since 1970-01-01 00:00:00
//	REAL, DOUBLE                              PhysFloat64
//	VARCHAR, TEXT                             PhysBytes
//	INTERVAL                                  PhysNone (constants only, never a column)
//
// A Value is one (possibly NULL) value of a Type; it is the row-at-a-time
// form used for constants, casts of literals and test references. Vectors
// (frigatebird/vector) hold the physical form directly.
//
// # Rules followed (and where they come from)
//
//   - Decimal add/sub: scale max(s1,s2), precision max(p1-s1,p2-s2)+scale+1;
//     multiply: scale s1+s2, precision p1+p2; modulo: scale max(s1,s2).
//     Precision is capped at 18 (DuckDB caps at 38; Frigatebird keeps
//     decimals in int64), so results are checked for overflow at run time.
//     Division of decimals yields DOUBLE, as in DuckDB; DecimalDiv gives an
//     exact quotient at a chosen scale for callers that need one.
//     Rounding is always half away from zero (PostgreSQL NUMERIC).
//   - Integer arithmetic follows PostgreSQL: the result has the wider
//     operand type, overflow of that type is an error, integer division
//     truncates toward zero and division by zero is an error.
//   - Float to integer casts round half to even (PostgreSQL's rint); NaN and
//     infinities are errors. Decimal to integer rounds half away from zero.
//   - DOUBLE and REAL format like DuckDB: the shortest text that reads back
//     to the same value, in fixed notation with at least one fractional
//     digit ("1.5", "100.0") when the decimal exponent is in [-4, 16), else
//     in exponent notation ("1e+20", "1.5e-07"); "nan", "inf", "-inf".
//   - Dates and timestamps use the proleptic Gregorian calendar; text
//     forms are ISO 8601 ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS[.ffffff]';
//     trailing fractional zeros are dropped). Years 1..9999 are parsed;
//     arithmetic may leave that range and formats years <= 0 with " (BC)".
//   - Month arithmetic clamps the day of month, as PostgreSQL does:
//     '2024-01-31' + 1 month = '2024-02-29'. Intervals add months, then
//     days, then microseconds.
//   - SQL comparison puts NaN above every other float and equal to itself;
//     -0.0 equals 0.0.
//
// # Errors
//
// Failed casts and parses wrap ErrCast ("types: cannot cast 'abc' to
// INTEGER"); values outside a type's range wrap ErrOutOfRange; division by
// zero wraps ErrDivisionByZero; operator type mismatches wrap ErrNoOperator.
//
// # Concurrency
//
// Everything here is a pure function of its arguments or an immutable
// value; all of it is safe for concurrent use.
package types
