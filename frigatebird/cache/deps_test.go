package cache

import (
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: the cache knows chunks and nothing above them.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return rel == "frigatebird/chunk" || rel == "internal/layering"
	})
}
