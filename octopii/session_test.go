package octopii

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestSessionsAgainstModel drives firstTime with random, often repeated
// sequence numbers and compares with a plain set, under the rule that a
// number more than sessionWindow below the highest counts as seen.
func TestSessionsAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := &Replica{sessions: map[uint64]*session{}}
	seen := map[uint64]map[uint64]bool{}
	high := map[uint64]uint64{}
	for i := uint64(1); i <= 200000; i++ {
		inc := uint64(1 + rng.IntN(3))
		if seen[inc] == nil {
			seen[inc] = map[uint64]bool{}
		}
		var seq uint64
		switch rng.IntN(4) {
		case 0: // far ahead
			seq = high[inc] + 1 + rng.Uint64N(3000)
		case 1: // a repeat of a recent one
			seq = high[inc] - min(high[inc], rng.Uint64N(1200))
		default:
			seq = high[inc] + 1 + rng.Uint64N(3)
		}
		if seq == 0 {
			continue
		}
		want := !seen[inc][seq] && !(high[inc] >= sessionWindow && seq <= high[inc]-sessionWindow)
		if got := r.firstTime(inc, seq, i); got != want {
			t.Fatalf("step %d: firstTime(%d, %d) = %v, want %v (high %d)", i, inc, seq, got, want, high[inc])
		}
		if want {
			seen[inc][seq] = true
		}
		high[inc] = max(high[inc], seq)
	}
	// The record survives a snapshot round trip.
	b := r.writeSessions(nil)
	r2 := &Replica{}
	if err := r2.readSessions(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r2.writeSessions(nil), b) {
		t.Fatal("sessions differ after a round trip")
	}
}

// TestSessionsEvictLeastRecent bounds the sessions kept.
func TestSessionsEvictLeastRecent(t *testing.T) {
	r := &Replica{sessions: map[uint64]*session{}}
	for inc := uint64(1); inc <= maxSessions+10; inc++ {
		r.firstTime(inc, 1, inc)
	}
	if len(r.sessions) != maxSessions {
		t.Fatalf("%d sessions, want %d", len(r.sessions), maxSessions)
	}
	for inc := uint64(1); inc <= 10; inc++ {
		if r.sessions[inc] != nil {
			t.Fatalf("session %d (least recent) was kept", inc)
		}
	}
}
