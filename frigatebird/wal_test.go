package frigatebird

import (
	"reflect"
	"testing"
)

func TestWALRoundTrip(t *testing.T) {
	rec := walRecord{Tables: []walTable{
		{Dir: "a", Base: 7, Files: []string{"000012.rg", "000013.rg"}, Deletes: map[string][]uint32{"000003.rg": {1, 5, 9}}},
		{Dir: "%51x", Base: 1, Deletes: map[string][]uint32{}},
	}}
	b := rec.encode()
	got, err := decodeWAL(b)
	if err != nil || len(got) != 1 {
		t.Fatalf("decode: %v, %d records", err, len(got))
	}
	if !reflect.DeepEqual(got[0], rec) {
		t.Fatalf("round trip:\n%+v\n%+v", got[0], rec)
	}
	// Every cut of the record is a torn tail: no record, no error.
	for n := 0; n < len(b); n++ {
		recs, err := decodeWAL(b[:n])
		if err != nil || len(recs) != 0 {
			t.Fatalf("cut at %d: %d records, %v", n, len(recs), err)
		}
	}
	// A flipped bit fails the checksum: the record is dropped.
	b[len(b)-1] ^= 1
	if recs, err := decodeWAL(b); err != nil || len(recs) != 0 {
		t.Fatalf("flipped bit: %d records, %v", len(recs), err)
	}
}

// FuzzDecodeWAL: arbitrary bytes never panic; what decodes re-encodes to
// the same bytes.
func FuzzDecodeWAL(f *testing.F) {
	f.Add((&walRecord{Tables: []walTable{{Dir: "t", Base: 3, Files: []string{"000001.rg"}, Deletes: map[string][]uint32{"000002.rg": {4}}}}}).encode())
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := decodeWAL(b)
		if err != nil {
			return
		}
		var again []byte
		for _, r := range recs {
			again = append(again, r.encode()...)
		}
		if len(recs) > 0 && string(again) != string(b[:len(again)]) {
			t.Fatalf("re-encoding differs")
		}
	})
}
