package fileio

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: fileio imports internal/, the types and the
// vectors only (the database imports fileio, never the reverse).
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird/types" || rel == "frigatebird/vector"
	})
}
