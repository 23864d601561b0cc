// Package httpapi serves a Walrus log over HTTP, for curl and scripts:
//
//	GET  /walrus/topics                          → ["a","b"]
//	PUT  /walrus/topics/{topic}                  → 201 (409 if it exists)
//	DELETE /walrus/topics/{topic}                → 204
//	POST /walrus/topics/{topic}/entries          body = one value → {"offset":N}
//	                                             (the topic is created if missing)
//	GET  /walrus/topics/{topic}/entries?from=N&limit=K&wait=2s
//	                                             → NDJSON, one {"offset","time","value"}
//	                                               per line ("value_base64" if not UTF-8);
//	                                               wait blocks until an entry exists
//
// Errors are JSON {"error": "..."} with 400 (bad input), 404 (no topic),
// 413 (value too large), 416 (offset below retention), 503 (log failed).
// Request bodies are bounded by the log's MaxEntryBytes.
package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/reefdb/reef/walrus"
)

// MaxReadEntries bounds the entries one GET returns.
const MaxReadEntries = 10000

// MaxWait bounds the wait parameter of a GET.
const MaxWait = 60 * time.Second

// Handler serves the API for l; maxEntryBytes bounds request bodies.
func Handler(l *walrus.Log, maxEntryBytes int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /walrus/topics", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, l.Topics())
	})
	mux.HandleFunc("PUT /walrus/topics/{topic}", func(w http.ResponseWriter, r *http.Request) {
		if err := l.CreateTopic(r.PathValue("topic")); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("DELETE /walrus/topics/{topic}", func(w http.ResponseWriter, r *http.Request) {
		if err := l.DeleteTopic(r.PathValue("topic")); err != nil {
			writeErr(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /walrus/topics/{topic}/entries", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(maxEntryBytes)))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeErr(w, fmt.Errorf("%w: body over %d bytes", walrus.ErrEntryTooLarge, maxEntryBytes))
				return
			}
			writeErr(w, badRequest{err})
			return
		}
		name := r.PathValue("topic")
		t, err := l.Topic(name)
		if errors.Is(err, walrus.ErrTopicNotFound) {
			if err = l.CreateTopic(name); err == nil || errors.Is(err, walrus.ErrTopicExists) {
				t, err = l.Topic(name)
			}
		}
		if err != nil {
			writeErr(w, err)
			return
		}
		off, err := t.Append(body)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]uint64{"offset": off})
	})
	mux.HandleFunc("GET /walrus/topics/{topic}/entries", func(w http.ResponseWriter, r *http.Request) {
		t, err := l.Topic(r.PathValue("topic"))
		if err != nil {
			writeErr(w, err)
			return
		}
		q := r.URL.Query()
		from, err := uintParam(q.Get("from"), 0)
		if err != nil {
			writeErr(w, badRequest{fmt.Errorf("from: %w", err)})
			return
		}
		limit, err := uintParam(q.Get("limit"), 100)
		if err != nil || limit == 0 || limit > MaxReadEntries {
			writeErr(w, badRequest{fmt.Errorf("limit must be 1..%d", MaxReadEntries)})
			return
		}
		var es []walrus.Entry
		if ws := q.Get("wait"); ws != "" {
			d, err := time.ParseDuration(ws)
			if err != nil || d < 0 || d > MaxWait {
				writeErr(w, badRequest{fmt.Errorf("wait must be a duration up to %v", MaxWait)})
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			es, err = t.Poll(ctx, from, int(limit), 4<<20)
			cancel()
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				err = nil
			}
			if err != nil {
				writeErr(w, err)
				return
			}
		} else if es, err = t.Read(from, int(limit), 4<<20); err != nil {
			writeErr(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, e := range es {
			rec := entryJSON{Offset: e.Offset, Time: time.Unix(0, e.Time).UTC().Format(time.RFC3339Nano)}
			if utf8.Valid(e.Value) {
				s := string(e.Value)
				rec.Value = &s
			} else {
				rec.ValueBase64 = base64.StdEncoding.EncodeToString(e.Value)
			}
			enc.Encode(rec)
		}
	})
	return mux
}

type entryJSON struct {
	Offset      uint64  `json:"offset"`
	Time        string  `json:"time"`
	Value       *string `json:"value,omitempty"`
	ValueBase64 string  `json:"value_base64,omitempty"`
}

type badRequest struct{ error }

func uintParam(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var br badRequest
	switch {
	case errors.As(err, &br), errors.Is(err, walrus.ErrInvalidTopicName):
		code = http.StatusBadRequest
	case errors.Is(err, walrus.ErrTopicNotFound):
		code = http.StatusNotFound
	case errors.Is(err, walrus.ErrTopicExists):
		code = http.StatusConflict
	case errors.Is(err, walrus.ErrEntryTooLarge):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, walrus.ErrOffsetOutOfRange):
		code = http.StatusRequestedRangeNotSatisfiable
	case errors.Is(err, walrus.ErrClosed):
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
