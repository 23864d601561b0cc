package satori

import (
	"bytes"
	"errors"
	"testing"

	"github.com/reefdb/reef/satori/attr"
)

// TestRecordRoundTrip checks that putBytes is the size appendPut writes
// (logPuts sizes its buffers with it) and that both record types decode
// to what was encoded.
func TestRecordRoundTrip(t *testing.T) {
	vec := []float32{1, -2.5, 3e-7}
	for _, attrs := range [][]byte{nil, mustAttrs(t)} {
		b := appendPut(nil, 7, 42, vec, attrs)
		if len(b) != putBytes(len(vec), len(attrs)) {
			t.Fatalf("appendPut wrote %d bytes, putBytes says %d", len(b), putBytes(len(vec), len(attrs)))
		}
		r, err := decodeRecord(b, len(vec))
		if err != nil {
			t.Fatal(err)
		}
		if r.typ != recPut || r.lsn != 7 || r.id != 42 || !bytes.Equal(r.attrs, attrs) {
			t.Fatalf("decoded %+v", r)
		}
		got := r.vector(nil)
		for i := range vec {
			if got[i] != vec[i] {
				t.Fatalf("vector %v, want %v", got, vec)
			}
		}
	}
	r, err := decodeRecord(appendDelete(nil, 9, 5), 3)
	if err != nil || r.typ != recDelete || r.lsn != 9 || r.id != 5 {
		t.Fatalf("delete decoded %+v, %v", r, err)
	}
}

func mustAttrs(t testing.TB) []byte {
	b, err := attr.AppendEncode(nil, attr.Set{"color": attr.String("red"), "n": attr.Int(3)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeRecord: any input either decodes, and then encodes back to
// the same bytes, or is an error wrapping ErrCorrupt; it never panics.
func FuzzDecodeRecord(f *testing.F) {
	const dim = 3
	f.Add(appendPut(nil, 1, 2, []float32{1, 2, 3}, nil))
	f.Add(appendPut(nil, 1, 2, []float32{1, 2, 3}, mustAttrs(f)))
	f.Add(appendDelete(nil, 3, 4))
	f.Add([]byte{recPut, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b, dim)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		var again []byte
		switch r.typ {
		case recPut:
			again = appendPut(nil, r.lsn, r.id, r.vector(nil), r.attrs)
		case recDelete:
			again = appendDelete(nil, r.lsn, r.id)
		default:
			t.Fatalf("decoded type %d", r.typ)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("decoded %+v re-encodes to %x, input %x", r, again, b)
		}
	})
}
