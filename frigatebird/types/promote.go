package types

import "fmt"

// intRank orders the integer kinds by width.
func intRank(k Kind) int {
	switch k {
	case KindSmallInt:
		return 1
	case KindInteger:
		return 2
	case KindBigInt:
		return 3
	}
	return 0
}

// IntAsDecimal is the DECIMAL an integer type converts to in decimal
// arithmetic: SMALLINT → DECIMAL(5,0), INTEGER → DECIMAL(10,0), BIGINT →
// DECIMAL(18,0) (DuckDB uses 19 digits; values beyond 18 digits then fail
// with ErrOutOfRange at run time).
func IntAsDecimal(t Type) Type {
	switch t.Kind {
	case KindSmallInt:
		return MustDecimal(5, 0)
	case KindInteger:
		return MustDecimal(10, 0)
	}
	return MustDecimal(18, 0)
}

// Common returns the type both operands of a comparison (or of UNION,
// CASE, IN, BETWEEN) are cast to: the wider integer; DECIMAL with the most
// integer and fractional digits of both (integers counting as
// IntAsDecimal); DOUBLE when a float meets a DECIMAL or a DOUBLE, REAL
// when REAL meets an integer; DATE with TIMESTAMP is TIMESTAMP. VARCHAR
// against another type takes the other type (a string literal is read as
// that type, as in PostgreSQL). Unrelated types wrap ErrNoOperator.
func Common(a, b Type) (Type, error) {
	switch {
	case a == b:
		return a, nil
	case a.Kind == KindInvalid:
		return b, nil // untyped NULL
	case b.Kind == KindInvalid:
		return a, nil
	case a.Kind == KindVarchar && b.Kind == KindVarchar:
		if a.Max == 0 || b.Max == 0 {
			return Text, nil
		}
		return Varchar(max(a.Max, b.Max)), nil
	case a.Kind == KindVarchar:
		return b, nil
	case b.Kind == KindVarchar:
		return a, nil
	case a.IsInteger() && b.IsInteger():
		if intRank(a.Kind) >= intRank(b.Kind) {
			return a, nil
		}
		return b, nil
	case a.Kind == KindDouble && b.IsNumeric(), b.Kind == KindDouble && a.IsNumeric():
		return Double, nil
	case a.Kind == KindReal && b.IsInteger(), b.Kind == KindReal && a.IsInteger():
		return Real, nil
	case a.IsFloat() && b.IsNumeric(), b.IsFloat() && a.IsNumeric():
		return Double, nil
	case a.Kind == KindDecimal || b.Kind == KindDecimal:
		if !a.IsNumeric() || !b.IsNumeric() {
			break
		}
		if a.IsInteger() {
			a = IntAsDecimal(a)
		}
		if b.IsInteger() {
			b = IntAsDecimal(b)
		}
		s := max(a.Scale, b.Scale)
		p := min(max(a.Precision-a.Scale, b.Precision-b.Scale)+s, MaxDecimalPrecision)
		return Decimal(p, s)
	case a.Kind == KindDate && b.Kind == KindTimestamp, a.Kind == KindTimestamp && b.Kind == KindDate:
		return Timestamp, nil
	}
	return Type{}, fmt.Errorf("types: no common type for %s and %s: %w", a, b, ErrNoOperator)
}

// Promote returns the result type of a binary operator. Operators:
// arithmetic + - * / %, comparison = <> != < <= > >=, logical AND OR, and
// string concatenation ||. Rules:
//
//   - integers: the wider type (INTEGER + BIGINT → BIGINT), PostgreSQL;
//   - a float involved: REAL with an integer, else DOUBLE (DuckDB);
//   - DECIMAL with DECIMAL or an integer: DecimalResult for + - * %,
//     DOUBLE for / (DuckDB);
//   - DATE ± integer → DATE; integer + DATE → DATE; DATE - DATE →
//     INTEGER (days); DATE ± INTERVAL → TIMESTAMP; TIMESTAMP ± INTERVAL →
//     TIMESTAMP; TIMESTAMP - TIMESTAMP → INTERVAL; INTERVAL ± INTERVAL →
//     INTERVAL;
//   - comparisons → BOOLEAN when Common(a, b) exists; AND/OR need
//     BOOLEANs; || takes VARCHAR with anything and gives TEXT.
//
// Anything else wraps ErrNoOperator.
func Promote(op string, a, b Type) (Type, error) {
	noOp := func() (Type, error) {
		return Type{}, fmt.Errorf("types: operator %s %s %s: %w", a, op, b, ErrNoOperator)
	}
	switch op {
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		if _, err := Common(a, b); err != nil {
			return noOp()
		}
		return Boolean, nil
	case "AND", "OR", "and", "or":
		if a.Kind == KindBoolean && b.Kind == KindBoolean {
			return Boolean, nil
		}
		return noOp()
	case "||":
		if a.Kind == KindVarchar || b.Kind == KindVarchar {
			return Text, nil
		}
		return noOp()
	case "+", "-", "*", "/", "%":
	default:
		return noOp()
	}
	// Date, timestamp and interval arithmetic.
	switch {
	case a.Kind == KindDate && b.IsInteger() && (op == "+" || op == "-"):
		return Date, nil
	case a.IsInteger() && b.Kind == KindDate && op == "+":
		return Date, nil
	case a.Kind == KindDate && b.Kind == KindDate && op == "-":
		return Integer, nil
	case (a.Kind == KindDate || a.Kind == KindTimestamp) && b.Kind == KindInterval && (op == "+" || op == "-"):
		return Timestamp, nil
	case a.Kind == KindInterval && (b.Kind == KindDate || b.Kind == KindTimestamp) && op == "+":
		return Timestamp, nil
	case a.Kind == KindTimestamp && b.Kind == KindTimestamp && op == "-":
		return Interval, nil
	case a.Kind == KindInterval && b.Kind == KindInterval && (op == "+" || op == "-"):
		return Interval, nil
	}
	if !a.IsNumeric() || !b.IsNumeric() {
		return noOp()
	}
	switch {
	case a.IsInteger() && b.IsInteger():
		return Common(a, b)
	case a.IsFloat() || b.IsFloat():
		return Common(a, b)
	}
	// DECIMAL with DECIMAL or an integer.
	if op == "/" {
		return Double, nil
	}
	if a.IsInteger() {
		a = IntAsDecimal(a)
	}
	if b.IsInteger() {
		b = IntAsDecimal(b)
	}
	return DecimalResult(op, a, b)
}
