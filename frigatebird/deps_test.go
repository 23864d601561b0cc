package frigatebird

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: Frigatebird (every package under
// frigatebird/) imports itself and the shared internal packages only,
// never another engine.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "frigatebird/") || rel == "frigatebird" || strings.HasPrefix(rel, "internal/")
	})
}
