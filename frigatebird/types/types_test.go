package types

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestFromName(t *testing.T) {
	cases := []struct {
		name   string
		params []int
		want   string
	}{
		{"int4", nil, "INTEGER"}, {"INTEGER", nil, "INTEGER"}, {"int8", nil, "BIGINT"},
		{"int2", nil, "SMALLINT"}, {"float4", nil, "REAL"}, {"float8", nil, "DOUBLE"},
		{"double precision", nil, "DOUBLE"}, {"numeric", []int{10, 2}, "DECIMAL(10,2)"},
		{"decimal", nil, "DECIMAL(18,3)"}, {"decimal", []int{5}, "DECIMAL(5,0)"},
		{"varchar", []int{20}, "VARCHAR(20)"}, {"text", nil, "VARCHAR"}, {"bool", nil, "BOOLEAN"},
		{"date", nil, "DATE"}, {"timestamp", nil, "TIMESTAMP"}, {"interval", nil, "INTERVAL"},
		{"pg_catalog.int4", nil, "INTEGER"},
	}
	for _, c := range cases {
		got, err := FromName(c.name, c.params)
		if err != nil || got.String() != c.want {
			t.Errorf("FromName(%q, %v) = %v, %v; want %s", c.name, c.params, got, err, c.want)
		}
	}
	for _, bad := range []struct {
		name   string
		params []int
	}{{"numeric", []int{19, 2}}, {"numeric", []int{5, 6}}, {"blob", nil}, {"int", []int{3}}, {"text", []int{3}}} {
		if _, err := FromName(bad.name, bad.params); err == nil {
			t.Errorf("FromName(%q, %v) should fail", bad.name, bad.params)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		s     string
		p, s2 int
		want  string
		err   error
	}{
		{"123.45", 10, 2, "123.45", nil},
		{"123.455", 10, 2, "123.46", nil},
		{"-123.455", 10, 2, "-123.46", nil},
		{"123.454", 10, 2, "123.45", nil},
		{" 1.5e3 ", 10, 1, "1500.0", nil},
		{".5", 3, 0, "1", nil},
		{"-0.5", 3, 0, "-1", nil},
		{"0.004", 3, 2, "0.00", nil},
		{"999.995", 5, 2, "", ErrOutOfRange},
		{"99999999999999999999", 18, 0, "", ErrOutOfRange},
		{"0.000000000000000000000000000000001", 18, 2, "0.00", nil},
		{"abc", 5, 2, "", ErrCast},
		{"1.2.3", 5, 2, "", ErrCast},
		{"", 5, 2, "", ErrCast},
		{"-", 5, 2, "", ErrCast},
		{"999999999999999999", 18, 0, "999999999999999999", nil},
	}
	for _, c := range cases {
		v, err := ParseDecimal(c.s, c.p, c.s2)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("ParseDecimal(%q): err %v, want %v", c.s, err, c.err)
			}
			continue
		}
		if err != nil || FormatDecimal(v, c.s2) != c.want {
			t.Errorf("ParseDecimal(%q, %d, %d) = %s, %v; want %s", c.s, c.p, c.s2, FormatDecimal(v, c.s2), err, c.want)
		}
	}
	if _, err := ParseDecimal("abc", 5, 2); err == nil || err.Error() != "types: cannot cast 'abc' to DECIMAL(5,2)" {
		t.Errorf("error text: %v", err)
	}
}

// TestDecimalRandom checks parse/format round trips and arithmetic against
// math/big.
func TestDecimalRandom(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	n := 20000
	if raceEnabled {
		n = 2000
	}
	for i := 0; i < n; i++ {
		s := r.IntN(19)
		p := max(s, 1) + r.IntN(19-max(s, 1))
		lim := pow10[p] - 1
		v := r.Int64N(2*lim+1) - lim
		txt := FormatDecimal(v, s)
		back, err := ParseDecimal(txt, p, s)
		if err != nil || back != v {
			t.Fatalf("round trip %s (p=%d s=%d): %d %v", txt, p, s, back, err)
		}
		// Rescale down rounds half away from zero, like big.Rat rounding.
		if s > 0 {
			to := r.IntN(s)
			got, _ := Rescale(v, s, to)
			rat := new(big.Rat).SetFrac(big.NewInt(v), big.NewInt(pow10[s-to]))
			f, _ := rat.Float64()
			want := int64(math.Round(f))
			// Float64 may be inexact near .5; compare exactly instead.
			num := new(big.Int).Mul(big.NewInt(v), big.NewInt(2))
			den := big.NewInt(2 * pow10[s-to])
			q, m := new(big.Int).QuoRem(num, den, new(big.Int))
			want = q.Int64()
			if new(big.Int).Abs(m).Cmp(big.NewInt(pow10[s-to])) >= 0 {
				if v < 0 {
					want--
				} else {
					want++
				}
			}
			if got != want {
				t.Fatalf("Rescale(%s, %d→%d) = %d, want %d", txt, s, to, got, want)
			}
		}
	}
	if q, err := DecimalDiv(100, 2, 300, 2, 4); err != nil || q != 3333 {
		t.Fatalf("1.00/3.00 at scale 4 = %d %v", q, err)
	}
	if q, _ := DecimalDiv(-200, 2, 300, 2, 2); q != -67 {
		t.Fatalf("-2/3 = %d", q)
	}
	if _, err := DecimalDiv(1, 0, 0, 0, 2); !errors.Is(err, ErrDivisionByZero) {
		t.Fatal(err)
	}
}

func TestDecimalResultRules(t *testing.T) {
	d := MustDecimal
	cases := []struct {
		op   string
		a, b Type
		want string
	}{
		{"+", d(10, 2), d(5, 3), "DECIMAL(12,3)"},
		{"*", d(10, 2), d(5, 3), "DECIMAL(15,5)"},
		{"*", d(18, 2), d(18, 3), "DECIMAL(18,5)"},
		{"%", d(10, 2), d(5, 3), "DECIMAL(11,3)"},
	}
	for _, c := range cases {
		got, err := DecimalResult(c.op, c.a, c.b)
		if err != nil || got.String() != c.want {
			t.Errorf("%s %s %s = %v %v, want %s", c.a, c.op, c.b, got, err, c.want)
		}
	}
	if _, err := DecimalResult("*", d(18, 10), d(18, 10)); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("scale 20 must fail: %v", err)
	}
	if v, err := DecimalArith("+", 150, 2, 25, 1, MustDecimal(5, 2)); err != nil || v != 400 {
		t.Errorf("1.50 + 2.5 = %d %v", v, err)
	}
	if _, err := DecimalArith("+", 99999, 2, 1, 2, MustDecimal(5, 2)); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("999.99 + 0.01 in DECIMAL(5,2) must overflow: %v", err)
	}
}

func TestDates(t *testing.T) {
	for _, s := range []string{"1970-01-01", "2024-02-29", "0001-01-01", "9999-12-31", "2000-03-01", "1969-12-31"} {
		d, err := ParseDate(s)
		if err != nil || FormatDate(d) != s {
			t.Errorf("date %s: %d %v → %s", s, d, err, FormatDate(d))
		}
	}
	if d, _ := ParseDate("1970-01-02"); d != 1 {
		t.Errorf("1970-01-02 = %d", d)
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-1-01", "abc", "2024-01-01x", ""} {
		if _, err := ParseDate(s); !errors.Is(err, ErrCast) {
			t.Errorf("ParseDate(%q) should fail: %v", s, err)
		}
	}
	// Every day of 1900..2100 round-trips through civil conversion.
	for d := DaysFromCivil(1900, 1, 1); d < DaysFromCivil(2100, 1, 1); d++ {
		y, m, dd := CivilFromDays(d)
		if DaysFromCivil(y, m, dd) != d || dd > DaysInMonth(y, m) {
			t.Fatalf("civil round trip %d", d)
		}
	}
	for _, c := range []struct{ in, out string }{
		{"2024-01-01 10:00:00", "2024-01-01 10:00:00"},
		{"2024-01-01T10:00:00.5", "2024-01-01 10:00:00.5"},
		{"2024-01-01 23:59:59.999999", "2024-01-01 23:59:59.999999"},
		{"2024-01-01", "2024-01-01 00:00:00"},
		{"1969-12-31 23:59:59.000001", "1969-12-31 23:59:59.000001"},
		{"2024-01-01 10:00", "2024-01-01 10:00:00"},
	} {
		ts, err := ParseTimestamp(c.in)
		if err != nil || FormatTimestamp(ts) != c.out {
			t.Errorf("timestamp %s: %v → %s, want %s", c.in, err, FormatTimestamp(ts), c.out)
		}
	}
	for _, s := range []string{"2024-01-01 25:00:00", "2024-01-01 10:60:00", "2024-01-01 10:00:00 junk"} {
		if _, err := ParseTimestamp(s); err == nil {
			t.Errorf("ParseTimestamp(%q) should fail", s)
		}
	}
}

func TestExtractAndTrunc(t *testing.T) {
	ts, _ := ParseTimestamp("2024-03-17 13:45:30.25") // a Sunday
	want := map[string]int64{"year": 2024, "quarter": 1, "month": 3, "day": 17, "dow": 0, "isodow": 7,
		"doy": 31 + 29 + 17, "hour": 13, "minute": 45, "second": 30, "week": 11, "millisecond": 30250}
	for f, w := range want {
		v, err := Extract(f, ts)
		if err != nil || v.Int != w {
			t.Errorf("extract(%s) = %v %v, want %d", f, v, err, w)
		}
	}
	if v, _ := Extract("epoch", 1_500_000); v.Float != 1.5 {
		t.Errorf("epoch = %v", v)
	}
	// ISO week edge: 2021-01-03 is in week 53 of 2020.
	d, _ := ParseDate("2021-01-03")
	if v, _ := Extract("week", d*MicrosPerDay); v.Int != 53 {
		t.Errorf("week of 2021-01-03 = %d", v.Int)
	}
	trunc := map[string]string{"year": "2024-01-01 00:00:00", "quarter": "2024-01-01 00:00:00",
		"month": "2024-03-01 00:00:00", "week": "2024-03-11 00:00:00", "day": "2024-03-17 00:00:00",
		"hour": "2024-03-17 13:00:00", "minute": "2024-03-17 13:45:00", "second": "2024-03-17 13:45:30"}
	for f, w := range trunc {
		got, err := DateTrunc(f, ts)
		if err != nil || FormatTimestamp(got) != w {
			t.Errorf("date_trunc(%s) = %s %v, want %s", f, FormatTimestamp(got), err, w)
		}
	}
	if _, err := Extract("fortnight", ts); err == nil {
		t.Error("unknown field must fail")
	}
}

func TestIntervals(t *testing.T) {
	cases := []struct {
		in   string
		want IntervalValue
		out  string
	}{
		{"3 days", IntervalValue{Days: 3}, "3 days"},
		{"1 month 2 days 03:04:05", IntervalValue{Months: 1, Days: 2, Micros: 3*MicrosPerHour + 4*MicrosPerMinute + 5*MicrosPerSecond}, "1 month 2 days 03:04:05"},
		{"90 day", IntervalValue{Days: 90}, "90 days"},
		{"90", IntervalValue{Micros: 90 * MicrosPerSecond}, "00:01:30"},
		{"1 year 2 months", IntervalValue{Months: 14}, "1 year 2 months"},
		{"1.5 days", IntervalValue{Days: 1, Micros: 12 * MicrosPerHour}, "1 day 12:00:00"},
		{"-2 hours", IntervalValue{Micros: -2 * MicrosPerHour}, "-02:00:00"},
		{"2 weeks ago", IntervalValue{Days: -14}, "-14 days"},
		{"500 ms", IntervalValue{Micros: 500000}, "00:00:00.5"},
		{"10 minutes", IntervalValue{Micros: 10 * MicrosPerMinute}, "00:10:00"},
	}
	for _, c := range cases {
		iv, err := ParseInterval(c.in)
		if err != nil || iv != c.want || FormatInterval(iv) != c.out {
			t.Errorf("interval %q = %+v %v (%s), want %+v (%s)", c.in, iv, err, FormatInterval(iv), c.want, c.out)
		}
	}
	for _, s := range []string{"", "abc", "3 fortnights", "1 day 25:99"} {
		if _, err := ParseInterval(s); !errors.Is(err, ErrCast) {
			t.Errorf("ParseInterval(%q) should fail: %v", s, err)
		}
	}
	add := func(date, iv string) string {
		d, _ := ParseDate(date)
		i, err := ParseInterval(iv)
		if err != nil {
			t.Fatal(err)
		}
		r, err := AddInterval(d*MicrosPerDay, i)
		if err != nil {
			t.Fatal(err)
		}
		return FormatTimestamp(r)
	}
	for _, c := range [][3]string{
		{"2024-01-31", "1 month", "2024-02-29 00:00:00"},
		{"2023-01-31", "1 month", "2023-02-28 00:00:00"},
		{"2024-03-31", "-1 month", "2024-02-29 00:00:00"},
		{"2024-02-29", "1 year", "2025-02-28 00:00:00"},
		{"2024-01-31", "1 month 1 day", "2024-03-01 00:00:00"},
		{"2024-12-31", "1 day 01:00:00", "2025-01-01 01:00:00"},
	} {
		if got := add(c[0], c[1]); got != c[2] {
			t.Errorf("%s + %s = %s, want %s", c[0], c[1], got, c[2])
		}
	}
}

func TestCasts(t *testing.T) {
	cases := []struct {
		v    Value
		to   Type
		want string
		err  error
	}{
		{TextValue("abc"), Integer, "", ErrCast},
		{TextValue(" 42 "), Integer, "42", nil},
		{TextValue("70000"), SmallInt, "", ErrOutOfRange},
		{TextValue("99999999999999999999"), BigInt, "", ErrOutOfRange},
		{IntValue(BigInt, 1<<40), Integer, "", ErrOutOfRange},
		{IntValue(Integer, 32767), SmallInt, "32767", nil},
		{IntValue(Integer, -32769), SmallInt, "", ErrOutOfRange},
		{DoubleValue(1.5), Text, "1.5", nil},
		{DoubleValue(1e20), Text, "1e+20", nil},
		{DoubleValue(100), Text, "100.0", nil},
		{DoubleValue(1e15), Text, "1000000000000000.0", nil},
		{DoubleValue(1e16), Text, "1e+16", nil},
		{DoubleValue(0.0001), Text, "0.0001", nil},
		{DoubleValue(0.00001), Text, "1e-05", nil},
		{DoubleValue(math.NaN()), Text, "nan", nil},
		{DoubleValue(math.Inf(-1)), Text, "-inf", nil},
		{DoubleValue(math.Copysign(0, -1)), Text, "-0.0", nil},
		{DoubleValue(2.5), Integer, "2", nil}, // rint, half to even
		{DoubleValue(3.5), Integer, "4", nil},
		{DoubleValue(math.NaN()), Integer, "", ErrCast},
		{DoubleValue(1e10), Integer, "", ErrOutOfRange},
		{DoubleValue(9.3e18), BigInt, "", ErrOutOfRange},
		{DoubleValue(1.005), MustDecimal(5, 2), "1.00", nil}, // 1.005 is 1.00499… in binary
		{DoubleValue(-2.5), MustDecimal(5, 0), "-3", nil},
		{IntValue(MustDecimal(5, 2), 250), Integer, "3", nil}, // half away from zero
		{IntValue(MustDecimal(5, 2), -250), Integer, "-3", nil},
		{IntValue(MustDecimal(5, 2), 12345), MustDecimal(4, 1), "123.5", nil},
		{IntValue(MustDecimal(5, 2), 12345), MustDecimal(3, 1), "", ErrOutOfRange},
		{IntValue(MustDecimal(5, 2), 12345), Double, "123.45", nil},
		{IntValue(Integer, 12), MustDecimal(3, 1), "12.0", nil},
		{IntValue(Integer, 1000), MustDecimal(4, 2), "", ErrOutOfRange},
		{TextValue("yes"), Boolean, "true", nil},
		{TextValue("maybe"), Boolean, "", ErrCast},
		{BoolValue(true), Integer, "1", nil},
		{IntValue(Integer, 0), Boolean, "false", nil},
		{TextValue("2024-02-29"), Date, "2024-02-29", nil},
		{TextValue("2024-02-30"), Date, "", ErrCast},
		{TextValue("2024-02-29 12:00:00"), Timestamp, "2024-02-29 12:00:00", nil},
		{IntValue(Timestamp, -1), Date, "1969-12-31", nil},
		{IntValue(Date, 1), Timestamp, "1970-01-02 00:00:00", nil},
		{TextValue("1 day"), Interval, "1 day", nil},
		{TextValue("inf"), Double, "inf", nil},
		{TextValue("1e400"), Double, "", ErrOutOfRange},
		{TextValue("héllo"), Varchar(5), "héllo", nil},
		{TextValue("héllo!"), Varchar(5), "", ErrOutOfRange},
		{IntValue(Date, 0), Integer, "", ErrCast},
		{IntValue(MustDecimal(5, 2), -5), Text, "-0.05", nil},
		{Value{Type: Real, Float: float64(float32(0.1))}, Text, "0.1", nil},
		{NullValue(Integer), Text, "NULL", nil},
	}
	for _, c := range cases {
		got, err := Cast(c.v, c.to)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("cast %s %v to %s: err %v, want %v", c.v.Type, c.v, c.to, err, c.err)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("cast %s %v to %s = %q %v, want %q", c.v.Type, c.v, c.to, got.String(), err, c.want)
		}
	}
	_, err := Cast(TextValue("abc"), Integer)
	if err == nil || err.Error() != "types: cannot cast 'abc' to INTEGER" {
		t.Errorf("message: %v", err)
	}
}

// TestDoubleFormatRoundTrips: every formatted double parses back.
func TestDoubleFormatRoundTrips(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for i := 0; i < 10000; i++ {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) {
			continue
		}
		s := FormatDouble(f)
		g, err := strconv.ParseFloat(s, 64)
		if err != nil || g != f {
			t.Fatalf("%v → %q → %v %v", f, s, g, err)
		}
	}
}

func TestCompareAndPromote(t *testing.T) {
	if c, _ := Compare(DoubleValue(math.NaN()), DoubleValue(math.Inf(1))); c != 1 {
		t.Error("NaN must sort above +Inf")
	}
	if c, _ := Compare(DoubleValue(math.Copysign(0, -1)), DoubleValue(0)); c != 0 {
		t.Error("-0 must equal 0")
	}
	if c, _ := Compare(IntValue(MustDecimal(5, 2), 150), IntValue(MustDecimal(5, 1), 15)); c != 0 {
		t.Error("1.50 must equal 1.5")
	}
	d := MustDecimal
	cases := []struct {
		op   string
		a, b Type
		want string
	}{
		{"+", Integer, BigInt, "BIGINT"},
		{"+", SmallInt, SmallInt, "SMALLINT"},
		{"+", Integer, Double, "DOUBLE"},
		{"*", Integer, Real, "REAL"},
		{"+", Integer, d(5, 2), "DECIMAL(13,2)"},
		{"/", Integer, d(5, 2), "DOUBLE"},
		{"+", d(5, 2), Double, "DOUBLE"},
		{"-", Date, Date, "INTEGER"},
		{"+", Date, Integer, "DATE"},
		{"+", Integer, Date, "DATE"},
		{"-", Date, Integer, "DATE"},
		{"+", Date, Interval, "TIMESTAMP"},
		{"-", Timestamp, Timestamp, "INTERVAL"},
		{"<", Integer, Double, "BOOLEAN"},
		{"=", Text, Date, "BOOLEAN"},
		{"||", Text, Integer, "VARCHAR"},
		{"AND", Boolean, Boolean, "BOOLEAN"},
	}
	for _, c := range cases {
		got, err := Promote(c.op, c.a, c.b)
		if err != nil || got.String() != c.want {
			t.Errorf("%s %s %s = %v %v, want %s", c.a, c.op, c.b, got, err, c.want)
		}
	}
	for _, c := range []struct {
		op   string
		a, b Type
	}{{"+", Date, Date}, {"-", Integer, Date}, {"+", Boolean, Integer}, {"AND", Integer, Boolean}, {"<", Date, Integer}, {"*", Text, Integer}} {
		if _, err := Promote(c.op, c.a, c.b); !errors.Is(err, ErrNoOperator) {
			t.Errorf("%s %s %s should have no operator: %v", c.a, c.op, c.b, err)
		}
	}
	if c, _ := Common(Integer, d(5, 2)); c.String() != "DECIMAL(12,2)" {
		t.Errorf("Common(INTEGER, DECIMAL(5,2)) = %s", c)
	}
}
