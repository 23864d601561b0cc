package persist

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"

	"github.com/reefdb/reef/internal/vfs"
)

// The MANIFEST names the base snapshot and the AOF topics to replay after
// it (docs/format/nubmq-persist.md). It is replaced atomically.
const (
	manifestName       = "MANIFEST"
	manifestMagic      = "REEFNMAN"
	manifestVersion    = 1
	manifestHeaderSize = 16
	manifestMaxTopics  = 1 << 16
)

// manifestTopic is one AOF topic: its generation and the sequence number of
// its first command (the next one when it is empty).
type manifestTopic struct {
	gen      uint64
	startSeq uint64
}

type manifest struct {
	base   uint64 // generation of the base snapshot; 0: none
	topics []manifestTopic
}

func (m manifest) clone() manifest {
	m.topics = append([]manifestTopic(nil), m.topics...)
	return m
}

func (m manifest) last() manifestTopic { return m.topics[len(m.topics)-1] }

func (m manifest) has(gen uint64) bool {
	for _, t := range m.topics {
		if t.gen == gen {
			return true
		}
	}
	return false
}

func (m manifest) validate() error {
	if len(m.topics) == 0 || len(m.topics) > manifestMaxTopics {
		return fmt.Errorf("%d topics", len(m.topics))
	}
	if m.base > m.topics[0].gen {
		return fmt.Errorf("base %d after the first topic %d", m.base, m.topics[0].gen)
	}
	for i, t := range m.topics {
		if t.gen == 0 || t.startSeq == 0 {
			return fmt.Errorf("topic %d: generation %d, start %d", i, t.gen, t.startSeq)
		}
		if i > 0 && (t.gen <= m.topics[i-1].gen || t.startSeq < m.topics[i-1].startSeq) {
			return fmt.Errorf("topic %d out of order", i)
		}
	}
	return nil
}

func (m manifest) encode() []byte {
	body := 8 + 4 + 16*len(m.topics)
	b := make([]byte, manifestHeaderSize, manifestHeaderSize+body+4)
	copy(b, manifestMagic)
	binary.LittleEndian.PutUint16(b[8:], manifestVersion)
	binary.LittleEndian.PutUint32(b[12:], uint32(body))
	b = binary.LittleEndian.AppendUint64(b, m.base)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.topics)))
	for _, t := range m.topics {
		b = binary.LittleEndian.AppendUint64(b, t.gen)
		b = binary.LittleEndian.AppendUint64(b, t.startSeq)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func decodeManifest(b []byte) (manifest, error) {
	if len(b) < manifestHeaderSize+8+4+4 {
		return manifest{}, corruptf("manifest of %d bytes", len(b))
	}
	if string(b[:8]) != manifestMagic {
		return manifest{}, corruptf("manifest: bad magic %q", b[:8])
	}
	body := int(binary.LittleEndian.Uint32(b[12:]))
	if body != len(b)-manifestHeaderSize-4 {
		return manifest{}, corruptf("manifest: body of %d bytes in a %d-byte file", body, len(b))
	}
	if binary.LittleEndian.Uint32(b[len(b)-4:]) != crc32.Checksum(b[:len(b)-4], castagnoli) {
		return manifest{}, corruptf("manifest: checksum mismatch")
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != manifestVersion {
		return manifest{}, fmt.Errorf("persist: manifest version %d not supported (want %d)", v, manifestVersion)
	}
	p := b[manifestHeaderSize : len(b)-4]
	m := manifest{base: binary.LittleEndian.Uint64(p)}
	n := int(binary.LittleEndian.Uint32(p[8:]))
	p = p[12:]
	if n != len(p)/16 || len(p)%16 != 0 {
		return manifest{}, corruptf("manifest: %d topics in %d bytes", n, len(p))
	}
	for i := 0; i < n; i++ {
		m.topics = append(m.topics, manifestTopic{
			gen:      binary.LittleEndian.Uint64(p[16*i:]),
			startSeq: binary.LittleEndian.Uint64(p[16*i+8:]),
		})
	}
	if err := m.validate(); err != nil {
		return manifest{}, corruptf("manifest: %v", err)
	}
	return m, nil
}

// readManifest reads dir's MANIFEST; a missing one is an error wrapping
// fs.ErrNotExist.
func readManifest(fs vfs.FS, dir string) (manifest, error) {
	path := filepath.Join(dir, manifestName)
	f, err := fs.Open(path)
	if err != nil {
		return manifest{}, fmt.Errorf("persist: read manifest: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return manifest{}, fmt.Errorf("persist: read manifest: %w", err)
	}
	if fi.Size() > manifestHeaderSize+12+16*manifestMaxTopics+4 {
		return manifest{}, corruptf("manifest of %d bytes", fi.Size())
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return manifest{}, fmt.Errorf("persist: read manifest: %w", err)
	}
	m, err := decodeManifest(b)
	if err != nil {
		return manifest{}, fmt.Errorf("persist: read manifest %s: %w", path, err)
	}
	return m, nil
}

// writeManifest replaces dir's MANIFEST atomically: write MANIFEST.tmp,
// fdatasync, rename, sync the directory. After a failure the MANIFEST on
// disk may be the old or the new one.
func writeManifest(fs vfs.FS, dir string, m manifest) error {
	if err := m.validate(); err != nil {
		panic(fmt.Sprintf("persist: writing an invalid manifest: %v", err))
	}
	path := filepath.Join(dir, manifestName)
	tmp := path + ".tmp"
	f, err := fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("persist: write manifest: %w", err)
	}
	if _, err := f.Write(m.encode()); err != nil {
		f.Close()
		return fmt.Errorf("persist: write manifest: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("persist: sync manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("persist: close manifest: %w", err)
	}
	if err := fs.Rename(tmp, path); err != nil {
		return fmt.Errorf("persist: rename manifest: %w", err)
	}
	if err := vfs.SyncDir(fs, dir); err != nil {
		return fmt.Errorf("persist: write manifest: %w", err)
	}
	return nil
}
