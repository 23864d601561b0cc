package walrus

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDependencyDirection keeps walrus below every other engine: it may
// import internal/ packages and its own subpackages, nothing else of Reef
// (docs: DESIGN.md, "Dependency direction is one-way").
func TestDependencyDirection(t *testing.T) {
	const module = "github.com/reefdb/reef/"
	err := filepath.Walk(".", func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			rel := strings.TrimPrefix(p, module)
			if !strings.HasPrefix(rel, "internal/") && rel != "walrus" && !strings.HasPrefix(rel, "walrus/") {
				t.Errorf("%s imports %s: walrus may only import internal/ packages", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
