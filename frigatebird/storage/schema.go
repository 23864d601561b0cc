package storage

import (
	"fmt"
	"slices"

	"github.com/reefdb/reef/frigatebird/chunk"
)

// ColumnDef describes one column of a table.
type ColumnDef struct {
	// Name is unique within the schema, 1..MaxNameBytes bytes.
	Name string
	// Type is the physical type its chunks are stored as.
	Type chunk.PhysType
	// Logical is an opaque logical type ("INTEGER", "DECIMAL(10,2)", ...)
	// that storage keeps for the caller; at most MaxNameBytes bytes.
	Logical string
}

// Schema is a table's columns and sort key. It is fixed at Create.
type Schema struct {
	Columns []ColumnDef
	// SortKey lists column indexes, most significant first. Row groups
	// that MergeSmall writes are sorted by it (nulls first); storage does
	// not check the order of groups the caller writes.
	SortKey []int
}

// Validate reports whether s is a usable schema with at most maxColumns
// columns.
func (s *Schema) Validate(maxColumns int) error {
	if len(s.Columns) == 0 || len(s.Columns) > maxColumns {
		return fmt.Errorf("frigatebird/storage: %w: %d columns (1..%d)", ErrInvalidSchema, len(s.Columns), maxColumns)
	}
	seen := make(map[string]bool, len(s.Columns))
	for i, c := range s.Columns {
		switch {
		case c.Name == "" || len(c.Name) > MaxNameBytes:
			return fmt.Errorf("frigatebird/storage: %w: column %d name of %d bytes", ErrInvalidSchema, i, len(c.Name))
		case seen[c.Name]:
			return fmt.Errorf("frigatebird/storage: %w: duplicate column %q", ErrInvalidSchema, c.Name)
		case c.Type < chunk.TypeInt64 || c.Type > chunk.TypeBytes:
			return fmt.Errorf("frigatebird/storage: %w: column %q type %v", ErrInvalidSchema, c.Name, c.Type)
		case len(c.Logical) > MaxNameBytes:
			return fmt.Errorf("frigatebird/storage: %w: column %q logical type of %d bytes", ErrInvalidSchema, c.Name, len(c.Logical))
		}
		seen[c.Name] = true
	}
	if len(s.SortKey) > len(s.Columns) {
		return fmt.Errorf("frigatebird/storage: %w: sort key of %d columns", ErrInvalidSchema, len(s.SortKey))
	}
	for i, k := range s.SortKey {
		if k < 0 || k >= len(s.Columns) || slices.Contains(s.SortKey[:i], k) {
			return fmt.Errorf("frigatebird/storage: %w: sort key column %d", ErrInvalidSchema, k)
		}
	}
	return nil
}

// clone returns a deep copy, so callers cannot change a table's schema.
func (s Schema) clone() Schema {
	return Schema{Columns: slices.Clone(s.Columns), SortKey: slices.Clone(s.SortKey)}
}
