package chunk

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Decode benchmarks report throughput in decoded bytes (8 per int, string
// bytes plus 4-byte offsets per string row).

func benchDecode(b *testing.B, c *Column, opts Options, outBytes int) {
	buf, info, err := Encode(nil, c, opts)
	if err != nil {
		b.Fatal(err)
	}
	var col Column
	if _, err := Decode(buf, &col); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(info.ChunkBytes)/float64(c.Len), "chunkB/row")
	b.SetBytes(int64(outBytes))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Decode(buf, &col); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeIntFOR(b *testing.B) {
	const n = 100_000
	for _, width := range []int{1, 7, 13, 24, 33, 48} {
		r := rand.New(rand.NewPCG(1, uint64(width)))
		v := make([]int64, n)
		for i := range v {
			v[i] = 1_000_000 + int64(r.Uint64()>>(64-width))
		}
		for _, comp := range []Compression{CompressionNone, CompressionZstd} {
			b.Run(fmt.Sprintf("w=%d/%v", width, comp), func(b *testing.B) {
				benchDecode(b, intColumn(v, nil), Options{Encoding: EncodingFOR, Compression: comp, MinSavingsPercent: -1}, 8*n)
			})
		}
	}
}

func BenchmarkDecodeIntPlain(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(2, 2))
	benchDecode(b, intColumn(intGens[0].fn(r, n), nil), Options{Encoding: EncodingPlain, Compression: CompressionNone}, 8*n)
}

func BenchmarkDecodeIntDict(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(3, 3))
	benchDecode(b, intColumn(intGens[2].fn(r, n), nil), Options{Encoding: EncodingDict, Compression: CompressionNone}, 8*n)
}

func BenchmarkDecodeIntRLE(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(3, 3))
	benchDecode(b, intColumn(intGens[6].fn(r, n), nil), Options{Encoding: EncodingRLE, Compression: CompressionNone}, 8*n)
}

func BenchmarkDecodeIntFORNulls(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(4, 4))
	c := intColumn(intGens[1].fn(r, n), nullPatterns[2].fn(r, n))
	benchDecode(b, c, Options{Encoding: EncodingFOR, Compression: CompressionNone}, 8*n)
}

func BenchmarkDecodeStringDict(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(5, 5))
	c := bytesColumn(bytesGens[1].fn(r, n), nil)
	out := len(c.Bytes) + 4*n
	for _, comp := range []Compression{CompressionNone, CompressionZstd, CompressionLZ4} {
		b.Run(comp.String(), func(b *testing.B) {
			benchDecode(b, c, Options{Encoding: EncodingDict, Compression: comp, MinSavingsPercent: -1}, out)
		})
	}
}

func BenchmarkDecodeStringPlain(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(6, 6))
	c := bytesColumn(bytesGens[0].fn(r, n), nil)
	benchDecode(b, c, Options{Encoding: EncodingPlain, Compression: CompressionNone}, len(c.Bytes)+4*n)
}

func BenchmarkEncodeAuto(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(7, 7))
	cases := []namedColumn{
		{"int-sorted", intColumn(intGens[1].fn(r, n), nil)},
		{"int-random", intColumn(intGens[0].fn(r, n), nil)},
		{"string-lowcard", bytesColumn(bytesGens[1].fn(r, n), nil)},
		{"string-highcard", bytesColumn(bytesGens[0].fn(r, n), nil)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				buf, _, err = Encode(buf[:0], tc.col, Options{})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
