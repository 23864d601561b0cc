package octopii

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// Sessions make proposals exactly-once. A proposal carries its proposer's
// incarnation and a sequence number; the network can deliver a forwarded
// proposal twice (and a leader then appends it twice), so the replicas
// remember, per incarnation, which of the last sessionWindow sequence
// numbers were applied, and skip a repeat. The record is part of the
// replicated state: every replica decides alike, and snapshots carry it.
const (
	sessionWindow = 1024 // sequence numbers remembered below the highest
	maxSessions   = 256  // incarnations remembered; the least recent goes first
)

type session struct {
	maxSeq  uint64
	lastIdx uint64                     // log index of the session's last command (for eviction)
	applied [sessionWindow / 64]uint64 // bit i: maxSeq-i was applied
}

// shift moves the window up by k sequence numbers.
func (s *session) shift(k uint64) {
	if k >= sessionWindow {
		clear(s.applied[:])
		return
	}
	words, bits := int(k/64), uint(k%64)
	for i := len(s.applied) - 1; i >= 0; i-- {
		var v uint64
		if j := i - words; j >= 0 {
			v = s.applied[j] << bits
			if bits > 0 && j-1 >= 0 {
				v |= s.applied[j-1] >> (64 - bits)
			}
		}
		s.applied[i] = v
	}
}

// firstTime records (inc, seq) applied at index and reports whether it is
// new. A sequence number older than the window counts as seen: applying it
// could repeat it.
func (r *Replica) firstTime(inc, seq, index uint64) bool {
	s := r.sessions[inc]
	if s == nil {
		if len(r.sessions) >= maxSessions {
			var oldest uint64
			first := true
			for k, v := range r.sessions {
				if first || v.lastIdx < r.sessions[oldest].lastIdx {
					oldest, first = k, false
				}
			}
			delete(r.sessions, oldest)
		}
		s = &session{}
		r.sessions[inc] = s
	}
	s.lastIdx = index
	if seq > s.maxSeq {
		s.shift(seq - s.maxSeq)
		s.maxSeq = seq
		s.applied[0] |= 1
		return true
	}
	d := s.maxSeq - seq
	if d >= sessionWindow || s.applied[d/64]&(1<<(d%64)) != 0 {
		return false
	}
	s.applied[d/64] |= 1 << (d % 64)
	return true
}

// writeSessions appends the sessions, in incarnation order, to b.
func (r *Replica) writeSessions(b []byte) []byte {
	incs := make([]uint64, 0, len(r.sessions))
	for inc := range r.sessions {
		incs = append(incs, inc)
	}
	slices.Sort(incs)
	b = binary.BigEndian.AppendUint32(b, uint32(len(incs)))
	for _, inc := range incs {
		s := r.sessions[inc]
		b = binary.BigEndian.AppendUint64(b, inc)
		b = binary.BigEndian.AppendUint64(b, s.maxSeq)
		b = binary.BigEndian.AppendUint64(b, s.lastIdx)
		for _, w := range s.applied {
			b = binary.BigEndian.AppendUint64(b, w)
		}
	}
	return b
}

func (r *Replica) readSessions(rd io.Reader) error {
	var n [4]byte
	if _, err := io.ReadFull(rd, n[:]); err != nil {
		return fmt.Errorf("%w: snapshot sessions: %v", ErrCorrupt, err)
	}
	count := binary.BigEndian.Uint32(n[:])
	if count > maxSessions {
		return fmt.Errorf("%w: snapshot holds %d sessions", ErrCorrupt, count)
	}
	sessions := make(map[uint64]*session, count)
	buf := make([]byte, 24+sessionWindow/8)
	for i := uint32(0); i < count; i++ {
		if _, err := io.ReadFull(rd, buf); err != nil {
			return fmt.Errorf("%w: snapshot sessions: %v", ErrCorrupt, err)
		}
		s := &session{maxSeq: binary.BigEndian.Uint64(buf[8:]), lastIdx: binary.BigEndian.Uint64(buf[16:])}
		for j := range s.applied {
			s.applied[j] = binary.BigEndian.Uint64(buf[24+8*j:])
		}
		sessions[binary.BigEndian.Uint64(buf)] = s
	}
	r.sessions = sessions
	return nil
}
