package main

import (
	"os"
	"testing"
)

// testChildHooks run before the tests, in the order registered: a hook
// that recognizes this process as a child a test started (a suite's
// server, re-executing the test binary) runs it and exits.
var testChildHooks []func()

func TestMain(m *testing.M) {
	if vectorChildRequested() { // the vector suite's child (vector_child.go)
		os.Exit(vectorChildMain())
	}
	for _, h := range testChildHooks {
		h()
	}
	os.Exit(m.Run())
}
