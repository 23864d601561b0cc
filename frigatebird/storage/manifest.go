package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/current"
)

// Manifest and CURRENT format constants; see
// docs/format/frigatebird-table.md.
const (
	// ManifestMagic starts every manifest.
	ManifestMagic = "FBMF"
	// ManifestVersion is the manifest format version.
	ManifestVersion = 1
	// CurrentMagic starts CURRENT.
	CurrentMagic = "FBCU"
	// CurrentVersion is the CURRENT format version.
	CurrentVersion = 1

	manifestHeaderBytes = 12 // magic, version, 3 reserved, body length
	currentBytes        = current.Size
	currentName         = "CURRENT"
	lockName            = "LOCK"
	tmpSuffix           = ".tmp"
	rowGroupSuffix      = ".rg"
)

// manifest is one committed version of a table. It is immutable once
// installed.
type manifest struct {
	version  uint64 // table version, +1 per commit, 1 at Create
	nextFile uint64 // row-group file numbers below this are allocated
	schema   Schema
	groups   []liveGroup
}

// liveGroup is a row group of a manifest and its deleted rows.
type liveGroup struct {
	meta    *RowGroupMeta
	deleted DeleteSet
}

func manifestName(v uint64) string { return current.ManifestName(v) }

// parseManifestName returns the version of a "MANIFEST-<n>" name.
func parseManifestName(name string) (uint64, bool) { return current.ParseManifestName(name) }

// parseRowGroupName returns the file number of a "<n>.rg" name.
func parseRowGroupName(name string) (uint64, bool) {
	return current.ParseNumberedName(name, "", rowGroupSuffix)
}

// encodeManifest serializes m.
func encodeManifest(m *manifest) []byte {
	b := make([]byte, manifestHeaderBytes, 256)
	copy(b, ManifestMagic)
	b[4] = ManifestVersion
	b = binary.LittleEndian.AppendUint64(b, m.version)
	b = binary.LittleEndian.AppendUint64(b, m.nextFile)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.schema.Columns)))
	for _, c := range m.schema.Columns {
		b = appendStr(b, c.Name)
		b = append(b, byte(c.Type))
		b = appendStr(b, c.Logical)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.schema.SortKey)))
	for _, k := range m.schema.SortKey {
		b = binary.LittleEndian.AppendUint32(b, uint32(k))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.groups)))
	for _, g := range m.groups {
		b = binary.LittleEndian.AppendUint64(b, g.meta.num)
		b = binary.LittleEndian.AppendUint64(b, uint64(g.meta.SizeBytes))
		b = appendColumnEntries(b, g.meta)
		b = g.deleted.appendTo(b)
	}
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)-manifestHeaderBytes))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeManifest parses and fully validates a manifest. It never panics
// and allocates in proportion to len(src).
func decodeManifest(src []byte, opts Options) (*manifest, error) {
	if len(src) < manifestHeaderBytes+4 {
		return nil, corruptf("manifest: %d bytes", len(src))
	}
	if string(src[:4]) != ManifestMagic {
		return nil, corruptf("manifest: bad magic")
	}
	body := uint64(binary.LittleEndian.Uint32(src[8:]))
	if body != uint64(len(src)-manifestHeaderBytes-4) {
		return nil, corruptf("manifest: body of %d bytes in %d", body, len(src))
	}
	end := len(src) - 4
	if crc32.Checksum(src[:end], castagnoli) != binary.LittleEndian.Uint32(src[end:]) {
		return nil, corruptf("manifest: checksum mismatch")
	}
	if src[4] != ManifestVersion {
		return nil, fmt.Errorf("frigatebird/storage: %w: manifest version %d", ErrUnsupportedVersion, src[4])
	}
	if src[5] != 0 || src[6] != 0 || src[7] != 0 {
		return nil, corruptf("manifest: reserved bytes set")
	}
	m, err := parseManifestBody(src[manifestHeaderBytes:end], opts)
	if err != nil {
		return nil, corruptf("manifest: %v", err)
	}
	return m, nil
}

func parseManifestBody(body []byte, opts Options) (*manifest, error) {
	r := reader{b: body}
	m := &manifest{version: r.u64(), nextFile: r.u64()}
	ncols := r.u32()
	// Each column takes at least 5 bytes, which bounds the allocation.
	if r.err == nil && (int64(ncols) > int64(opts.MaxColumns) || uint64(ncols)*5 > uint64(len(r.b))) {
		r.failf("%d columns", ncols)
	}
	if r.err != nil {
		return nil, r.err
	}
	m.schema.Columns = make([]ColumnDef, ncols)
	for i := range m.schema.Columns {
		c := &m.schema.Columns[i]
		c.Name = r.str(MaxNameBytes)
		c.Type = chunk.PhysType(r.u8())
		c.Logical = r.str(MaxNameBytes)
	}
	nsort := r.u32()
	if r.err == nil && uint64(nsort) > uint64(ncols) {
		r.failf("sort key of %d columns", nsort)
	}
	if r.err != nil {
		return nil, r.err
	}
	if nsort > 0 {
		m.schema.SortKey = make([]int, nsort)
		for i := range m.schema.SortKey {
			m.schema.SortKey[i] = int(r.u32())
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := m.schema.Validate(opts.MaxColumns); err != nil {
		return nil, err
	}
	if m.version == 0 {
		return nil, fmt.Errorf("version 0")
	}
	ngroups := r.u32()
	// A group takes at least 28 bytes plus a header per column.
	if r.err == nil && uint64(ngroups)*uint64(28+chunk.FixedHeaderBytes*ncols) > uint64(len(r.b)) {
		r.failf("%d row groups in %d bytes", ngroups, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	m.groups = make([]liveGroup, ngroups)
	seen := make(map[uint64]bool, ngroups)
	for i := range m.groups {
		meta := &RowGroupMeta{num: r.u64()}
		meta.SizeBytes = int64(r.u64())
		if r.err != nil {
			return nil, r.err
		}
		if meta.num >= m.nextFile || seen[meta.num] {
			return nil, fmt.Errorf("group %d: file number %d (next %d, or repeated)", i, meta.num, m.nextFile)
		}
		seen[meta.num] = true
		if meta.SizeBytes < rgHeaderBytes+rgTrailerBytes || meta.SizeBytes > 1<<50 {
			return nil, fmt.Errorf("group %d: size %d", i, meta.SizeBytes)
		}
		meta.Name = rowGroupName(meta.num)
		chunksEnd := readColumnEntries(&r, meta, &m.schema, MaxRowGroupRows, meta.SizeBytes-rgTrailerBytes)
		if r.err == nil && chunksEnd+rgTrailerBytes > meta.SizeBytes {
			r.failf("group %d: chunks end at %d in a %d-byte file", i, chunksEnd, meta.SizeBytes)
		}
		del := readDeleteSet(&r, meta.Rows)
		if r.err != nil {
			return nil, fmt.Errorf("group %d: %w", i, r.err)
		}
		m.groups[i] = liveGroup{meta: meta, deleted: del}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return m, nil
}

// encodeCurrent serializes the CURRENT pointer to manifest n.
func encodeCurrent(n uint64) []byte { return current.Encode(CurrentMagic, CurrentVersion, n) }

// decodeCurrent parses CURRENT.
func decodeCurrent(b []byte) (uint64, error) {
	n, err := current.Decode(b, CurrentMagic, CurrentVersion)
	switch {
	case errors.Is(err, current.ErrVersion):
		return 0, fmt.Errorf("frigatebird/storage: %w: %v", ErrUnsupportedVersion, err)
	case err != nil:
		return 0, corruptf("%v", err)
	}
	return n, nil
}
