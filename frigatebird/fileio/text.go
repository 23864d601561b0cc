package fileio

import (
	"bytes"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/reefdb/reef/frigatebird/types"
)

// bstr views b as a string without copying, for the parse functions of
// strconv and frigatebird/types: they do not keep their argument (their
// error messages copy it), and b is not modified during the call.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func runeCount(b []byte) int { return utf8.RuneCount(b) }

// parseBool reads the spellings types.ParseBool accepts, the common ones
// without a call.
func parseBool(text []byte) (bool, error) {
	switch string(text) {
	case "true", "t":
		return true, nil
	case "false", "f":
		return false, nil
	}
	return types.ParseBool(bstr(text))
}

// parseFloat reads a DOUBLE or REAL (surrounding spaces, nan, inf,
// infinity allowed).
func parseFloat(text []byte, t types.Type) (float64, error) {
	bits := 64
	if t.Kind == types.KindReal {
		bits = 32
	}
	if f, err := strconv.ParseFloat(bstr(text), bits); err == nil {
		return f, nil
	}
	return types.ParseFloat(bstr(text), t)
}

// bcSuffix marks years before 1 AD in the text of DATE and TIMESTAMP
// values (types.FormatDate); year N BC is the astronomical year 1-N.
var bcSuffix = []byte(" (BC)")

// parseDate reads a DATE: types.ParseDate's 'YYYY-MM-DD', or that followed
// by " (BC)" as types.FormatDate writes years <= 0.
func parseDate(text []byte) (int64, error) {
	t := bytes.TrimSpace(text)
	if rest, ok := bytes.CutSuffix(t, bcSuffix); ok {
		if days, ok := parseBCDate(rest); ok && len(rest) == 10 {
			return days, nil
		}
		return 0, castError(text, types.Date)
	}
	return types.ParseDate(bstr(text))
}

// parseTimestamp reads a TIMESTAMP: types.ParseTimestamp's text, or that
// with " (BC)" at the end as types.FormatTimestamp writes years <= 0.
func parseTimestamp(text []byte) (int64, error) {
	t := bytes.TrimSpace(text)
	if rest, ok := bytes.CutSuffix(t, bcSuffix); ok {
		days, ok := parseBCDate(rest)
		if !ok {
			return 0, castError(text, types.Timestamp)
		}
		// Parse the time of day against a date of no interest.
		tod, err := types.ParseTimestamp("1970-01-01" + string(rest[10:]))
		if err != nil {
			return 0, castError(text, types.Timestamp)
		}
		ts, ok := types.MulCheck(days, types.MicrosPerDay)
		if !ok {
			return 0, castError(text, types.Timestamp)
		}
		return ts + tod, nil
	}
	return types.ParseTimestamp(bstr(text))
}

// parseBCDate reads 'YYYY-MM-DD' at the start of s as a date of year
// YYYY BC (astronomical year 1-YYYY).
func parseBCDate(s []byte) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	n := 0
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int(d)
	}
	y, m, d := 1-n/10000, n/100%100, n%100
	if n/10000 < 1 || m < 1 || m > 12 || d < 1 || d > types.DaysInMonth(y, m) {
		return 0, false
	}
	return types.DaysFromCivil(y, m, d), true
}

// castError is the ErrCast error of types' parsers for text.
func castError(text []byte, t types.Type) error {
	return &castErr{text: string(text), t: t}
}

type castErr struct {
	text string
	t    types.Type
}

func (e *castErr) Error() string {
	return "cannot cast " + strconv.Quote(e.text) + " to " + e.t.String()
}
func (e *castErr) Unwrap() error { return types.ErrCast }
