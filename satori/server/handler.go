package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/reefdb/reef/satori"
	"github.com/reefdb/reef/satori/attr"
)

// Handler returns the HTTP API with its routes under prefix (such as
// "/vector/"; a missing trailing slash is added). Mount it on a mux under
// the same prefix without stripping it.
func (s *Server) Handler(prefix string) http.Handler {
	prefix = "/" + strings.Trim(prefix, "/") + "/"
	if prefix == "//" {
		prefix = "/"
	}
	mux := http.NewServeMux()
	// Patterns carry no method, so that a wrong method gets a JSON 405
	// (the mux's own 405 is plain text).
	route := func(pattern string, methods map[string]http.HandlerFunc) {
		allow := make([]string, 0, len(methods))
		for m := range methods {
			allow = append(allow, m)
		}
		slices.Sort(allow)
		mux.HandleFunc(prefix+pattern, func(w http.ResponseWriter, r *http.Request) {
			if h, ok := methods[r.Method]; ok {
				h(w, r)
				return
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, errorJSON{fmt.Sprintf("method %s not allowed (allowed: %s)", r.Method, strings.Join(allow, ", "))})
		})
	}
	route("collections", map[string]http.HandlerFunc{"GET": s.list})
	route("collections/{name}", map[string]http.HandlerFunc{"GET": s.stats, "PUT": s.create, "DELETE": s.drop})
	route("collections/{name}/points", map[string]http.HandlerFunc{"POST": s.points})
	route("collections/{name}/points/{id}", map[string]http.HandlerFunc{"GET": s.getPoint, "DELETE": s.deletePoint})
	route("collections/{name}/search", map[string]http.HandlerFunc{"POST": s.search})
	route("collections/{name}/flush", map[string]http.HandlerFunc{"POST": s.flush})
	mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorJSON{"no route for " + r.URL.Path + " (see " + prefix + "collections)"})
	})
	return s.recoverer(mux)
}

// statusWriter remembers the status code for the metrics and the recover
// middleware.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// recoverer counts answers and turns a handler panic (a bug) into a
// logged 500 instead of a dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		s.metrics.requests.Add(1)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.metrics.panics.Add(1)
				s.opts.Logger.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.code == 0 {
					writeJSON(sw, http.StatusInternalServerError, errorJSON{"internal error"})
				}
			}
			switch {
			case sw.code >= 500:
				s.metrics.serverErrors.Add(1)
			case sw.code >= 400:
				s.metrics.clientErrors.Add(1)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

type errorJSON struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// isBodyError reports a request body over the size limit.
func isBodyError(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var br badRequest
	switch {
	case isBodyError(err):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &br),
		errors.Is(err, ErrInvalidName),
		errors.Is(err, satori.ErrDimension),
		errors.Is(err, satori.ErrInvalidVector),
		errors.Is(err, satori.ErrInvalidArgument),
		errors.Is(err, satori.ErrInvalidOptions),
		errors.Is(err, attr.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrCollectionNotFound), errors.Is(err, satori.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrCollectionExists), errors.Is(err, satori.ErrExists):
		return http.StatusConflict
	case errors.Is(err, ErrClosed), errors.Is(err, satori.ErrClosed), errors.Is(err, satori.ErrStalled),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	code := statusOf(err)
	msg := err.Error()
	if code == http.StatusRequestEntityTooLarge {
		msg = fmt.Sprintf("request body over %d bytes", s.opts.MaxBodyBytes)
	}
	if code >= 500 {
		s.opts.Logger.Warn("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, errorJSON{msg})
}

func (s *Server) body(w http.ResponseWriter, r *http.Request) *http.Request {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	return r
}

// statsJSON is satori.Stats with snake_case keys, plus the collection's
// name and configuration.
type statsJSON struct {
	Name              string  `json:"name"`
	Dim               int     `json:"dim"`
	Metric            string  `json:"metric"`
	Durability        string  `json:"durability"`
	MaxBucket         int     `json:"max_bucket"`
	Probes            int     `json:"probes"`
	Vectors           int     `json:"vectors"`
	Buckets           int     `json:"buckets"`
	MinBucketSize     int     `json:"min_bucket_size"`
	MaxBucketSize     int     `json:"max_bucket_size"`
	MeanBucketSize    float64 `json:"mean_bucket_size"`
	DeltaVectors      int     `json:"delta_vectors"`
	DeltaBytes        int64   `json:"delta_bytes"`
	StaleEntries      int     `json:"stale_entries"`
	DiskBytes         int64   `json:"disk_bytes"`
	LogBytes          int64   `json:"log_bytes"`
	RouterBytes       int     `json:"router_bytes"`
	IndexBytes        int     `json:"index_bytes"`
	Checkpoint        uint64  `json:"checkpoint"`
	NextLSN           uint64  `json:"next_lsn"`
	Flushes           uint64  `json:"flushes"`
	Splits            uint64  `json:"splits"`
	Merges            uint64  `json:"merges"`
	Reassigned        uint64  `json:"reassigned"`
	Commits           uint64  `json:"commits"`
	MaintenanceErrors uint64  `json:"maintenance_errors"`
}

func makeStats(name string, cfg Config, st satori.Stats) statsJSON {
	maxBucket, probes := cfg.MaxBucket, cfg.Probes
	if maxBucket == 0 {
		maxBucket = satori.DefaultMaxBucket
	}
	if probes == 0 {
		probes = satori.DefaultProbes
	}
	dur := cfg.Durability
	if dur == "" {
		dur = satori.SyncAlways.String()
	}
	return statsJSON{
		Name: name, Dim: st.Dim, Metric: st.Metric, Durability: dur, MaxBucket: maxBucket, Probes: probes,
		Vectors: st.Vectors, Buckets: st.Buckets, MinBucketSize: st.MinBucketSize, MaxBucketSize: st.MaxBucketSize,
		MeanBucketSize: st.MeanBucketSize, DeltaVectors: st.DeltaVectors, DeltaBytes: st.DeltaBytes,
		StaleEntries: st.StaleEntries, DiskBytes: st.DiskBytes, LogBytes: st.LogBytes,
		RouterBytes: st.RouterBytes, IndexBytes: st.IndexBytes, Checkpoint: st.Checkpoint, NextLSN: st.NextLSN,
		Flushes: st.Flushes, Splits: st.Splits, Merges: st.Merges, Reassigned: st.Reassigned,
		Commits: st.Commits, MaintenanceErrors: st.MaintenanceErrors,
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Collections []statsJSON `json:"collections"`
	}{Collections: []statsJSON{}}
	for _, name := range s.Names() {
		s.With(name, func(db *satori.DB, cfg Config) error { // a collection dropped meanwhile is left out
			out.Collections = append(out.Collections, makeStats(name, cfg, db.Stats()))
			return nil
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.With(name, func(db *satori.DB, cfg Config) error {
		writeJSON(w, http.StatusOK, makeStats(name, cfg, db.Stats()))
		return nil
	})
	if err != nil {
		s.writeErr(w, r, err)
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := ValidName(name); err != nil {
		s.writeErr(w, r, err)
		return
	}
	cfg, err := decodeConfig(s.body(w, r).Body)
	if err == nil {
		err = s.Create(name, cfg)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.With(name, func(db *satori.DB, cfg Config) error {
		writeJSON(w, http.StatusCreated, makeStats(name, cfg, db.Stats()))
		return nil
	})
}

func (s *Server) drop(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.Drop(name); err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": name})
}

func (s *Server) points(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.With(name, func(db *satori.DB, cfg Config) error {
		items, insert, err := decodePoints(s.body(w, r).Body)
		if err != nil {
			return err
		}
		// Check dimensions here to name the point; satori checks again.
		for i, it := range items {
			if len(it.Vector) != db.Dim() {
				return badf("points[%d].vector has %d components, the collection has dim %d", i, len(it.Vector), db.Dim())
			}
		}
		if insert {
			err = db.InsertBatch(items)
		} else {
			err = db.UpsertBatch(items)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]int{"count": len(items)})
		return nil
	})
	if err != nil {
		s.writeErr(w, r, err)
	}
}

// pointID parses the {id} path segment.
func pointID(r *http.Request) (uint64, error) {
	id, err := parseID([]byte(r.PathValue("id")))
	if err != nil {
		return 0, badf("point id: %v", err)
	}
	return id, nil
}

type pointOut struct {
	ID     uint64    `json:"id"`
	Vector []float32 `json:"vector"`
	Attrs  attr.Set  `json:"attrs"`
}

func (s *Server) getPoint(w http.ResponseWriter, r *http.Request) {
	err := s.With(r.PathValue("name"), func(db *satori.DB, cfg Config) error {
		id, err := pointID(r)
		if err != nil {
			return err
		}
		it, err := db.Get(id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, pointOut{ID: it.ID, Vector: it.Vector, Attrs: it.Attrs})
		return nil
	})
	if err != nil {
		s.writeErr(w, r, err)
	}
}

func (s *Server) deletePoint(w http.ResponseWriter, r *http.Request) {
	err := s.With(r.PathValue("name"), func(db *satori.DB, cfg Config) error {
		id, err := pointID(r)
		if err != nil {
			return err
		}
		if err := db.Delete(id); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]uint64{"deleted": id})
		return nil
	})
	if err != nil {
		s.writeErr(w, r, err)
	}
}

type resultJSON struct {
	ID       uint64  `json:"id"`
	Distance float32 `json:"distance"`
}

func results(rs []satori.Result) []resultJSON {
	out := make([]resultJSON, len(rs))
	for i, r := range rs {
		out[i] = resultJSON{r.ID, r.Distance}
	}
	return out
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	err := s.With(r.PathValue("name"), func(db *satori.DB, cfg Config) error {
		req, err := decodeSearch(s.body(w, r).Body, s.opts.MaxK, s.opts.MaxQueries)
		if err != nil {
			return err
		}
		for i, q := range req.queries {
			if len(q) != db.Dim() {
				what := "vector"
				if req.batch {
					what = fmt.Sprintf("vectors[%d]", i)
				}
				return badf("%s has %d components, the collection has dim %d", what, len(q), db.Dim())
			}
		}
		start := time.Now()
		if !req.batch {
			rs, err := db.Search(r.Context(), req.queries[0], req.k, req.opts)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, struct {
				Results []resultJSON `json:"results"`
				TookMs  float64      `json:"took_ms"`
			}{results(rs), msSince(start)})
			return nil
		}
		rss, err := db.SearchBatch(r.Context(), req.queries, req.k, req.opts)
		if err != nil {
			return err
		}
		out := make([][]resultJSON, len(rss))
		for i, rs := range rss {
			out[i] = results(rs)
		}
		writeJSON(w, http.StatusOK, struct {
			Results [][]resultJSON `json:"results"`
			TookMs  float64        `json:"took_ms"`
		}{out, msSince(start)})
		return nil
	})
	if err != nil {
		s.writeErr(w, r, err)
	}
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

func (s *Server) flush(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.With(name, func(db *satori.DB, cfg Config) error {
		if err := db.Flush(); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, makeStats(name, cfg, db.Stats()))
		return nil
	})
	if err != nil {
		s.writeErr(w, r, err)
	}
}
