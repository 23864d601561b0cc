package vecmath

import (
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: the kernels import nothing of Reef.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool { return rel == "internal/layering" })
}
