package satori

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/satori/bucket"
)

// debugID describes where id appears on disk (temporary debugging aid).
func debugID(dir string, id uint64) string {
	var sb strings.Builder
	st, err := bucket.Open(vfsDefault(), filepath.Join(dir, bucketsDir), bucket.Options{})
	if err != nil {
		return err.Error()
	}
	live, raw := st.Manifest()
	m, _ := decodeMeta(raw)
	fmt.Fprintf(&sb, "meta %+v; ", m)
	var b bucket.Bucket
	for bid, e := range live {
		if err := st.Read(e.Loc, &b); err != nil {
			fmt.Fprintf(&sb, "bucket %d: %v; ", bid, err)
			continue
		}
		for i, x := range b.IDs {
			if x == id {
				fmt.Fprintf(&sb, "bucket %d has v%d; ", bid, b.Versions[i])
			}
		}
	}
	st.Close()
	w, err := openWAL(filepath.Join(dir, logDir), killOptions().withDefaults())
	if err != nil {
		return sb.String() + err.Error()
	}
	w.replay(func(g *gen, v []byte) error {
		r, err := decodeRecord(v, killDim)
		if err != nil {
			fmt.Fprintf(&sb, "gen %d: %v; ", g.num, err)
			return nil
		}
		if r.id == id {
			fmt.Fprintf(&sb, "gen %d: type %d lsn %d; ", g.num, r.typ, r.lsn)
		}
		return nil
	})
	gens := []uint64{}
	for _, g := range w.gens {
		gens = append(gens, g.num)
	}
	fmt.Fprintf(&sb, "gens %v", slices.Clip(gens))
	w.close()
	return sb.String()
}

func vfsDefault() vfs.FS { return vfs.Default }

// abandon closes the files without writing anything out, as a process
// crash would leave them (tests only: recovery must replay the log).
func (db *DB) abandon() {
	db.stopBackground()
	db.wal.close()
	db.store.Close()
}
