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
