package types

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strings"
)

// pow10[i] is 10^i for 0 <= i <= 18.
var pow10 = [19]int64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// Pow10 returns 10^n for 0 <= n <= 18; it panics outside that range.
func Pow10(n int) int64 { return pow10[n] }

// ParseDecimal parses decimal text ("123.45", "-1e3", " .5 ") into a
// value scaled by 10^scale, rounding extra fractional digits half away
// from zero. The result must have at most precision digits; otherwise the
// error wraps ErrOutOfRange. Malformed text wraps ErrCast.
func ParseDecimal(s string, precision, scale int) (int64, error) {
	v, err := parseDecimal(s, precision, scale)
	if err != nil {
		return 0, fmt.Errorf("types: %w", err)
	}
	return v, nil
}

func parseDecimal(s string, precision, scale int) (int64, error) {
	t := Type{Kind: KindDecimal, Precision: precision, Scale: scale}
	if precision < 1 || precision > MaxDecimalPrecision || scale < 0 || scale > precision {
		return 0, fmt.Errorf("%s is not a valid decimal type: %w", t, ErrOutOfRange)
	}
	bad := func() error { return castErr(s, t) }
	str := strings.TrimSpace(s)
	neg := false
	if str != "" && (str[0] == '+' || str[0] == '-') {
		neg = str[0] == '-'
		str = str[1:]
	}
	// digits holds the significant digits (leading zeros dropped); exp is
	// the power of ten of the last digit.
	var digits [64]byte
	nd, exp, seen, dot := 0, 0, false, false
	i := 0
	for ; i < len(str); i++ {
		c := str[i]
		switch {
		case c >= '0' && c <= '9':
			seen = true
			if dot {
				exp--
			}
			if nd == 0 && c == '0' {
				continue
			}
			if nd < len(digits) {
				digits[nd] = c - '0'
				nd++
			} else {
				// Too many significant digits to matter: keep the
				// exponent and remember a nonzero tail for rounding.
				exp++ // the digit is dropped: the last kept one moves up
			}
			continue
		case c == '.' && !dot:
			dot = true
			continue
		}
		break
	}
	if !seen {
		return 0, bad()
	}
	if i < len(str) {
		if str[i] != 'e' && str[i] != 'E' {
			return 0, bad()
		}
		e, ok := atoiSmall(str[i+1:])
		if !ok {
			return 0, bad()
		}
		exp += e
	}
	// Value = digits × 10^exp; we want digits × 10^(exp+scale).
	shift := exp + scale
	if nd == 0 {
		return 0, nil
	}
	keep := nd
	roundUp := false
	if shift < 0 {
		keep = nd + shift
		if keep < 0 {
			return 0, nil
		}
		roundUp = keep < nd && digits[keep] >= 5
		shift = 0
	}
	if keep+shift > MaxDecimalPrecision+1 {
		return 0, rangeErr(s, t)
	}
	var u uint64
	for _, d := range digits[:keep] {
		u = u*10 + uint64(d)
	}
	if roundUp {
		u++
	}
	for ; shift > 0; shift-- {
		u *= 10
	}
	if u > uint64(pow10[precision]-1) {
		return 0, rangeErr(s, t)
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// atoiSmall parses an optionally signed exponent of at most 4 digits.
func atoiSmall(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// FormatDecimal formats a value scaled by 10^scale with exactly scale
// fractional digits, as DuckDB and PostgreSQL print DECIMAL(p,s): "1.50".
func FormatDecimal(v int64, scale int) string {
	return string(AppendDecimal(nil, v, scale))
}

// AppendDecimal appends FormatDecimal(v, scale) to dst.
func AppendDecimal(dst []byte, v int64, scale int) []byte {
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = -u
	}
	var buf [24]byte
	i := len(buf)
	for n := 0; n <= scale || u > 0; n++ {
		if n == scale && scale > 0 {
			i--
			buf[i] = '.'
		}
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	return append(dst, buf[i:]...)
}

// Rescale changes the scale of v from one scale to another, rounding half
// away from zero when the scale shrinks. Growing can overflow int64
// (ErrOutOfRange).
func Rescale(v int64, from, to int) (int64, error) {
	switch {
	case to == from:
		return v, nil
	case to > from:
		r, ok := MulCheck(v, pow10[to-from])
		if !ok {
			return 0, fmt.Errorf("types: rescale %s to scale %d: %w", FormatDecimal(v, from), to, ErrOutOfRange)
		}
		return r, nil
	}
	return divRound(v, pow10[from-to]), nil
}

// divRound divides by a positive d, rounding half away from zero.
func divRound(v, d int64) int64 {
	q, r := v/d, v%d
	if r < 0 {
		r = -r
	}
	if uint64(r)*2 >= uint64(d) {
		if v < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// AddCheck returns a+b and whether it did not overflow int64.
func AddCheck(a, b int64) (int64, bool) {
	s := a + b
	return s, (a^s)&(b^s) >= 0
}

// SubCheck returns a-b and whether it did not overflow int64.
func SubCheck(a, b int64) (int64, bool) {
	s := a - b
	return s, (a^b)&(a^s) >= 0
}

// MulCheck returns a*b and whether it did not overflow int64.
func MulCheck(a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = -ua
	}
	if b < 0 {
		ub = -ub
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 {
		return 0, false
	}
	if neg {
		if lo > 1<<63 {
			return 0, false
		}
		return int64(-lo), true
	}
	if lo >= 1<<63 {
		return 0, false
	}
	return int64(lo), true
}

// DecimalResult returns the DECIMAL type of a op b for op in + - * %,
// following DuckDB's rules capped at 18 digits (see the package comment).
func DecimalResult(op string, a, b Type) (Type, error) {
	ia, ib := a.Precision-a.Scale, b.Precision-b.Scale
	var p, s int
	switch op {
	case "+", "-":
		s = max(a.Scale, b.Scale)
		p = max(ia, ib) + s + 1
	case "*":
		s = a.Scale + b.Scale
		p = a.Precision + b.Precision
	case "%":
		s = max(a.Scale, b.Scale)
		p = max(ia, ib) + s
	default:
		return Type{}, fmt.Errorf("types: %s %s %s: %w", a, op, b, ErrNoOperator)
	}
	if s > MaxDecimalPrecision {
		return Type{}, fmt.Errorf("types: %s %s %s: result scale %d exceeds %d: %w", a, op, b, s, MaxDecimalPrecision, ErrOutOfRange)
	}
	return Decimal(min(p, MaxDecimalPrecision), s)
}

// DecimalArith computes a op b for op in + - * % where a has scale sa, b
// scale sb, and the result type rt (from DecimalResult); the result is
// checked against rt's precision.
func DecimalArith(op string, a int64, sa int, b int64, sb int, rt Type) (int64, error) {
	var r int64
	var ok bool
	switch op {
	case "+", "-", "%":
		x, err1 := Rescale(a, sa, rt.Scale)
		y, err2 := Rescale(b, sb, rt.Scale)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("types: decimal %s: %w", op, ErrOutOfRange)
		}
		switch op {
		case "+":
			r, ok = AddCheck(x, y)
		case "-":
			r, ok = SubCheck(x, y)
		default:
			if y == 0 {
				return 0, fmt.Errorf("types: decimal %%: %w", ErrDivisionByZero)
			}
			r, ok = x%y, true
		}
	case "*":
		r, ok = MulCheck(a, b)
		if ok && sa+sb != rt.Scale {
			r, _ = Rescale(r, sa+sb, rt.Scale)
		}
	default:
		return 0, fmt.Errorf("types: decimal %s: %w", op, ErrNoOperator)
	}
	lo, hi := rt.IntRange()
	if !ok || r < lo || r > hi {
		return 0, fmt.Errorf("types: decimal %s: result does not fit %s: %w", op, rt, ErrOutOfRange)
	}
	return r, nil
}

// DecimalDiv returns a/b exactly rounded half away from zero at scale rs,
// where a has scale sa and b scale sb. It is the exact alternative to the
// DOUBLE result that the / operator gives (DuckDB's rule).
func DecimalDiv(a int64, sa int, b int64, sb int, rs int) (int64, error) {
	if b == 0 {
		return 0, fmt.Errorf("types: decimal /: %w", ErrDivisionByZero)
	}
	// a/10^sa ÷ b/10^sb = a·10^(sb+rs-sa) / b at scale rs.
	num := big.NewInt(a)
	den := big.NewInt(b)
	k := sb + rs - sa
	ten := big.NewInt(10)
	if k >= 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(int64(k)), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(ten, big.NewInt(int64(-k)), nil))
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(new(big.Int).Abs(den)) >= 0 {
		if num.Sign()*den.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("types: decimal /: %w", ErrOutOfRange)
	}
	return q.Int64(), nil
}

// DecimalToFloat converts a scaled value to float64.
func DecimalToFloat(v int64, scale int) float64 {
	return float64(v) / float64(pow10[scale])
}

// FloatToDecimal scales f by 10^scale rounding half away from zero and
// checks the result against precision.
func FloatToDecimal(f float64, precision, scale int) (int64, error) {
	t := Type{Kind: KindDecimal, Precision: precision, Scale: scale}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("types: %w", castErr(FormatDouble(f), t))
	}
	r := math.Round(f * float64(pow10[scale]))
	lim := float64(pow10[precision])
	if r >= lim || r <= -lim {
		return 0, fmt.Errorf("types: %w", rangeErr(FormatDouble(f), t))
	}
	return int64(r), nil
}
