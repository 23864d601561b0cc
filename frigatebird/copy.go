package frigatebird

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/chunk"
	"github.com/reefdb/reef/frigatebird/eval"
	"github.com/reefdb/reef/frigatebird/exec"
	"github.com/reefdb/reef/frigatebird/fileio"
	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/storage"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// copyStmt runs COPY: FROM a CSV (or Parquet) file into a table, in the
// transaction; or TO a CSV file from a query.
func (db *DB) copyStmt(ctx context.Context, s *plan.Copy, tx *txn, inTx bool) (*Result, error) {
	if s.File == "" {
		return nil, errors.New("frigatebird: COPY FROM STDIN and TO STDOUT need a client protocol; name a file")
	}
	format, err := copyFormat(s.File, s.Options.Format)
	if err != nil {
		return nil, err
	}
	if !s.From {
		if format != "csv" {
			return nil, fmt.Errorf("frigatebird: COPY TO writes CSV only (FORMAT %s)", format)
		}
		return db.copyTo(ctx, s)
	}
	t, err := tableOf(s.Table)
	if err != nil {
		return nil, err
	}
	ts := make([]types.Type, len(s.Columns))
	for i, c := range s.Columns {
		ts[i] = t.info.Columns[c].T
	}
	if format == "csv" && !inTx && len(t.info.SortKey) == 0 && len(s.Columns) == len(t.info.Columns) {
		return db.copyStream(ctx, s, t, ts, tx)
	}
	var rows *vector.Collection
	if format == "parquet" {
		rows, err = readParquetInto(s.File, ts)
	} else {
		rows, err = db.readCSVInto(ctx, s.File, ts, csvOptions(s.Options))
	}
	if err != nil {
		return nil, err
	}
	rows = widen(rows, t.info, s.Columns)
	if err := checkNotNull(t, rows); err != nil {
		return nil, err
	}
	tx.table(t).insert(rows)
	return &Result{Tag: "COPY", RowsAffected: int64(rows.Len())}, nil
}

// copyStream is COPY FROM a CSV file in a statement of its own, into a
// table without a sort key, every column given: each reading worker
// writes its rows out as row-group files as soon as a row group's worth
// has arrived (encoding in parallel, memory bounded by a group per
// worker), and the statement's commit makes them all live at once.
func (db *DB) copyStream(ctx context.Context, s *plan.Copy, t *table, ts []types.Type, tx *txn) (*Result, error) {
	workers := db.execOptions().Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	per := db.opts.Storage.RowGroupRows
	if per <= 0 {
		per = storage.DefaultRowGroupRows
	}
	parts := make([]*vector.Collection, workers)
	groups := make([][]storage.RowGroupMeta, workers)
	for i := range parts {
		parts[i] = vector.NewCollection(ts)
		parts[i].Reserve(vector.SegmentRows)
	}
	discard := func() {
		for _, g := range groups {
			t.st.Discard(g)
		}
	}
	write := func(w int, seg []chunk.Column) error {
		if err := checkNotNullColumns(t, seg); err != nil {
			return err
		}
		g, err := db.writeSegment(t, seg, per)
		groups[w] = append(groups[w], g...)
		return err
	}
	var loaded atomic.Int64
	_, err := fileio.ReadCSVFile(s.File, ts, csvOptions(s.Options), workers, func(w int, b *vector.Batch) error {
		p := parts[w]
		p.Append(b)
		for p.Segments() > 1 {
			if err := write(w, p.PopFront()); err != nil {
				return err
			}
		}
		exec.ReportProgress(ctx, exec.Progress{Stage: "load", Done: loaded.Add(int64(b.Active()))})
		return ctx.Err()
	})
	for w, p := range parts {
		if err == nil && p.Len() > 0 {
			err = write(w, p.PopFront())
		}
	}
	if err != nil {
		discard()
		return nil, err
	}
	tt := tx.table(t)
	n := int64(0)
	for _, g := range groups {
		tt.written = append(tt.written, g...)
		for _, m := range g {
			n += int64(m.Rows)
		}
	}
	return &Result{Tag: "COPY", RowsAffected: n}, nil
}

// copyFormat is FORMAT when given, else the file's extension, else CSV.
func copyFormat(file, format string) (string, error) {
	if format == "" {
		switch strings.ToLower(filepath.Ext(file)) {
		case ".parquet", ".pq":
			format = "parquet"
		default:
			format = "csv"
		}
	}
	switch format {
	case "csv", "parquet":
		return format, nil
	}
	return "", fmt.Errorf("frigatebird: COPY FORMAT %q (csv or parquet)", format)
}

func csvOptions(o parse.CopyOptions) fileio.CSVOptions {
	opts := fileio.CSVOptions{Header: o.Header}
	if o.Delimiter != "" {
		opts.Delimiter = o.Delimiter[0]
	}
	return opts
}

// readCSVInto reads a CSV file with the given column types, in parallel,
// keeping the file's row order.
func (db *DB) readCSVInto(ctx context.Context, path string, ts []types.Type, opts fileio.CSVOptions) (*vector.Collection, error) {
	workers := db.execOptions().Workers
	if workers <= 0 {
		workers = defaultWorkers()
	}
	parts := make([]*vector.Collection, workers)
	for i := range parts {
		parts[i] = vector.NewCollection(ts)
	}
	var loaded atomic.Int64
	if _, err := fileio.ReadCSVFile(path, ts, opts, workers, func(w int, b *vector.Batch) error {
		parts[w].Append(b)
		exec.ReportProgress(ctx, exec.Progress{Stage: "load", Done: loaded.Add(int64(b.Active()))})
		return ctx.Err()
	}); err != nil {
		return nil, err
	}
	out := parts[0]
	for _, p := range parts[1:] {
		if p.Len() > 0 {
			appendCollection(out, p)
		}
	}
	return out, nil
}

// widen returns rows with the table's full width: the COPY's columns in
// their places and NULL in the others.
func widen(rows *vector.Collection, t *plan.TableInfo, cols []int) *vector.Collection {
	identity := len(cols) == len(t.Columns)
	for i, c := range cols {
		identity = identity && c == i
	}
	if identity {
		return rows
	}
	ts := make([]types.Type, len(t.Columns))
	for i, c := range t.Columns {
		ts[i] = c.T
	}
	out := vector.NewCollection(ts)
	nulls := make([]*vector.Vector, len(ts))
	var b vector.Batch
	idx := make([]uint32, 0, vector.Size)
	full := vector.Batch{Cols: make([]*vector.Vector, len(ts))}
	filled := 0 // rows the NULL vectors hold
	for at := 0; at < rows.Len(); at += vector.Size {
		n := min(vector.Size, rows.Len()-at)
		idx = rows.Read(at, n, &b, idx)
		if n != filled { // the first batch, and a shorter last one
			for j := range ts {
				if nulls[j] == nil {
					nulls[j] = vector.New(ts[j])
				}
				nulls[j].Reset(ts[j], n)
				for i := 0; i < n; i++ {
					if ts[j].Phys() == types.PhysBytes {
						nulls[j].AppendStr(i, nil)
					}
					nulls[j].SetNull(i)
				}
			}
			filled = n
		}
		copy(full.Cols, nulls)
		for k, c := range cols {
			full.Cols[c] = b.Cols[k]
		}
		full.Len, full.Sel = n, nil
		out.Append(&full)
	}
	return out
}

// readParquetInto reads a Parquet file whose columns (by position) cast
// to the given types.
func readParquetInto(path string, ts []types.Type) (*vector.Collection, error) {
	names, fts, err := fileio.ParquetSchema(path)
	if err != nil {
		return nil, err
	}
	if len(fts) != len(ts) {
		return nil, fmt.Errorf("frigatebird: %s has %d columns (%s); COPY names %d", path, len(fts), strings.Join(names, ", "), len(ts))
	}
	cols := make([]int, len(fts))
	for i := range cols {
		cols[i] = i
	}
	r, err := fileio.NewParquetReader(path, cols)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	casts, err := newCaster(fts, ts)
	if err != nil {
		return nil, err
	}
	out := vector.NewCollection(ts)
	var b vector.Batch
	for {
		ok, err := r.Next(&b)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		cb, err := casts.apply(&b)
		if err != nil {
			return nil, err
		}
		out.Append(cb)
	}
}

// copyTo writes a query's rows to a CSV file (through a temporary file
// renamed into place, so a failed COPY leaves no half file).
func (db *DB) copyTo(ctx context.Context, s *plan.Copy) (*Result, error) {
	res, err := exec.Run(ctx, s.Query.Root, db.execOptions())
	if err != nil {
		return nil, err
	}
	tmp := s.File + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("frigatebird: COPY TO: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	opts := csvOptions(s.Options)
	w, err := fileio.NewCSVWriter(bw, s.Query.Names, res.Rows.Types(), opts)
	if err != nil {
		return nil, err
	}
	var b vector.Batch
	idx := make([]uint32, 0, vector.Size)
	for at := 0; at < res.Rows.Len(); at += vector.Size {
		n := min(vector.Size, res.Rows.Len()-at)
		idx = res.Rows.Read(at, n, &b, idx)
		if err := w.Write(&b); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, s.File); err != nil {
		return nil, err
	}
	ok = true
	return &Result{Tag: "COPY", RowsAffected: int64(res.Rows.Len())}, nil
}

// fileTable is a table function's result (read_csv, read_parquet): the
// whole file read into memory on first scan, as one snapshot.
type fileTable struct {
	once sync.Once
	load func() (*vector.Collection, error)
	rows *vector.Collection
	err  error
}

// Snapshot implements exec.Table.
func (f *fileTable) Snapshot() (exec.Snapshot, error) {
	f.once.Do(func() { f.rows, f.err = f.load() })
	if f.err != nil {
		return nil, f.err
	}
	return memSnapshot{f.rows}, nil
}

// memSnapshot serves a collection as row groups (one per segment).
type memSnapshot struct{ rows *vector.Collection }

func (m memSnapshot) NumRowGroups() int                      { return m.rows.Segments() }
func (m memSnapshot) Rows(rg int) int                        { return m.rows.Segment(rg)[0].Len }
func (m memSnapshot) ZoneMap(int, int) (chunk.ZoneMap, bool) { return chunk.ZoneMap{}, false }
func (m memSnapshot) Deleted(int) storage.DeleteSet          { return storage.DeleteSet{} }
func (m memSnapshot) ChunkBytes(int, int) int                { return 0 }
func (m memSnapshot) Release()                               {}
func (m memSnapshot) Column(rg, col int, _ *chunk.Column) (*chunk.Column, error) {
	return &m.rows.Segment(rg)[col], nil
}

// tableFunc resolves read_csv('file') and read_parquet('file').
func (db *DB) tableFunc(name string, args []types.Value) (*plan.TableInfo, error) {
	if len(args) != 1 || args[0].Null || args[0].Type.Kind != types.KindVarchar {
		return nil, fmt.Errorf("%s takes one argument, the file name", name)
	}
	path := args[0].Str
	info := &plan.TableInfo{Name: name}
	var ft *fileTable
	switch name {
	case "read_csv", "read_csv_auto":
		names, ts, opts, err := fileio.SniffCSV(path, fileio.CSVOptions{HeaderAuto: true})
		if err != nil {
			return nil, err
		}
		for i := range names {
			info.Columns = append(info.Columns, plan.TableColumn{Name: names[i], T: ts[i]})
		}
		ft = &fileTable{load: func() (*vector.Collection, error) { return db.readCSVInto(context.Background(), path, ts, opts) }}
	case "read_parquet":
		names, ts, err := fileio.ParquetSchema(path)
		if err != nil {
			return nil, err
		}
		for i := range names {
			info.Columns = append(info.Columns, plan.TableColumn{Name: names[i], T: ts[i]})
		}
		ft = &fileTable{load: func() (*vector.Collection, error) { return readParquetInto(path, ts) }}
	default:
		return nil, fmt.Errorf("unknown table function %s", name)
	}
	info.Handle = ft
	return info, nil
}

// caster converts batches of one column type list to another (casts
// where the types differ).
type caster struct {
	evs []*eval.Evaluator // nil where no cast is needed
	out vector.Batch
}

func newCaster(from, to []types.Type) (*caster, error) {
	c := &caster{evs: make([]*eval.Evaluator, len(to)), out: vector.Batch{Cols: make([]*vector.Vector, len(to))}}
	for i := range to {
		if from[i] == to[i] {
			continue
		}
		ev, err := eval.New(&plan.Cast{X: &plan.ColRef{Index: i, T: from[i]}, To: to[i]})
		if err != nil {
			return nil, fmt.Errorf("frigatebird: column %d: %s cannot be read as %s", i+1, from[i], to[i])
		}
		c.evs[i] = ev
	}
	return c, nil
}

func (c *caster) apply(b *vector.Batch) (*vector.Batch, error) {
	for i, ev := range c.evs {
		if ev == nil {
			c.out.Cols[i] = b.Cols[i]
			continue
		}
		v, err := ev.Eval(b)
		if err != nil {
			return nil, err
		}
		c.out.Cols[i] = v
	}
	c.out.Len, c.out.Sel = b.Len, b.Sel
	return &c.out, nil
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
