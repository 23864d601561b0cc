package octopii

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection keeps octopii above walrus and below the engines
// that build on it: it imports internal/, walrus and its own subpackages.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "walrus" || strings.HasPrefix(rel, "walrus/") ||
			rel == "octopii" || strings.HasPrefix(rel, "octopii/")
	})
}
