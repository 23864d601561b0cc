package types

import "testing"

// FuzzParsers: no parser panics, and whatever parses formats to text that
// parses back to the same value.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"123.45", "-1e3", "2024-02-29", "2024-01-01 10:00:00.5", "1 month 2 days 03:04:05", "90", "abc", "", ".", "1e9999", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseDecimal(s, 18, 4); err == nil {
			if back, err := ParseDecimal(FormatDecimal(v, 4), 18, 4); err != nil || back != v {
				t.Fatalf("decimal %q → %s → %d %v", s, FormatDecimal(v, 4), back, err)
			}
		}
		if d, err := ParseDate(s); err == nil {
			if back, err := ParseDate(FormatDate(d)); err != nil || back != d {
				t.Fatalf("date %q → %s", s, FormatDate(d))
			}
		}
		if ts, err := ParseTimestamp(s); err == nil {
			if back, err := ParseTimestamp(FormatTimestamp(ts)); err != nil || back != ts {
				t.Fatalf("timestamp %q → %s → %d %v", s, FormatTimestamp(ts), back, err)
			}
		}
		if iv, err := ParseInterval(s); err == nil {
			if back, err := ParseInterval(FormatInterval(iv)); err != nil || back != iv {
				t.Fatalf("interval %q → %+v → %s → %+v %v", s, iv, FormatInterval(iv), back, err)
			}
		}
		for _, to := range []Type{Boolean, SmallInt, Integer, BigInt, Real, Double, MustDecimal(10, 3), Date, Timestamp, Interval} {
			if v, err := Cast(TextValue(s), to); err == nil {
				if _, err := Cast(v, Text); err != nil {
					t.Fatalf("cast %q to %s and back: %v", s, to, err)
				}
			}
		}
	})
}
