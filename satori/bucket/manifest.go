package bucket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"

	"github.com/reefdb/reef/internal/current"
)

// Manifest, CURRENT and file name constants; see
// docs/format/satori-buckets.md.
const (
	// ManifestMagic starts every manifest.
	ManifestMagic = "SBMF"
	// ManifestVersion is the manifest format version.
	ManifestVersion = 2
	// CurrentMagic starts CURRENT.
	CurrentMagic = "SBCU"
	// CurrentVersion is the CURRENT format version.
	CurrentVersion = 1

	manifestHeaderBytes = 12 // magic, version, 3 reserved, body length
	manifestEntryBytes  = 28 // bucket id, segment, offset, length, head length, count (+ centroid)
	currentBytes        = current.Size
	maxManifestBytes    = 1 << 31
	currentName         = "CURRENT"
	segmentSuffix       = ".seg"
	lockName            = "LOCK"
	tmpSuffix           = ".tmp"
)

// Loc is where an encoded bucket lives: Length bytes at Offset in segment
// file Segment, of which the first Head are its head (what a search probe
// reads) and the rest its float32 vectors.
type Loc struct {
	Segment uint32
	Offset  int64
	Length  int32
	Head    int32
}

// Entry is one live bucket of a manifest.
type Entry struct {
	Loc      Loc
	Centroid []float32 // len Dim
	Count    int       // vectors in the bucket
}

// locFits reports whether e's Loc can hold e.Count vectors of dim: a
// head of at least the size without attributes, and exactly the vectors
// after it.
func (e Entry) locFits(dim int) bool {
	n, d := uint64(e.Count), uint64(dim)
	head, _ := sizes(n, d, 0)
	return e.Count >= 0 && e.Loc.Head >= 0 && e.Loc.Length >= 0 && uint64(e.Loc.Head) >= head &&
		uint64(e.Loc.Length) == uint64(e.Loc.Head)+4*n*d
}

// manifest is one committed set of live buckets. Immutable once installed.
type manifest struct {
	seq     uint64 // +1 per commit, 1 at Create
	nextSeg uint32 // segment numbers below this were allocated
	dim     int
	live    map[uint32]Entry
	meta    []byte
}

func manifestName(seq uint64) string { return current.ManifestName(seq) }
func segmentName(n uint32) string    { return current.NumberedName("", uint64(n), segmentSuffix) }

func parseManifestName(name string) (uint64, bool) { return current.ParseManifestName(name) }

func parseSegmentName(name string) (uint32, bool) {
	n, ok := current.ParseNumberedName(name, "", segmentSuffix)
	return uint32(n), ok && n <= math.MaxUint32
}

// segments returns the distinct segment numbers m's entries use.
func (m *manifest) segments() []uint32 {
	var segs []uint32
	for _, e := range m.live {
		segs = append(segs, e.Loc.Segment)
	}
	slices.Sort(segs)
	return slices.Compact(segs)
}

// encodeManifest serializes m; entries are written in bucket id order so
// the encoding is a function of the manifest.
func encodeManifest(m *manifest) []byte {
	ids := make([]uint32, 0, len(m.live))
	for id := range m.live {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := make([]byte, manifestHeaderBytes, manifestHeaderBytes+24+len(ids)*(manifestEntryBytes+4*m.dim)+len(m.meta)+8)
	copy(b, ManifestMagic)
	b[4] = ManifestVersion
	b = binary.LittleEndian.AppendUint64(b, m.seq)
	b = binary.LittleEndian.AppendUint32(b, m.nextSeg)
	b = binary.LittleEndian.AppendUint32(b, uint32(m.dim))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ids)))
	for _, id := range ids {
		e := m.live[id]
		b = binary.LittleEndian.AppendUint32(b, id)
		b = binary.LittleEndian.AppendUint32(b, e.Loc.Segment)
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Loc.Offset))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.Loc.Length))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.Loc.Head))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.Count))
		for _, f := range e.Centroid {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.meta)))
	b = append(b, m.meta...)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)-manifestHeaderBytes))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeManifest parses and fully validates a manifest. It never panics
// and allocates in proportion to len(src).
func decodeManifest(src []byte) (*manifest, error) {
	if len(src) < manifestHeaderBytes+4 {
		return nil, corruptf("manifest: %d bytes", len(src))
	}
	if string(src[:4]) != ManifestMagic {
		return nil, corruptf("manifest: bad magic")
	}
	if uint64(binary.LittleEndian.Uint32(src[8:])) != uint64(len(src)-manifestHeaderBytes-4) {
		return nil, corruptf("manifest: body length mismatch")
	}
	end := len(src) - 4
	if crc32.Checksum(src[:end], castagnoli) != binary.LittleEndian.Uint32(src[end:]) {
		return nil, corruptf("manifest: checksum mismatch")
	}
	if src[4] != ManifestVersion {
		return nil, fmt.Errorf("%w: manifest version %d", ErrUnsupportedVersion, src[4])
	}
	if src[5]|src[6]|src[7] != 0 {
		return nil, corruptf("manifest: reserved bytes set")
	}
	p := src[manifestHeaderBytes:end]
	if len(p) < 24 {
		return nil, corruptf("manifest: body of %d bytes", len(p))
	}
	m := &manifest{
		seq:     binary.LittleEndian.Uint64(p),
		nextSeg: binary.LittleEndian.Uint32(p[8:]),
		dim:     int(binary.LittleEndian.Uint32(p[12:])),
	}
	n := uint64(binary.LittleEndian.Uint32(p[16:]))
	p = p[20:]
	if m.seq == 0 || m.dim <= 0 || m.dim > MaxDim {
		return nil, corruptf("manifest: sequence %d, dim %d", m.seq, m.dim)
	}
	entryBytes := uint64(manifestEntryBytes + 4*m.dim)
	if n*entryBytes+4 > uint64(len(p)) {
		return nil, corruptf("manifest: %d entries in %d bytes", n, len(p))
	}
	m.live = make(map[uint32]Entry, n)
	cents := make([]float32, int(n)*m.dim)
	for i := range int(n) {
		id := binary.LittleEndian.Uint32(p)
		e := Entry{Loc: Loc{
			Segment: binary.LittleEndian.Uint32(p[4:]),
			Offset:  int64(binary.LittleEndian.Uint64(p[8:])),
			Length:  int32(binary.LittleEndian.Uint32(p[16:])),
			Head:    int32(binary.LittleEndian.Uint32(p[20:])),
		}, Count: int(binary.LittleEndian.Uint32(p[24:]))}
		if _, dup := m.live[id]; dup {
			return nil, corruptf("manifest: bucket %d repeated", id)
		}
		if e.Loc.Segment >= m.nextSeg || e.Loc.Offset < 0 || e.Loc.Offset > 1<<50 || !e.locFits(m.dim) {
			return nil, corruptf("manifest: bucket %d at %+v with %d vectors", id, e.Loc, e.Count)
		}
		e.Centroid = cents[i*m.dim : (i+1)*m.dim : (i+1)*m.dim]
		for j := range e.Centroid {
			e.Centroid[j] = math.Float32frombits(binary.LittleEndian.Uint32(p[manifestEntryBytes+4*j:]))
		}
		m.live[id] = e
		p = p[entryBytes:]
	}
	metaLen := uint64(binary.LittleEndian.Uint32(p))
	if metaLen != uint64(len(p)-4) {
		return nil, corruptf("manifest: meta of %d bytes in %d", metaLen, len(p)-4)
	}
	m.meta = slices.Clone(p[4:])
	return m, nil
}

// encodeCurrent serializes the CURRENT pointer to manifest n.
func encodeCurrent(n uint64) []byte { return current.Encode(CurrentMagic, CurrentVersion, n) }

// decodeCurrent parses CURRENT.
func decodeCurrent(b []byte) (uint64, error) {
	n, err := current.Decode(b, CurrentMagic, CurrentVersion)
	switch {
	case errors.Is(err, current.ErrVersion):
		return 0, fmt.Errorf("%w: %v", ErrUnsupportedVersion, err)
	case err != nil:
		return 0, corruptf("%v", err)
	}
	return n, nil
}
