package hnsw

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// Binary format, version 1; see docs/format/satori-hnsw.md.
const (
	formatMagic   = "SHNW"
	formatVersion = 1
	headerSize    = 44
	flagDeleted   = 0x01
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the graph (quantizer, nodes, links, removed nodes
// and the level generator's state) in the versioned format of
// docs/format/satori-hnsw.md. It takes the read lock.
func (g *Graph) MarshalBinary() ([]byte, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	dim := g.opts.Dim
	n := len(g.ids)
	size := headerSize + 8*dim + n*(6+dim+2) + len(g.l0)*4 + 4
	for _, u := range g.upper {
		size += len(u) * 4
	}
	b := make([]byte, 0, size)
	b = append(b, formatMagic...)
	b = append(b, formatVersion, byte(g.opts.Metric), 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(dim))
	b = binary.LittleEndian.AppendUint32(b, uint32(g.opts.M))
	b = binary.LittleEndian.AppendUint32(b, uint32(g.opts.EfConstruction))
	b = binary.LittleEndian.AppendUint64(b, g.opts.Seed)
	b = binary.LittleEndian.AppendUint64(b, g.rng)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, g.entry)
	for d := 0; d < dim; d++ {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(g.q.min[d]))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(g.q.scale[d]))
	}
	for i := 0; i < n; i++ {
		node := uint32(i)
		b = binary.LittleEndian.AppendUint32(b, g.ids[i])
		var flags byte
		if g.deleted[i] {
			flags |= flagDeleted
		}
		b = append(b, g.levels[i], flags)
		b = append(b, g.code(node)...)
		for l := 0; l <= int(g.levels[i]); l++ {
			ln := g.links(node, l)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(ln)))
			for _, x := range ln {
				b = binary.LittleEndian.AppendUint32(b, x)
			}
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return b, nil
}

// reader consumes b; a short read sets err (ErrCorrupt) and yields zeros.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n > len(r.b) {
		if r.err == nil {
			r.err = fmt.Errorf("hnsw: unmarshal: truncated: %w", ErrCorrupt)
		}
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("hnsw: unmarshal: "+format+": %w", append(args, ErrCorrupt)...)
}

// Unmarshal decodes a graph written by MarshalBinary. Any malformed input
// returns an error wrapping ErrCorrupt (or ErrUnsupportedVersion); it never
// panics and never trusts a count before checking it against len(b).
func Unmarshal(b []byte) (*Graph, error) {
	if len(b) < headerSize+4 {
		return nil, corrupt("%d bytes, shorter than a header", len(b))
	}
	if string(b[:4]) != formatMagic {
		return nil, corrupt("bad magic %q", b[:4])
	}
	body := b[:len(b)-4]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, corrupt("checksum %08x, want %08x", got, want)
	}
	r := &reader{b: body[4:]}
	if v := r.u8(); v != formatVersion {
		return nil, fmt.Errorf("hnsw: unmarshal: version %d: %w", v, ErrUnsupportedVersion)
	}
	metric := Metric(r.u8())
	if r.u16() != 0 {
		return nil, corrupt("reserved bytes not zero")
	}
	dim, m, efc := r.u32(), r.u32(), r.u32()
	opts := Options{Dim: int(dim), Metric: metric, M: int(m), EfConstruction: int(efc), Seed: r.u64()}
	if dim > maxDim || m > maxM || efc > maxEfConstruction || m == 0 || efc == 0 {
		return nil, corrupt("options dim %d m %d ef construction %d out of range", dim, m, efc)
	}
	if err := opts.Validate(); err != nil {
		return nil, corrupt("options: %v", err)
	}
	rng := r.u64()
	n, entry := r.u32(), r.u32()
	q := &Quantizer{min: make([]float32, 0, dim), scale: make([]float32, 0, dim), w: make([]float32, 0, dim)}
	if r.err == nil && uint64(len(r.b)) < 8*uint64(dim) {
		return nil, corrupt("truncated quantizer")
	}
	for d := 0; d < int(dim); d++ {
		lo, s := math.Float32frombits(r.u32()), math.Float32frombits(r.u32())
		if !finite(lo) || !finite(s) || s < 0 {
			return nil, corrupt("quantizer dimension %d: min %v scale %v", d, lo, s)
		}
		q.min = append(q.min, lo)
		q.scale = append(q.scale, s)
		q.w = append(q.w, s*s)
	}
	// Each node takes at least 4+1+1+dim+2 bytes: bound n before allocating.
	if r.err == nil && uint64(n)*(8+uint64(dim)) > uint64(len(r.b)) {
		return nil, corrupt("%d nodes do not fit in %d bytes", n, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	g := newGraph(opts, q)
	g.rng = rng
	g.codes = make([]uint8, 0, int(n)*int(dim))
	g.ids = make([]uint32, 0, n)
	g.levels = make([]uint8, 0, n)
	g.deleted = make([]bool, 0, n)
	g.l0 = make([]uint32, 0, int(n)*(g.m0+1))
	g.upper = make([][]uint32, 0, n)
	for i := uint32(0); i < n; i++ {
		id, level, flags := r.u32(), r.u8(), r.u8()
		if r.err != nil {
			return nil, r.err
		}
		if level > maxLevelCap || flags&^flagDeleted != 0 {
			return nil, corrupt("node %d: level %d flags %#x", i, level, flags)
		}
		code := r.take(int(dim))
		if r.err != nil {
			return nil, r.err
		}
		g.codes = append(g.codes, code...)
		g.ids = append(g.ids, id)
		g.levels = append(g.levels, level)
		del := flags&flagDeleted != 0
		g.deleted = append(g.deleted, del)
		if !del {
			if _, dup := g.byID[id]; dup {
				return nil, corrupt("node %d: duplicate live id %d", i, id)
			}
			g.byID[id] = i
			g.live++
		}
		g.l0 = append(g.l0, make([]uint32, g.m0+1)...)
		var up []uint32
		if level > 0 {
			up = make([]uint32, int(level)*(g.m+1))
		}
		g.upper = append(g.upper, up)
		for l := 0; l <= int(level); l++ {
			cnt := int(r.u16())
			blk := g.linkBlock(i, l)
			if cnt > len(blk)-1 {
				return nil, corrupt("node %d level %d: %d links, capacity %d", i, l, cnt, len(blk)-1)
			}
			if r.err == nil && len(r.b) < 4*cnt {
				return nil, corrupt("node %d level %d: truncated links", i, l)
			}
			blk[0] = uint32(cnt)
			for j := 0; j < cnt; j++ {
				blk[1+j] = r.u32()
			}
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if len(r.b) != 0 {
		return nil, corrupt("%d trailing bytes", len(r.b))
	}
	// Links may point forward, so check them once all levels are known.
	for i := uint32(0); i < n; i++ {
		for l := 0; l <= int(g.levels[i]); l++ {
			for _, x := range g.links(i, l) {
				if x >= n || int(g.levels[x]) < l || x == i {
					return nil, corrupt("node %d level %d: link to node %d", i, l, x)
				}
			}
		}
	}
	switch {
	case n == 0 && entry != noNode:
		return nil, corrupt("empty graph with entry %d", entry)
	case n > 0 && entry >= n:
		return nil, corrupt("entry %d of %d nodes", entry, n)
	}
	g.entry = entry
	if n > 0 {
		g.maxLevel = int(g.levels[entry])
		for _, l := range g.levels {
			if int(l) > g.maxLevel {
				return nil, corrupt("entry level %d below a node's level %d", g.maxLevel, l)
			}
		}
	}
	return g, nil
}
