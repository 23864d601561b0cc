package shell

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/types"
)

// Format is how result rows are printed.
type Format string

// Output formats.
const (
	FormatTable Format = "table" // aligned columns, psql style
	FormatCSV   Format = "csv"   // RFC 4180 with a header line
	FormatJSON  Format = "json"  // one JSON object per row (JSON Lines)
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatCSV, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (table, csv or json)", s)
}

// nullText is how the table format prints NULL (CSV prints an empty
// field, JSON null).
const nullText = "NULL"

// printRows writes rows in format f.
func printRows(w io.Writer, f Format, rows *frigatebird.Rows) error {
	switch f {
	case FormatCSV:
		return printCSV(w, rows)
	case FormatJSON:
		return printJSON(w, rows)
	}
	return printTable(w, rows)
}

func printTable(w io.Writer, rows *frigatebird.Rows) error {
	cols := rows.Columns()
	ts := rows.Types()
	cells := make([][]string, rows.Len())
	width := make([]int, len(cols))
	for j, c := range cols {
		width[j] = utf8.RuneCountInString(c)
	}
	for i := range cells {
		cells[i] = make([]string, len(cols))
		for j := range cols {
			v := rows.Value(i, j)
			s := nullText
			if !v.Null {
				s = strings.ReplaceAll(v.String(), "\n", "\\n")
			}
			cells[i][j] = s
			width[j] = max(width[j], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	for j, c := range cols {
		if j > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(center(c, width[j]))
	}
	b.WriteString("\n")
	for j := range cols {
		if j > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", width[j]))
	}
	b.WriteString("\n")
	for _, row := range cells {
		for j, s := range row {
			if j > 0 {
				b.WriteString(" | ")
			}
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(s))
			if rightAligned(ts[j]) {
				b.WriteString(pad + s)
			} else if j == len(row)-1 {
				b.WriteString(s)
			} else {
				b.WriteString(s + pad)
			}
		}
		b.WriteString("\n")
		if b.Len() > 1<<16 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	if rows.Len() == 1 {
		b.WriteString("(1 row)\n")
	} else {
		fmt.Fprintf(&b, "(%d rows)\n", rows.Len())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func rightAligned(t types.Type) bool { return t.IsNumeric() }

func center(s string, w int) string {
	n := utf8.RuneCountInString(s)
	if n >= w {
		return s
	}
	left := (w - n) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", w-n-left)
}

func printCSV(w io.Writer, rows *frigatebird.Rows) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(rows.Columns()); err != nil {
		return err
	}
	rec := make([]string, len(rows.Columns()))
	for i := 0; i < rows.Len(); i++ {
		for j := range rec {
			v := rows.Value(i, j)
			rec[j] = ""
			if !v.Null {
				rec[j] = v.String()
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func printJSON(w io.Writer, rows *frigatebird.Rows) error {
	cols := rows.Columns()
	var b []byte
	for i := 0; i < rows.Len(); i++ {
		b = append(b[:0], '{')
		for j, c := range cols {
			if j > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(c)
			b = append(b, k...)
			b = append(b, ':')
			b = appendJSONValue(b, rows.Value(i, j))
		}
		b = append(b, '}', '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// appendJSONValue writes numbers and booleans as JSON literals (DECIMAL
// exactly, as its digits), other values as strings, NULL as null.
func appendJSONValue(b []byte, v types.Value) []byte {
	if v.Null {
		return append(b, "null"...)
	}
	switch {
	case v.Type.IsInteger() || v.Type.Kind == types.KindDecimal || v.Type.Kind == types.KindBoolean:
		return append(b, v.String()...)
	case v.Type.IsFloat():
		s := v.String()
		if s == "nan" || s == "inf" || s == "-inf" {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
		return append(b, s...)
	}
	q, _ := json.Marshal(v.String())
	return append(b, q...)
}
