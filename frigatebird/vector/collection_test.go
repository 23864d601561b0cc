package vector

import (
	"math/rand/v2"
	"testing"

	"github.com/reefdb/reef/frigatebird/types"
)

// TestCollectionModel appends random batches (with selections and NULLs)
// and checks every row against a slice of values, through Value, Window
// and Gather, across segment boundaries.
func TestCollectionModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ts := []types.Type{types.BigInt, types.Double, types.Boolean, types.Text}
	c := NewCollection(ts)
	var want [][]types.Value
	total := SegmentRows + 3*Size + 17
	for c.Len() < total {
		n := 1 + rng.IntN(Size)
		b := Batch{Len: n}
		for _, ty := range ts {
			v := New(ty)
			v.Reset(ty, n)
			for i := 0; i < n; i++ {
				switch ty.Phys() {
				case types.PhysInt64:
					v.Ints[i] = rng.Int64()
				case types.PhysFloat64:
					v.Floats[i] = rng.NormFloat64()
				case types.PhysBool:
					v.SetBool(i, rng.IntN(2) == 0)
				case types.PhysBytes:
					v.AppendStr(i, []byte(string(rune('a'+rng.IntN(26)))+"xyz"[:rng.IntN(4)]))
				}
				if rng.IntN(5) == 0 {
					v.SetNull(i)
				}
			}
			b.Cols = append(b.Cols, v)
		}
		if rng.IntN(2) == 0 {
			for i := 0; i < n; i++ {
				if rng.IntN(3) != 0 {
					b.Sel = append(b.Sel, uint16(i))
				}
			}
			if b.Sel == nil {
				b.Sel = []uint16{}
			}
		}
		for k := 0; k < b.Active(); k++ {
			i := k
			if b.Sel != nil {
				i = int(b.Sel[k])
			}
			row := make([]types.Value, len(ts))
			for j := range ts {
				row[j] = b.Cols[j].Value(i)
			}
			want = append(want, row)
		}
		c.Append(&b)
	}
	if c.Len() != len(want) {
		t.Fatalf("Len %d, want %d", c.Len(), len(want))
	}
	same := func(a, b types.Value) bool { return a.Null == b.Null && (a.Null || a.String() == b.String()) }
	for r := range want {
		for j := range ts {
			if got := c.Value(r, j); !same(got, want[r][j]) {
				t.Fatalf("row %d col %d: %v, want %v", r, j, got, want[r][j])
			}
		}
	}
	var b Batch
	for at := 0; at < c.Len(); at += Size {
		n := min(Size, c.Len()-at)
		rows := make([]uint32, n)
		for i := range rows {
			rows[i] = uint32(at + i)
		}
		c.Gather(rows, &b)
		for i := 0; i < n; i++ {
			for j := range ts {
				if got := b.Cols[j].Value(i); !same(got, want[at+i][j]) {
					t.Fatalf("gather row %d col %d: %v, want %v", at+i, j, got, want[at+i][j])
				}
			}
		}
		if c.Window(at, n, &b) {
			for i := 0; i < n; i++ {
				for j := range ts {
					if got := b.Cols[j].Value(i); !same(got, want[at+i][j]) {
						t.Fatalf("window row %d col %d: %v, want %v", at+i, j, got, want[at+i][j])
					}
				}
			}
		} else if at%SegmentRows+n <= SegmentRows {
			t.Fatalf("Window(%d, %d) refused inside a segment", at, n)
		}
	}
	z := NewCollection(nil)
	z.Append(&Batch{Len: 5})
	z.Append(&Batch{Len: 5, Sel: []uint16{1}})
	if z.Len() != 6 || z.Segments() != 0 {
		t.Fatalf("zero-column collection: Len %d, Segments %d", z.Len(), z.Segments())
	}
}
