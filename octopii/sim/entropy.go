package sim

import (
	crand "crypto/rand"
	"io"
	"math/rand/v2"
	"sync"
)

// etcd raft draws its randomized election timeouts from crypto/rand.Reader.
// A run must be a function of its seed, so while it runs that reader is
// replaced by one fed from the run's generator. Runs in one process take
// turns (entropyMu), and nothing else in a simulation process may rely on
// crypto/rand meanwhile.
var entropyMu sync.Mutex

type seededReader struct{ r *rand.Rand }

func (s seededReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s.r.Uint32())
	}
	return len(p), nil
}

// installEntropy makes crypto/rand.Reader draw from r until the returned
// function restores it.
func installEntropy(r *rand.Rand) (restore func()) {
	entropyMu.Lock()
	prev := crand.Reader
	crand.Reader = io.Reader(seededReader{r})
	return func() {
		crand.Reader = prev
		entropyMu.Unlock()
	}
}
