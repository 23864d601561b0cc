package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"
)

// kernelState is the state machine both sides replicate: it counts the
// commands it applied and keeps a copy of the last one. Applying is a copy
// and an increment, so a run measures consensus and the log, not a service.
// apply, snapshot and restore are called from one goroutine at a time (each
// side's contract); Applied may be called from any.
type kernelState struct {
	applied atomic.Uint64
	last    []byte
}

func (s *kernelState) apply(cmd []byte) {
	s.last = append(s.last[:0], cmd...)
	s.applied.Add(1)
}

// Applied returns how many commands were applied.
func (s *kernelState) Applied() uint64 { return s.applied.Load() }

// snapshot encodes the state: the count (8 bytes, big endian), then the last
// command.
func (s *kernelState) snapshot() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(s.last)), s.applied.Load())
	return append(b, s.last...)
}

// restore replaces the state with what snapshot encoded, read from r.
func (s *kernelState) restore(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("kernelrun: restore state: %w", err)
	}
	if len(b) < 8 {
		return fmt.Errorf("kernelrun: restore state: snapshot of %d bytes, want at least 8", len(b))
	}
	s.applied.Store(binary.BigEndian.Uint64(b))
	s.last = append(s.last[:0], b[8:]...)
	return nil
}
