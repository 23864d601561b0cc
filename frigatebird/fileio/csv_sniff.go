package fileio

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/reefdb/reef/frigatebird/types"
)

// sniffDelimiters are the delimiters SniffCSV tries, in order of
// preference on a tie.
var sniffDelimiters = []byte{',', '|', ';', '\t'}

// sniffDelimiterRecords is how many records decide the delimiter.
const sniffDelimiterRecords = 1000

// SniffCSV reads the start of the CSV file at path (up to 20480 records
// or 16 MiB) and returns its column names and types and the options to
// read it with:
//
//   - the delimiter, when opts.Delimiter is 0: among , | ; and tab, the
//     one giving the most records with the most common field count
//     (which must exceed 1), then the most fields;
//   - a last column dropped when every record ends with the delimiter
//     (TPC-H's dbgen writes such files);
//   - the header, when opts.HeaderAuto: there is one when a field of the
//     first record does not read as its column's type, or, when every
//     column is VARCHAR, when the first record's fields are all non-empty
//     and distinct (they can be names);
//   - the types, as DuckDB's sniffer chooses them: for each column the
//     first of BOOLEAN (true/false), BIGINT, DOUBLE, DATE, TIMESTAMP that
//     reads every non-NULL sampled value, else VARCHAR. Decimal text
//     (12.50) is DOUBLE; a column without values is VARCHAR;
//   - names from the header (empty ones become columnN, repeated ones get
//     a suffix _1, _2, …), else column0, column1, ….
//
// Records after the sample may still fail to read with the sniffed types;
// the reader reports them.
func SniffCSV(path string, opts CSVOptions) (names []string, ts []types.Type, opts2 CSVOptions, err error) {
	probe := opts
	if probe.Delimiter == 0 {
		probe.Delimiter = ','
	}
	if err := probe.Validate(); err != nil {
		return nil, nil, opts, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, opts, fmt.Errorf("frigatebird: sniff csv: %w", err)
	}
	defer f.Close()
	sample := make([]byte, sniffSampleBytes)
	n, err := io.ReadFull(f, sample)
	eof := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !eof {
		return nil, nil, opts, fmt.Errorf("frigatebird: sniff csv %s: %w", path, err)
	}
	return sniff(sample[:n], eof, opts)
}

// sniff is SniffCSV on a sample; eof says whether it is the whole file.
func sniff(sample []byte, eof bool, opts CSVOptions) ([]string, []types.Type, CSVOptions, error) {
	sample = bytes.TrimPrefix(sample, bom)
	o := opts
	if o.Quote == 0 {
		o.Quote = '"'
	}
	if o.Delimiter == 0 {
		o.Delimiter = detectDelimiter(sample, eof, o)
	}
	if err := o.Validate(); err != nil {
		return nil, nil, opts, err
	}
	recs := tokenize(sample, eof, o.Delimiter, o.Quote, sniffSampleRows+1)
	if len(recs) == 0 {
		return nil, nil, opts, fmt.Errorf("frigatebird: sniff csv: no records: %w", ErrInvalidCSV)
	}
	ncols := modeFields(recs)
	// Keep the records of the common width (others are errors the reader
	// reports), the first one always (it may be a header).
	kept := recs[:1]
	for _, rec := range recs[1:] {
		if len(rec) == ncols {
			kept = append(kept, rec)
		}
	}
	recs = kept
	if ncols > 1 && trailingDelimiter(recs, ncols) {
		ncols--
	}
	field := func(rec []sniffField, j int) (sniffField, bool) {
		if j < len(rec) {
			return rec[j], true
		}
		return sniffField{}, false
	}
	inferAll := func(data [][]sniffField) []types.Type {
		out := make([]types.Type, ncols)
		for j := range out {
			out[j] = inferColumn(data, j, o.Null)
		}
		return out
	}
	header := o.Header
	if o.HeaderAuto {
		header = false
		if len(recs) > 1 {
			rest := inferAll(recs[1:])
			allText, distinct := true, true
			seen := map[string]bool{}
			for j, t := range rest {
				f, ok := field(recs[0], j)
				if t.Kind != types.KindVarchar {
					allText = false
					if ok && !isNullField(f, o.Null) && !readsAs(f.text, t) {
						header = true
					}
				}
				if !ok || f.text == "" || seen[f.text] {
					distinct = false
				}
				seen[f.text] = true
			}
			if allText && distinct {
				header = true
			}
		}
	}
	data := recs
	if header {
		data = recs[1:]
	}
	if len(data) > sniffSampleRows {
		data = data[:sniffSampleRows]
	}
	ts := inferAll(data)
	names := make([]string, ncols)
	used := map[string]bool{}
	for j := range names {
		name := "column" + strconv.Itoa(j)
		if f, ok := field(recs[0], j); header && ok && f.text != "" {
			name = f.text
		}
		base := name
		for k := 1; used[name]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		used[name] = true
		names[j] = name
	}
	o.Header, o.HeaderAuto = header, false
	return names, ts, o, nil
}

// sniffField is one field of a sampled record.
type sniffField struct {
	text   string
	quoted bool
}

// isNullField reports whether a sampled field reads as NULL.
func isNullField(f sniffField, null string) bool {
	if f.quoted {
		return f.text == ""
	}
	return f.text == null
}

// detectDelimiter picks the delimiter of the sample.
func detectDelimiter(sample []byte, eof bool, o CSVOptions) byte {
	best, bestCount, bestWidth := byte(','), 0, 0
	for _, d := range sniffDelimiters {
		if d == o.Quote {
			continue
		}
		recs := tokenize(sample, eof, d, o.Quote, sniffDelimiterRecords)
		width := modeFields(recs)
		if width < 2 {
			continue
		}
		count := 0
		for _, rec := range recs {
			if len(rec) == width {
				count++
			}
		}
		if count > bestCount || count == bestCount && width > bestWidth {
			best, bestCount, bestWidth = d, count, width
		}
	}
	return best
}

// modeFields returns the most common field count of recs (the larger on
// a tie).
func modeFields(recs [][]sniffField) int {
	freq := map[int]int{}
	mode := 0
	for _, rec := range recs {
		freq[len(rec)]++
		if n := len(rec); freq[n] > freq[mode] || freq[n] == freq[mode] && n > mode {
			mode = n
		}
	}
	return mode
}

// trailingDelimiter reports whether every record ends with an empty
// unquoted field after its last delimiter.
func trailingDelimiter(recs [][]sniffField, ncols int) bool {
	for _, rec := range recs {
		if len(rec) != ncols {
			return false
		}
		if last := rec[ncols-1]; last.text != "" || last.quoted {
			return false
		}
	}
	return true
}

// Candidate types of the sniffer, in order of preference.
var sniffTypes = []types.Type{types.Boolean, types.BigInt, types.Double, types.Date, types.Timestamp}

// inferColumn returns the type of column j of recs.
func inferColumn(recs [][]sniffField, j int, null string) types.Type {
	alive := uint(1)<<len(sniffTypes) - 1
	seen := false
	for _, rec := range recs {
		if j >= len(rec) || isNullField(rec[j], null) {
			continue
		}
		seen = true
		for k, t := range sniffTypes {
			if alive&(1<<k) != 0 && !readsAs(rec[j].text, t) {
				alive &^= 1 << k
			}
		}
		if alive == 0 {
			return types.Text
		}
	}
	if !seen {
		return types.Text
	}
	for k, t := range sniffTypes {
		if alive&(1<<k) != 0 {
			return t
		}
	}
	return types.Text
}

// readsAs reports whether text reads as a value of t (the sniffer's
// stricter BOOLEAN: only true and false).
func readsAs(text string, t types.Type) bool {
	var err error
	switch t.Kind {
	case types.KindBoolean:
		s := strings.TrimSpace(text)
		return strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
	case types.KindBigInt:
		_, err = types.ParseInt(text, t)
	case types.KindDouble:
		_, err = parseFloat([]byte(text), t)
	case types.KindDate:
		_, err = parseDate([]byte(text))
	case types.KindTimestamp:
		_, err = parseTimestamp([]byte(text))
	case types.KindVarchar:
		return true
	}
	return err == nil
}

// tokenize splits up to max records of sample into fields, stopping at
// the first malformed record, and at an incomplete last record unless eof.
// Blank lines are skipped.
func tokenize(sample []byte, eof bool, delim, quote byte, max int) [][]sniffField {
	var recs [][]sniffField
	p := 0
	for p < len(sample) && len(recs) < max {
		if sample[p] == '\n' {
			p++
			continue
		}
		if sample[p] == '\r' && p+1 < len(sample) && sample[p+1] == '\n' {
			p += 2
			continue
		}
		var rec []sniffField
		complete := false
		for {
			var f sniffField
			if p < len(sample) && sample[p] == quote {
				var sb []byte
				i := p + 1
				closed := false
				for i < len(sample) {
					k := bytes.IndexByte(sample[i:], quote)
					if k < 0 {
						break
					}
					sb = append(sb, sample[i:i+k]...)
					i += k + 1
					if i < len(sample) && sample[i] == quote {
						sb = append(sb, quote)
						i++
						continue
					}
					closed = true
					break
				}
				if !closed {
					return recs // unterminated: a cut sample or a malformed file
				}
				f, p = sniffField{text: string(sb), quoted: true}, i
			} else {
				start := p
				for p < len(sample) && sample[p] != delim && sample[p] != '\n' && sample[p] != quote {
					p++
				}
				if p < len(sample) && sample[p] == quote {
					return recs
				}
				end := p
				if end > start && p < len(sample) && sample[p] == '\n' && sample[end-1] == '\r' {
					end--
				}
				f = sniffField{text: string(sample[start:end])}
			}
			rec = append(rec, f)
			if p >= len(sample) {
				complete = eof
				break
			}
			c := sample[p]
			if c == delim {
				p++
				continue
			}
			if c == '\r' && p+1 < len(sample) && sample[p+1] == '\n' {
				p++
				c = '\n'
			}
			if c != '\n' {
				return recs // text after a closing quote
			}
			p++
			complete = true
			break
		}
		if !complete {
			break
		}
		recs = append(recs, rec)
	}
	return recs
}
