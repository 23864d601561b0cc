package hnsw

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: hnsw imports internal/ packages only (and today
// none: the distance kernels are local until internal/vecmath is wired in).
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/")
	})
}
