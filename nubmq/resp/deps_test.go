package resp

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: nubmq may use internal/, walrus and octopii (for
// persistence and replication), never the other engines.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, "..", func(rel string) bool {
		for _, p := range []string{"internal/", "walrus", "octopii", "nubmq"} {
			if strings.HasPrefix(rel, p) {
				return true
			}
		}
		return false
	})
}
