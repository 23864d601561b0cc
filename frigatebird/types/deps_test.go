package types

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: types imports internal/ packages only.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool { return strings.HasPrefix(rel, "internal/") })
}
