package vector

import (
	"testing"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/types"
)

func TestFromColumnZeroCopy(t *testing.T) {
	var c chunk.Column
	c.Reset(chunk.TypeBytes)
	for i := 0; i < 5000; i++ {
		c.Bytes = append(c.Bytes, byte('a'+i%26))
		c.Offsets = append(c.Offsets, uint32(len(c.Bytes)))
		c.Len++
	}
	c.Valid = make([]uint64, Words(c.Len))
	for i := range c.Valid {
		c.Valid[i] = ^uint64(0)
	}
	c.Valid[2048>>6] &^= 1 << 1 // row 2049 NULL
	v, err := FromColumn(&c, types.Text, 2048, Size)
	if err != nil {
		t.Fatal(err)
	}
	if &v.Bytes[0] != &c.Bytes[0] || &v.Offsets[0] != &c.Offsets[2048] {
		t.Fatal("FromColumn copied")
	}
	if string(v.Str(0)) != string(rune('a'+2048%26)) || v.IsValid(1) || !v.IsValid(0) {
		t.Fatalf("window wrong: %q %v", v.Str(0), v.IsValid(1))
	}
	if _, err := FromColumn(&c, types.Text, 10, 5); err == nil {
		t.Fatal("unaligned start must fail")
	}
	if _, err := FromColumn(&c, types.BigInt, 0, 5); err == nil {
		t.Fatal("type mismatch must fail")
	}
	if types.PhysInt64 != types.Phys(chunk.TypeInt64) || types.PhysBytes != types.Phys(chunk.TypeBytes) ||
		types.PhysFloat64 != types.Phys(chunk.TypeFloat64) || types.PhysBool != types.Phys(chunk.TypeBool) {
		t.Fatal("physical type numbering differs from chunk's")
	}
}
