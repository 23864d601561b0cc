package exec

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: the executor sits on the planner and the
// layers below it; it never imports the database package, the shell or
// another engine.
func TestDependencyDirection(t *testing.T) {
	allowed := map[string]bool{
		"frigatebird/chunk": true, "frigatebird/cache": true, "frigatebird/storage": true,
		"frigatebird/plan": true, "frigatebird/eval": true, "frigatebird/hashagg": true,
		"frigatebird/sorter": true, "frigatebird/types": true, "frigatebird/vector": true,
	}
	layering.Check(t, ".", func(rel string) bool { return allowed[rel] || strings.HasPrefix(rel, "internal/") })
}
