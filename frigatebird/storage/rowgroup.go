package storage

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/current"
)

// Row-group file format constants; see docs/format/frigatebird-table.md.
const (
	// RowGroupMagic starts and ends every row-group file.
	RowGroupMagic = "FBRG"
	// RowGroupVersion is the row-group file format version.
	RowGroupVersion = 1
	// rgHeaderBytes: magic, version, three reserved zero bytes.
	rgHeaderBytes = 8
	// rgTrailerBytes: footer length, footer CRC32C, magic.
	rgTrailerBytes = 12
	// maxChunkHeaderBytes bounds a stored chunk header prefix
	// (chunk.HeaderLen): fixed header, the largest zone map, its CRC.
	maxChunkHeaderBytes = chunk.FixedHeaderBytes + 1 + 4 + 2*(2+chunk.MaxZoneMapPrefixBytes) + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ColumnChunkMeta locates one column chunk in a row-group file and keeps
// its header prefix (fixed header, zone map, header CRC), from which Info
// and the zone map are read without touching the file.
type ColumnChunkMeta struct {
	// Offset and Length locate the whole chunk in the file.
	Offset int64
	Length int
	// Info is chunk.ReadInfo of Header; its zone map's byte slices alias
	// Header.
	Info chunk.Info
	// header is the chunk's first chunk.HeaderLen bytes.
	header []byte
}

// RowGroupMeta describes one immutable row-group file. It is returned by
// WriteRowGroup and listed by View.RowGroups; it must not be modified.
type RowGroupMeta struct {
	// Name is the file name inside the table directory.
	Name string
	// Rows is the number of rows, deleted ones included.
	Rows int
	// SizeBytes is the file's size.
	SizeBytes int64
	// Columns has one entry per schema column.
	Columns []ColumnChunkMeta

	num uint64 // file number, from Name
}

// ZoneMap returns column col's zone map.
func (m *RowGroupMeta) ZoneMap(col int) chunk.ZoneMap { return m.Columns[col].Info.Zone }

func rowGroupName(num uint64) string { return current.NumberedName("", num, rowGroupSuffix) }

// appendColumnEntries encodes rows, the column count and per column
// offset, length, header length and header: the body of a row-group footer
// and of a manifest's group entry.
func appendColumnEntries(dst []byte, m *RowGroupMeta) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.Rows))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(m.Columns)))
	for _, c := range m.Columns {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(c.Offset))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(c.Length))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c.header)))
		dst = append(dst, c.header...)
	}
	return dst
}

// readColumnEntries decodes what appendColumnEntries wrote and checks it
// against the schema and the file size: every chunk lies inside
// [rgHeaderBytes, dataEnd), chunks do not overlap and come in column
// order, each header verifies and matches the column's type and the row
// count. It returns where the last chunk ends. Headers alias r's bytes.
func readColumnEntries(r *reader, m *RowGroupMeta, schema *Schema, maxRows int, dataEnd int64) int64 {
	m.Rows = int(r.u32())
	n := r.u32()
	if r.err != nil {
		return 0
	}
	if m.Rows <= 0 || m.Rows > maxRows {
		r.failf("%d rows (1..%d)", m.Rows, maxRows)
		return 0
	}
	if int(n) != len(schema.Columns) {
		r.failf("%d columns, schema has %d", n, len(schema.Columns))
		return 0
	}
	m.Columns = make([]ColumnChunkMeta, n)
	next := int64(rgHeaderBytes)
	for i := range m.Columns {
		c := &m.Columns[i]
		c.Offset = int64(r.u64())
		c.Length = int(r.u32())
		hl := int(r.u32())
		if r.err != nil {
			return 0
		}
		if hl < chunk.FixedHeaderBytes || hl > maxChunkHeaderBytes || hl > c.Length {
			r.failf("column %d: header of %d bytes", i, hl)
			return 0
		}
		c.header = r.take(hl)
		if r.err != nil {
			return 0
		}
		if c.Offset != next || c.Offset+int64(c.Length) > dataEnd {
			r.failf("column %d: chunk [%d,+%d) (expected at %d, data ends at %d)", i, c.Offset, c.Length, next, dataEnd)
			return 0
		}
		next = c.Offset + int64(c.Length)
		info, err := chunk.ReadInfo(c.header)
		if err != nil {
			r.failf("column %d: %w", i, err)
			return 0
		}
		if info.Type != schema.Columns[i].Type || info.Rows != m.Rows || info.ChunkBytes != c.Length {
			r.failf("column %d: chunk of %v, %d rows, %d bytes; want %v, %d rows, %d bytes",
				i, info.Type, info.Rows, info.ChunkBytes, schema.Columns[i].Type, m.Rows, c.Length)
			return 0
		}
		c.Info = info
	}
	return next
}

// encodeRowGroup serializes cols into a whole row-group file and fills m's
// Rows, SizeBytes and Columns (headers alias the returned slice).
func encodeRowGroup(dst []byte, cols []*chunk.Column, opts chunk.Options, m *RowGroupMeta) ([]byte, error) {
	dst = append(dst, RowGroupMagic...)
	dst = append(dst, RowGroupVersion, 0, 0, 0)
	m.Columns = make([]ColumnChunkMeta, len(cols))
	for i, c := range cols {
		start := len(dst)
		var err error
		dst, _, err = chunk.Encode(dst, c, opts)
		if err != nil {
			return nil, fmt.Errorf("column %d: %w", i, err)
		}
		hl, err := chunk.HeaderLen(dst[start:])
		if err != nil {
			panic(fmt.Sprintf("frigatebird/storage: chunk.Encode output has no header: %v", err))
		}
		m.Columns[i] = ColumnChunkMeta{Offset: int64(start), Length: len(dst) - start, header: dst[start : start+hl : start+hl]}
	}
	m.Rows = cols[0].Len
	fStart := len(dst)
	dst = appendColumnEntries(dst, m)
	footer := dst[fStart:]
	crc := crc32.Checksum(footer, castagnoli)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(footer)))
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	dst = append(dst, RowGroupMagic...)
	m.SizeBytes = int64(len(dst))
	// Re-read what was written, so the metadata handed out is exactly what
	// a reader of the file will see (and so headers are verified once).
	for i := range m.Columns {
		info, err := chunk.ReadInfo(m.Columns[i].header)
		if err != nil {
			panic(fmt.Sprintf("frigatebird/storage: unreadable chunk header just encoded: %v", err))
		}
		m.Columns[i].Info = info
	}
	return dst, nil
}

// decodeRowGroupFooter parses the trailer and footer of a row-group file of
// size bytes, given its header (first rgHeaderBytes) and its tail (at least
// the trailer and the footer; tail ends at the end of the file).
func decodeRowGroupFooter(head, tail []byte, size int64, schema *Schema, maxRows int) (RowGroupMeta, error) {
	var m RowGroupMeta
	if len(head) < rgHeaderBytes || string(head[:4]) != RowGroupMagic {
		return m, corruptf("row group: bad header")
	}
	if head[4] != RowGroupVersion {
		return m, fmt.Errorf("frigatebird/storage: %w: row group version %d", ErrUnsupportedVersion, head[4])
	}
	if head[5] != 0 || head[6] != 0 || head[7] != 0 {
		return m, corruptf("row group: reserved header bytes set")
	}
	if len(tail) < rgTrailerBytes || int64(len(tail)) > size {
		return m, corruptf("row group: %d-byte tail of a %d-byte file", len(tail), size)
	}
	tr := tail[len(tail)-rgTrailerBytes:]
	if string(tr[8:]) != RowGroupMagic {
		return m, corruptf("row group: bad trailer magic")
	}
	flen := int64(binary.LittleEndian.Uint32(tr[0:]))
	if flen > int64(len(tail)-rgTrailerBytes) || flen > size-rgHeaderBytes-rgTrailerBytes {
		return m, corruptf("row group: footer of %d bytes in a %d-byte file", flen, size)
	}
	footer := tail[int64(len(tail)-rgTrailerBytes)-flen : len(tail)-rgTrailerBytes]
	if crc32.Checksum(footer, castagnoli) != binary.LittleEndian.Uint32(tr[4:]) {
		return m, corruptf("row group: footer checksum mismatch")
	}
	r := reader{b: footer}
	dataEnd := size - rgTrailerBytes - flen
	if end := readColumnEntries(&r, &m, schema, maxRows, dataEnd); r.err == nil && end != dataEnd {
		r.failf("chunks end at %d, footer starts at %d", end, dataEnd)
	}
	if r.err == nil && len(r.b) != 0 {
		r.failf("%d trailing footer bytes", len(r.b))
	}
	if r.err != nil {
		return m, corruptf("row group footer: %v", r.err)
	}
	m.SizeBytes = size
	return m, nil
}
