package vector

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/types"
)

// TestDictCodes: a dictionary-encoded chunk decodes with codes, and a
// vector window's codes name exactly its rows' values.
func TestDictCodes(t *testing.T) {
	src := chunk.Column{Type: chunk.TypeBytes, Offsets: []uint32{0}}
	n := 5000
	for i := 0; i < n; i++ {
		s := fmt.Sprintf("mode%d", i%7)
		src.Bytes = append(src.Bytes, s...)
		src.Offsets = append(src.Offsets, uint32(len(src.Bytes)))
	}
	src.Len = n
	src.Valid = make([]uint64, Words(n))
	for i := range src.Valid {
		src.Valid[i] = ^uint64(0)
	}
	src.Valid[0] &^= 1 << 3 // row 3 is NULL
	buf, info, err := chunk.Encode(nil, &src, chunk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Encoding != chunk.EncodingDict {
		t.Fatalf("encoding %v", info.Encoding)
	}
	var dec chunk.Column
	if _, err := chunk.Decode(buf, &dec); err != nil {
		t.Fatal(err)
	}
	if len(dec.Codes) != n {
		t.Fatalf("%d codes for %d rows", len(dec.Codes), n)
	}
	for at := 0; at < n; at += Size {
		k := min(Size, n-at)
		v, err := FromColumn(&dec, types.Text, at, k)
		if err != nil {
			t.Fatal(err)
		}
		if !v.HasDict() || v.DictLen() != 7 {
			t.Fatalf("window %d: dict %v len %d", at, v.HasDict(), v.DictLen())
		}
		for i := 0; i < k; i++ {
			if v.IsValid(i) && !bytes.Equal(v.DictEntry(int(v.Codes[i])), v.Str(i)) {
				t.Fatalf("row %d: code %d is %q, value %q", at+i, v.Codes[i], v.DictEntry(int(v.Codes[i])), v.Str(i))
			}
		}
		for _, op := range []CmpOp{Eq, Ne} {
			for _, c := range []string{"mode3", "nope", ""} {
				sel := []uint16{0, 1, 2, 3, 5, 8, 13}
				if k <= 13 {
					sel = nil
				}
				got := FilterBytesConst(op, &v, []byte(c), sel, nil)
				want := filterBytesEq(v.Offsets, v.Bytes, v.Len, []byte(c), op == Eq, sel, nil)
				if len(v.Valid) != 0 {
					want = dropNulls(v.Valid, want)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%v %q: dictionary path %v, plain path %v", op, c, got, want)
				}
			}
		}
		v.Reset(types.Text, 1)
		if v.HasDict() {
			t.Fatal("Reset kept the codes")
		}
	}
	// A plain chunk decoded into the same column drops the codes.
	plain, _, err := chunk.Encode(nil, &src, chunk.Options{Encoding: chunk.EncodingPlain})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chunk.Decode(plain, &dec); err != nil {
		t.Fatal(err)
	}
	if len(dec.Codes) != 0 {
		t.Fatal("codes survived a plain decode")
	}
}
