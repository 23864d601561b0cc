package eval

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"testing"
)

// byteSource drives the generator from fuzz input: 8 bytes per draw,
// then a PCG seeded from the input once the bytes run out.
type byteSource struct {
	data []byte
	pcg  *rand.PCG
}

func (s *byteSource) Uint64() uint64 {
	if len(s.data) >= 8 {
		x := binary.LittleEndian.Uint64(s.data)
		s.data = s.data[8:]
		return x
	}
	return s.pcg.Uint64()
}

// FuzzEval generates an expression and batches from the fuzz input and
// checks Eval, Select and Fold against the reference interpreter.
func FuzzEval(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("frigatebird"))
	f.Add(make([]byte, 64))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := fnv.New64a()
		h.Write(data)
		src := &byteSource{data: data, pcg: rand.NewPCG(h.Sum64(), 1)}
		if msg := runModel(newGen(rand.New(src))); msg != "" {
			t.Fatal(msg)
		}
	})
}
