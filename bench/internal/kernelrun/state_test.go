package main

import (
	"bytes"
	"testing"
)

// TestStateSnapshotRestore checks a snapshot restores what it saved and a
// short one is refused.
func TestStateSnapshotRestore(t *testing.T) {
	var a kernelState
	a.apply([]byte("first"))
	a.apply([]byte("second"))
	var b kernelState
	b.apply([]byte("something else entirely"))
	if err := b.restore(bytes.NewReader(a.snapshot())); err != nil {
		t.Fatal(err)
	}
	if b.Applied() != 2 || string(b.last) != "second" {
		t.Fatalf("restored %d, %q; want 2, %q", b.Applied(), b.last, "second")
	}
	if err := b.restore(bytes.NewReader([]byte{1, 2, 3})); err == nil {
		t.Fatal("restore of a 3-byte snapshot succeeded")
	}
}
