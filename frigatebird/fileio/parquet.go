package fileio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// convKind says how a Parquet value becomes a vector value.
type convKind uint8

const (
	convBool        convKind = iota
	convInt32                // INT32 (signed), also DATE and INT32 decimals
	convUint32               // INT32 holding an unsigned integer
	convInt64                // INT64, also INT64 decimals and µs timestamps
	convMillis               // INT64 ms timestamps
	convNanos                // INT64 ns timestamps
	convInt96                // INT96 timestamps (Impala, Spark)
	convFloat                // FLOAT
	convDouble               // DOUBLE
	convBytes                // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY as text
	convBigDecimal           // big-endian two's complement decimal, precision <= 18
	convWideDecimal          // decimal of precision > 18, read as DOUBLE
)

// pqCol is one readable Parquet column.
type pqCol struct {
	name  string
	leaf  int // index among the file's leaf columns
	t     types.Type
	conv  convKind
	scale int // of a decimal read as DOUBLE
}

// ParquetSchema returns the names and Frigatebird types of the columns
// of the Parquet file at path:
//
//	BOOLEAN                                  BOOLEAN
//	INT32, INT(8|16|32, signed), UINT(8)     SMALLINT (8, 16 bits) / INTEGER
//	UINT(16)                                 INTEGER
//	INT64, INT(64, signed), UINT(32)         BIGINT
//	FLOAT / DOUBLE                           REAL / DOUBLE
//	DECIMAL(p,s), p <= 18 (any physical)     DECIMAL(p,s)
//	DECIMAL(p,s), p > 18                     DOUBLE
//	BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY,
//	  STRING, ENUM, JSON                     VARCHAR
//	DATE                                     DATE
//	TIMESTAMP(MILLIS|MICROS|NANOS), INT96    TIMESTAMP (µs; ns truncated toward -inf)
//
// Other types (TIME, UUID, FLOAT16, UINT(64), INTERVAL, …), nested
// groups and repeated columns are errors wrapping ErrUnsupported that name
// the column.
func ParquetSchema(path string) (names []string, ts []types.Type, err error) {
	f, pf, err := openParquet(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cols, err := parquetColumns(path, pf)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cols {
		names = append(names, c.name)
		ts = append(ts, c.t)
	}
	return names, ts, nil
}

// openParquet opens a Parquet file and decodes its footer.
func openParquet(path string) (f *os.File, pf *parquet.File, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("frigatebird: read parquet: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("frigatebird: read parquet %s: %w", path, err)
	}
	err = guard(func() error {
		var err error
		pf, err = parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		return err
	})
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("frigatebird: read parquet %s: %w", path, err)
	}
	return f, pf, nil
}

// guard runs fn, turning a panic of the Parquet library (it panics on
// some malformed files) into an error wrapping ErrCorrupt.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, p)
		}
	}()
	return fn()
}

// parquetColumns maps the file's top-level columns onto Frigatebird types.
func parquetColumns(path string, pf *parquet.File) ([]pqCol, error) {
	var cols []pqCol
	for _, c := range pf.Root().Columns() {
		bad := func(what string) error {
			return fmt.Errorf("frigatebird: read parquet %s: column %q: %s: %w", path, c.Name(), what, ErrUnsupported)
		}
		if !c.Leaf() {
			return nil, bad("nested columns are not supported")
		}
		if c.Repeated() || c.MaxRepetitionLevel() > 0 {
			return nil, bad("repeated columns are not supported")
		}
		pc, ok := mapParquetType(c.Type())
		if !ok {
			return nil, bad("type " + describeParquetType(c.Type()) + " is not supported")
		}
		pc.name, pc.leaf = c.Name(), c.Index()
		cols = append(cols, pc)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("frigatebird: read parquet %s: no columns: %w", path, ErrUnsupported)
	}
	return cols, nil
}

func describeParquetType(t parquet.Type) string {
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		return fmt.Sprintf("%s (%s)", lt, t.Kind())
	}
	return t.Kind().String()
}

// mapParquetType returns the column conversion of a Parquet type.
func mapParquetType(t parquet.Type) (pqCol, bool) {
	kind := t.Kind()
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType, *format.JsonType:
			if kind == parquet.ByteArray || kind == parquet.FixedLenByteArray {
				return pqCol{t: types.Text, conv: convBytes}, true
			}
		case *format.IntType:
			return mapIntType(kind, int(v.BitWidth), v.IsSigned)
		case *format.DecimalType:
			return mapDecimalType(kind, int(v.Precision), int(v.Scale))
		case *format.DateType:
			if kind == parquet.Int32 {
				return pqCol{t: types.Date, conv: convInt32}, true
			}
		case *format.TimestampType:
			if kind != parquet.Int64 || v.Unit.Value == nil {
				return pqCol{}, false
			}
			switch v.Unit.Value.(type) {
			case *format.MilliSeconds:
				return pqCol{t: types.Timestamp, conv: convMillis}, true
			case *format.MicroSeconds:
				return pqCol{t: types.Timestamp, conv: convInt64}, true
			case *format.NanoSeconds:
				return pqCol{t: types.Timestamp, conv: convNanos}, true
			}
		}
		return pqCol{}, false
	}
	switch kind {
	case parquet.Boolean:
		return pqCol{t: types.Boolean, conv: convBool}, true
	case parquet.Int32:
		return pqCol{t: types.Integer, conv: convInt32}, true
	case parquet.Int64:
		return pqCol{t: types.BigInt, conv: convInt64}, true
	case parquet.Int96:
		return pqCol{t: types.Timestamp, conv: convInt96}, true
	case parquet.Float:
		return pqCol{t: types.Real, conv: convFloat}, true
	case parquet.Double:
		return pqCol{t: types.Double, conv: convDouble}, true
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return pqCol{t: types.Text, conv: convBytes}, true
	}
	return pqCol{}, false
}

func mapIntType(kind parquet.Kind, bits int, signed bool) (pqCol, bool) {
	var t types.Type
	switch {
	case signed && bits <= 16, !signed && bits == 8:
		t = types.SmallInt
	case signed && bits == 32, !signed && bits == 16:
		t = types.Integer
	case signed && bits == 64, !signed && bits == 32:
		t = types.BigInt
	default:
		return pqCol{}, false
	}
	switch {
	case kind == parquet.Int32 && signed:
		return pqCol{t: t, conv: convInt32}, true
	case kind == parquet.Int32:
		return pqCol{t: t, conv: convUint32}, true
	case kind == parquet.Int64 && signed:
		return pqCol{t: t, conv: convInt64}, true
	}
	return pqCol{}, false
}

func mapDecimalType(kind parquet.Kind, p, s int) (pqCol, bool) {
	if p < 1 || s < 0 || s > p {
		return pqCol{}, false
	}
	if p > types.MaxDecimalPrecision {
		switch kind {
		case parquet.Int32, parquet.Int64, parquet.ByteArray, parquet.FixedLenByteArray:
			return pqCol{t: types.Double, conv: convWideDecimal, scale: s}, true
		}
		return pqCol{}, false
	}
	t := types.MustDecimal(p, s)
	switch kind {
	case parquet.Int32:
		return pqCol{t: t, conv: convInt32}, true
	case parquet.Int64:
		return pqCol{t: t, conv: convInt64}, true
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return pqCol{t: t, conv: convBigDecimal}, true
	}
	return pqCol{}, false
}

// ParquetReader reads the columns of a Parquet file into batches, row
// group by row group, reading only the projected columns' chunks. A
// ParquetReader is owned by one goroutine.
type ParquetReader struct {
	path  string
	f     *os.File
	pf    *parquet.File
	cols  []pqCol
	rg    int   // next row group
	left  int64 // rows left in the current row group
	pages []parquet.Pages
	page  []parquet.Page
	vals  []parquet.ValueReader
	buf   []parquet.Value
	err   error
}

// NewParquetReader opens the Parquet file at path for reading the columns
// listed in cols (indexes into ParquetSchema's columns, in the order
// wanted; nil means all).
func NewParquetReader(path string, cols []int) (*ParquetReader, error) {
	f, pf, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	all, err := parquetColumns(path, pf)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &ParquetReader{path: path, f: f, pf: pf, buf: make([]parquet.Value, vector.Size)}
	if cols == nil {
		r.cols = all
	} else {
		for _, j := range cols {
			if j < 0 || j >= len(all) {
				f.Close()
				return nil, fmt.Errorf("frigatebird: read parquet %s: column %d of %d: %w", path, j, len(all), ErrOptions)
			}
			r.cols = append(r.cols, all[j])
		}
	}
	n := len(r.cols)
	r.pages, r.page, r.vals = make([]parquet.Pages, n), make([]parquet.Page, n), make([]parquet.ValueReader, n)
	return r, nil
}

// Types returns the types of the projected columns, in order.
func (r *ParquetReader) Types() []types.Type {
	ts := make([]types.Type, len(r.cols))
	for i, c := range r.cols {
		ts[i] = c.t
	}
	return ts
}

// NumRows returns the number of rows of the file.
func (r *ParquetReader) NumRows() int64 { return r.pf.NumRows() }

// Next fills out with up to vector.Size rows of one row group (one vector
// per projected column, reused) and reports whether it returned any; it
// returns false, nil after the last row group.
func (r *ParquetReader) Next(out *vector.Batch) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	var ok bool
	err := guard(func() error {
		var err error
		ok, err = r.next(out)
		return err
	})
	if err != nil {
		if r.err == nil {
			r.fail(err)
		}
		return false, r.err
	}
	return ok, nil
}

func (r *ParquetReader) next(out *vector.Batch) (bool, error) {
	groups := r.pf.RowGroups()
	for r.left == 0 {
		if r.rg >= len(groups) {
			return false, nil
		}
		r.closePages()
		g := groups[r.rg]
		r.rg++
		r.left = g.NumRows()
		if r.left < 0 {
			return false, r.fail(fmt.Errorf("row group %d has %d rows: %w", r.rg-1, r.left, ErrCorrupt))
		}
		chunks := g.ColumnChunks()
		for i, c := range r.cols {
			if c.leaf >= len(chunks) {
				return false, r.fail(fmt.Errorf("row group %d has %d columns: %w", r.rg-1, len(chunks), ErrCorrupt))
			}
			r.pages[i] = chunks[c.leaf].Pages()
		}
	}
	n := int(min(r.left, vector.Size))
	if len(out.Cols) != len(r.cols) {
		cols := make([]*vector.Vector, len(r.cols))
		copy(cols, out.Cols)
		out.Cols = cols
	}
	for i, c := range r.cols {
		if out.Cols[i] == nil {
			out.Cols[i] = vector.New(c.t)
		}
		v := out.Cols[i]
		v.Reset(c.t, n)
		if err := r.readColumn(i, n, v); err != nil {
			return false, r.fail(fmt.Errorf("column %q: %w", c.name, err))
		}
	}
	out.Len, out.Sel = n, nil
	r.left -= int64(n)
	return true, nil
}

func (r *ParquetReader) fail(err error) error {
	r.err = fmt.Errorf("frigatebird: read parquet %s: %w", r.path, err)
	return r.err
}

// readColumn reads the next n values of projected column i into v.
func (r *ParquetReader) readColumn(i, n int, v *vector.Vector) error {
	got := 0
	for got < n {
		if r.vals[i] == nil {
			p, err := r.pages[i].ReadPage()
			if err == io.EOF {
				return fmt.Errorf("%d values for %d rows: %w", got, n, ErrCorrupt)
			}
			if err != nil {
				return err
			}
			r.page[i], r.vals[i] = p, p.Values()
		}
		k, err := r.vals[i].ReadValues(r.buf[got:n])
		if k < 0 || k > n-got {
			return fmt.Errorf("page returned %d values: %w", k, ErrCorrupt)
		}
		// Convert before the page is released: byte arrays point into it.
		if cerr := r.convert(r.cols[i], r.buf[got:got+k], got, v); cerr != nil {
			return cerr
		}
		got += k
		if err == io.EOF {
			parquet.Release(r.page[i])
			r.page[i], r.vals[i] = nil, nil
		} else if err != nil {
			return err
		} else if k == 0 {
			return fmt.Errorf("page returned no values: %w", ErrCorrupt)
		}
	}
	return nil
}

// convert stores values as rows [row, row+len(values)) of v.
func (r *ParquetReader) convert(c pqCol, values []parquet.Value, row int, v *vector.Vector) error {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if c.t.IsInteger() || c.t.Kind == types.KindDecimal {
		lo, hi = c.t.IntRange()
	}
	for k, pv := range values {
		i := row + k
		if pv.IsNull() {
			if c.conv == convBytes {
				v.Offsets[i+1] = uint32(len(v.Bytes))
			}
			v.SetNull(i)
			continue
		}
		if pv.RepetitionLevel() != 0 {
			return fmt.Errorf("repeated value: %w", ErrCorrupt)
		}
		var x int64
		switch c.conv {
		case convBool:
			v.SetBool(i, pv.Boolean())
			continue
		case convFloat:
			v.Floats[i] = float64(pv.Float())
			continue
		case convDouble:
			v.Floats[i] = pv.Double()
			continue
		case convBytes:
			b := pv.ByteArray()
			if len(v.Bytes)+len(b) > math.MaxUint32 {
				return fmt.Errorf("%d bytes of text in %d rows: %w", len(v.Bytes)+len(b), i+1, ErrUnsupported)
			}
			v.AppendStr(i, b)
			continue
		case convWideDecimal:
			v.Floats[i] = wideDecimal(pv, c.scale)
			continue
		case convInt32:
			x = int64(pv.Int32())
		case convUint32:
			x = int64(uint32(pv.Int32()))
		case convInt64:
			x = pv.Int64()
		case convMillis:
			var ok bool
			if x, ok = types.MulCheck(pv.Int64(), 1000); !ok {
				return fmt.Errorf("timestamp %d ms: %w", pv.Int64(), types.ErrOutOfRange)
			}
		case convNanos:
			ns := pv.Int64()
			x = ns / 1000
			if ns%1000 < 0 {
				x--
			}
		case convInt96:
			q := pv.Int96()
			nanos := int64(uint64(q[1])<<32 | uint64(q[0]))
			x = (int64(q[2])-julianEpochDay)*types.MicrosPerDay + nanos/1000
		case convBigDecimal:
			var ok bool
			if x, ok = bigEndianInt64(pv.ByteArray()); !ok {
				return fmt.Errorf("decimal of %d bytes does not fit %s: %w", len(pv.ByteArray()), c.t, ErrCorrupt)
			}
		}
		if x < lo || x > hi {
			return fmt.Errorf("value %d out of range for %s: %w", x, c.t, ErrCorrupt)
		}
		v.Ints[i] = x
	}
	return nil
}

// julianEpochDay is the Julian day number of 1970-01-01 (INT96 timestamps
// count Julian days).
const julianEpochDay = 2440588

// bigEndianInt64 decodes a big-endian two's complement integer that must
// fit an int64.
func bigEndianInt64(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	var ext byte
	if b[0]&0x80 != 0 {
		ext = 0xFF
	}
	for len(b) > 8 {
		if b[0] != ext {
			return 0, false
		}
		b = b[1:]
	}
	if len(b) == 8 && (b[0]&0x80 != 0) != (ext == 0xFF) {
		return 0, false
	}
	x := int64(0)
	if ext == 0xFF {
		x = -1
	}
	for _, c := range b {
		x = x<<8 | int64(c)
	}
	return x, true
}

// wideDecimal converts a decimal of precision > 18 to float64.
func wideDecimal(pv parquet.Value, scale int) float64 {
	var n big.Int
	switch pv.Kind() {
	case parquet.Int32:
		n.SetInt64(int64(pv.Int32()))
	case parquet.Int64:
		n.SetInt64(pv.Int64())
	default:
		b := pv.ByteArray()
		n.SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			var m big.Int
			m.Lsh(big.NewInt(1), uint(8*len(b)))
			n.Sub(&n, &m)
		}
	}
	f, _ := new(big.Float).SetInt(&n).Float64()
	return f / math.Pow10(scale)
}

func (r *ParquetReader) closePages() {
	for i := range r.pages {
		if r.page[i] != nil {
			parquet.Release(r.page[i])
		}
		if r.pages[i] != nil {
			r.pages[i].Close()
		}
		r.pages[i], r.page[i], r.vals[i] = nil, nil, nil
	}
}

// Close releases the file.
func (r *ParquetReader) Close() error {
	r.closePages()
	if err := r.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("frigatebird: read parquet %s: close: %w", r.path, err)
	}
	return nil
}
