package vector

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: vector imports internal/, the types and the
// chunk codec only.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird/types" || rel == "frigatebird/chunk"
	})
}
