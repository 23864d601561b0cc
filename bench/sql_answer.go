//go:build !reefonly

package main

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"text/tabwriter"
)

// sqlCellKind says how a cell compares.
type sqlCellKind uint8

const (
	// cellText compares as text, exactly (strings, dates).
	cellText sqlCellKind = iota
	// cellExact is an integer or a decimal: compared as an exact number, so
	// 12.50 equals 12.5 and 12.
	cellExact
	// cellFloat is a binary floating-point number: compared with a
	// relative tolerance of sqlFloatTolerance.
	cellFloat
	// cellNull is SQL NULL.
	cellNull
)

// sqlFloatTolerance is the relative difference allowed when either side of
// a comparison is floating point (SQLite's REAL sums, every engine's avg).
const sqlFloatTolerance = 1e-9

// sqlCell is one value of an answer, as text.
type sqlCell struct {
	Text string
	Kind sqlCellKind
}

// sqlAnswer is a query's result: column names and rows of cells.
type sqlAnswer struct {
	Columns []string
	Rows    [][]sqlCell
}

// Equal returns nil if a and want hold the same rows in the same order,
// else an error naming the first difference. Column names are not
// compared (engines name unnamed columns differently).
func (a *sqlAnswer) Equal(want *sqlAnswer) error {
	if len(a.Rows) != len(want.Rows) {
		return fmt.Errorf("%d rows, want %d", len(a.Rows), len(want.Rows))
	}
	if len(a.Columns) != len(want.Columns) {
		return fmt.Errorf("%d columns, want %d", len(a.Columns), len(want.Columns))
	}
	for i := range a.Rows {
		if len(a.Rows[i]) != len(want.Columns) || len(want.Rows[i]) != len(want.Columns) {
			return fmt.Errorf("row %d: %d cells, want %d", i+1, len(a.Rows[i]), len(want.Rows[i]))
		}
		for j := range a.Rows[i] {
			if !a.Rows[i][j].equal(want.Rows[i][j]) {
				return fmt.Errorf("row %d column %d (%s): %s, want %s",
					i+1, j+1, want.Columns[j], a.Rows[i][j].Text, want.Rows[i][j].Text)
			}
		}
	}
	return nil
}

func (c sqlCell) equal(d sqlCell) bool {
	if c.Kind == cellNull || d.Kind == cellNull {
		return c.Kind == d.Kind
	}
	if c.Kind == cellText && d.Kind == cellText {
		return c.Text == d.Text
	}
	// At least one side is a number; the other must read as one.
	x, okx := new(big.Rat).SetString(c.Text)
	y, oky := new(big.Rat).SetString(d.Text)
	if !okx || !oky {
		return c.Text == d.Text
	}
	if c.Kind != cellFloat && d.Kind != cellFloat {
		return x.Cmp(y) == 0
	}
	fx, _ := x.Float64()
	fy, _ := y.Float64()
	return math.Abs(fx-fy) <= sqlFloatTolerance*math.Max(math.Abs(fx), math.Abs(fy))
}

// String prints the answer as a table, one row per line, indented.
func (a *sqlAnswer) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\n", strings.Join(a.Columns, "\t"))
	for _, r := range a.Rows {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = c.Text
		}
		fmt.Fprintf(tw, "  %s\n", strings.Join(cells, "\t"))
	}
	tw.Flush()
	return b.String()
}
