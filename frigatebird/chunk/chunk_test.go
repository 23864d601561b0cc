package chunk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
)

type namedColumn struct {
	name string
	col  *Column
}

// columns builds one column per (type, generator, null pattern) at length n.
func columns(seed uint64, n int, patterns []nullPattern) []namedColumn {
	var out []namedColumn
	for _, np := range patterns {
		for _, g := range intGens {
			r := rand.New(rand.NewPCG(seed, 1))
			out = append(out, namedColumn{"int/" + g.name + "/" + np.name, intColumn(g.fn(r, n), np.fn(r, n))})
		}
		for _, g := range floatGens {
			r := rand.New(rand.NewPCG(seed, 2))
			out = append(out, namedColumn{"float/" + g.name + "/" + np.name, floatColumn(g.fn(r, n), np.fn(r, n))})
		}
		for _, g := range boolGens {
			r := rand.New(rand.NewPCG(seed, 3))
			out = append(out, namedColumn{"bool/" + g.name + "/" + np.name, boolColumn(g.fn(r, n), np.fn(r, n))})
		}
		for _, g := range bytesGens {
			r := rand.New(rand.NewPCG(seed, 4))
			out = append(out, namedColumn{"bytes/" + g.name + "/" + np.name, bytesColumn(g.fn(r, n), np.fn(r, n))})
		}
	}
	return out
}

var allEncodings = []Encoding{EncodingAuto, EncodingPlain, EncodingDict, EncodingRLE, EncodingFOR}
var allCompressions = []Compression{CompressionNone, CompressionLZ4, CompressionZstd}

func roundTrip(t *testing.T, c *Column, opts Options) Info {
	t.Helper()
	buf, info, err := Encode([]byte("prefix"), c, opts)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if string(buf[:6]) != "prefix" {
		t.Fatalf("Encode clobbered dst prefix")
	}
	buf = buf[6:]
	if info.ChunkBytes != len(buf) {
		t.Fatalf("info.ChunkBytes %d, chunk is %d bytes", info.ChunkBytes, len(buf))
	}
	if opts.Encoding != EncodingAuto && opts.Encoding != EncodingDict && info.Encoding != opts.Encoding && c.Len > 0 && c.NullCount() < c.Len {
		t.Fatalf("forced %v, got %v", opts.Encoding, info.Encoding)
	}
	var got Column
	dinfo, err := Decode(buf, &got)
	if err != nil {
		t.Fatalf("decode (%v/%v): %v", info.Encoding, info.Compression, err)
	}
	checkEqual(t, c, &got)
	if dinfo.Encoding != info.Encoding || dinfo.Compression != info.Compression || dinfo.Zone.Nulls != c.NullCount() {
		t.Fatalf("decode info %+v != encode info %+v", dinfo, info)
	}
	checkZone(t, c, &dinfo.Zone)
	// Decode again into the now-populated column: buffers are reused and the
	// result must not depend on leftovers.
	if _, err := Decode(buf, &got); err != nil {
		t.Fatalf("second decode: %v", err)
	}
	checkEqual(t, c, &got)
	zm, err := ReadZoneMap(buf[:FixedHeaderBytes+int(binary.LittleEndian.Uint32(buf[16:]))+4])
	if err != nil {
		t.Fatalf("ReadZoneMap on header prefix: %v", err)
	}
	if zm.Rows != c.Len || zm.HasMinMax != dinfo.Zone.HasMinMax {
		t.Fatalf("ReadZoneMap %+v != %+v", zm, dinfo.Zone)
	}
	return info
}

// checkZone verifies the zone map bounds every valid value.
func checkZone(t *testing.T, c *Column, z *ZoneMap) {
	t.Helper()
	if z.Rows != c.Len || z.Nulls != c.NullCount() {
		t.Fatalf("zone rows/nulls %d/%d", z.Rows, z.Nulls)
	}
	any := false
	for i := 0; i < c.Len; i++ {
		if !c.IsValid(i) {
			continue
		}
		switch c.Type {
		case TypeInt64:
			any = true
			if !z.MayContainInt(c.Ints[i]) {
				t.Fatalf("zone %d..%d excludes row %d = %d", z.MinInt, z.MaxInt, i, c.Ints[i])
			}
		case TypeBool:
			any = true
			v := int64(0)
			if c.Bool(i) {
				v = 1
			}
			if !z.MayContainInt(v) {
				t.Fatalf("bool zone excludes row %d", i)
			}
		case TypeFloat64:
			f := c.Floats[i]
			if f == f {
				any = true
			}
			if !z.MayContainFloat(f) {
				t.Fatalf("zone %v..%v nan=%v excludes row %d = %v", z.MinFloat, z.MaxFloat, z.HasNaN, i, f)
			}
		case TypeBytes:
			any = true
			if !z.MayContainBytes(c.String(i)) {
				t.Fatalf("zone %q..%q excludes row %d = %q", z.MinBytes, z.MaxBytes, i, c.String(i))
			}
		}
	}
	if any != z.HasMinMax {
		t.Fatalf("HasMinMax %v, valid values %v", z.HasMinMax, any)
	}
}

func TestRoundTripMatrix(t *testing.T) {
	lengths := []int{0, 1, 2, 63, 64, 65, 2048}
	for _, n := range lengths {
		for _, nc := range columns(uint64(n)+7, n, nullPatterns) {
			for _, enc := range allEncodings {
				if enc != EncodingAuto && !enc.appliesTo(nc.col.Type) {
					continue
				}
				for _, comp := range allCompressions {
					name := fmt.Sprintf("n=%d/%s/%v/%v", n, nc.name, enc, comp)
					t.Run(name, func(t *testing.T) {
						roundTrip(t, nc.col, Options{Encoding: enc, Compression: comp, MinSavingsPercent: -1})
					})
				}
			}
		}
	}
}

func TestRoundTripLarge(t *testing.T) {
	n := 100_000
	if raceEnabled {
		n = 20_000 // the full size runs without -race
	}
	patterns := []nullPattern{nullPatterns[0], nullPatterns[2], nullPatterns[4]}
	comps := allCompressions
	if testing.Short() || raceEnabled {
		patterns = patterns[:2]
		comps = []Compression{CompressionNone, CompressionZstd}
	}
	for _, nc := range columns(99, n, patterns) {
		for _, enc := range allEncodings {
			if enc != EncodingAuto && !enc.appliesTo(nc.col.Type) {
				continue
			}
			for _, comp := range comps {
				name := fmt.Sprintf("%s/%v/%v", nc.name, enc, comp)
				t.Run(name, func(t *testing.T) {
					roundTrip(t, nc.col, Options{Encoding: enc, Compression: comp, MinSavingsPercent: -1})
				})
			}
		}
	}
}

// TestCompressionExercised makes sure the codec paths are actually taken
// (random data may not compress, so the matrix alone does not prove it).
func TestCompressionExercised(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	c := bytesColumn(bytesGens[4].fn(r, 5000), nil) // sorted: compressible
	for _, comp := range []Compression{CompressionLZ4, CompressionZstd} {
		info := roundTrip(t, c, Options{Compression: comp})
		if info.Compression != comp || info.CompressedBytes >= info.EncodedBytes*9/10 {
			t.Fatalf("%v: got %+v", comp, info)
		}
	}
	info := roundTrip(t, c, Options{Compression: CompressionNone})
	if info.Compression != CompressionNone || info.CompressedBytes != info.EncodedBytes {
		t.Fatalf("none: got %+v", info)
	}
	// Incompressible data is stored raw even when a codec is asked for.
	rc := intColumn(intGens[0].fn(r, 5000), nil)
	if info := roundTrip(t, rc, Options{}); info.Compression != CompressionNone {
		t.Fatalf("random ints: compression %v kept", info.Compression)
	}
}

func TestEncodingChoice(t *testing.T) {
	const n = 100_000
	r := rand.New(rand.NewPCG(5, 5))
	perRow := func(info Info) float64 { return float64(info.ChunkBytes) / n }

	info := roundTrip(t, bytesColumn(bytesGens[1].fn(r, n), nil), Options{Compression: CompressionNone})
	if info.Encoding != EncodingDict || info.Zone.Distinct != 5 {
		t.Errorf("5 distinct strings: %v distinct=%d, want dict/5", info.Encoding, info.Zone.Distinct)
	}
	info = roundTrip(t, intColumn(intGens[1].fn(r, n), nil), Options{Compression: CompressionNone})
	if perRow(info) > 2.5 {
		t.Errorf("sorted small-delta ints: %v, %.2f bytes/row", info.Encoding, perRow(info))
	}
	info = roundTrip(t, intColumn(intGens[2].fn(r, n), nil), Options{Compression: CompressionNone})
	if info.Encoding != EncodingDict {
		t.Errorf("5 distinct wide ints: %v, want dict", info.Encoding)
	}
	info = roundTrip(t, intColumn(intGens[4].fn(r, n), nil), Options{Compression: CompressionNone})
	if info.Encoding != EncodingFOR && info.Encoding != EncodingDict {
		t.Errorf("small negatives: %v, want for or dict", info.Encoding)
	}
	info = roundTrip(t, intColumn(intGens[6].fn(r, n), nil), Options{Compression: CompressionNone})
	if info.Encoding != EncodingRLE {
		t.Errorf("long runs: %v, want rle", info.Encoding)
	}
	info = roundTrip(t, floatColumn(floatGens[2].fn(r, n), nil), Options{Compression: CompressionNone})
	if info.Encoding != EncodingDict {
		t.Errorf("4 distinct floats: %v, want dict", info.Encoding)
	}
	for _, c := range []*Column{
		intColumn(intGens[3].fn(r, n), nil),
		floatColumn(floatGens[3].fn(r, n), nil),
		bytesColumn(bytesGens[2].fn(r, n), nil),
		intColumn(make([]int64, n), nullPatterns[1].fn(r, n)),
	} {
		info := roundTrip(t, c, Options{})
		if info.ChunkBytes > 128 {
			t.Errorf("constant %v column: %d bytes (%v/%v)", c.Type, info.ChunkBytes, info.Encoding, info.Compression)
		}
	}
	// A constant bool column relies on compression.
	info = roundTrip(t, boolColumn(boolGens[1].fn(r, n), nil), Options{})
	if info.ChunkBytes > 256 {
		t.Errorf("constant bools: %d bytes", info.ChunkBytes)
	}
	// Random ints are incompressible and stay near 8 bytes a row.
	info = roundTrip(t, intColumn(intGens[0].fn(r, n), nil), Options{})
	if perRow(info) > 8.01 {
		t.Errorf("random ints: %.3f bytes/row", perRow(info))
	}
}

func TestZoneMapStrings(t *testing.T) {
	long := bytes.Repeat([]byte("m"), 100)
	ff := bytes.Repeat([]byte{0xFF}, 50)
	tests := []struct {
		name     string
		vals     [][]byte
		prefix   int
		wantMin  string
		wantMax  string
		minTrunc bool
		maxTrunc bool
		unbound  bool
	}{
		{"short", [][]byte{[]byte("b"), []byte("a"), []byte("c")}, 4, "a", "c", false, false, false},
		{"truncated", [][]byte{long, []byte("a")}, 4, "a", "mmmn", false, true, false},
		{"min truncated", [][]byte{long, append([]byte("zz"), long...)}, 4, "mmmm", "zzmn", true, true, false},
		{"ff tail", [][]byte{append([]byte("ab"), ff...)}, 4, "ab\xff\xff", "ac", true, true, false},
		{"all ff", [][]byte{ff, []byte("a")}, 4, "a", "", false, false, true},
		{"empty", [][]byte{{}, {}}, 4, "", "", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := bytesColumn(tt.vals, nil)
			_, info, err := Encode(nil, c, Options{ZoneMapPrefixBytes: tt.prefix})
			if err != nil {
				t.Fatal(err)
			}
			z := info.Zone
			if string(z.MinBytes) != tt.wantMin || z.MinTruncated != tt.minTrunc ||
				string(z.MaxBytes) != tt.wantMax || z.MaxTruncated != tt.maxTrunc || z.MaxUnbounded != tt.unbound {
				t.Fatalf("got %+v", z)
			}
			for _, v := range tt.vals {
				if !z.MayContainBytes(v) {
					t.Fatalf("excludes %q", v)
				}
			}
			if tt.unbound {
				return
			}
			if z.MayContainBytes(append([]byte(tt.wantMax), 0)) && tt.maxTrunc {
				t.Fatalf("truncated max should exclude values above it")
			}
		})
	}
}

func TestZoneMapFloats(t *testing.T) {
	c := floatColumn([]float64{math.NaN(), 2, math.Copysign(0, -1), math.Inf(-1)}, nil)
	_, info, err := Encode(nil, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	z := info.Zone
	if !z.HasNaN || !z.HasMinMax || !math.IsInf(z.MinFloat, -1) || z.MaxFloat != 2 {
		t.Fatalf("got %+v", z)
	}
	if z.MayContainFloat(3) || !z.MayContainFloat(0) || !z.MayContainFloat(math.NaN()) {
		t.Fatalf("MayContainFloat wrong for %+v", z)
	}
	c = floatColumn([]float64{math.NaN(), math.NaN()}, nil)
	_, info, err = Encode(nil, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Zone.HasMinMax || !info.Zone.HasNaN || info.Zone.MayContainFloat(1) {
		t.Fatalf("all-NaN zone %+v", info.Zone)
	}
}

func smallChunk(t testing.TB) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 3))
	c := intColumn(intGens[4].fn(r, 40), nullPatterns[2].fn(r, 40))
	buf, _, err := Encode(nil, c, Options{Compression: CompressionNone})
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func TestCorruptionEveryByte(t *testing.T) {
	chunks := map[string][]byte{"ints": smallChunk(t)}
	r := rand.New(rand.NewPCG(4, 4))
	for _, comp := range allCompressions {
		for _, tc := range []*Column{
			bytesColumn(bytesGens[1].fn(r, 60), nullPatterns[2].fn(r, 60)),
			floatColumn(floatGens[1].fn(r, 30), nil),
			boolColumn(boolGens[0].fn(r, 70), nullPatterns[3].fn(r, 70)),
			intColumn(intGens[6].fn(r, 3000), nil),
		} {
			buf, info, err := Encode(nil, tc, Options{Compression: comp, MinSavingsPercent: -1})
			if err != nil {
				t.Fatal(err)
			}
			chunks[fmt.Sprintf("%v/%v/%v", tc.Type, info.Encoding, info.Compression)] = buf
		}
	}
	for name, buf := range chunks {
		var col Column
		for i := range buf {
			for _, flip := range []byte{0x01, 0x80, 0xFF} {
				bad := bytes.Clone(buf)
				bad[i] ^= flip
				if _, err := Decode(bad, &col); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s: flip %#x at byte %d of %d: err %v, want ErrCorrupt", name, flip, i, len(buf), err)
				}
			}
		}
		for n := 0; n < len(buf); n++ {
			if _, err := Decode(buf[:n], &col); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: truncated to %d: err %v", name, n, err)
			}
		}
		if _, err := Decode(append(bytes.Clone(buf), 0), &col); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: trailing byte: err %v", name, err)
		}
	}
}

// fixCRCs recomputes both checksums of a (possibly mutated) chunk so tests
// and fuzzers reach the structural checks behind them. It leaves inputs it
// cannot parse alone.
func fixCRCs(b []byte) []byte {
	if len(b) < minChunkBytes {
		return b
	}
	b = bytes.Clone(b)
	z := int(binary.LittleEndian.Uint32(b[16:]))
	if z <= len(b)-minChunkBytes {
		zEnd := FixedHeaderBytes + z
		binary.LittleEndian.PutUint32(b[zEnd:], crc32.Checksum(b[:zEnd], castagnoli))
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	return b
}

// TestStructuralCorruption mutates bytes behind valid checksums: Decode
// must return an error or a column, never panic.
func TestStructuralCorruption(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	var seeds [][]byte
	for _, nc := range columns(8, 300, nullPatterns[:3]) {
		for _, enc := range allEncodings {
			if enc != EncodingAuto && !enc.appliesTo(nc.col.Type) {
				continue
			}
			buf, _, err := Encode(nil, nc.col, Options{Encoding: enc, Compression: CompressionNone})
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, buf)
		}
	}
	var col Column
	iters := 50_000
	if testing.Short() {
		iters = 10_000
	}
	for i := 0; i < iters; i++ {
		b := bytes.Clone(seeds[r.IntN(len(seeds))])
		for k := 1 + r.IntN(3); k > 0; k-- {
			b[r.IntN(len(b))] = byte(r.Uint32())
		}
		_, err := Decode(fixCRCs(b), &col)
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("unexpected error class: %v", err)
		}
	}
}

func TestLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	c := intColumn(intGens[3].fn(r, 5000), nil) // constant: a tiny chunk
	buf, _, err := Encode(nil, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var col Column
	if _, err := DecodeWithLimits(buf, &col, Limits{MaxRows: 4999}); !errors.Is(err, ErrLimit) {
		t.Fatalf("rows over limit: %v", err)
	}
	if _, _, err := Encode(nil, c, Options{Limits: Limits{MaxRows: 10}}); !errors.Is(err, ErrInvalidColumn) {
		t.Fatalf("encode over row limit: %v", err)
	}
	// A dictionary of one 1000-byte string repeated materialises to 5 MB.
	s := bytes.Repeat([]byte("x"), 1000)
	vals := make([][]byte, 5000)
	for i := range vals {
		vals[i] = s
	}
	buf, info, err := Encode(nil, bytesColumn(vals, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.ChunkBytes > 2000 {
		t.Fatalf("repeated string chunk is %d bytes", info.ChunkBytes)
	}
	if _, err := DecodeWithLimits(buf, &col, Limits{MaxDecodedBytes: 1 << 20}); !errors.Is(err, ErrLimit) {
		t.Fatalf("materialised bytes over limit: %v", err)
	}
	if _, err := DecodeWithLimits(buf, &col, Limits{MaxDecodedBytes: 8 << 20}); err != nil {
		t.Fatalf("within limit: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name string
		c    *Column
		opts Options
		want error
	}{
		{"bad type", &Column{Type: 9}, Options{}, ErrInvalidColumn},
		{"short ints", &Column{Type: TypeInt64, Len: 3, Ints: []int64{1}}, Options{}, ErrInvalidColumn},
		{"short valid", &Column{Type: TypeInt64, Len: 65, Ints: make([]int64, 65), Valid: []uint64{1}}, Options{}, ErrInvalidColumn},
		{"decreasing offsets", &Column{Type: TypeBytes, Len: 2, Offsets: []uint32{0, 2, 1}, Bytes: []byte("ab")}, Options{}, ErrInvalidColumn},
		{"offset past bytes", &Column{Type: TypeBytes, Len: 1, Offsets: []uint32{0, 3}, Bytes: []byte("ab")}, Options{}, ErrInvalidColumn},
		{"rle strings", &Column{Type: TypeBytes}, Options{Encoding: EncodingRLE}, ErrInvalidOptions},
		{"bad compression", &Column{Type: TypeBool}, Options{Compression: 9}, ErrInvalidOptions},
		{"big prefix", &Column{Type: TypeBool}, Options{ZoneMapPrefixBytes: 5000}, ErrInvalidOptions},
	}
	for _, tc := range cases {
		if _, _, err := Encode(nil, tc.c, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestHeaderLenAndReadInfo(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	c := bytesColumn(bytesGens[3].fn(r, 500), nullPatterns[2].fn(r, 500))
	buf, info, err := Encode(nil, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := HeaderLen(buf[:FixedHeaderBytes])
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadInfo(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	if got.ChunkBytes != len(buf) || got.Encoding != info.Encoding || !bytes.Equal(got.Zone.MinBytes, info.Zone.MinBytes) {
		t.Fatalf("ReadInfo %+v, Encode %+v", got, info)
	}
	if _, err := ReadInfo(buf[:n-1]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short header: %v", err)
	}
	for i := 0; i < n; i++ {
		bad := bytes.Clone(buf[:n])
		bad[i] ^= 0x10
		if _, err := ReadInfo(bad); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items); checked without -race")
	}
	r := rand.New(rand.NewPCG(11, 11))
	for _, c := range []*Column{
		intColumn(intGens[1].fn(r, 10000), nullPatterns[2].fn(r, 10000)),
		bytesColumn(bytesGens[1].fn(r, 10000), nil),
	} {
		for _, comp := range allCompressions {
			buf, _, err := Encode(nil, c, Options{Compression: comp, MinSavingsPercent: -1})
			if err != nil {
				t.Fatal(err)
			}
			var col Column
			if _, err := Decode(buf, &col); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := Decode(buf, &col); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > 0 {
				t.Errorf("%v/%v: %.1f allocs per steady-state Decode", c.Type, comp, allocs)
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	cols := columns(12, 3000, nullPatterns[:3])
	_ = r
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			var err error
			defer func() { done <- err }()
			for i := g; i < len(cols); i += 4 {
				c := cols[i].col
				buf, _, e := Encode(nil, c, Options{Compression: allCompressions[i%3], MinSavingsPercent: -1})
				if e != nil {
					err = e
					return
				}
				var got Column
				if _, e := Decode(buf, &got); e != nil {
					err = e
					return
				}
				if got.Len != c.Len {
					err = fmt.Errorf("len %d != %d", got.Len, c.Len)
					return
				}
			}
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
