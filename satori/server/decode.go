package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/reefdb/reef/satori"
	"github.com/reefdb/reef/satori/attr"
)

// badRequest marks an error caused by the request (400).
type badRequest struct{ error }

func (e badRequest) Unwrap() error { return e.error }

func badf(format string, args ...any) error { return badRequest{fmt.Errorf(format, args...)} }

// jsonError turns an error of a json.Decoder over a request body into a
// badRequest, leaving body read errors (such as *http.MaxBytesError) as
// they are.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badf("bad JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return badf("bad JSON: %s must be %s, not %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return badf("request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badf("bad JSON: unexpected end of the body")
	case isBodyError(err):
		return err
	}
	// Remaining json.Decoder errors are about the document (unknown
	// field, invalid UTF-8 in a key...).
	return badf("bad JSON: %v", err)
}

// inDoc is jsonError for errors inside a document, where the end of the
// body is unexpected.
func inDoc(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return jsonError(err)
}

// expectEnd checks that nothing but white space follows the document.
func expectEnd(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return badf("bad JSON: data after the end of the document")
	}
	return nil
}

// expectDelim reads the delimiter d; inside says whether the document
// has begun (so that the end of the body is unexpected).
func expectDelim(dec *json.Decoder, d json.Delim, what string, inside bool) error {
	t, err := dec.Token()
	if err != nil {
		if inside {
			return inDoc(err)
		}
		return jsonError(err)
	}
	if t != d {
		return badf("%s must be a JSON %s", what, map[json.Delim]string{'{': "object", '[': "array"}[d])
	}
	return nil
}

// kindOf names the JSON type of a raw value for error messages.
func kindOf(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "not JSON"
}

// parseID parses a JSON value as an id: an integer literal in
// 0..2^64-1, exactly (never through float64).
func parseID(raw []byte) (uint64, error) {
	raw = bytes.TrimSpace(raw)
	if k := kindOf(raw); k != "a number" {
		return 0, fmt.Errorf("must be an integer, not %s", k)
	}
	if raw[0] == '-' {
		return 0, fmt.Errorf("%s is negative", raw)
	}
	if bytes.ContainsAny(raw, ".eE") {
		return 0, fmt.Errorf("%s is not an integer (fraction or exponent)", raw)
	}
	id, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is past 2^64-1", raw)
	}
	return id, nil
}

// parseInt parses an optional JSON integer field in [lo, hi]; absent or
// null gives def.
func parseInt(raw json.RawMessage, name string, def, lo, hi int) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	if k := kindOf(raw); k != "a number" {
		return 0, badf("%s must be an integer, not %s", name, k)
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < int64(lo) || v > int64(hi) {
		return 0, badf("%s must be an integer in %d..%d, not %s", name, lo, hi, raw)
	}
	return int(v), nil
}

// parseFloat parses an optional JSON number field in [lo, hi]; absent or
// null gives 0.
func parseFloat(raw json.RawMessage, name string, lo, hi float64) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if k := kindOf(raw); k != "a number" {
		return 0, badf("%s must be a number, not %s", name, k)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || v < lo || v > hi {
		return 0, badf("%s must be a number in %g..%g, not %s", name, lo, hi, raw)
	}
	return v, nil
}

// parseVector parses a JSON array of numbers into float32s, appending to
// dst[:0]. Unlike encoding/json it rejects null (which json would leave as
// 0) and numbers past the float32 range. raw must be valid JSON, as
// json.Decoder hands out.
func parseVector(raw []byte, dst []float32) ([]float32, error) {
	dst = dst[:0]
	raw = bytes.TrimSpace(raw)
	if k := kindOf(raw); k != "an array" {
		return nil, fmt.Errorf("must be an array of numbers, not %s", k)
	}
	p := 1
	for i := 0; ; i++ {
		for p < len(raw) && isSpace(raw[p]) {
			p++
		}
		if p >= len(raw) {
			return nil, errors.New("unterminated array") // not valid JSON
		}
		if raw[p] == ']' && i == 0 {
			return dst, nil
		}
		start := p
		for p < len(raw) && raw[p] != ',' && raw[p] != ']' && !isSpace(raw[p]) {
			p++
		}
		tok := raw[start:p]
		if k := kindOf(tok); k != "a number" {
			return nil, fmt.Errorf("[%d]: %s is not a number", i, k)
		}
		f, err := strconv.ParseFloat(string(tok), 32)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %s is outside the float32 range", i, tok)
		}
		dst = append(dst, float32(f))
		for p < len(raw) && isSpace(raw[p]) {
			p++
		}
		if p >= len(raw) {
			return nil, errors.New("unterminated array")
		}
		if raw[p] == ']' {
			return dst, nil
		}
		p++ // ','
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// pointJSON is one element of a points request.
type pointJSON struct {
	ID     json.RawMessage `json:"id"`
	Vector json.RawMessage `json:"vector"`
	Attrs  json.RawMessage `json:"attrs"`
}

// parsePoint turns the i'th point of a request into an Item.
func parsePoint(raw json.RawMessage, i int) (satori.Item, error) {
	var p pointJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if kindOf(bytes.TrimSpace(raw)) != "an object" {
		return satori.Item{}, badf("points[%d] must be an object, not %s", i, kindOf(bytes.TrimSpace(raw)))
	}
	if err := dec.Decode(&p); err != nil {
		return satori.Item{}, badf("points[%d]: %v", i, err)
	}
	if len(p.ID) == 0 {
		return satori.Item{}, badf("points[%d]: id is required", i)
	}
	id, err := parseID(p.ID)
	if err != nil {
		return satori.Item{}, badf("points[%d].id: %v", i, err)
	}
	if len(p.Vector) == 0 {
		return satori.Item{}, badf("points[%d]: vector is required", i)
	}
	v, err := parseVector(p.Vector, nil)
	if err != nil {
		return satori.Item{}, badf("points[%d].vector%s", i, colonUnlessIndex(err))
	}
	it := satori.Item{ID: id, Vector: v}
	if len(p.Attrs) > 0 && string(p.Attrs) != "null" {
		if it.Attrs, err = attr.ParseSetJSON(p.Attrs); err != nil {
			return satori.Item{}, badf("points[%d].attrs: %w", i, err)
		}
	}
	return it, nil
}

// colonUnlessIndex formats a parseVector error after a field name:
// "vector[3]: ..." or "vector: must be ...".
func colonUnlessIndex(err error) string {
	s := err.Error()
	if len(s) > 0 && s[0] == '[' {
		return s
	}
	return ": " + s
}

// decodePoints reads a points request body, streaming: the points are
// parsed one at a time, so the body is never held twice.
func decodePoints(r io.Reader) (items []satori.Item, insert bool, err error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := expectDelim(dec, '{', "the body", false); err != nil {
		return nil, false, err
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false, inDoc(err)
		}
		key, _ := t.(string) // object keys are always strings
		if seen[key] {
			return nil, false, badf("repeated key %q", key)
		}
		seen[key] = true
		switch key {
		case "mode":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, false, inDoc(err)
			}
			switch string(bytes.TrimSpace(raw)) {
			case `"upsert"`, "null":
			case `"insert"`:
				insert = true
			default:
				return nil, false, badf(`mode must be "upsert" or "insert", not %s`, raw)
			}
		case "points":
			if err := expectDelim(dec, '[', "points", true); err != nil {
				return nil, false, err
			}
			for i := 0; dec.More(); i++ {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, false, inDoc(err)
				}
				it, err := parsePoint(raw, i)
				if err != nil {
					return nil, false, err
				}
				items = append(items, it)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, false, inDoc(err)
			}
		default:
			return nil, false, badf("unknown key %q (want points, mode)", key)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, false, inDoc(err)
	}
	if err := expectEnd(dec); err != nil {
		return nil, false, err
	}
	if !seen["points"] {
		return nil, false, badf("points is required")
	}
	return items, insert, nil
}

// searchJSON is a search request before validation.
type searchJSON struct {
	Vector  json.RawMessage `json:"vector"`
	Vectors json.RawMessage `json:"vectors"`
	K       json.RawMessage `json:"k"`
	Probes  json.RawMessage `json:"probes"`
	Slack   json.RawMessage `json:"probe_slack"`
	Filter  json.RawMessage `json:"filter"`
}

// searchRequest is a validated search request: one query (batch false)
// or several.
type searchRequest struct {
	queries [][]float32
	batch   bool
	k       int
	opts    satori.SearchOptions
}

const defaultK = 10

func decodeSearch(r io.Reader, maxK, maxQueries int) (searchRequest, error) {
	var s searchJSON
	var req searchRequest
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return req, jsonError(err)
	}
	if err := expectEnd(dec); err != nil {
		return req, err
	}
	hasOne := len(s.Vector) > 0 && string(s.Vector) != "null"
	hasMany := len(s.Vectors) > 0 && string(s.Vectors) != "null"
	switch {
	case hasOne && hasMany:
		return req, badf("give vector or vectors, not both")
	case hasOne:
		q, err := parseVector(s.Vector, nil)
		if err != nil {
			return req, badf("vector%s", colonUnlessIndex(err))
		}
		req.queries = [][]float32{q}
	case hasMany:
		var raws []json.RawMessage
		if err := json.Unmarshal(s.Vectors, &raws); err != nil {
			return req, badf("vectors must be an array of arrays of numbers, not %s", kindOf(s.Vectors))
		}
		if len(raws) > maxQueries {
			return req, badf("vectors has %d queries, more than the limit of %d", len(raws), maxQueries)
		}
		req.batch = true
		req.queries = make([][]float32, len(raws))
		for i, raw := range raws {
			q, err := parseVector(raw, nil)
			if err != nil {
				return req, badf("vectors[%d]%s", i, colonUnlessIndex(err))
			}
			req.queries[i] = q
		}
	default:
		return req, badf("vector (or vectors) is required")
	}
	var err error
	if req.k, err = parseInt(s.K, "k", defaultK, 1, maxK); err != nil {
		return req, err
	}
	if req.opts.Probes, err = parseInt(s.Probes, "probes", 0, 0, 1<<30); err != nil {
		return req, err
	}
	if req.opts.ProbeSlack, err = parseFloat(s.Slack, "probe_slack", -1, 1e6); err != nil {
		return req, err
	}
	if len(s.Filter) > 0 {
		if req.opts.Filter, err = attr.ParseFilterJSON(s.Filter); err != nil {
			return req, badRequest{err}
		}
	}
	return req, nil
}

// decodeConfig reads a create request.
func decodeConfig(r io.Reader) (Config, error) {
	var c Config
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return c, badf("request body is empty: dim is required")
		}
		return c, jsonError(err)
	}
	if err := expectEnd(dec); err != nil {
		return c, err
	}
	return c, nil
}
