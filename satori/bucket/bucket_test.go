package bucket

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomBucket returns a bucket of n random vectors of dim.
func randomBucket(r *rand.Rand, id uint32, n, dim int) *Bucket {
	b := &Bucket{ID: id, Dim: dim, IDs: make([]uint64, n), Versions: make([]uint64, n), Vectors: make([]float32, n*dim)}
	for i := range n {
		b.IDs[i] = r.Uint64()
		b.Versions[i] = r.Uint64()
	}
	for i := range b.Vectors {
		b.Vectors[i] = float32(r.NormFloat64())
	}
	return b
}

func equalBucket(a, b *Bucket) bool {
	if a.ID != b.ID || a.Dim != b.Dim || !slices.Equal(a.IDs, b.IDs) || !slices.Equal(a.Versions, b.Versions) || len(a.Vectors) != len(b.Vectors) {
		return false
	}
	for i := range a.IDs {
		if !slices.Equal(a.Attrs(i), b.Attrs(i)) {
			return false
		}
	}
	for i := range a.Vectors { // compare bits: NaN payloads must survive
		if math.Float32bits(a.Vectors[i]) != math.Float32bits(b.Vectors[i]) {
			return false
		}
	}
	return true
}

func TestBucketRoundTrip(t *testing.T) {
	seed := uint64(1)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	var into Bucket // reused across iterations, as a search worker would
	dims := []int{1, 2, 3, 7, 16, 128, 1024}
	for i := range 200 {
		dim := dims[i%len(dims)]
		if i%3 == 0 {
			dim = 1 + r.IntN(1024)
		}
		n := r.IntN(40)
		if i%10 == 0 {
			n = 0
		}
		b := randomBucket(r, r.Uint32(), n, dim)
		if i == 5 && n > 0 {
			b.Vectors[0] = math.Float32frombits(0x7fc00001) // NaN with a payload
			b.Vectors[len(b.Vectors)-1] = float32(math.Inf(-1))
		}
		enc := appendBucket(nil, b)
		if uint64(len(enc)) != minEncodedBytes(uint64(n), uint64(dim)) {
			t.Fatalf("encoded %d bytes, want %d", len(enc), minEncodedBytes(uint64(n), uint64(dim)))
		}
		if err := decodeBucket(enc, &into); err != nil {
			t.Fatalf("bucket %d (n %d dim %d): %v", i, n, dim, err)
		}
		if !equalBucket(b, &into) {
			t.Fatalf("bucket %d (n %d dim %d): round trip differs", i, n, dim)
		}
	}
}

// TestBucketAttrs: attributes round-trip through Append and the encoding,
// including vectors without any among ones with some, and malformed
// offsets are rejected.
func TestBucketAttrs(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 0))
	var b, into Bucket
	for round := range 50 {
		b.Reset(uint32(round), 3)
		n := r.IntN(20)
		want := make([][]byte, n)
		for i := range n {
			if r.IntN(3) > 0 {
				want[i] = make([]byte, 1+r.IntN(12))
				for j := range want[i] {
					want[i][j] = byte(r.Uint32())
				}
			}
			b.Append(uint64(i), uint64(i+1), []float32{1, 2, 3}, want[i])
		}
		enc := appendBucket(nil, &b)
		if uint64(len(enc)) != b.encodedSize() {
			t.Fatalf("round %d: encoded %d bytes, encodedSize %d", round, len(enc), b.encodedSize())
		}
		if err := decodeBucket(enc, &into); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for i := range n {
			if !slices.Equal(into.Attrs(i), want[i]) {
				t.Fatalf("round %d: vector %d attrs %x, want %x", round, i, into.Attrs(i), want[i])
			}
		}
		if !equalBucket(&b, &into) {
			t.Fatalf("round %d: round trip differs", round)
		}
	}
	// An offset that goes backwards, with a valid checksum, is corrupt.
	b.Reset(1, 1)
	b.Append(1, 1, []float32{1}, []byte("ab"))
	b.Append(2, 2, []float32{2}, []byte("cd"))
	b.AttrOffsets[1] = 5
	if err := b.validate(1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("validate of backwards offsets: %v", err)
	}
	b.AttrOffsets[1] = 3
	b.AttrData = b.AttrData[:2]
	b.AttrOffsets[2] = 2
	enc := appendBucket(nil, &b)
	if err := decodeBucket(enc, &into); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("decode of backwards offsets: %v", err)
	}
}

// TestBucketEveryByteFlip: flipping any single byte, to any other value
// tried, is detected (CRC32C catches every burst of up to 32 bits).
func TestBucketEveryByteFlip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 0))
	for _, shape := range [][2]int{{0, 1}, {1, 1}, {3, 5}, {17, 64}} {
		enc := appendBucket(nil, randomBucket(r, 9, shape[0], shape[1]))
		var into Bucket
		for i := range enc {
			for _, x := range []byte{0x01, 0x80, 0xff, byte(1 + r.IntN(255))} {
				enc[i] ^= x
				err := decodeBucket(enc, &into)
				enc[i] ^= x
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("shape %v: flip %#x at byte %d: err %v, want ErrCorrupt", shape, x, i, err)
				}
			}
		}
		for n := range len(enc) {
			if err := decodeBucket(enc[:n], &into); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("shape %v: truncated to %d: err %v", shape, n, err)
			}
		}
		if err := decodeBucket(append(slices.Clone(enc), 0), &into); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("shape %v: extended: err %v", shape, err)
		}
	}
}

func TestBucketValidate(t *testing.T) {
	for _, b := range []*Bucket{
		{Dim: 3, IDs: []uint64{1}, Versions: []uint64{1}, Vectors: []float32{1, 2}},
		{Dim: 3, IDs: []uint64{1}, Versions: nil, Vectors: []float32{1, 2, 3}},
		{Dim: 2, IDs: []uint64{1}, Versions: []uint64{1}, Vectors: []float32{1, 2}},
	} {
		if err := b.validate(3); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err %v, want ErrInvalid", b, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 0))
	f.Add(appendBucket(nil, randomBucket(r, 1, 0, 1)))
	f.Add(appendBucket(nil, randomBucket(r, 2, 3, 4)))
	f.Add([]byte(BucketMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b Bucket
		if err := decodeBucket(data, &b); err != nil {
			return
		}
		if err := b.validate(b.Dim); err != nil {
			t.Fatalf("decoded an invalid bucket: %v", err)
		}
		if re := appendBucket(nil, &b); !slices.Equal(re, data) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add(encodeManifest(&manifest{seq: 1, nextSeg: 3, dim: 2, live: map[uint32]Entry{
		7: {Loc: Loc{Segment: 2, Offset: 10, Length: int32(minEncodedBytes(1, 2)), Head: int32(minEncodedBytes(1, 2) - 8)}, Centroid: []float32{1, 2}, Count: 1},
	}, meta: []byte("x")}))
	f.Add(encodeCurrent(5))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := decodeManifest(data); err == nil {
			if re := encodeManifest(m); !slices.Equal(re, data) {
				t.Fatalf("re-encoding differs")
			}
		}
		decodeCurrent(data)
	})
}

func TestManifestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 0))
	for _, n := range []int{0, 1, 5, 100} {
		dim := 1 + r.IntN(50)
		m := &manifest{seq: 1 + r.Uint64N(1000), nextSeg: 50, dim: dim, live: map[uint32]Entry{}, meta: []byte("meta")}
		for range n {
			cnt := r.IntN(100)
			c := make([]float32, dim)
			for j := range c {
				c[j] = r.Float32()
			}
			m.live[r.Uint32()] = Entry{Loc: Loc{Segment: r.Uint32N(50), Offset: r.Int64N(1 << 40), Length: int32(minEncodedBytes(uint64(cnt), uint64(dim))), Head: int32(minEncodedBytes(uint64(cnt), uint64(dim)) - 4*uint64(cnt*dim))}, Centroid: c, Count: cnt}
		}
		enc := encodeManifest(m)
		got, err := decodeManifest(enc)
		if err != nil {
			t.Fatalf("n %d: %v", n, err)
		}
		if got.seq != m.seq || got.nextSeg != m.nextSeg || got.dim != m.dim || !slices.Equal(got.meta, m.meta) || len(got.live) != len(m.live) {
			t.Fatalf("n %d: header differs", n)
		}
		for id, e := range m.live {
			g := got.live[id]
			if g.Loc != e.Loc || g.Count != e.Count || !slices.Equal(g.Centroid, e.Centroid) {
				t.Fatalf("n %d: entry %d differs", n, id)
			}
		}
		for i := range enc {
			enc[i] ^= 0x10
			if _, err := decodeManifest(enc); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("n %d: flip at %d: %v", n, i, err)
			}
			enc[i] ^= 0x10
		}
	}
	cur := encodeCurrent(77)
	if seq, err := decodeCurrent(cur); err != nil || seq != 77 {
		t.Fatalf("CURRENT: %d, %v", seq, err)
	}
	for i := range cur {
		cur[i] ^= 4
		if _, err := decodeCurrent(cur); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("CURRENT flip at %d: %v", i, err)
		}
		cur[i] ^= 4
	}
}
