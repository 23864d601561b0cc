package vfs

import (
	"errors"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	m := NewMem()
	if err := m.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	SyncParents(m, "/d/x")
	if err := WriteFileAtomic(m, "/d", "f", []byte("one")); err != nil {
		t.Fatal(err)
	}
	m.Crash(CrashOptions{})
	if b, err := ReadFile(m, "/d/f", 10); err != nil || string(b) != "one" {
		t.Fatalf("after crash: %q, %v", b, err)
	}
	if _, err := ReadFile(m, "/d/f", 2); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
	// A failed sync before the rename leaves the old content and no
	// temporary file.
	inj := NewInjecting(m, 1, Rule{Ops: []Op{OpSync}, Limit: 1})
	if err := WriteFileAtomic(inj, "/d", "f", []byte("two")); err == nil || errors.Is(err, ErrRenamed) {
		t.Fatalf("injected sync failure: %v", err)
	}
	if b, _ := ReadFile(m, "/d/f", 10); string(b) != "one" {
		t.Fatalf("content after a failed write: %q", b)
	}
	if _, err := m.Stat("/d/f.tmp"); err == nil {
		t.Fatal("temporary file left behind")
	}
	// A failed rename reports ErrRenamed.
	inj = NewInjecting(m, 1, Rule{Ops: []Op{OpRename}, Limit: 1})
	if err := WriteFileAtomic(inj, "/d", "f", []byte("three")); !errors.Is(err, ErrRenamed) {
		t.Fatalf("injected rename failure: %v", err)
	}
}
