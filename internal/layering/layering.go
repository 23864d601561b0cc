// Package layering checks Reef's one-way dependency direction (DESIGN.md):
// each package's deps_test.go calls Check with the module paths it may
// import, and the test fails on any other import of the module.
package layering

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Module is Reef's module path.
const Module = "github.com/reefdb/reef/"

// Check parses every .go file under dir (the calling package's directory
// and its subdirectories) and reports each import of the module for which
// allowed(path relative to the module, such as "internal/vfs") is false.
func Check(t testing.TB, dir string, allowed func(rel string) bool) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if rel, ok := strings.CutPrefix(p, Module); ok && !allowed(rel) {
				t.Errorf("%s imports %s, which crosses the dependency direction", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
