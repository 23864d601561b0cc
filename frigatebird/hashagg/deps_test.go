package hashagg

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: hashagg imports internal/, the types, the
// vectors and the plan's aggregate functions only.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird/types" || rel == "frigatebird/vector" || rel == "frigatebird/plan"
	})
}
