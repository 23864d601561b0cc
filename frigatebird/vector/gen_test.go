package vector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

// seeds returns the seeds a randomized test runs: fewer under -race.
func iterations() int {
	if raceEnabled || testing.Short() {
		return 30
	}
	return 300
}

func newRand(t testing.TB) (*rand.Rand, uint64) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, 1)), seed
}

var edgeInts = []int64{0, 1, -1, math.MinInt64, math.MaxInt64, math.MinInt32, math.MaxInt32, 1 << 31, -(1 << 31) - 1, 3037000499, -3037000500}
var edgeFloats = []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1.5, -1.5, math.MaxFloat64, math.SmallestNonzeroFloat64}
var edgeStrs = []string{"", "a", "ab", "abc", "é", "日本語", "a%b", "_", "ABC", "Straße", "\xff", "aaaaaaaaab", "héllo wörld"}

// randLen returns a vector length, biased to edges of words and Size.
func randLen(r *rand.Rand) int {
	switch r.IntN(6) {
	case 0:
		return r.IntN(3)
	case 1:
		return Size
	case 2:
		return 63 + r.IntN(3)
	}
	return r.IntN(Size + 1)
}

// randVector returns a vector of type t with random values (edge values
// mixed in, small domains so comparisons hit equality) and maybe NULLs.
func randVector(r *rand.Rand, t types.Type, n int) *Vector {
	v := New(t)
	v.Reset(t, n)
	small := r.IntN(2) == 0
	for i := 0; i < n; i++ {
		switch t.Phys() {
		case types.PhysInt64:
			switch {
			case r.IntN(10) == 0:
				v.Ints[i] = edgeInts[r.IntN(len(edgeInts))]
			case small:
				v.Ints[i] = r.Int64N(7) - 3
			default:
				v.Ints[i] = r.Int64() >> r.IntN(64)
			}
			if t.IsInteger() || t.Kind == types.KindDecimal {
				lo, hi := t.IntRange()
				if v.Ints[i] < lo || v.Ints[i] > hi {
					v.Ints[i] = r.Int64N(hi/2+1) - r.Int64N(-(lo/2)+1)
				}
			}
		case types.PhysFloat64:
			switch {
			case r.IntN(8) == 0:
				v.Floats[i] = edgeFloats[r.IntN(len(edgeFloats))]
			case small:
				v.Floats[i] = float64(r.IntN(7)-3) / 2
			default:
				v.Floats[i] = r.NormFloat64() * 1e6
			}
		case types.PhysBool:
			v.SetBool(i, r.IntN(2) == 0)
		case types.PhysBytes:
			var s string
			if r.IntN(3) == 0 {
				s = edgeStrs[r.IntN(len(edgeStrs))]
			} else {
				b := make([]byte, r.IntN(6))
				for j := range b {
					b[j] = "abcAB%_"[r.IntN(7)]
				}
				s = string(b)
			}
			v.AppendStr(i, []byte(s))
		}
	}
	if r.IntN(3) > 0 {
		p := r.IntN(4) // density of NULLs: 0, 1/4, 1/2, 3/4
		v.Valid = make([]uint64, Words(n))
		for i := range v.Valid {
			v.Valid[i] = ^uint64(0)
		}
		for i := 0; i < n; i++ {
			if r.IntN(4) < p {
				v.SetNull(i)
				// Garbage in NULL slots must not matter.
				if t.Phys() == types.PhysInt64 {
					v.Ints[i] = math.MinInt64
				}
			}
		}
	}
	return v
}

// randSel returns nil or a random increasing selection of 0..n-1.
func randSel(r *rand.Rand, n int) []uint16 {
	if r.IntN(3) == 0 {
		return nil
	}
	p := r.Float64()
	sel := make([]uint16, 0, Size)
	for i := 0; i < n; i++ {
		if r.Float64() < p {
			sel = append(sel, uint16(i))
		}
	}
	return sel
}

func rows(sel []uint16, n int) []int {
	var out []int
	if sel == nil {
		for i := 0; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	for _, i := range sel {
		out = append(out, int(i))
	}
	return out
}

func equalSel(t *testing.T, what string, got []uint16, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d rows, want %d (got %v want %v)", what, len(got), len(want), trunc(got), want[:min(len(want), 20)])
	}
	for k := range got {
		if int(got[k]) != want[k] {
			t.Fatalf("%s: row %d is %d, want %d", what, k, got[k], want[k])
		}
	}
}

func trunc(s []uint16) []uint16 { return s[:min(len(s), 20)] }
