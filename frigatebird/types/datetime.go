package types

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Time units in microseconds.
const (
	MicrosPerSecond = int64(1_000_000)
	MicrosPerMinute = 60 * MicrosPerSecond
	MicrosPerHour   = 60 * MicrosPerMinute
	MicrosPerDay    = 24 * MicrosPerHour
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// DaysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func DaysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// CivilFromDays is the inverse of DaysFromCivil.
func CivilFromDays(days int64) (y, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	yy := yoe + era*400
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DaysInMonth returns the number of days of month m (1..12) of year y.
func DaysInMonth(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseDate parses 'YYYY-MM-DD' (surrounding spaces allowed) into days
// since 1970-01-01.
func ParseDate(s string) (int64, error) {
	str := strings.TrimSpace(s)
	days, rest, ok := parseDatePart(str)
	if !ok || rest != "" {
		return 0, fmt.Errorf("types: %w", castErr(s, Date))
	}
	return days, nil
}

// parseDatePart reads YYYY-MM-DD from the start of s.
func parseDatePart(s string) (days int64, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < 4 || i > 4 || len(s) < i+6 || s[i] != '-' || s[i+3] != '-' {
		return 0, s, false
	}
	y, _ := strconv.Atoi(s[:i])
	m, ok1 := twoDigits(s[i+1:])
	d, ok2 := twoDigits(s[i+4:])
	if !ok1 || !ok2 || y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m) {
		return 0, s, false
	}
	return DaysFromCivil(y, m, d), s[i+6:], true
}

func twoDigits(s string) (int, bool) {
	if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// ParseTimestamp parses 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]]' into µs
// since the epoch. More than six fractional digits round half up.
func ParseTimestamp(s string) (int64, error) {
	bad := func() (int64, error) { return 0, fmt.Errorf("types: %w", castErr(s, Timestamp)) }
	str := strings.TrimSpace(s)
	days, rest, ok := parseDatePart(str)
	if !ok {
		return bad()
	}
	ts := days * MicrosPerDay
	if rest == "" {
		return ts, nil
	}
	if rest[0] != ' ' && rest[0] != 'T' {
		return bad()
	}
	rest = strings.TrimLeft(rest[1:], " ")
	tod, rest, ok := parseTimePart(rest)
	if !ok || tod >= MicrosPerDay && tod != MicrosPerDay {
		return bad()
	}
	if rest == "Z" || rest == "+00" || rest == "+00:00" {
		rest = ""
	}
	if rest != "" {
		return bad()
	}
	return ts + tod, nil
}

// parseTimePart reads HH:MM[:SS[.ffffff]] from the start of s.
func parseTimePart(s string) (micros int64, rest string, ok bool) {
	h, ok1 := twoDigits(s)
	if !ok1 || len(s) < 5 || s[2] != ':' {
		return 0, s, false
	}
	mi, ok2 := twoDigits(s[3:])
	if !ok2 || h > 24 || mi > 59 {
		return 0, s, false
	}
	s = s[5:]
	sec, frac := 0, int64(0)
	if len(s) > 0 && s[0] == ':' {
		var ok3 bool
		sec, ok3 = twoDigits(s[1:])
		if !ok3 || sec > 59 {
			return 0, s, false
		}
		s = s[3:]
		if len(s) > 0 && s[0] == '.' {
			j := 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == 1 {
				return 0, s, false
			}
			digits := s[1:j]
			for k := 0; k < 6; k++ {
				frac *= 10
				if k < len(digits) {
					frac += int64(digits[k] - '0')
				}
			}
			if len(digits) > 6 && digits[6] >= '5' {
				frac++
			}
			s = s[j:]
		}
	}
	micros = int64(h)*MicrosPerHour + int64(mi)*MicrosPerMinute + int64(sec)*MicrosPerSecond + frac
	if h == 24 && micros != MicrosPerDay {
		return 0, s, false
	}
	return micros, s, true
}

// FormatDate formats days since the epoch as 'YYYY-MM-DD'.
func FormatDate(days int64) string { return string(AppendDate(nil, days)) }

// AppendDate appends FormatDate(days) to dst.
func AppendDate(dst []byte, days int64) []byte {
	dst, bc := appendYMD(dst, days)
	if bc {
		dst = append(dst, " (BC)"...)
	}
	return dst
}

// appendYMD appends 'YYYY-MM-DD' for days since the epoch and reports
// whether the year is BC (the caller appends the " (BC)" suffix last).
func appendYMD(dst []byte, days int64) ([]byte, bool) {
	y, m, d := CivilFromDays(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	dst = appendPadded(dst, int64(y), 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(m), 2)
	dst = append(dst, '-')
	return appendPadded(dst, int64(d), 2), bc
}

func appendPadded(dst []byte, v int64, width int) []byte {
	s := strconv.AppendInt(nil, v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// FormatTimestamp formats µs since the epoch as 'YYYY-MM-DD HH:MM:SS'
// with a fraction only when nonzero and without trailing zeros.
func FormatTimestamp(ts int64) string { return string(AppendTimestamp(nil, ts)) }

// AppendTimestamp appends FormatTimestamp(ts) to dst.
func AppendTimestamp(dst []byte, ts int64) []byte {
	days := floorDiv(ts, MicrosPerDay)
	tod := ts - days*MicrosPerDay
	dst, bc := appendYMD(dst, days)
	dst = append(dst, ' ')
	dst = appendTime(dst, tod)
	if bc {
		dst = append(dst, " (BC)"...)
	}
	return dst
}

// appendTime appends HH:MM:SS[.ffffff] for a nonnegative µs count; hours
// may exceed 23 (intervals).
func appendTime(dst []byte, micros int64) []byte {
	h := micros / MicrosPerHour
	mi := micros / MicrosPerMinute % 60
	sec := micros / MicrosPerSecond % 60
	frac := micros % MicrosPerSecond
	dst = appendPadded(dst, h, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, sec, 2)
	if frac != 0 {
		f := appendPadded(nil, frac, 6)
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		dst = append(dst, '.')
		dst = append(dst, f...)
	}
	return dst
}

// Extract returns a field of a timestamp (µs since the epoch; multiply a
// DATE by MicrosPerDay). Fields: year, quarter, month, week (ISO 8601),
// day, dow (0 = Sunday), isodow (7 = Sunday), doy, hour, minute, second
// (whole seconds, as DuckDB), millisecond and microsecond (of the minute,
// including seconds, as PostgreSQL), epoch (seconds, DOUBLE). The result
// is a BIGINT Value except for epoch.
func Extract(field string, ts int64) (Value, error) {
	f := strings.ToLower(field)
	if f == "epoch" {
		return DoubleValue(float64(ts) / 1e6), nil
	}
	days := floorDiv(ts, MicrosPerDay)
	tod := ts - days*MicrosPerDay
	y, m, d := CivilFromDays(days)
	var r int64
	switch f {
	case "year", "years":
		r = int64(y)
	case "quarter":
		r = int64((m-1)/3 + 1)
	case "month", "months":
		r = int64(m)
	case "week", "weeks":
		_, w := isoWeek(days)
		r = int64(w)
	case "isoyear":
		iy, _ := isoWeek(days)
		r = int64(iy)
	case "day", "days":
		r = int64(d)
	case "dow":
		r = (days%7 + 7 + 4) % 7 // 1970-01-01 was a Thursday
	case "isodow":
		r = (days%7+7+3)%7 + 1
	case "doy":
		r = days - DaysFromCivil(y, 1, 1) + 1
	case "hour", "hours":
		r = tod / MicrosPerHour
	case "minute", "minutes":
		r = tod / MicrosPerMinute % 60
	case "second", "seconds":
		r = tod / MicrosPerSecond % 60
	case "millisecond", "milliseconds":
		r = tod % MicrosPerMinute / 1000
	case "microsecond", "microseconds":
		r = tod % MicrosPerMinute
	default:
		return Value{}, fmt.Errorf("types: extract: unknown field %q: %w", field, ErrNoOperator)
	}
	return IntValue(BigInt, r), nil
}

// isoWeek returns the ISO 8601 week-numbering year and week of a day.
func isoWeek(days int64) (year, week int) {
	isodow := (days%7+7+3)%7 + 1 // Monday = 1
	thursday := days - isodow + 4
	y, _, _ := CivilFromDays(thursday)
	jan1 := DaysFromCivil(y, 1, 1)
	return y, int((thursday-jan1)/7) + 1
}

// DateTrunc truncates a timestamp (µs) to a field: millennium, century,
// decade, year, quarter, month, week (to Monday), day, hour, minute,
// second, millisecond.
func DateTrunc(field string, ts int64) (int64, error) {
	days := floorDiv(ts, MicrosPerDay)
	tod := ts - days*MicrosPerDay
	y, m, _ := CivilFromDays(days)
	switch strings.ToLower(field) {
	case "millennium":
		return DaysFromCivil(int(floorDiv(int64(y)-1, 1000))*1000+1, 1, 1) * MicrosPerDay, nil
	case "century":
		return DaysFromCivil(int(floorDiv(int64(y)-1, 100))*100+1, 1, 1) * MicrosPerDay, nil
	case "decade":
		return DaysFromCivil(int(floorDiv(int64(y), 10))*10, 1, 1) * MicrosPerDay, nil
	case "year", "years":
		return DaysFromCivil(y, 1, 1) * MicrosPerDay, nil
	case "quarter":
		return DaysFromCivil(y, (m-1)/3*3+1, 1) * MicrosPerDay, nil
	case "month", "months":
		return DaysFromCivil(y, m, 1) * MicrosPerDay, nil
	case "week", "weeks":
		isodow := (days%7+7+3)%7 + 1
		return (days - isodow + 1) * MicrosPerDay, nil
	case "day", "days":
		return days * MicrosPerDay, nil
	case "hour", "hours":
		return days*MicrosPerDay + tod/MicrosPerHour*MicrosPerHour, nil
	case "minute", "minutes":
		return days*MicrosPerDay + tod/MicrosPerMinute*MicrosPerMinute, nil
	case "second", "seconds":
		return days*MicrosPerDay + tod/MicrosPerSecond*MicrosPerSecond, nil
	case "millisecond", "milliseconds":
		return days*MicrosPerDay + tod/1000*1000, nil
	}
	return 0, fmt.Errorf("types: date_trunc: unknown field %q: %w", field, ErrNoOperator)
}

// IntervalValue is an INTERVAL: months, days and microseconds are kept
// apart because their lengths vary (PostgreSQL's representation).
type IntervalValue struct {
	Months int32
	Days   int32
	Micros int64
}

// ParseInterval parses PostgreSQL/DuckDB interval text: a sequence of
// "<number> <unit>" ('3 days', '1 year 2 months', '-1.5 hours') and an
// optional [-]HH:MM[:SS[.ffffff]] part ('1 month 2 days 03:04:05'), with
// an optional leading '@' and trailing 'ago'. A number without a unit is
// seconds ('90'); INTERVAL '90' DAY reaches here as "90 day". Fractions
// cascade down: 1.5 months is 1 month 15 days.
func ParseInterval(s string) (IntervalValue, error) {
	iv, ok := parseInterval(s)
	if !ok {
		return IntervalValue{}, fmt.Errorf("types: %w", castErr(s, Interval))
	}
	return iv, nil
}

func parseInterval(s string) (IntervalValue, bool) {
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) > 0 && fields[0] == "@" {
		fields = fields[1:]
	}
	ago := false
	if len(fields) > 0 && fields[len(fields)-1] == "ago" {
		ago = true
		fields = fields[:len(fields)-1]
	}
	if len(fields) == 0 {
		return IntervalValue{}, false
	}
	var months, days, micros float64
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Contains(f, ":") {
			neg := false
			t := f
			if t[0] == '-' || t[0] == '+' {
				neg = t[0] == '-'
				t = t[1:]
			}
			if len(t) == 4 || (len(t) > 4 && t[1] == ':') {
				t = "0" + t // H:MM
			}
			us, rest, ok := parseTimePartLoose(t)
			if !ok || rest != "" {
				return IntervalValue{}, false
			}
			if neg {
				us = -us
			}
			micros += float64(us)
			continue
		}
		// A number glued to its unit ("3days") or followed by one.
		j := 0
		for j < len(f) && (f[j] == '-' || f[j] == '+' || f[j] == '.' || (f[j] >= '0' && f[j] <= '9')) {
			j++
		}
		num, unit := f[:j], f[j:]
		n, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsInf(n, 0) {
			return IntervalValue{}, false
		}
		if unit == "" && i+1 < len(fields) && !strings.Contains(fields[i+1], ":") {
			if _, err := strconv.ParseFloat(fields[i+1], 64); err != nil {
				i++
				unit = fields[i]
			}
		}
		switch unit {
		case "ms", "msec", "msecs", "millisecond", "milliseconds":
			micros += n * 1000
			continue
		case "us", "usec", "usecs", "microsecond", "microseconds":
			micros += n
			continue
		case "centuries":
			months += n * 1200
			continue
		case "millennia":
			months += n * 12000
			continue
		}
		switch strings.TrimSuffix(unit, "s") {
		case "millennium":
			months += n * 12000
		case "century":
			months += n * 1200
		case "decade":
			months += n * 120
		case "year", "yr", "y":
			months += n * 12
		case "quarter":
			months += n * 3
		case "month", "mon":
			months += n
		case "week", "w":
			days += n * 7
		case "day", "d":
			days += n
		case "hour", "hr", "h":
			micros += n * float64(MicrosPerHour)
		case "minute", "min", "m":
			micros += n * float64(MicrosPerMinute)
		case "second", "sec", "":
			micros += n * float64(MicrosPerSecond)
		default:
			return IntervalValue{}, false
		}
	}
	// Cascade fractions: months → days (30), days → µs (24 h).
	wm := math.Trunc(months)
	days += (months - wm) * 30
	wd := math.Trunc(days)
	micros += (days - wd) * float64(MicrosPerDay)
	micros = math.Round(micros)
	if math.Abs(wm) > math.MaxInt32 || math.Abs(wd) > math.MaxInt32 || math.Abs(micros) >= 9.2e18 {
		return IntervalValue{}, false
	}
	iv := IntervalValue{Months: int32(wm), Days: int32(wd), Micros: int64(micros)}
	if ago {
		iv = IntervalValue{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return iv, true
}

// parseTimePartLoose is parseTimePart without the 24-hour bound.
func parseTimePartLoose(s string) (int64, string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < 2 || i > 10 {
		return 0, s, false
	}
	h, _ := strconv.ParseInt(s[:i], 10, 64)
	if h > math.MaxInt64/MicrosPerHour-1 {
		return 0, s, false
	}
	us, rest, ok := parseTimePart("00" + s[i:])
	return h*MicrosPerHour + us, rest, ok
}

// FormatInterval formats like DuckDB: '1 year 2 months 3 days 04:05:06.5';
// the zero interval is '00:00:00'.
func FormatInterval(iv IntervalValue) string {
	var b []byte
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, n, 10)
		b = append(b, ' ')
		b = append(b, name...)
		if n != 1 && n != -1 {
			b = append(b, 's')
		}
	}
	unit(int64(iv.Months)/12, "year")
	unit(int64(iv.Months)%12, "month")
	unit(int64(iv.Days), "day")
	if iv.Micros != 0 || len(b) == 0 {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		us := iv.Micros
		if us < 0 {
			b = append(b, '-')
			us = -us
		}
		b = appendTime(b, us)
	}
	return string(b)
}

// AddMonths adds n months to a timestamp (µs), clamping the day of month
// to the target month's length.
func AddMonths(ts int64, n int64) (int64, error) {
	days := floorDiv(ts, MicrosPerDay)
	tod := ts - days*MicrosPerDay
	y, m, d := CivilFromDays(days)
	total := int64(y)*12 + int64(m-1) + n
	y2 := floorDiv(total, 12)
	m2 := int(total-y2*12) + 1
	if y2 < -290000 || y2 > 290000 {
		return 0, fmt.Errorf("types: timestamp + %d months: %w", n, ErrOutOfRange)
	}
	d = min(d, DaysInMonth(int(y2), m2))
	return DaysFromCivil(int(y2), m2, d)*MicrosPerDay + tod, nil
}

// AddInterval returns ts + iv (µs): months first (clamping the day of
// month), then days, then microseconds. Overflow wraps ErrOutOfRange.
func AddInterval(ts int64, iv IntervalValue) (int64, error) {
	var err error
	if iv.Months != 0 {
		if ts, err = AddMonths(ts, int64(iv.Months)); err != nil {
			return 0, err
		}
	}
	r, ok1 := AddCheck(ts, int64(iv.Days)*MicrosPerDay)
	r, ok2 := AddCheck(r, iv.Micros)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("types: timestamp + interval: %w", ErrOutOfRange)
	}
	return r, nil
}

// NegateInterval returns -iv.
func NegateInterval(iv IntervalValue) IntervalValue {
	return IntervalValue{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
}

// SubTimestamps returns a - b as an interval of days and microseconds
// (PostgreSQL's justify-free result: whole days, then the remainder).
func SubTimestamps(a, b int64) (IntervalValue, error) {
	d, ok := SubCheck(a, b)
	if !ok {
		return IntervalValue{}, fmt.Errorf("types: timestamp - timestamp: %w", ErrOutOfRange)
	}
	days := d / MicrosPerDay
	return IntervalValue{Days: int32(days), Micros: d - days*MicrosPerDay}, nil
}
