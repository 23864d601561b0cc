package frigatebird

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path"
	"slices"

	"github.com/reefdb/reef/internal/vfs"
)

// The WAL makes a transaction that changes several tables atomic. Each
// table commits on its own (its manifest switch), so the commit of such a
// transaction is:
//
//  1. every changed table's new row-group files are written and synced
//     (durable, not live);
//  2. a WAL record naming, per table, the version the transaction read,
//     the files to add and the rows to delete is appended and synced:
//     this is the commit point;
//  3. each table's manifest is switched (storage.Table.Commit);
//  4. the WAL is trimmed (removed, directory synced).
//
// Recovery (Open) reads the WAL before opening the tables, keeps the files
// its records name (storage.Options.Keep), and for each table still at the
// version the record names adopts the files and commits them with the
// deletes; a table already one version further has its commit. A record
// cut by a crash fails its checksum: its transaction never committed, and
// its files are removed as unreferenced. The format is in
// docs/format/frigatebird.md.
//
// A transaction that changes one table needs no WAL: the table's manifest
// switch is its commit point, and its files are written before it.

const (
	walName    = "wal"
	walVersion = 1
	// maxWALRecord bounds a record (names and deleted row numbers).
	maxWALRecord = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// walRecord is one committed multi-table transaction.
type walRecord struct {
	Tables []walTable
}

// walTable is one table's part of a transaction.
type walTable struct {
	Dir     string // the table directory's name under tables/
	Base    uint64 // the table version the transaction changed
	Files   []string
	Deletes map[string][]uint32
}

func (r *walRecord) encode() []byte {
	body := []byte{walVersion}
	body = binary.LittleEndian.AppendUint32(body, uint32(len(r.Tables)))
	for _, t := range r.Tables {
		body = appendString(body, t.Dir)
		body = binary.LittleEndian.AppendUint64(body, t.Base)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(t.Files)))
		for _, f := range t.Files {
			body = appendString(body, f)
		}
		body = binary.LittleEndian.AppendUint32(body, uint32(len(t.Deletes)))
		for _, g := range sortedKeys(t.Deletes) {
			body = appendString(body, g)
			rows := t.Deletes[g]
			body = binary.LittleEndian.AppendUint32(body, uint32(len(rows)))
			for _, r := range rows {
				body = binary.LittleEndian.AppendUint32(body, r)
			}
		}
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(body)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(body, castagnoli))
	return append(out, body...)
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// errTorn marks a record that is incomplete or fails its checksum.
var errTorn = errors.New("torn WAL record")

// decodeWAL reads the complete records of a WAL file; a damaged tail
// (a record cut by a crash) ends the list without an error.
func decodeWAL(b []byte) ([]walRecord, error) {
	var out []walRecord
	for len(b) > 0 {
		if len(b) < 8 {
			return out, nil
		}
		n := binary.LittleEndian.Uint32(b)
		sum := binary.LittleEndian.Uint32(b[4:])
		if uint64(n) > uint64(len(b)-8) || n > maxWALRecord {
			return out, nil
		}
		body := b[8 : 8+n]
		if crc32.Checksum(body, castagnoli) != sum {
			return out, nil
		}
		rec, err := decodeWALBody(body)
		if err != nil {
			// A record whose checksum holds but does not parse was
			// written by another version or damaged in a way the CRC
			// missed: refuse to guess.
			return nil, fmt.Errorf("frigatebird: WAL: %w", err)
		}
		out = append(out, rec)
		b = b[8+n:]
	}
	return out, nil
}

func decodeWALBody(b []byte) (walRecord, error) {
	r := walReader{b: b}
	var rec walRecord
	if v := r.u8(); v != walVersion {
		return rec, fmt.Errorf("record version %d", v)
	}
	nt := r.u32()
	for i := uint32(0); i < nt && r.err == nil; i++ {
		t := walTable{Dir: r.str(), Base: r.u64(), Deletes: map[string][]uint32{}}
		nf := r.u32()
		for j := uint32(0); j < nf && r.err == nil; j++ {
			t.Files = append(t.Files, r.str())
		}
		nd := r.u32()
		for j := uint32(0); j < nd && r.err == nil; j++ {
			g := r.str()
			nr := r.u32()
			if uint64(nr)*4 > uint64(len(r.b)) {
				r.err = errTorn
				break
			}
			rows := make([]uint32, nr)
			for k := range rows {
				rows[k] = r.u32()
			}
			t.Deletes[g] = rows
		}
		rec.Tables = append(rec.Tables, t)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return rec, r.err
}

type walReader struct {
	b   []byte
	err error
}

func (r *walReader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		if r.err == nil {
			r.err = errTorn
		}
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *walReader) u8() byte    { return r.take(1)[0] }
func (r *walReader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *walReader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *walReader) str() string {
	n := binary.LittleEndian.Uint16(r.take(2))
	return string(r.take(int(n)))
}

// appendWAL writes rec to the WAL and makes it durable.
func (db *DB) appendWAL(rec *walRecord) error {
	p := path.Join(db.dir, walName)
	f, err := db.fs.Create(p)
	if err != nil {
		return err
	}
	data := rec.encode()
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return vfs.SyncDir(db.fs, db.dir)
}

// trimWAL removes the WAL once its transactions are in every table.
func (db *DB) trimWAL() error {
	if err := db.fs.Remove(path.Join(db.dir, walName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return vfs.SyncDir(db.fs, db.dir)
}

// readWAL returns the committed records of the WAL, if there is one.
func (db *DB) readWAL() ([]walRecord, error) {
	p := path.Join(db.dir, walName)
	f, err := db.fs.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxWALRecord+8 {
		return nil, fmt.Errorf("frigatebird: WAL of %d bytes", st.Size())
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && len(b) > 0 {
		return nil, err
	}
	return decodeWAL(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
