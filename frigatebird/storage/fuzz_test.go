package storage

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/reefdb/reef/internal/vfs"
)

// FuzzDecodeManifest: the manifest decoder never panics, and what it
// accepts re-encodes to the same bytes.
func FuzzDecodeManifest(f *testing.F) {
	mem := vfs.NewMem()
	tab := mustCreate(f, mem, Options{})
	r := rand.New(rand.NewPCG(20, 20))
	var add []RowGroupMeta
	for i := range 2 {
		cols, _ := genRows(r, 40, int64(i*100))
		meta, err := tab.WriteRowGroup(cols)
		if err != nil {
			f.Fatal(err)
		}
		add = append(add, meta)
	}
	if err := tab.Commit(add, map[string][]uint32{add[0].Name: {1, 2, 9}}, nil); err != nil {
		f.Fatal(err)
	}
	tab.Close()
	seed, err := readFile(mem, "db/t/"+manifestName(2), 1<<20)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(encodeManifest(&manifest{version: 1, nextFile: 1, schema: testSchema(1)}))
	f.Add([]byte{})
	opts := Options{}.withDefaults()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b, opts)
		if err != nil {
			return
		}
		if again := encodeManifest(m); !bytes.Equal(again, b) {
			t.Fatalf("accepted manifest re-encodes differently")
		}
	})
}

// FuzzDecodeRowGroupFooter: the footer decoder never panics.
func FuzzDecodeRowGroupFooter(f *testing.F) {
	cols, _ := genRows(rand.New(rand.NewPCG(21, 21)), 30, 0)
	var m RowGroupMeta
	file, err := encodeRowGroup(nil, cols, Options{}.withDefaults().Chunk, &m)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(file)
	schema := testSchema()
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < rgHeaderBytes {
			return
		}
		decodeRowGroupFooter(b[:rgHeaderBytes], b, int64(len(b)), &schema, MaxRowGroupRows)
	})
}
