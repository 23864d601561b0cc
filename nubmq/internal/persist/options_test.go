package persist

import (
	"strings"
	"testing"
)

func TestFsyncNames(t *testing.T) {
	for _, p := range policies() {
		if q, err := ParseFsync(p.String()); err != nil || q != p {
			t.Fatalf("%v: %v %v", p, q, err)
		}
	}
	if _, err := ParseFsync("sometimes"); err == nil {
		t.Fatal("bad policy accepted")
	}
	if err := (&Options{}).Validate(); err == nil || !strings.Contains(err.Error(), "Dir") {
		t.Fatalf("missing Dir: %v", err)
	}
	if err := (&Options{Dir: "x", MaxEntryBytes: 10}).Validate(); err == nil {
		t.Fatal("tiny MaxEntryBytes accepted")
	}
}
