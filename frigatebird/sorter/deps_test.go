package sorter

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: sorter imports internal/, the types, the
// vectors and the chunk columns a vector.Collection is made of.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird/types" || rel == "frigatebird/vector" || rel == "frigatebird/chunk"
	})
}
