package chunk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
)

// FuzzDecode: arbitrary bytes never panic, and errors are always one of the
// documented classes. Each input is also tried with its checksums fixed so
// the fuzzer reaches the structural checks.
func FuzzDecode(f *testing.F) {
	for _, nc := range columns(21, 50, nullPatterns[:3]) {
		for _, enc := range allEncodings {
			if enc != EncodingAuto && !enc.appliesTo(nc.col.Type) {
				continue
			}
			for _, comp := range allCompressions {
				buf, _, err := Encode(nil, nc.col, Options{Encoding: enc, Compression: comp, MinSavingsPercent: -1})
				if err != nil {
					f.Fatal(err)
				}
				f.Add(buf)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var col Column
		lim := Limits{MaxRows: 1 << 16, MaxDecodedBytes: 1 << 22}
		for _, in := range [][]byte{data, fixCRCs(data)} {
			info, err := DecodeWithLimits(in, &col, lim)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrUnsupportedVersion) {
					t.Fatalf("unexpected error class: %v", err)
				}
				continue
			}
			// A chunk that decodes must re-encode to something that decodes
			// to the same values.
			if col.Len != info.Rows || col.NullCount() != info.Nulls {
				t.Fatalf("decoded %d rows %d nulls, info %+v", col.Len, col.NullCount(), info)
			}
			buf, _, err := Encode(nil, &col, Options{})
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			var again Column
			if _, err := Decode(buf, &again); err != nil {
				t.Fatalf("decode re-encoded: %v", err)
			}
			checkEqual(t, &col, &again)
		}
		if len(data) >= FixedHeaderBytes {
			if n, err := HeaderLen(data); err == nil && n <= len(data) {
				_, _ = ReadInfo(data[:n])
			}
		}
	})
}

// FuzzRoundTrip: an arbitrary column (built from fuzz bytes) survives
// encode → decode under every encoding and codec.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), []byte("hello world, hello world"), uint64(0))
	f.Add(uint8(1), uint8(3), uint8(2), bytes.Repeat([]byte{0xFF, 0, 1}, 100), uint64(0xAAAA))
	f.Add(uint8(2), uint8(1), uint8(1), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, ^uint64(0))
	f.Add(uint8(3), uint8(2), uint8(0), bytes.Repeat([]byte("abc"), 300), uint64(1))
	f.Fuzz(func(t *testing.T, typ, enc, comp uint8, data []byte, nullSeed uint64) {
		c := columnFromBytes(PhysType(typ%4+1), data, nullSeed)
		e := allEncodings[int(enc)%len(allEncodings)]
		if e != EncodingAuto && !e.appliesTo(c.Type) {
			e = EncodingAuto
		}
		opts := Options{Encoding: e, Compression: allCompressions[int(comp)%3], MinSavingsPercent: -1,
			ZoneMapPrefixBytes: 1 + int(comp)%16}
		buf, info, err := Encode(nil, c, opts)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		var got Column
		dinfo, err := Decode(buf, &got)
		if err != nil {
			t.Fatalf("decode %v/%v: %v", info.Encoding, info.Compression, err)
		}
		checkEqual(t, c, &got)
		if dinfo.Encoding != info.Encoding {
			t.Fatalf("encoding %v != %v", dinfo.Encoding, info.Encoding)
		}
		for i := 0; i < c.Len; i++ {
			if !c.IsValid(i) {
				continue
			}
			z := &dinfo.Zone
			switch c.Type {
			case TypeInt64:
				if !z.MayContainInt(c.Ints[i]) {
					t.Fatalf("zone excludes row %d", i)
				}
			case TypeFloat64:
				if !z.MayContainFloat(c.Floats[i]) {
					t.Fatalf("zone excludes row %d", i)
				}
			case TypeBytes:
				if !z.MayContainBytes(c.String(i)) {
					t.Fatalf("zone %q..%q excludes row %d %q", z.MinBytes, z.MaxBytes, i, c.String(i))
				}
			}
		}
	})
}

// columnFromBytes interprets fuzz bytes as a column. Few distinct bytes
// values are expanded so dictionaries and runs appear.
func columnFromBytes(t PhysType, data []byte, nullSeed uint64) *Column {
	r := rand.New(rand.NewPCG(nullSeed, 77))
	var valid func(n int) []uint64
	switch nullSeed % 4 {
	case 0:
		valid = func(n int) []uint64 { return nil }
	case 1:
		valid = func(n int) []uint64 { return bitmapOf(n, func(int) bool { return r.IntN(3) != 0 }) }
	case 2:
		valid = func(n int) []uint64 { return bitmapOf(n, func(int) bool { return false }) }
	default:
		valid = func(n int) []uint64 { return bitmapOf(n, func(i int) bool { return i%7 != 0 }) }
	}
	switch t {
	case TypeInt64, TypeFloat64:
		n := len(data) / 8
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
		if t == TypeInt64 {
			return intColumn(v, valid(n))
		}
		f := make([]float64, n)
		copy(floatsAsInts(f), v)
		return floatColumn(f, valid(n))
	case TypeBool:
		n := len(data)
		v := make([]bool, n)
		for i, b := range data {
			v[i] = b&1 != 0
		}
		return boolColumn(v, valid(n))
	default:
		// Strings split on byte 0.
		parts := bytes.Split(data, []byte{0})
		return bytesColumn(parts, valid(len(parts)))
	}
}
