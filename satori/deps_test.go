package satori

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: SatoriDB (every package under satori/) builds
// on itself, the shared internal packages and Walrus (its log), never on
// another engine.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool {
		return rel == "satori" || strings.HasPrefix(rel, "satori/") || strings.HasPrefix(rel, "internal/") || rel == "walrus" || strings.HasPrefix(rel, "walrus/")
	})
}
