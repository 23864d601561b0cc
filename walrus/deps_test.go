package walrus

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection keeps walrus below every other engine: it imports
// internal/ packages and its own subpackages, nothing else of Reef.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "walrus" || strings.HasPrefix(rel, "walrus/")
	})
}
