package layering

import (
	"strings"
	"testing"
)

// fakeT records errors instead of failing, to test that Check can fail.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Helper()                           {}
func (f *fakeT) Errorf(format string, args ...any) { f.errors = append(f.errors, format) }

func TestCheckReportsForbiddenImports(t *testing.T) {
	ft := &fakeT{TB: t}
	// This package imports nothing of the module: forbidding everything
	// reports nothing...
	Check(ft, ".", func(string) bool { return false })
	if len(ft.errors) != 0 {
		t.Fatalf("unexpected reports: %v", ft.errors)
	}
	// ...and the checker sees walrus importing internal/vfs.
	ft = &fakeT{TB: t}
	Check(ft, "../../walrus", func(rel string) bool { return !strings.HasPrefix(rel, "internal/vfs") })
	if len(ft.errors) == 0 {
		t.Fatal("walrus imports internal/vfs, but Check reported nothing")
	}
}
