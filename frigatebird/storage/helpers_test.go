package storage

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/internal/vfs"
)

func testSchema(sortKey ...int) Schema {
	return Schema{
		Columns: []ColumnDef{
			{Name: "id", Type: chunk.TypeInt64, Logical: "BIGINT"},
			{Name: "price", Type: chunk.TypeFloat64, Logical: "DOUBLE"},
			{Name: "flag", Type: chunk.TypeBool, Logical: "BOOLEAN"},
			{Name: "name", Type: chunk.TypeBytes, Logical: "VARCHAR"},
		},
		SortKey: sortKey,
	}
}

// genRows builds n rows with ids from base, some nulls in every column but
// id, and returns the columns and each row rendered as a string.
func genRows(r *rand.Rand, n int, base int64) ([]*chunk.Column, []string) {
	cols := []*chunk.Column{newColumn(chunk.TypeInt64), newColumn(chunk.TypeFloat64), newColumn(chunk.TypeBool), newColumn(chunk.TypeBytes)}
	src := make([]*chunk.Column, 4)
	for i := range src {
		src[i] = newColumn(cols[i].Type)
		src[i].Len = 1
		src[i].Ints = []int64{0}
		src[i].Floats = []float64{0}
		src[i].Bools = []uint64{0}
	}
	for i := 0; i < n; i++ {
		src[0].Ints[0] = base + int64(i)
		src[1].Floats[0] = float64(r.IntN(1000)) / 8
		src[2].Bools[0] = uint64(r.IntN(2))
		src[3].Bytes = fmt.Appendf(src[3].Bytes[:0], "name-%d", r.IntN(50))
		src[3].Offsets = []uint32{0, uint32(len(src[3].Bytes))}
		for c := range cols {
			src[c].Valid = src[c].Valid[:0]
			if c > 0 && r.IntN(10) == 0 {
				src[c].Valid = []uint64{0}
			}
			appendRows(cols[c], src[c], []int{0})
		}
	}
	for _, c := range cols {
		finishColumn(c)
	}
	return cols, renderRows(cols, nil)
}

// renderRows renders every row not in del as one string.
func renderRows(cols []*chunk.Column, del *DeleteSet) []string {
	var out []string
	for i := 0; i < cols[0].Len; i++ {
		if del != nil && del.Contains(uint32(i)) {
			continue
		}
		var sb strings.Builder
		for _, c := range cols {
			if !c.IsValid(i) {
				sb.WriteString("NULL|")
				continue
			}
			switch c.Type {
			case chunk.TypeInt64:
				fmt.Fprintf(&sb, "%d|", c.Ints[i])
			case chunk.TypeFloat64:
				fmt.Fprintf(&sb, "%g|", c.Floats[i])
			case chunk.TypeBool:
				fmt.Fprintf(&sb, "%t|", c.Bool(i))
			case chunk.TypeBytes:
				fmt.Fprintf(&sb, "%s|", c.String(i))
			}
		}
		out = append(out, sb.String())
	}
	return out
}

// viewRows reads every live row of a view, in group order.
func viewRows(t testing.TB, v *View) []string {
	t.Helper()
	var out []string
	ncols := len(v.v.m.schema.Columns)
	for rg := 0; rg < v.NumRowGroups(); rg++ {
		cols := make([]*chunk.Column, ncols)
		for c := range cols {
			cols[c] = new(chunk.Column)
			if err := v.ReadColumn(rg, c, cols[c]); err != nil {
				t.Fatalf("read group %d column %d: %v", rg, c, err)
			}
		}
		del := v.Deleted(rg)
		out = append(out, renderRows(cols, &del)...)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func mustCreate(t testing.TB, fsys vfs.FS, opts Options) *Table {
	t.Helper()
	tab, err := Create(fsys, "db/t", testSchema(), opts)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return tab
}

// countingFS counts ReadAt calls per file name.
type countingFS struct {
	vfs.FS
	mu    sync.Mutex
	reads map[string]int
}

func newCountingFS(fs vfs.FS) *countingFS { return &countingFS{FS: fs, reads: map[string]int{}} }

func (c *countingFS) Open(name string) (vfs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingFile{File: f, fs: c, name: name}, nil
}

func (c *countingFS) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.reads {
		n += v
	}
	return n
}

type countingFile struct {
	vfs.File
	fs   *countingFS
	name string
}

func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	f.fs.reads[f.name]++
	f.fs.mu.Unlock()
	return f.File.ReadAt(p, off)
}

var _ io.ReaderAt = (*countingFile)(nil)

// flipByte flips one byte of a MemFS file, durably.
func flipByte(t testing.TB, fsys vfs.FS, name string, off int64) {
	t.Helper()
	f, err := fsys.OpenReadWrite(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if off < 0 {
		st, _ := f.Stat()
		off += st.Size()
	}
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

var _ = os.ModePerm
