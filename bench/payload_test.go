//go:build !reefonly

package main

import (
	"bytes"
	"testing"
)

func TestPayloadsAreSeeded(t *testing.T) {
	a, b := NewPayloads(7, 128, 16), NewPayloads(7, 128, 16)
	c := NewPayloads(8, 128, 16)
	if !bytes.Equal(a.At(3), b.At(3)) {
		t.Fatal("same seed, different payloads")
	}
	if bytes.Equal(a.At(3), c.At(3)) || bytes.Equal(a.At(3), a.At(4)) {
		t.Fatal("different seeds or indexes give equal payloads")
	}
	if !bytes.Equal(a.At(3), a.At(3+16)) || len(a.At(5)) != 128 {
		t.Fatal("At does not wrap around the pool, or returns the wrong size")
	}
}
