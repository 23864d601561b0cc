// Package sqllogictest runs test scripts in the sqllogictest format
// (https://www.sqlite.org/sqllogictest/doc/trunk/about.wiki) against a
// Frigatebird database.
//
// Records, separated by blank lines:
//
//	statement ok
//	SQL
//
//	statement error [regexp]
//	SQL
//
//	query TYPES [nosort|rowsort|valuesort] [label]
//	SQL
//	----
//	expected results
//
// TYPES has one letter per column: T text, I integer, R real (printed
// with three decimals, as the format specifies), B boolean. Results are
// compared value by value: each expected line holds one value or a row
// of values separated by tabs, so both the classic one-value-per-line layout and DuckDB's
// row-per-line layout work. NULL prints as NULL, the empty string as
// (empty). "N values hashing to MD5" compares the MD5 of the values each
// followed by a newline, as the reference implementation does; the
// directive hash-threshold N makes the runner expect that form for results
// of more than N values.
//
// Also understood: skipif/onlyif ENGINE (the engine is "frigatebird"),
// halt, and # comments.
package sqllogictest

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/types"
)

// Engine is the name skipif and onlyif match.
const Engine = "frigatebird"

// Record is one parsed record.
type Record struct {
	Line int // 1-based line of the record's first line
	// Kind is "statement" or "query".
	Kind string
	// Statement: Error is set for "statement error"; ErrorRE is the
	// optional regexp the message must match.
	Error   bool
	ErrorRE string
	// Query: Types, Sort ("nosort", "rowsort", "valuesort"), Label, and
	// the expected lines after ----.
	Types    string
	Sort     string
	Label    string
	SQL      string
	Expected []string
}

// Parse reads a script's records.
func Parse(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var (
		lines []string
		out   []Record
	)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	skip := false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "skipif":
			if len(f) > 1 && f[1] == Engine {
				skip = true
			}
			continue
		case "onlyif":
			if len(f) > 1 && f[1] != Engine {
				skip = true
			}
			continue
		case "halt":
			if skip {
				skip = false
				continue
			}
			return out, nil
		case "hash-threshold":
			if len(f) != 2 {
				return nil, fmt.Errorf("line %d: hash-threshold N", i+1)
			}
			if _, err := strconv.Atoi(f[1]); err != nil {
				return nil, fmt.Errorf("line %d: hash-threshold N", i+1)
			}
			out = append(out, Record{Line: i + 1, Kind: "hash-threshold", SQL: f[1]})
			continue
		case "statement", "query":
		default:
			return nil, fmt.Errorf("line %d: unknown record %q", i+1, f[0])
		}
		rec := Record{Line: i + 1, Kind: f[0]}
		if f[0] == "statement" {
			if len(f) < 2 || (f[1] != "ok" && f[1] != "error") {
				return nil, fmt.Errorf("line %d: statement ok|error", i+1)
			}
			rec.Error = f[1] == "error"
			if rec.Error && len(f) > 2 {
				rec.ErrorRE = strings.TrimSpace(strings.SplitN(line, "error", 2)[1])
			}
		} else {
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d: query TYPES", i+1)
			}
			rec.Types, rec.Sort = f[1], "nosort"
			if len(f) > 2 {
				rec.Sort = f[2]
			}
			if len(f) > 3 {
				rec.Label = f[3]
			}
			if rec.Sort != "nosort" && rec.Sort != "rowsort" && rec.Sort != "valuesort" {
				return nil, fmt.Errorf("line %d: unknown sort mode %q", i+1, rec.Sort)
			}
		}
		var sql []string
		i++
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----"; i++ {
			sql = append(sql, lines[i])
		}
		rec.SQL = strings.Join(sql, "\n")
		if rec.SQL == "" {
			return nil, fmt.Errorf("line %d: record without SQL", rec.Line)
		}
		if i < len(lines) && lines[i] == "----" {
			if rec.Kind != "query" {
				return nil, fmt.Errorf("line %d: ---- after a statement", i+1)
			}
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				rec.Expected = append(rec.Expected, lines[i])
			}
		}
		if skip {
			skip = false
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

// Failure is one record that did not behave as its script says.
type Failure struct {
	File string
	Line int
	SQL  string
	Msg  string
}

func (f Failure) Error() string {
	return fmt.Sprintf("%s:%d: %s\n%s", f.File, f.Line, f.Msg, f.SQL)
}

// RunFile runs a script against db and returns the records that failed
// (a script goes on after a failure, as the reference runner does) and
// the number of records run.
func RunFile(ctx context.Context, db *frigatebird.DB, file string) ([]Failure, int, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	recs, err := Parse(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", file, err)
	}
	return Run(ctx, db, file, recs), len(recs), nil
}

// Run runs parsed records, in one session (as one client connection:
// BEGIN in one record and COMMIT in a later one form a transaction).
func Run(ctx context.Context, db *frigatebird.DB, file string, recs []Record) []Failure {
	s := db.Session()
	defer s.Close()
	var fails []Failure
	threshold := 0
	labels := map[string]string{}
	fail := func(r Record, format string, args ...any) {
		fails = append(fails, Failure{File: file, Line: r.Line, SQL: r.SQL, Msg: fmt.Sprintf(format, args...)})
	}
	for _, r := range recs {
		switch r.Kind {
		case "hash-threshold":
			threshold, _ = strconv.Atoi(r.SQL)
		case "statement":
			_, err := s.Exec(ctx, r.SQL)
			switch {
			case r.Error && err == nil:
				fail(r, "statement succeeded; expected an error")
			case r.Error && r.ErrorRE != "":
				re, rerr := regexp.Compile(r.ErrorRE)
				if rerr != nil {
					fail(r, "bad error regexp: %v", rerr)
				} else if !re.MatchString(err.Error()) {
					fail(r, "error %q does not match %q", err, r.ErrorRE)
				}
			case !r.Error && err != nil:
				fail(r, "statement failed: %v", err)
			}
		case "query":
			rows, err := s.Query(ctx, r.SQL)
			if err != nil {
				fail(r, "query failed: %v", err)
				continue
			}
			if len(rows.Columns()) != len(r.Types) {
				fail(r, "query returned %d columns; the record says %d (%s)", len(rows.Columns()), len(r.Types), r.Types)
				continue
			}
			got := values(rows, r.Types, r.Sort)
			want, count, hash := expected(r.Expected)
			if hash != "" {
				if h := hashValues(got); count != len(got) || h != hash {
					fail(r, "got %d values hashing to %s; expected %d values hashing to %s", len(got), h, count, hash)
				}
				continue
			}
			if threshold > 0 && len(got) > threshold && len(want) != len(got) {
				fail(r, "got %d values hashing to %s; expected %d values", len(got), hashValues(got), len(want))
				continue
			}
			if r.Sort == "valuesort" {
				slices.Sort(want)
			}
			if !slices.Equal(got, want) {
				fail(r, "results differ\n--- got\n%s\n--- expected\n%s", layout(got, len(r.Types)), layout(want, len(r.Types)))
				continue
			}
			if r.Label != "" {
				h := hashValues(got)
				if prev, ok := labels[r.Label]; ok && prev != h {
					fail(r, "label %s: results differ from the earlier query with that label", r.Label)
				}
				labels[r.Label] = h
			}
		}
	}
	return fails
}

// values formats a result as the sqllogictest value list, sorted as the
// record asks.
func values(rows *frigatebird.Rows, typs, sort string) []string {
	n := len(typs)
	table := make([][]string, rows.Len())
	for i := range table {
		table[i] = make([]string, n)
		for j := 0; j < n; j++ {
			table[i][j] = format(rows.Value(i, j), typs[j])
		}
	}
	if sort == "rowsort" {
		slices.SortFunc(table, func(a, b []string) int { return slices.Compare(a, b) })
	}
	var out []string
	for _, row := range table {
		out = append(out, row...)
	}
	if sort == "valuesort" {
		slices.Sort(out)
	}
	return out
}

// format prints one value as the column letter asks.
func format(v types.Value, typ byte) string {
	if v.Null {
		return "NULL"
	}
	switch typ {
	case 'I':
		switch {
		case v.Type.IsInteger():
			return strconv.FormatInt(v.Int, 10)
		case v.Type.Kind == types.KindBoolean:
			if v.Bool {
				return "1"
			}
			return "0"
		case v.Type.IsFloat():
			return strconv.FormatInt(int64(math.Trunc(v.Float)), 10)
		case v.Type.Kind == types.KindDecimal:
			return strconv.FormatInt(v.Int/types.Pow10(v.Type.Scale), 10)
		}
	case 'R':
		switch {
		case v.Type.IsFloat():
			return strconv.FormatFloat(v.Float, 'f', 3, 64)
		case v.Type.Kind == types.KindDecimal:
			return strconv.FormatFloat(types.DecimalToFloat(v.Int, v.Type.Scale), 'f', 3, 64)
		case v.Type.IsInteger():
			return strconv.FormatFloat(float64(v.Int), 'f', 3, 64)
		}
	}
	s := v.String()
	if s == "" {
		return "(empty)"
	}
	return s
}

// expected splits the expected lines into values, or returns the count
// and hash of an "N values hashing to H" line.
func expected(lines []string) ([]string, int, string) {
	if len(lines) == 1 {
		if f := strings.Fields(lines[0]); len(f) == 5 && f[1] == "values" && f[2] == "hashing" && f[3] == "to" {
			if n, err := strconv.Atoi(f[0]); err == nil {
				return nil, n, f[4]
			}
		}
	}
	var out []string
	for _, l := range lines {
		if strings.Contains(l, "\t") {
			out = append(out, strings.Split(l, "\t")...)
		} else {
			out = append(out, l)
		}
	}
	return out, 0, ""
}

func hashValues(vs []string) string {
	h := md5.New()
	for _, v := range vs {
		io.WriteString(h, v)
		io.WriteString(h, "\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

func layout(vs []string, width int) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 && i%width == 0 {
			b.WriteByte('\n')
		} else if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(v)
	}
	return b.String()
}
