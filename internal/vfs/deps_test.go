package vfs

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection keeps internal/ at the bottom: it never imports an
// engine.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool { return strings.HasPrefix(rel, "internal/") })
}
