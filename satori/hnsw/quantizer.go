package hnsw

import (
	"fmt"
	"math"
	"slices"
)

// Quantizer maps float32 vectors to one uint8 per dimension: dimension d
// covers [Min[d], Min[d]+255*Scale[d]] in 256 evenly spaced steps. A value
// inside the trained range decodes to within Scale[d]/2 of itself; values
// outside it are clamped to the nearest end.
//
// The zero Quantizer is untrained; call Train (or NewQuantizer). A trained
// Quantizer is read-only and safe for concurrent use.
type Quantizer struct {
	min   []float32
	scale []float32
	w     []float32 // scale², the L2 kernel's weights
}

// NewQuantizer returns a Quantizer covering [min[d], max[d]] on each
// dimension. It returns ErrDimension when the slices differ in length or
// are empty, and ErrInvalidVector when a bound is not finite or max < min.
func NewQuantizer(min, max []float32) (*Quantizer, error) {
	if len(min) == 0 || len(min) != len(max) || len(min) > maxDim {
		return nil, fmt.Errorf("hnsw: new quantizer: %d min and %d max bounds: %w", len(min), len(max), ErrDimension)
	}
	q := &Quantizer{min: make([]float32, len(min)), scale: make([]float32, len(min)), w: make([]float32, len(min))}
	for d := range min {
		lo, hi := min[d], max[d]
		if !finite(lo) || !finite(hi) || hi < lo {
			return nil, fmt.Errorf("hnsw: new quantizer: dimension %d bounds [%v, %v]: %w", d, lo, hi, ErrInvalidVector)
		}
		q.min[d] = lo
		q.scale[d] = (hi - lo) / 255
		if !finite(q.scale[d]) {
			return nil, fmt.Errorf("hnsw: new quantizer: dimension %d range overflows: %w", d, ErrInvalidVector)
		}
		q.w[d] = q.scale[d] * q.scale[d]
	}
	return q, nil
}

// Train sets the per-dimension ranges to the minimum and maximum of
// vectors. All vectors must have the same, non-zero length and finite
// components; otherwise Train returns ErrDimension or ErrInvalidVector and
// leaves q unchanged.
func (q *Quantizer) Train(vectors [][]float32) error {
	if len(vectors) == 0 {
		return fmt.Errorf("hnsw: train quantizer: no vectors: %w", ErrDimension)
	}
	dim := len(vectors[0])
	lo := make([]float32, dim)
	hi := make([]float32, dim)
	copy(lo, vectors[0])
	copy(hi, vectors[0])
	for i, v := range vectors {
		if len(v) != dim {
			return fmt.Errorf("hnsw: train quantizer: vector %d has %d dimensions, want %d: %w", i, len(v), dim, ErrDimension)
		}
		for d, x := range v {
			if !finite(x) {
				return fmt.Errorf("hnsw: train quantizer: vector %d dimension %d is %v: %w", i, d, x, ErrInvalidVector)
			}
			lo[d] = min(lo[d], x)
			hi[d] = max(hi[d], x)
		}
	}
	t, err := NewQuantizer(lo, hi)
	if err != nil {
		return fmt.Errorf("hnsw: train quantizer: %w", err)
	}
	*q = *t
	return nil
}

// Dim returns the number of dimensions, 0 when untrained.
func (q *Quantizer) Dim() int { return len(q.min) }

// Min returns the lower bound of dimension d.
func (q *Quantizer) Min(d int) float32 { return q.min[d] }

// Scale returns the step of dimension d: codes decode to Min(d)+code*Scale(d).
func (q *Quantizer) Scale(d int) float32 { return q.scale[d] }

// MaxError returns the largest |Decode(Encode(x))-x| for x inside the
// trained range of dimension d (up to float32 rounding).
func (q *Quantizer) MaxError(d int) float32 { return q.scale[d] / 2 }

// Encode writes the codes of v into dst. Both must have Dim elements;
// a length mismatch is a caller bug and panics. NaN encodes as 0.
func (q *Quantizer) Encode(v []float32, dst []uint8) {
	if len(v) != len(q.min) || len(dst) != len(q.min) {
		panic(fmt.Sprintf("hnsw: encode %d values into %d codes, quantizer has %d dimensions", len(v), len(dst), len(q.min)))
	}
	for d, x := range v {
		s := q.scale[d]
		if s == 0 {
			dst[d] = 0
			continue
		}
		f := (x-q.min[d])/s + 0.5
		switch {
		case f >= 255:
			dst[d] = 255
		case f > 0: // also false for NaN
			dst[d] = uint8(f)
		default:
			dst[d] = 0
		}
	}
}

// Decode writes the float values of codes into dst. Both must have Dim
// elements; a length mismatch panics.
func (q *Quantizer) Decode(code []uint8, dst []float32) {
	if len(code) != len(q.min) || len(dst) != len(q.min) {
		panic(fmt.Sprintf("hnsw: decode %d codes into %d values, quantizer has %d dimensions", len(code), len(dst), len(q.min)))
	}
	for d, c := range code {
		dst[d] = q.min[d] + float32(c)*q.scale[d]
	}
}

func (q *Quantizer) clone() *Quantizer {
	return &Quantizer{min: slices.Clone(q.min), scale: slices.Clone(q.scale), w: slices.Clone(q.w)}
}

func finite(x float32) bool {
	return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0)
}
