package octopii

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
)

// Snapshot files (docs/format/octopii.md):
//
//	magic "OCTSNAP1" | u32 metaLen | SnapshotMetadata | data … | u64 dataLen | u32 CRC32C
//
// The CRC covers every byte before it. The file is the unit a leader
// streams to a follower, so a received snapshot is verified by the same
// code that verifies a local one.
const (
	snapMagic       = "OCTSNAP1"
	snapSuffix      = ".snap"
	snapTmpSuffix   = ".tmp"
	snapTrailer     = 12
	snapMaxMetaSize = 16 << 20
	snapKeep        = 2 // snapshot files kept; older ones are removed
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// snapStore keeps snapshot files in one directory. Its methods may be called
// from any goroutine: create and restore from the replica's, receive from a
// transport's; names are unique per (term, index), and a received file is
// written under a temporary name first.
type snapStore struct {
	fs  vfs.FS
	dir string
	tmp atomic.Uint64
}

func snapName(term, index uint64) string {
	return fmt.Sprintf("%016x-%016x%s", term, index, snapSuffix)
}

func parseSnapName(name string) (term, index uint64, ok bool) {
	if !strings.HasSuffix(name, snapSuffix) || len(name) != 33+len(snapSuffix) || name[16] != '-' {
		return 0, 0, false
	}
	t, err1 := strconv.ParseUint(name[:16], 16, 64)
	i, err2 := strconv.ParseUint(name[17:33], 16, 64)
	return t, i, err1 == nil && err2 == nil
}

func (ss *snapStore) path(meta raftpb.SnapshotMetadata) string {
	return ss.dir + "/" + snapName(meta.Term, meta.Index)
}

// crcWriter checksums and counts what passes through it.
type crcWriter struct {
	w io.Writer
	h hash.Hash32
	n int64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// create writes a snapshot file for meta with the bytes write produces,
// durably: temporary file, fdatasync, rename, directory sync.
func (ss *snapStore) create(meta raftpb.SnapshotMetadata, write func(io.Writer) error) error {
	final := ss.path(meta)
	tmp := fmt.Sprintf("%s.%d%s", final, ss.tmp.Add(1), snapTmpSuffix)
	err := ss.writeFile(tmp, func(w *crcWriter) error {
		mb, err := meta.Marshal()
		if err != nil {
			return err
		}
		var hdr [12]byte
		copy(hdr[:], snapMagic)
		binary.BigEndian.PutUint32(hdr[8:], uint32(len(mb)))
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := w.Write(mb); err != nil {
			return err
		}
		start := w.n
		if err := write(w); err != nil {
			return err
		}
		var tr [8]byte
		binary.BigEndian.PutUint64(tr[:], uint64(w.n-start))
		_, err = w.Write(tr[:])
		return err
	}, true)
	if err != nil {
		ss.fs.Remove(tmp)
		return fmt.Errorf("octopii: write snapshot %d: %w", meta.Index, err)
	}
	return ss.install(tmp, final, meta.Index)
}

// writeFile creates name and fills it through fn; with crc, the checksum of
// everything fn wrote is appended. The file is synced.
func (ss *snapStore) writeFile(name string, fn func(*crcWriter) error, crc bool) error {
	f, err := ss.fs.Create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	cw := &crcWriter{w: bw, h: crc32.New(castagnoli)}
	err = fn(cw)
	if err == nil && crc {
		var sum [4]byte
		binary.BigEndian.PutUint32(sum[:], cw.h.Sum32())
		_, err = bw.Write(sum[:])
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (ss *snapStore) install(tmp, final string, index uint64) error {
	if err := ss.fs.Rename(tmp, final); err != nil {
		ss.fs.Remove(tmp)
		return fmt.Errorf("octopii: install snapshot %d: %w", index, err)
	}
	if err := vfs.SyncDir(ss.fs, ss.dir); err != nil {
		return fmt.Errorf("octopii: install snapshot %d: %w", index, err)
	}
	return nil
}

// receive stores a snapshot file streamed by a leader. It is verified (the
// checksum, and that it is the snapshot meta names) before it is installed.
func (ss *snapStore) receive(meta raftpb.SnapshotMetadata, body io.Reader) error {
	final := ss.path(meta)
	tmp := fmt.Sprintf("%s.%d%s", final, ss.tmp.Add(1), snapTmpSuffix)
	err := ss.writeFile(tmp, func(w *crcWriter) error {
		_, err := io.Copy(w, body)
		return err
	}, false)
	if err == nil {
		err = ss.verify(tmp, meta, nil)
	}
	if err != nil {
		ss.fs.Remove(tmp)
		return fmt.Errorf("octopii: receive snapshot %d: %w", meta.Index, err)
	}
	return ss.install(tmp, final, meta.Index)
}

// open returns the snapshot file for meta and its size, for streaming.
func (ss *snapStore) open(meta raftpb.SnapshotMetadata) (vfs.File, int64, error) {
	f, err := ss.fs.Open(ss.path(meta))
	if err != nil {
		return nil, 0, fmt.Errorf("octopii: open snapshot %d: %w", meta.Index, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("octopii: open snapshot %d: %w", meta.Index, err)
	}
	return f, fi.Size(), nil
}

// restore verifies the snapshot file for meta and then streams its data to fn.
func (ss *snapStore) restore(meta raftpb.SnapshotMetadata, fn func(io.Reader) error) error {
	if err := ss.verify(ss.path(meta), meta, fn); err != nil {
		return fmt.Errorf("octopii: restore snapshot %d: %w", meta.Index, err)
	}
	return nil
}

// verify checks the file's structure and checksum and that it holds meta's
// snapshot; then, if fn is set, it streams the data section to fn.
func (ss *snapStore) verify(name string, meta raftpb.SnapshotMetadata, fn func(io.Reader) error) error {
	f, err := ss.fs.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size < 12+snapTrailer {
		return fmt.Errorf("%w: snapshot file of %d bytes", ErrCorrupt, size)
	}
	h := crc32.New(castagnoli)
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size-4)); err != nil {
		return err
	}
	var tail [snapTrailer]byte
	if _, err := f.ReadAt(tail[:], size-snapTrailer); err != nil {
		return err
	}
	if binary.BigEndian.Uint32(tail[8:]) != h.Sum32() {
		return fmt.Errorf("%w: snapshot checksum mismatch", ErrCorrupt)
	}
	var hdr [12]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return err
	}
	metaLen := int64(binary.BigEndian.Uint32(hdr[8:]))
	if string(hdr[:8]) != snapMagic || metaLen > snapMaxMetaSize || 12+metaLen+snapTrailer > size {
		return fmt.Errorf("%w: bad snapshot header", ErrCorrupt)
	}
	mb := make([]byte, metaLen)
	if _, err := f.ReadAt(mb, 12); err != nil {
		return err
	}
	var got raftpb.SnapshotMetadata
	if err := got.Unmarshal(mb); err != nil {
		return fmt.Errorf("%w: snapshot metadata: %v", ErrCorrupt, err)
	}
	if got.Index != meta.Index || got.Term != meta.Term {
		return fmt.Errorf("%w: file holds snapshot %d/%d, want %d/%d", ErrCorrupt, got.Term, got.Index, meta.Term, meta.Index)
	}
	dataStart := 12 + metaLen
	dataLen := int64(binary.BigEndian.Uint64(tail[:8]))
	if dataStart+dataLen+snapTrailer != size {
		return fmt.Errorf("%w: snapshot data length %d does not fit the file", ErrCorrupt, dataLen)
	}
	if fn == nil {
		return nil
	}
	return fn(bufio.NewReaderSize(io.NewSectionReader(f, dataStart, dataLen), 256<<10))
}

// removeTemporary removes what unfinished writes left; only at start-up,
// before a transport can be receiving.
func (ss *snapStore) removeTemporary() error {
	names, err := ss.fs.List(ss.dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasSuffix(n, snapTmpSuffix) {
			if err := ss.fs.Remove(ss.dir + "/" + n); err != nil {
				return err
			}
		}
	}
	return nil
}

// prune removes all but the newest snapKeep snapshots, never the one named
// by keep.
func (ss *snapStore) prune(keep raftpb.SnapshotMetadata) error {
	names, err := ss.fs.List(ss.dir)
	if err != nil {
		return err
	}
	type snap struct {
		name        string
		term, index uint64
	}
	var snaps []snap
	for _, n := range names {
		if t, i, ok := parseSnapName(n); ok {
			snaps = append(snaps, snap{n, t, i})
		}
	}
	sort.Slice(snaps, func(a, b int) bool { return snaps[a].index > snaps[b].index })
	for i, s := range snaps {
		if i < snapKeep || (s.index == keep.Index && s.term == keep.Term) {
			continue
		}
		if err := ss.fs.Remove(ss.dir + "/" + s.name); err != nil {
			return err
		}
	}
	return nil
}
