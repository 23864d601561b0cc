package synth

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ErrCorrupt is wrapped by every reader error caused by malformed input
// (as opposed to an error from the underlying io.Reader).
var ErrCorrupt = errors.New("synth: corrupt input")

// Reader limits.
const (
	// MaxReadDim is the largest vector dimension the readers accept.
	MaxReadDim = 1 << 20
	// maxNpyHeaderBytes bounds the .npy header (NumPy writes < 4 KiB).
	maxNpyHeaderBytes = 1 << 16
	// allocChunkValues bounds how far ahead of the bytes read a reader
	// allocates: a declared size is never trusted beyond this.
	allocChunkValues = 1 << 16
)

// ReadFvecs reads the TEXMEX .fvecs format: each vector is a little-endian
// int32 dimension d followed by d little-endian float32 values. Every vector
// must have the same dimension. It reads at most maxN vectors (maxN ≤ 0: all)
// and returns them flat with their dimension. An empty input returns no
// vectors and dim 0.
func ReadFvecs(r io.Reader, maxN int) (data []float32, dim int, err error) {
	err = readVecs(r, maxN, 4, "fvecs", func(d int) { dim = d }, func(b []byte) {
		for i := 0; i < len(b); i += 4 {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
		}
	})
	return data, dim, err
}

// ReadBvecs reads the TEXMEX .bvecs format (an int32 dimension, then that
// many uint8 values per vector), converting the values to float32.
func ReadBvecs(r io.Reader, maxN int) (data []float32, dim int, err error) {
	err = readVecs(r, maxN, 1, "bvecs", func(d int) { dim = d }, func(b []byte) {
		for _, x := range b {
			data = append(data, float32(x))
		}
	})
	return data, dim, err
}

// ReadIvecs reads the TEXMEX .ivecs format (an int32 dimension, then that
// many little-endian int32 values per vector), as used for ground-truth
// neighbour lists: one row per query.
func ReadIvecs(r io.Reader, maxN int) ([][]int32, error) {
	var rows [][]int32
	err := readVecs(r, maxN, 4, "ivecs", func(int) {}, func(b []byte) {
		row := make([]int32, len(b)/4)
		for i := range row {
			row[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		rows = append(rows, row)
	})
	return rows, err
}

// readVecs walks the shared TEXMEX framing, handing each vector's payload to
// emit. The payload buffer is reused; emit must copy.
func readVecs(r io.Reader, maxN, elemBytes int, format string, setDim func(int), emit func([]byte)) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var hdr [4]byte
	var buf []byte
	dim := -1
	for n := 0; maxN <= 0 || n < maxN; n++ {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if err == io.EOF {
				if dim < 0 {
					setDim(0)
				}
				return nil
			}
			if err == io.ErrUnexpectedEOF {
				return fmt.Errorf("synth: read %s: vector %d: truncated header: %w", format, n, ErrCorrupt)
			}
			return fmt.Errorf("synth: read %s: vector %d: %w", format, n, err)
		}
		d := int64(int32(binary.LittleEndian.Uint32(hdr[:])))
		switch {
		case d < 1 || d > MaxReadDim:
			return fmt.Errorf("synth: read %s: vector %d: dimension %d not in [1, %d]: %w",
				format, n, d, MaxReadDim, ErrCorrupt)
		case dim >= 0 && int(d) != dim:
			return fmt.Errorf("synth: read %s: vector %d: dimension %d, want %d: %w",
				format, n, d, dim, ErrCorrupt)
		}
		if dim < 0 {
			dim = int(d)
			setDim(dim)
			buf = make([]byte, dim*elemBytes) // ≤ 4 MiB by MaxReadDim
		}
		if _, err := io.ReadFull(br, buf); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return fmt.Errorf("synth: read %s: vector %d: truncated payload: %w", format, n, ErrCorrupt)
			}
			return fmt.Errorf("synth: read %s: vector %d: %w", format, n, err)
		}
		emit(buf)
	}
	return nil
}

// ReadNpy reads a 2-D NumPy .npy array of float32 ('<f4') or uint8 ('|u1')
// in C order (fortran_order False), format versions 1.0, 2.0 and 3.0, and
// returns its values as float32, flat and row-major, with its shape.
func ReadNpy(r io.Reader) (data []float32, rows, cols int, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, 0, 0, npyErr("preamble", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, 0, 0, fmt.Errorf("synth: read npy: bad magic %q: %w", pre[:6], ErrCorrupt)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, 0, 0, npyErr("header length", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, 0, 0, npyErr("header length", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, 0, 0, fmt.Errorf("synth: read npy: unsupported version %d.%d: %w", pre[6], pre[7], ErrCorrupt)
	}
	if hlen > maxNpyHeaderBytes {
		return nil, 0, 0, fmt.Errorf("synth: read npy: header of %d bytes > %d: %w", hlen, maxNpyHeaderBytes, ErrCorrupt)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return nil, 0, 0, npyErr("header", err)
	}
	h, err := parseNpyHeader(string(hb))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("synth: read npy: header: %w", err)
	}
	rows, cols = h.shape[0], h.shape[1]
	total := int64(rows) * int64(cols)
	if rows < 0 || cols < 0 || (cols != 0 && int64(rows) > math.MaxInt32*int64(8)/int64(cols)) {
		return nil, 0, 0, fmt.Errorf("synth: read npy: shape (%d, %d) too large: %w", rows, cols, ErrCorrupt)
	}
	elemBytes := 4
	if h.descr == "|u1" {
		elemBytes = 1
	}
	data = make([]float32, 0, min(total, allocChunkValues))
	chunk := make([]byte, allocChunkValues*elemBytes)
	for left := total; left > 0; {
		n := min(left, allocChunkValues)
		b := chunk[:n*int64(elemBytes)]
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, 0, 0, npyErr(fmt.Sprintf("data at value %d of %d", total-left, total), err)
		}
		if elemBytes == 1 {
			for _, x := range b {
				data = append(data, float32(x))
			}
		} else {
			for i := 0; i < len(b); i += 4 {
				data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
			}
		}
		left -= n
	}
	return data, rows, cols, nil
}

func npyErr(what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("synth: read npy: truncated %s: %w", what, ErrCorrupt)
	}
	return fmt.Errorf("synth: read npy: %s: %w", what, err)
}

type npyHeader struct {
	descr string
	shape [2]int
}

// parseNpyHeader parses the Python dict literal NumPy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }.
// It accepts exactly the three keys, in any order, once each.
func parseNpyHeader(s string) (npyHeader, error) {
	var h npyHeader
	p := &dictParser{s: strings.TrimRight(s, " \n\x00")}
	if !p.eat('{') {
		return h, fmt.Errorf("missing '{': %w", ErrCorrupt)
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, ok := p.quoted()
		if !ok || !p.eat(':') {
			return h, fmt.Errorf("bad key at byte %d: %w", p.i, ErrCorrupt)
		}
		if seen[key] {
			return h, fmt.Errorf("duplicate key %q: %w", key, ErrCorrupt)
		}
		seen[key] = true
		switch key {
		case "descr":
			v, ok := p.quoted()
			if !ok {
				return h, fmt.Errorf("bad descr: %w", ErrCorrupt)
			}
			switch v {
			case "<f4", "|u1", "<u1":
				h.descr = v
			default:
				return h, fmt.Errorf("unsupported dtype %q (want '<f4' or '|u1'): %w", v, ErrCorrupt)
			}
		case "fortran_order":
			switch {
			case p.word("False"):
			case p.word("True"):
				return h, fmt.Errorf("fortran_order True is not supported: %w", ErrCorrupt)
			default:
				return h, fmt.Errorf("bad fortran_order: %w", ErrCorrupt)
			}
		case "shape":
			dims, ok := p.tuple()
			if !ok {
				return h, fmt.Errorf("bad shape: %w", ErrCorrupt)
			}
			if len(dims) != 2 {
				return h, fmt.Errorf("shape has %d dimensions, want 2: %w", len(dims), ErrCorrupt)
			}
			h.shape = [2]int{dims[0], dims[1]}
		default:
			return h, fmt.Errorf("unknown key %q: %w", key, ErrCorrupt)
		}
		if !p.eat(',') && !p.peek('}') {
			return h, fmt.Errorf("expected ',' or '}' at byte %d: %w", p.i, ErrCorrupt)
		}
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return h, fmt.Errorf("missing key: %w", ErrCorrupt)
	}
	return h, nil
}

type dictParser struct {
	s string
	i int
}

func (p *dictParser) skip() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *dictParser) peek(c byte) bool {
	p.skip()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *dictParser) eat(c byte) bool {
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *dictParser) quoted() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// tuple parses "(a, b)" or "(a,)" of non-negative integers, at most 8.
func (p *dictParser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	var out []int
	for !p.eat(')') {
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil || len(out) == 8 {
			return nil, false
		}
		p.i = j
		out = append(out, v)
		if !p.eat(',') && !p.peek(')') {
			return nil, false
		}
	}
	return out, true
}
