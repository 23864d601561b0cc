package quic

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection keeps the QUIC transport a leaf below octopii: of
// Reef it imports only the octopii interfaces and internal/ packages.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return rel == "octopii" || strings.HasPrefix(rel, "internal/")
	})
}
