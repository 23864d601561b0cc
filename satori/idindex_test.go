package satori

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIDIndexModel: random sets and removes (ids clustered so probe runs
// collide and wrap, plus the extreme ids) agree with a Go map after every
// step, through many growths.
func TestIDIndexModel(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	var x idIndex
	model := map[uint64]slot{}
	ids := []uint64{0, 1, math.MaxUint64, math.MaxUint64 - 1}
	for range 3000 {
		ids = append(ids, uint64(r.IntN(5000)), r.Uint64())
	}
	for step := range 200_000 {
		id := ids[r.IntN(len(ids))]
		if r.IntN(3) == 0 {
			x.remove(id)
			delete(model, id)
		} else {
			s := slot{version: r.Uint64(), bucket: 1 + r.Uint32N(1000)}
			x.set(id, s)
			model[id] = s
		}
		if x.len() != len(model) {
			t.Fatalf("step %d: len %d, model %d", step, x.len(), len(model))
		}
		if step%1000 == 0 {
			for _, id := range ids {
				got, ok := x.get(id)
				want, wok := model[id]
				if ok != wok || got != want {
					t.Fatalf("step %d: id %d: %v %v, want %v %v", step, id, got, ok, want, wok)
				}
			}
			n := 0
			x.each(func(id uint64, s slot) {
				if model[id] != s {
					t.Fatalf("step %d: each gave %d %v, want %v", step, id, s, model[id])
				}
				n++
			})
			if n != len(model) {
				t.Fatalf("step %d: each gave %d ids, want %d", step, n, len(model))
			}
		}
	}
}
