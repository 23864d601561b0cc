package fileio

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// bom is the UTF-8 byte order mark, skipped at the start of the input.
var bom = []byte{0xEF, 0xBB, 0xBF}

// CSVReader parses CSV text into typed batches. It reads the input in
// blocks into one buffer and parses each field straight from the buffer
// into its vector's typed slice. A CSVReader is owned by one goroutine.
type CSVReader struct {
	r    io.Reader
	cols []csvCol
	// strCols lists the VARCHAR columns (their bytes bound a batch).
	strCols []int
	delim   byte
	quote   byte
	null    []byte
	// stop[c] is set for the bytes that end an unquoted field or are
	// errors in one: the delimiter, '\n' and the quote.
	stop [256]bool
	err  error // sticky: every Next after an error returns it
	// slowOnly disables the integer, decimal and date fast paths: the NULL
	// text looks like a number or a date, so every field must be compared
	// with it first.
	slowOnly bool

	// buf[pos:limit] holds complete records: buf[limit-1] is a '\n' outside
	// quotes (possibly one the reader added after a last line without
	// one). buf[limit:end] is the start of the next record. The quote
	// state at buf[scanned] is inQuote; no '\n' outside quotes lies in
	// buf[limit:scanned].
	buf      []byte
	pos      int
	limit    int
	end      int
	scanned  int
	inQuote  bool
	eof      bool
	zeroRead int
	// maxLine is MaxLineBytes (tests lower it).
	maxLine int

	started    bool // BOM and header handled
	skipBOM    bool
	skipHeader bool
	// line is the 1-based line where the record at pos starts.
	line int64
	// extraLines counts the newlines inside quoted fields of the record
	// being parsed.
	extraLines int64
	scratch    []byte
	rows       int64
}

// colKind selects a column's parser.
type colKind uint8

const (
	ckBool colKind = iota
	ckInt
	ckDecimal
	ckFloat
	ckReal
	ckDate
	ckTimestamp
	ckString
)

// csvCol is one column's parsing state.
type csvCol struct {
	kind   colKind
	t      types.Type
	lo, hi int64 // range of integer values, or of scaled decimal values
	scale  int
	vec    *vector.Vector
}

// NewCSVReader returns a reader of CSV text whose records have one field
// per type of ts (the columns' types, in order). Invalid options or types
// are reported by the first Next.
func NewCSVReader(r io.Reader, ts []types.Type, opts CSVOptions) *CSVReader {
	return newCSVReader(r, ts, opts, 1, true, opts.Header)
}

func newCSVReader(r io.Reader, ts []types.Type, opts CSVOptions, line int64, skipBOM, skipHeader bool) *CSVReader {
	rd := &CSVReader{r: r, line: line, skipBOM: skipBOM, skipHeader: skipHeader, maxLine: MaxLineBytes}
	if err := opts.Validate(); err != nil {
		rd.err = err
		return rd
	}
	opts = opts.withDefaults()
	rd.delim, rd.quote, rd.null = opts.Delimiter, opts.Quote, []byte(opts.Null)
	rd.stop[rd.delim], rd.stop['\n'], rd.stop[rd.quote] = true, true, true
	if n := opts.Null; n != "" && (n[0] >= '0' && n[0] <= '9' || n[0] == '+' || n[0] == '-' || n[0] == '.') {
		rd.slowOnly = true
	}
	if len(ts) == 0 {
		rd.err = fmt.Errorf("frigatebird: csv: no columns: %w", ErrOptions)
		return rd
	}
	rd.cols = make([]csvCol, len(ts))
	for j, t := range ts {
		c := &rd.cols[j]
		c.t = t
		switch t.Kind {
		case types.KindBoolean:
			c.kind = ckBool
		case types.KindSmallInt, types.KindInteger, types.KindBigInt:
			c.kind = ckInt
			c.lo, c.hi = t.IntRange()
		case types.KindDecimal:
			if t.Precision < 1 || t.Precision > types.MaxDecimalPrecision || t.Scale < 0 || t.Scale > t.Precision {
				rd.err = fmt.Errorf("frigatebird: csv column %d: type %s: %w", j+1, t, ErrOptions)
				return rd
			}
			c.kind = ckDecimal
			c.lo, c.hi = t.IntRange()
			c.scale = t.Scale
		case types.KindDouble:
			c.kind = ckFloat
		case types.KindReal:
			c.kind = ckReal
		case types.KindDate:
			c.kind = ckDate
		case types.KindTimestamp:
			c.kind = ckTimestamp
		case types.KindVarchar:
			c.kind = ckString
			rd.strCols = append(rd.strCols, j)
		default:
			rd.err = fmt.Errorf("frigatebird: csv column %d: type %s cannot be read from csv: %w", j+1, t, ErrOptions)
			return rd
		}
	}
	return rd
}

// Rows returns the number of records returned so far.
func (r *CSVReader) Rows() int64 { return r.rows }

// Next fills out with up to vector.Size records, reusing out's vectors
// (one per column; missing ones are created) and reports whether it
// returned any; it returns false, nil at the end of the input. After an
// error, out holds nothing usable and every later call returns the same
// error.
func (r *CSVReader) Next(out *vector.Batch) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	r.prepare(out)
	n := 0
	for n < vector.Size {
		if r.pos >= r.limit {
			ok, err := r.fill()
			if err != nil {
				r.err = err
				return false, err
			}
			if !ok {
				break
			}
			if !r.started {
				if err := r.start(); err != nil {
					r.err = err
					return false, err
				}
			}
			continue
		}
		if len(r.cols) > 1 && r.blankLine() {
			continue
		}
		if err := r.parseRecord(n); err != nil {
			r.err = err
			return false, err
		}
		n++
		if r.batchFull() {
			break
		}
	}
	finish(out, n)
	r.rows += int64(n)
	return n > 0, nil
}

// prepare sizes out's vectors for vector.Size rows.
func (r *CSVReader) prepare(out *vector.Batch) {
	if len(out.Cols) != len(r.cols) {
		cols := make([]*vector.Vector, len(r.cols))
		copy(cols, out.Cols)
		out.Cols = cols
	}
	for j := range r.cols {
		c := &r.cols[j]
		if out.Cols[j] == nil {
			out.Cols[j] = vector.New(c.t)
		}
		out.Cols[j].Reset(c.t, vector.Size)
		c.vec = out.Cols[j]
	}
	out.Sel = nil
	out.Len = 0
}

// finish trims out's vectors to the n rows written.
func finish(out *vector.Batch, n int) {
	out.Len = n
	for _, v := range out.Cols {
		v.Len = n
		switch v.Type.Phys() {
		case types.PhysInt64:
			v.Ints = v.Ints[:n]
		case types.PhysFloat64:
			v.Floats = v.Floats[:n]
		case types.PhysBool:
			v.Bools = v.Bools[:vector.Words(n)]
		case types.PhysBytes:
			v.Offsets = v.Offsets[:n+1]
		}
		if len(v.Valid) > 0 {
			v.Valid = v.Valid[:vector.Words(n)]
		}
	}
}

// batchFull reports whether a VARCHAR column of the batch holds more than
// maxBatchBytes.
func (r *CSVReader) batchFull() bool {
	for _, j := range r.strCols {
		if len(r.cols[j].vec.Bytes) > maxBatchBytes {
			return true
		}
	}
	return false
}

// start skips the byte order mark and the header, once, at the first
// complete record.
func (r *CSVReader) start() error {
	r.started = true
	if r.skipBOM && bytes.HasPrefix(r.buf[r.pos:r.limit], bom) {
		r.pos += len(bom)
	}
	if r.skipHeader {
		_, err := r.skipRecord()
		return err
	}
	return nil
}

// blankLine skips an empty line ("\n" or "\r\n") at pos. Blank lines are
// skipped when records have several fields (they cannot be records); with
// one column an empty line is a record whose field is empty.
func (r *CSVReader) blankLine() bool {
	data := r.buf[:r.limit]
	p := r.pos
	if data[p] == '\r' && p+1 < len(data) && data[p+1] == '\n' {
		p++
	}
	if data[p] != '\n' {
		return false
	}
	r.pos = p + 1
	r.line++
	return true
}

// fill makes buf[pos:limit] hold at least one complete record, reading
// more input as needed; it reports false at the end of the input.
func (r *CSVReader) fill() (bool, error) {
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.scanned -= r.pos
		r.end, r.pos, r.limit = n, 0, 0
	}
	for {
		if r.scanned < r.end {
			if b := r.findBoundary(); b > 0 {
				r.limit = b
				return true, nil
			}
		}
		if r.eof {
			if r.end == 0 {
				return false, nil
			}
			// The last record lacks its newline (or a quote is left open,
			// which the parser reports): end it with one.
			if r.end == len(r.buf) {
				r.grow(len(r.buf) + 1)
			}
			r.buf[r.end] = '\n'
			r.end++
			r.limit, r.scanned = r.end, r.end
			return true, nil
		}
		if r.end >= r.maxLine {
			return false, r.errAt(0, fmt.Sprintf("record longer than %d bytes", r.maxLine), nil, ErrInvalidCSV)
		}
		if free := len(r.buf) - r.end; free < readBlockBytes/2 && (free < len(r.buf)/2 || len(r.buf) < readBlockBytes) {
			r.grow(min(max(2*len(r.buf), 64<<10), r.maxLine+readBlockBytes))
		}
		n, err := r.r.Read(r.buf[r.end:])
		if n < 0 || n > len(r.buf)-r.end {
			return false, fmt.Errorf("frigatebird: csv read: reader returned %d bytes: %w", n, io.ErrShortBuffer)
		}
		r.end += n
		switch {
		case err == io.EOF:
			r.eof = true
		case err != nil:
			return false, fmt.Errorf("frigatebird: csv read: %w", err)
		case n == 0:
			if r.zeroRead++; r.zeroRead > 100 {
				return false, fmt.Errorf("frigatebird: csv read: %w", io.ErrNoProgress)
			}
		default:
			r.zeroRead = 0
		}
	}
}

// grow resizes buf to n bytes, keeping buf[:end].
func (r *CSVReader) grow(n int) {
	nb := make([]byte, n)
	copy(nb, r.buf[:r.end])
	r.buf = nb
}

// findBoundary scans buf[scanned:end] and returns the index just past its
// last '\n' outside quotes, or 0 when there is none. A quote toggles the
// quote state (a doubled quote toggles it twice), which is exact for every
// input the parser accepts; on other input the parser reports the error
// before it could misplace a boundary.
func (r *CSVReader) findBoundary() int {
	s, e := r.scanned, r.end
	seg := r.buf[s:e]
	nq := 0
	if r.quote != 0 {
		nq = bytes.Count(seg, []byte{r.quote})
	}
	endQuote := r.inQuote != (nq&1 == 1)
	r.scanned, r.inQuote = e, endQuote
	par, hi := endQuote, len(seg)
	for {
		nl := bytes.LastIndexByte(seg[:hi], '\n')
		if nl < 0 {
			return 0
		}
		if nq > 0 && bytes.Count(seg[nl:hi], []byte{r.quote})&1 == 1 {
			par = !par
		}
		if !par {
			return s + nl + 1
		}
		hi = nl
	}
}

// skipRecord passes over the record at pos (the header), checking only
// its quoting, and returns its number of fields.
func (r *CSVReader) skipRecord() (int, error) {
	data := r.buf[:r.limit]
	p, fields := r.pos, 1
	r.extraLines = 0
	for {
		var err error
		if data[p] == r.quote {
			_, p, err = r.quoted(data, p, 0)
		} else {
			_, p, err = r.unquoted(data, p, 0)
		}
		if err != nil {
			return 0, err
		}
		if data[p] != r.delim {
			break
		}
		p++
		fields++
	}
	return fields, r.endRecord(data, p)
}

// endRecord moves pos past the line end at p and counts the record's
// lines. A record longer than maxLine is an error even when it fit the
// buffer, so the bound does not depend on how the input was read.
func (r *CSVReader) endRecord(data []byte, p int) error {
	if data[p] == '\r' {
		p++
	}
	if p+1-r.pos > r.maxLine {
		return r.errAt(0, fmt.Sprintf("record longer than %d bytes", r.maxLine), nil, ErrInvalidCSV)
	}
	r.pos = p + 1
	r.line += 1 + r.extraLines
	return nil
}

// isTerm reports whether p ends a field: the delimiter, '\n' or "\r\n".
func (r *CSVReader) isTerm(data []byte, p int) bool {
	c := data[p]
	return c == r.delim || c == '\n' || c == '\r' && p+1 < len(data) && data[p+1] == '\n'
}

// unquoted scans the unquoted field starting at p; it returns the field's
// text and the index of its terminator (the delimiter, or the '\n' or the
// '\r' of "\r\n" ending the record). A quote inside is an error.
func (r *CSVReader) unquoted(data []byte, p, col int) ([]byte, int, error) {
	start := p
	for p < len(data) && !r.stop[data[p]] {
		p++
	}
	if p >= len(data) {
		// Unreachable: data ends with '\n'.
		return nil, p, r.errAt(col, "record ends without a newline", data[start:], ErrInvalidCSV)
	}
	if data[p] == r.quote {
		return nil, p, r.errAt(col, "bare quote in unquoted field", data[start:p+1], ErrInvalidCSV)
	}
	end := p
	if data[p] == '\n' && end > start && data[end-1] == '\r' {
		end--
	}
	return data[start:end], end, nil
}

// quoted scans the quoted field starting at p (at its opening quote); it
// returns the field's text with doubled quotes undone (in r.scratch when
// there were any) and the index of its terminator. It counts the newlines
// inside into extraLines.
func (r *CSVReader) quoted(data []byte, p, col int) ([]byte, int, error) {
	q := r.quote
	i := p + 1
	k := bytes.IndexByte(data[i:], q)
	if k < 0 {
		return nil, p, r.errAt(col, "unterminated quoted field", nil, ErrInvalidCSV)
	}
	k += i
	text := data[i:k]
	if k+1 < len(data) && data[k+1] == q {
		r.scratch = r.scratch[:0]
		for k+1 < len(data) && data[k+1] == q {
			r.scratch = append(r.scratch, data[i:k+1]...)
			i = k + 2
			k = bytes.IndexByte(data[i:], q)
			if k < 0 {
				return nil, p, r.errAt(col, "unterminated quoted field", nil, ErrInvalidCSV)
			}
			k += i
		}
		r.scratch = append(r.scratch, data[i:k]...)
		text = r.scratch
	}
	end := k + 1
	if end >= len(data) {
		return nil, p, r.errAt(col, "unterminated quoted field", nil, ErrInvalidCSV)
	}
	if !r.isTerm(data, end) {
		return nil, p, r.errAt(col, "unexpected character after closing quote", data[end:end+1], ErrInvalidCSV)
	}
	if n := bytes.Count(data[p:end], []byte{'\n'}); n > 0 {
		r.extraLines += int64(n)
	}
	return text, end, nil
}

// errAt builds the error of column col (1-based; 0 for the record) of the
// record being parsed.
func (r *CSVReader) errAt(col int, msg string, text []byte, sentinel error) error {
	if text != nil {
		msg += ": " + quoteText(text)
	}
	return &CSVError{Line: r.line, Column: col, Msg: msg, Err: sentinel}
}

// fieldCountErr reports a record with the wrong number of fields.
func (r *CSVReader) fieldCountErr() error {
	line := r.line
	n, err := r.skipRecord() // from the record's start: count its fields
	if err != nil {
		return err
	}
	return &CSVError{Line: line, Msg: fmt.Sprintf("expected %d fields, found %d", len(r.cols), n), Err: ErrInvalidCSV}
}

// parseRecord parses the record at pos into row of the vectors.
func (r *CSVReader) parseRecord(row int) error {
	data := r.buf[:r.limit]
	p := r.pos
	r.extraLines = 0
	for j := range r.cols {
		c := &r.cols[j]
		if j > 0 {
			if data[p] != r.delim {
				return r.fieldCountErr()
			}
			p++
		}
		var err error
		if data[p] == r.quote {
			p, err = r.quotedField(c, j+1, row, data, p)
		} else if r.slowOnly && c.kind != ckString {
			p, err = r.textField(c, j+1, row, data, p)
		} else {
			switch c.kind {
			case ckInt:
				p, err = r.intField(c, j+1, row, data, p)
			case ckDecimal:
				p, err = r.decimalField(c, j+1, row, data, p)
			case ckDate:
				p, err = r.dateField(c, j+1, row, data, p)
			case ckString:
				p, err = r.stringField(c, j+1, row, data, p)
			default:
				p, err = r.textField(c, j+1, row, data, p)
			}
		}
		if err != nil {
			return err
		}
	}
	if data[p] == r.delim {
		// One empty field after a trailing delimiter is allowed: TPC-H's
		// dbgen ends every line with the delimiter.
		if q := p + 1; data[q] == '\n' || data[q] == '\r' && q+1 < len(data) && data[q+1] == '\n' {
			p = q
		} else {
			return r.fieldCountErr()
		}
	}
	return r.endRecord(data, p)
}

// isNull reports whether unquoted text is the NULL text.
func (r *CSVReader) isNull(text []byte) bool { return bytes.Equal(text, r.null) }

// setNull marks row NULL; a VARCHAR row gets an empty slot.
func setNull(c *csvCol, row int) {
	v := c.vec
	if c.kind == ckString {
		v.Offsets[row+1] = uint32(len(v.Bytes))
	}
	v.SetNull(row)
}

// textField parses the unquoted field at p (any kind) through the
// general conversions.
func (r *CSVReader) textField(c *csvCol, col, row int, data []byte, p int) (int, error) {
	text, end, err := r.unquoted(data, p, col)
	if err != nil {
		return end, err
	}
	if r.isNull(text) {
		setNull(c, row)
		return end, nil
	}
	return end, r.convert(c, col, row, text)
}

// quotedField parses the quoted field at p: never NULL for VARCHAR, NULL
// when empty for the other kinds.
func (r *CSVReader) quotedField(c *csvCol, col, row int, data []byte, p int) (int, error) {
	text, end, err := r.quoted(data, p, col)
	if err != nil {
		return end, err
	}
	if len(text) == 0 && c.kind != ckString {
		setNull(c, row)
		return end, nil
	}
	return end, r.convert(c, col, row, text)
}

// stringField parses an unquoted VARCHAR field, appending it to Bytes.
func (r *CSVReader) stringField(c *csvCol, col, row int, data []byte, p int) (int, error) {
	start := p
	stop := &r.stop
	for p < len(data) && !stop[data[p]] {
		p++
	}
	if p >= len(data) || data[p] == r.quote {
		_, end, err := r.unquoted(data, start, col)
		return end, err
	}
	end := p
	if data[p] == '\n' && end > start && data[end-1] == '\r' {
		end--
	}
	text := data[start:end]
	if len(text) == len(r.null) && r.isNull(text) {
		setNull(c, row)
		return end, nil
	}
	if c.t.Max > 0 && len(text) > c.t.Max {
		if err := r.checkLength(c, col, text); err != nil {
			return end, err
		}
	}
	v := c.vec
	v.Bytes = append(v.Bytes, text...)
	v.Offsets[row+1] = uint32(len(v.Bytes))
	return end, nil
}

// intField parses an unquoted integer field: a sign and up to 18 digits
// directly, anything else through types.ParseInt.
func (r *CSVReader) intField(c *csvCol, col, row int, data []byte, p int) (int, error) {
	start := p
	neg := false
	if data[p] == '-' {
		neg = true
		p++
	} else if data[p] == '+' {
		p++
	}
	ds := p
	var v int64
	for p < len(data) {
		d := data[p] - '0'
		if d > 9 {
			break
		}
		v = v*10 + int64(d)
		p++
	}
	if nd := p - ds; nd == 0 || nd > 18 || p >= len(data) || !r.isTerm(data, p) {
		return r.textField(c, col, row, data, start)
	}
	if neg {
		v = -v
	}
	if v < c.lo || v > c.hi {
		return p, r.errAt(col, "value out of range for type "+c.t.String(), data[start:p], types.ErrOutOfRange)
	}
	c.vec.Ints[row] = v
	return p, nil
}

// decimalField parses an unquoted DECIMAL field: [sign]digits[.digits]
// with at most the column's scale of fractional digits directly, anything
// else (exponents, rounding, spaces) through types.ParseDecimal.
func (r *CSVReader) decimalField(c *csvCol, col, row int, data []byte, p int) (int, error) {
	start := p
	neg := false
	if data[p] == '-' {
		neg = true
		p++
	} else if data[p] == '+' {
		p++
	}
	ds := p
	var v int64
	for p < len(data) {
		d := data[p] - '0'
		if d > 9 {
			break
		}
		v = v*10 + int64(d)
		p++
	}
	nInt, nFrac := p-ds, 0
	if p < len(data) && data[p] == '.' {
		p++
		fs := p
		for p < len(data) {
			d := data[p] - '0'
			if d > 9 {
				break
			}
			v = v*10 + int64(d)
			p++
		}
		nFrac = p - fs
	}
	if nInt+nFrac == 0 || nFrac > c.scale || nInt+c.scale > 18 || p >= len(data) || !r.isTerm(data, p) {
		return r.textField(c, col, row, data, start)
	}
	v *= pow10[c.scale-nFrac]
	if neg {
		v = -v
	}
	if v < c.lo || v > c.hi {
		return p, r.errAt(col, "value out of range for type "+c.t.String(), data[start:p], types.ErrOutOfRange)
	}
	c.vec.Ints[row] = v
	return p, nil
}

var pow10 = [19]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// dateField parses an unquoted DATE field in the fixed YYYY-MM-DD layout
// directly, anything else through types.ParseDate.
func (r *CSVReader) dateField(c *csvCol, col, row int, data []byte, p int) (int, error) {
	if p+10 < len(data) && data[p+4] == '-' && data[p+7] == '-' && r.isTerm(data, p+10) {
		d := data[p : p+10 : p+10]
		y0, y1, y2, y3 := d[0]-'0', d[1]-'0', d[2]-'0', d[3]-'0'
		m0, m1, d0, d1 := d[5]-'0', d[6]-'0', d[8]-'0', d[9]-'0'
		if y0 < 10 && y1 < 10 && y2 < 10 && y3 < 10 && m0 < 10 && m1 < 10 && d0 < 10 && d1 < 10 {
			y := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
			m := int(m0)*10 + int(m1)
			dd := int(d0)*10 + int(d1)
			if y >= 1 && m >= 1 && m <= 12 && dd >= 1 && dd <= types.DaysInMonth(y, m) {
				c.vec.Ints[row] = types.DaysFromCivil(y, m, dd)
				return p + 10, nil
			}
		}
	}
	return r.textField(c, col, row, data, p)
}

// convert stores text (a non-NULL field, quotes removed) into row.
func (r *CSVReader) convert(c *csvCol, col, row int, text []byte) error {
	v := c.vec
	var err error
	switch c.kind {
	case ckString:
		if c.t.Max > 0 && len(text) > c.t.Max {
			if err := r.checkLength(c, col, text); err != nil {
				return err
			}
		}
		v.Bytes = append(v.Bytes, text...)
		v.Offsets[row+1] = uint32(len(v.Bytes))
		return nil
	case ckBool:
		var b bool
		b, err = parseBool(text)
		if err == nil {
			v.SetBool(row, b)
		}
	case ckInt:
		v.Ints[row], err = types.ParseInt(bstr(text), c.t)
	case ckDecimal:
		v.Ints[row], err = types.ParseDecimal(bstr(text), c.t.Precision, c.t.Scale)
	case ckFloat, ckReal:
		v.Floats[row], err = parseFloat(text, c.t)
	case ckDate:
		v.Ints[row], err = parseDate(text)
	case ckTimestamp:
		v.Ints[row], err = parseTimestamp(text)
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, types.ErrOutOfRange) {
		return r.errAt(col, "value out of range for type "+c.t.String(), text, types.ErrOutOfRange)
	}
	return r.errAt(col, "invalid input syntax for type "+c.t.String(), text, types.ErrCast)
}

// checkLength enforces VARCHAR(n): at most n characters.
func (r *CSVReader) checkLength(c *csvCol, col int, text []byte) error {
	if runeCount(text) > c.t.Max {
		return r.errAt(col, "value too long for type "+c.t.String(), text, types.ErrOutOfRange)
	}
	return nil
}
