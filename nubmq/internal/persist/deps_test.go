package persist

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: persist sits under the Nubmq server and may use
// internal/, walrus and nubmq/resp, never the server or other engines.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return strings.HasPrefix(rel, "internal/") || rel == "walrus" || rel == "nubmq/resp"
	})
}
