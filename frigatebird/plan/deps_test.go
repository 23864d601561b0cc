package plan

import (
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: plan sits on parse, types and vector; the
// executor and the evaluator sit on it, never the other way.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		switch rel {
		case "frigatebird/parse", "frigatebird/types", "frigatebird/vector", "internal/layering":
			return true
		}
		return false
	})
}
