//go:build !reefonly

package main

import (
	"fmt"
	"math/rand/v2"
)

// Payloads is a read-only pool of random values of one size, generated from a
// seed: the same seed and size give the same bytes on every machine and every
// run, and Reef and its peers append exactly the same values. Random bytes do
// not compress, so no engine gains from compression.
type Payloads struct {
	buf       []byte
	sizeBytes int
	n         int
}

// NewPayloads generates n values of sizeBytes each from seed.
func NewPayloads(seed uint64, sizeBytes, n int) *Payloads {
	if sizeBytes <= 0 || n <= 0 {
		panic(fmt.Sprintf("bench: payloads of %d bytes × %d", sizeBytes, n))
	}
	// The size is the PCG stream, so pools of different sizes differ.
	rng := rand.New(rand.NewPCG(seed, uint64(sizeBytes)))
	buf := make([]byte, sizeBytes*n)
	for i := 0; i+8 <= len(buf); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			buf[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(buf) &^ 7; i < len(buf); i++ {
		buf[i] = byte(rng.Uint64())
	}
	return &Payloads{buf: buf, sizeBytes: sizeBytes, n: n}
}

// At returns value i modulo the pool size. Callers must not modify it.
func (p *Payloads) At(i int) []byte {
	j := i % p.n
	if j < 0 {
		j += p.n
	}
	return p.buf[j*p.sizeBytes : (j+1)*p.sizeBytes : (j+1)*p.sizeBytes]
}

// SizeBytes returns the size of every value.
func (p *Payloads) SizeBytes() int { return p.sizeBytes }
