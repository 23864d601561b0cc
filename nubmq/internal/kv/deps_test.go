package kv

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/internal/layering"
)

// TestDependencyDirection: the keyspace engine is a leaf: the standard
// library and internal/ only.
func TestDependencyDirection(t *testing.T) {
	layering.Check(t, ".", func(rel string) bool { return strings.HasPrefix(rel, "internal/") })
}
