package current

import (
	"errors"
	"testing"
)

func TestRoundTripAndDamage(t *testing.T) {
	b := Encode("TEST", 1, 42)
	if n, err := Decode(b, "TEST", 1); err != nil || n != 42 {
		t.Fatalf("decode: %d, %v", n, err)
	}
	for i := range b {
		bad := append([]byte(nil), b...)
		bad[i] ^= 0x10
		if _, err := Decode(bad, "TEST", 1); err == nil {
			t.Fatalf("flipped byte %d accepted", i)
		}
	}
	if _, err := Decode(b, "TEST", 2); !errors.Is(err, ErrVersion) {
		t.Fatalf("version: %v", err)
	}
	if _, err := Decode(Encode("TEST", 1, 0), "TEST", 1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("manifest 0: %v", err)
	}
	if _, err := Decode(b[:19], "TEST", 1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short: %v", err)
	}
}

// TestNumberedName: names round-trip, and only their exact spelling parses.
func TestNumberedName(t *testing.T) {
	for _, n := range []uint64{0, 1, 999999, 1000000, 1<<64 - 1} {
		name := NumberedName("p-", n, ".x")
		if got, ok := ParseNumberedName(name, "p-", ".x"); !ok || got != n {
			t.Fatalf("%q: %d %v", name, got, ok)
		}
	}
	if got, ok := ParseManifestName(ManifestName(42)); !ok || got != 42 || ManifestName(42) != "MANIFEST-000042" {
		t.Fatalf("manifest 42: %q %d %v", ManifestName(42), got, ok)
	}
	for _, bad := range []string{"p-.x", "p-+00001.x", "p-0000001.x", "p-1.x", "p-000001", "000001.x", "p-00000a.x", "p-99999999999999999999999.x"} {
		if _, ok := ParseNumberedName(bad, "p-", ".x"); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
}
