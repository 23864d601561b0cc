package eval

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: eval imports internal/, the plan contracts,
// vectors and types only.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird/plan" ||
			rel == "frigatebird/vector" || rel == "frigatebird/types"
	})
}
