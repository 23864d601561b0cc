package parse

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection keeps parse at the bottom of Frigatebird: it
// imports internal/ packages and Frigatebird's own, nothing else of Reef.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird" || strings.HasPrefix(rel, "frigatebird/")
	})
}
