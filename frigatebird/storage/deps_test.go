package storage

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: storage imports internal/ packages and the
// chunk codec only.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "frigatebird/chunk"
	})
}
