package hnsw

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"testing"
)

func smallGraph(t testing.TB, n int, metric Metric) (*Graph, [][]float32) {
	rng := rand.New(rand.NewPCG(uint64(n), 17))
	vecs := mixture(rng, n, 8, 5, 0.3)
	train := append(mixture(rng, 20, 8, 5, 0.3), vecs...)
	g := mustGraph(t, Options{Dim: 8, Metric: metric, M: 4, EfConstruction: 32, Seed: 3}, train)
	for i, v := range vecs {
		if err := g.Add(uint32(i*3), v); err != nil {
			t.Fatal(err)
		}
		if i%5 == 4 {
			g.Remove(uint32((i - 2) * 3))
		}
	}
	return g, vecs
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, metric := range []Metric{L2, InnerProduct} {
		for _, n := range []int{0, 1, 2, 300} {
			g, vecs := smallGraph(t, n, metric)
			b, err := g.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			h, err := Unmarshal(b)
			if err != nil {
				t.Fatalf("%v n=%d: %v", metric, n, err)
			}
			if err := h.Check(); err != nil {
				t.Fatal(err)
			}
			if h.Len() != g.Len() || h.Nodes() != g.Nodes() || h.Options() != g.Options() {
				t.Fatalf("%v n=%d: Len %d/%d Nodes %d/%d", metric, n, h.Len(), g.Len(), h.Nodes(), g.Nodes())
			}
			again, _ := h.MarshalBinary()
			if !bytes.Equal(b, again) {
				t.Fatalf("%v n=%d: re-marshal differs", metric, n)
			}
			for _, q := range vecs {
				if a, b := g.Search(q, 5, 20, nil), h.Search(q, 5, 20, nil); !slices.Equal(a, b) {
					t.Fatalf("%v n=%d: search differs: %v vs %v", metric, n, a, b)
				}
			}
			// The level generator state survives: the same adds build the same graph.
			extra := []float32{1, 2, 3, 4, 5, 6, 7, 8}
			if err := g.Add(1<<30, extra); err != nil {
				t.Fatal(err)
			}
			if err := h.Add(1<<30, extra); err != nil {
				t.Fatal(err)
			}
			b1, _ := g.MarshalBinary()
			b2, _ := h.MarshalBinary()
			if !bytes.Equal(b1, b2) {
				t.Fatalf("%v n=%d: graphs diverge after the same Add", metric, n)
			}
		}
	}
}

func TestMarshalBigRoundTrip(t *testing.T) {
	c := big(t)
	b, err := c.g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	h, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d nodes marshal to %d bytes (%.0f per node)", c.g.Nodes(), len(b), float64(len(b))/float64(c.g.Nodes()))
	for _, q := range c.queries {
		if a, b := c.g.Search(q, 10, 100, nil), h.Search(q, 10, 100, nil); !slices.Equal(a, b) {
			t.Fatalf("search differs after round trip: %v vs %v", a, b)
		}
	}
}

func reseal(b []byte) []byte {
	b = slices.Clone(b)
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	return b
}

func TestUnmarshalCorrupt(t *testing.T) {
	g, _ := smallGraph(t, 50, L2)
	good, _ := g.MarshalBinary()
	// Every single-byte flip is caught (by the CRC if nothing else).
	for i := range good {
		b := slices.Clone(good)
		b[i] ^= 0x40
		if _, err := Unmarshal(b); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
	for i := 0; i < len(good); i += 7 {
		if _, err := Unmarshal(good[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: %v", i, err)
		}
	}
	// Structural checks behind a valid CRC.
	b := slices.Clone(good)
	b[4] = 2
	if _, err := Unmarshal(reseal(b)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("version 2: %v", err)
	}
	b = slices.Clone(good)
	binary.LittleEndian.PutUint32(b[40:], 1<<30) // entry
	if _, err := Unmarshal(reseal(b)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("entry out of range: %v", err)
	}
	b = slices.Clone(good)
	binary.LittleEndian.PutUint32(b[36:], 1<<31) // node count
	if _, err := Unmarshal(reseal(b)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("huge node count: %v", err)
	}
	// A link to a node past the end: first link of node 0.
	b = slices.Clone(good)
	off := headerSize + 8*8 + 6 + 8
	if binary.LittleEndian.Uint16(b[off:]) > 0 {
		binary.LittleEndian.PutUint32(b[off+2:], 999)
		if _, err := Unmarshal(reseal(b)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("dangling link: %v", err)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, n := range []int{0, 1, 5, 40} {
		g, _ := smallGraph(f, n, L2)
		b, _ := g.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte("SHNW"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Let the fuzzer mutate structure without fighting the checksum.
		if len(b) >= 4 {
			b = reseal(b)
		}
		g, err := Unmarshal(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("error without ErrCorrupt: %v", err)
			}
			return
		}
		// A graph that decodes must pass Check, be searchable, extendable,
		// and re-encode to the same bytes.
		if err := g.Check(); err != nil {
			t.Fatalf("decoded graph fails Check: %v", err)
		}
		again, err := g.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-marshal differs (err %v)", err)
		}
		q := make([]float32, g.Options().Dim)
		g.Search(q, 3, 10, nil)
		g.Add(^uint32(0), q)
		g.Search(q, 3, 10, nil)
		if err := g.Check(); err != nil {
			t.Fatalf("after Add: %v", err)
		}
	})
}
