package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// call sends one request to h and returns the status and body. It checks
// the invariants every answer keeps: JSON content type and, for errors, an
// {"error": ...} body.
func call(t testing.TB, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	if rec.Code >= 400 {
		var e errorJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("%s %s: error body %q", method, path, rec.Body.String())
		}
	}
	return rec.Code, rec.Body.String()
}

func mustCall(t testing.TB, h http.Handler, method, path, body string, want int) string {
	t.Helper()
	code, out := call(t, h, method, path, body)
	if code != want {
		t.Fatalf("%s %s %.200s: got %d %s, want %d", method, path, body, code, out, want)
	}
	return out
}

func newTestServer(t testing.TB, root string) (*Server, http.Handler) {
	t.Helper()
	s, err := New(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Handler("/vector/")
}

func noPanics(t testing.TB, s *Server) {
	t.Helper()
	if m := s.Metrics(); m.Panics != 0 || m.ServerErrors != 0 {
		t.Fatalf("metrics %+v: a request reached the recover middleware or failed with 5xx", m)
	}
}

// TestWalkthrough is the README's curl session: create, write with
// attributes, read, search with and without a filter, batch search,
// delete, stats, flush, then a restart on the same root.
func TestWalkthrough(t *testing.T) {
	root := t.TempDir()
	s, h := newTestServer(t, root)
	out := mustCall(t, h, "PUT", "/vector/collections/docs", `{"dim":3,"metric":"l2","durability":"none","max_bucket":64,"probes":8}`, 201)
	for _, want := range []string{`"name":"docs"`, `"dim":3`, `"metric":"l2"`, `"durability":"none"`, `"max_bucket":64`, `"probes":8`, `"vectors":0`} {
		if !strings.Contains(out, want) {
			t.Fatalf("create answered %s, lacks %s", out, want)
		}
	}
	mustCall(t, h, "PUT", "/vector/collections/docs", `{"dim":3}`, 409)

	var pts []string
	for i := range 100 {
		color := []string{"red", "green", "blue"}[i%3]
		pts = append(pts, fmt.Sprintf(`{"id":%d,"vector":[%d,%d.5,-1],"attrs":{"color":%q,"year":%d}}`, i, i, i%7, color, 2000+i%10))
	}
	out = mustCall(t, h, "POST", "/vector/collections/docs/points", `{"points":[`+strings.Join(pts, ",")+`]}`, 200)
	if out != "{\"count\":100}\n" {
		t.Fatalf("upsert: %s", out)
	}
	// The largest id survives exactly (a float64 would round it).
	mustCall(t, h, "POST", "/vector/collections/docs/points", `{"mode":"insert","points":[{"id":18446744073709551615,"vector":[1e3,0,0]}]}`, 200)
	out = mustCall(t, h, "GET", "/vector/collections/docs/points/18446744073709551615", "", 200)
	if out != "{\"id\":18446744073709551615,\"vector\":[1000,0,0],\"attrs\":{}}\n" {
		t.Fatalf("get max id: %s", out)
	}
	// insert of a present id: 409, and nothing of the batch is written.
	mustCall(t, h, "POST", "/vector/collections/docs/points", `{"mode":"insert","points":[{"id":500,"vector":[0,0,0]},{"id":5,"vector":[0,0,0]}]}`, 409)
	mustCall(t, h, "GET", "/vector/collections/docs/points/500", "", 404)

	out = mustCall(t, h, "GET", "/vector/collections/docs/points/7", "", 200)
	if out != "{\"id\":7,\"vector\":[7,0.5,-1],\"attrs\":{\"color\":\"green\",\"year\":2007}}\n" {
		t.Fatalf("get 7: %s", out)
	}

	var res struct {
		Results []resultJSON `json:"results"`
		TookMs  *float64     `json:"took_ms"`
	}
	out = mustCall(t, h, "POST", "/vector/collections/docs/search", `{"vector":[10,3.5,-1],"k":3}`, 200)
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Results) != 3 || res.Results[0].ID != 10 || res.Results[0].Distance != 0 || res.TookMs == nil {
		t.Fatalf("search: %s (%v)", out, err)
	}
	out = mustCall(t, h, "POST", "/vector/collections/docs/search", `{"vector":[10,3.5,-1],"k":3,"probes":64,"probe_slack":-1,"filter":{"and":[{"field":"color","eq":"red"},{"field":"year","gte":2005}]}}`, 200)
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Results) != 3 {
		t.Fatalf("filtered search: %s (%v)", out, err)
	}
	for _, r := range res.Results {
		if r.ID%3 != 0 || r.ID%10 < 5 {
			t.Fatalf("filtered search returned id %d: %s", r.ID, out)
		}
	}
	var batch struct {
		Results [][]resultJSON `json:"results"`
	}
	out = mustCall(t, h, "POST", "/vector/collections/docs/search", `{"vectors":[[1,1.5,-1],[20,6.5,-1]],"k":1}`, 200)
	if err := json.Unmarshal([]byte(out), &batch); err != nil || len(batch.Results) != 2 || batch.Results[0][0].ID != 1 || batch.Results[1][0].ID != 20 {
		t.Fatalf("batch search: %s (%v)", out, err)
	}

	if out = mustCall(t, h, "DELETE", "/vector/collections/docs/points/10", "", 200); out != "{\"deleted\":10}\n" {
		t.Fatalf("delete: %s", out)
	}
	mustCall(t, h, "DELETE", "/vector/collections/docs/points/10", "", 404)
	out = mustCall(t, h, "POST", "/vector/collections/docs/search", `{"vector":[10,3.5,-1],"k":1}`, 200)
	if strings.Contains(out, `"id":10,`) {
		t.Fatalf("deleted id found: %s", out)
	}
	if out = mustCall(t, h, "GET", "/vector/collections/docs", "", 200); !strings.Contains(out, `"vectors":100,`) {
		t.Fatalf("stats: %s", out)
	}
	if out = mustCall(t, h, "POST", "/vector/collections/docs/flush", "", 200); !strings.Contains(out, `"delta_vectors":0,`) {
		t.Fatalf("flush: %s", out)
	}
	mustCall(t, h, "PUT", "/vector/collections/tmp", `{"dim":2,"metric":"cosine"}`, 201)
	if out = mustCall(t, h, "GET", "/vector/collections", "", 200); !strings.Contains(out, `"name":"docs"`) || !strings.Contains(out, `"name":"tmp"`) {
		t.Fatalf("list: %s", out)
	}
	mustCall(t, h, "DELETE", "/vector/collections/tmp", "", 200)
	if _, err := os.Stat(filepath.Join(root, "tmp")); !os.IsNotExist(err) {
		t.Fatalf("dropped collection's directory: %v", err)
	}
	mustCall(t, h, "GET", "/vector/collections/tmp", "", 404)
	noPanics(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, h = newTestServer(t, root)
	defer s.Close()
	if names := s.Names(); len(names) != 1 || names[0] != "docs" {
		t.Fatalf("after restart: %v", names)
	}
	out = mustCall(t, h, "GET", "/vector/collections/docs", "", 200)
	for _, want := range []string{`"vectors":100,`, `"durability":"none"`, `"max_bucket":64`, `"probes":8`} {
		if !strings.Contains(out, want) {
			t.Fatalf("after restart: %s lacks %s", out, want)
		}
	}
	mustCall(t, h, "GET", "/vector/collections/docs/points/7", "", 200)
	mustCall(t, h, "GET", "/vector/collections/docs/points/10", "", 404)
}

// TestBadRequests: each bad input gets its exact status and an error
// naming the problem, never a 5xx.
func TestBadRequests(t *testing.T) {
	s, h := newTestServer(t, t.TempDir())
	defer s.Close()
	mustCall(t, h, "PUT", "/vector/collections/c", `{"dim":2}`, 201)
	mustCall(t, h, "POST", "/vector/collections/c/points", `{"points":[{"id":1,"vector":[1,2]}]}`, 200)
	const c = "/vector/collections/c"
	for _, tc := range []struct {
		method, path, body string
		code               int
		msg                string
	}{
		{"PUT", "/vector/collections/bad.name", `{"dim":2}`, 400, `invalid collection name "bad.name"`},
		{"PUT", "/vector/collections/" + strings.Repeat("x", 65), `{"dim":2}`, 400, "must be 1 to 64 characters"},
		{"PUT", "/vector/collections/d", ``, 400, "dim is required"},
		{"PUT", "/vector/collections/d", `{}`, 400, "dim is required"},
		{"PUT", "/vector/collections/d", `{"dim":"2"}`, 400, "dim must be int, not string"},
		{"PUT", "/vector/collections/d", `{"dim":-1}`, 400, "invalid options"},
		{"PUT", "/vector/collections/d", `{"dim":2,"metric":"hamming"}`, 400, "hamming"},
		{"PUT", "/vector/collections/d", `{"dim":2,"durability":"maybe"}`, 400, "maybe"},
		{"PUT", "/vector/collections/d", `{"dim":2,"dims":3}`, 400, `unknown field "dims"`},
		{"PUT", "/vector/collections/d", `{"dim":2} {}`, 400, "data after the end"},
		{"PUT", "/vector/collections/c", `{"dim":2}`, 409, "collection exists"},
		{"GET", "/vector/collections/nope", ``, 404, "collection not found: nope"},
		{"DELETE", "/vector/collections/nope", ``, 404, "collection not found: nope"},
		{"POST", "/vector/collections/nope/points", `{"points":[]}`, 404, "collection not found"},
		{"PATCH", c, ``, 405, "method PATCH not allowed"},
		{"GET", c + "/search", ``, 405, "method GET not allowed (allowed: POST)"},
		{"GET", "/vector/nothing", ``, 404, "no route"},

		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,2]}`, 400, "unexpected end"},
		{"POST", c + "/points", `[1]`, 400, "the body must be a JSON object"},
		{"POST", c + "/points", `{}`, 400, "points is required"},
		{"POST", c + "/points", `{"points":{}}`, 400, "points must be a JSON array"},
		{"POST", c + "/points", `{"points":[],"points":[]}`, 400, `repeated key "points"`},
		{"POST", c + "/points", `{"point":[]}`, 400, `unknown key "point"`},
		{"POST", c + "/points", `{"points":[],"mode":"replace"}`, 400, `mode must be "upsert" or "insert"`},
		{"POST", c + "/points", `{"points":[7]}`, 400, "points[0] must be an object, not a number"},
		{"POST", c + "/points", `{"points":[{"vector":[1,2]}]}`, 400, "points[0]: id is required"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,2]},{"id":-1,"vector":[1,2]}]}`, 400, "points[1].id: -1 is negative"},
		{"POST", c + "/points", `{"points":[{"id":1.5,"vector":[1,2]}]}`, 400, "points[0].id: 1.5 is not an integer"},
		{"POST", c + "/points", `{"points":[{"id":1e3,"vector":[1,2]}]}`, 400, "points[0].id: 1e3 is not an integer"},
		{"POST", c + "/points", `{"points":[{"id":18446744073709551616,"vector":[1,2]}]}`, 400, "past 2^64-1"},
		{"POST", c + "/points", `{"points":[{"id":"1","vector":[1,2]}]}`, 400, "points[0].id: must be an integer, not a string"},
		{"POST", c + "/points", `{"points":[{"id":null,"vector":[1,2]}]}`, 400, "points[0].id: must be an integer, not null"},
		{"POST", c + "/points", `{"points":[{"id":1}]}`, 400, "points[0]: vector is required"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,null]}]}`, 400, "points[0].vector[1]: null is not a number"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,"2"]}]}`, 400, "points[0].vector[1]: a string is not a number"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,1e39]}]}`, 400, "points[0].vector[1]: 1e39 is outside the float32 range"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":"1,2"}]}`, 400, "points[0].vector: must be an array of numbers, not a string"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,2,3]}]}`, 400, "points[0].vector has 3 components, the collection has dim 2"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,2],"attrs":{"x":1.5}}]}`, 400, "points[0].attrs"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,2],"attrs":[1]}]}`, 400, "points[0].attrs"},
		{"POST", c + "/points", `{"points":[{"id":1,"vector":[1,2],"attr":{}}]}`, 400, `points[0]: json: unknown field "attr"`},
		{"POST", c + "/points", `{"mode":"insert","points":[{"id":1,"vector":[1,2]}]}`, 409, "id 1"},
		{"POST", c + "/points", `{"mode":"insert","points":[{"id":9,"vector":[1,2]},{"id":9,"vector":[1,2]}]}`, 409, "twice in the batch"},

		{"GET", c + "/points/2", ``, 404, "id not found"},
		{"GET", c + "/points/x", ``, 400, "point id: must be an integer"},
		{"GET", c + "/points/-3", ``, 400, "point id: -3 is negative"},
		{"DELETE", c + "/points/99999999999999999999", ``, 400, "past 2^64-1"},

		{"POST", c + "/search", ``, 400, "request body is empty"},
		{"POST", c + "/search", `nope`, 400, "bad JSON at byte"},
		{"POST", c + "/search", `{"k":3}`, 400, "vector (or vectors) is required"},
		{"POST", c + "/search", `{"vector":[1,2],"vectors":[[1,2]]}`, 400, "not both"},
		{"POST", c + "/search", `{"vector":[1]}`, 400, "vector has 1 components, the collection has dim 2"},
		{"POST", c + "/search", `{"vector":[1,null]}`, 400, "vector[1]: null is not a number"},
		{"POST", c + "/search", `{"vectors":[[1,2],[1,2,3]]}`, 400, "vectors[1] has 3 components"},
		{"POST", c + "/search", `{"vectors":[[1,2],[true,2]]}`, 400, "vectors[1][0]: a boolean is not a number"},
		{"POST", c + "/search", `{"vectors":{"a":1}}`, 400, "vectors must be an array of arrays"},
		{"POST", c + "/search", `{"vector":[1,2],"k":0}`, 400, "k must be an integer in 1..10000, not 0"},
		{"POST", c + "/search", `{"vector":[1,2],"k":10001}`, 400, "k must be an integer in 1..10000"},
		{"POST", c + "/search", `{"vector":[1,2],"k":2.5}`, 400, "k must be an integer"},
		{"POST", c + "/search", `{"vector":[1,2],"k":"3"}`, 400, "k must be an integer, not a string"},
		{"POST", c + "/search", `{"vector":[1,2],"probes":-1}`, 400, "probes must be an integer in 0.."},
		{"POST", c + "/search", `{"vector":[1,2],"probe_slack":"x"}`, 400, "probe_slack must be a number, not a string"},
		{"POST", c + "/search", `{"vector":[1,2],"probe_slack":-2}`, 400, "probe_slack must be a number in -1..1e+06, not -2"},
		{"POST", c + "/search", `{"vector":[1,2],"filter":{"field":"x","eqq":1}}`, 400, `unknown key "eqq"`},
		{"POST", c + "/search", `{"vector":[1,2],"filter":7}`, 400, "filter"},
		{"POST", c + "/search", `{"vector":[1,2],"limit":3}`, 400, `unknown field "limit"`},
	} {
		code, out := call(t, h, tc.method, tc.path, tc.body)
		var e errorJSON
		json.Unmarshal([]byte(out), &e)
		if code != tc.code || !strings.Contains(e.Error, tc.msg) {
			t.Errorf("%s %s %s: got %d %s, want %d with %q", tc.method, tc.path, tc.body, code, strings.TrimSpace(out), tc.code, tc.msg)
		}
	}
	noPanics(t, s)
	// Nothing above wrote: id 1 is as first written, 9 absent.
	if out := mustCall(t, h, "GET", c+"/points/1", "", 200); !strings.Contains(out, `"vector":[1,2]`) {
		t.Fatalf("point 1 after bad requests: %s", out)
	}
	mustCall(t, h, "GET", c+"/points/9", "", 404)
}

func TestBodyLimit(t *testing.T) {
	s, err := New(t.TempDir(), Options{MaxBodyBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.Handler("/vector")
	mustCall(t, h, "PUT", "/vector/collections/c", `{"dim":2}`, 201)
	big := `{"points":[` + strings.Repeat(`{"id":1,"vector":[1,2]},`, 10) + `{"id":1,"vector":[1,2]}]}`
	if code, out := call(t, h, "POST", "/vector/collections/c/points", big); code != 413 || !strings.Contains(out, "over 100 bytes") {
		t.Fatalf("big body: %d %s", code, out)
	}
	big = `{"vector":[` + strings.Repeat(`1,`, 100) + `1]}`
	if code, _ := call(t, h, "POST", "/vector/collections/c/search", big); code != 413 {
		t.Fatalf("big search body: %d", code)
	}
	noPanics(t, s)
}

// TestRecoverer: a panic becomes a logged 500 and is counted (the bad
// request tests assert the count stays 0).
func TestRecoverer(t *testing.T) {
	s, _ := newTestServer(t, t.TempDir())
	defer s.Close()
	h := s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
	if code, _ := call(t, h, "GET", "/", ""); code != 500 {
		t.Fatalf("panic answered %d", code)
	}
	if m := s.Metrics(); m.Panics != 1 || m.ServerErrors != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

// TestConcurrent: parallel upserts, searches, gets and a drop of another
// collection, over a real listener (run it with -race).
func TestConcurrent(t *testing.T) {
	s, h := newTestServer(t, t.TempDir())
	defer s.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	mustCall(t, h, "PUT", "/vector/collections/c", `{"dim":4,"durability":"none"}`, 201)
	mustCall(t, h, "PUT", "/vector/collections/gone", `{"dim":4,"durability":"none"}`, 201)
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*3*rounds)
	post := func(path, body string) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			errs <- err
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 && !(strings.Contains(path, "gone") && resp.StatusCode == 404) {
			errs <- fmt.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
	for w := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range rounds {
				var pts []string
				for j := range 20 {
					id := (w*rounds+i)*20 + j
					pts = append(pts, fmt.Sprintf(`{"id":%d,"vector":[%d,1,2,3],"attrs":{"w":%d}}`, id, id, w))
				}
				post("/vector/collections/c/points", `{"points":[`+strings.Join(pts, ",")+`]}`)
				post("/vector/collections/gone/points", `{"points":[`+strings.Join(pts, ",")+`]}`)
			}
		}()
		go func() {
			defer wg.Done()
			for i := range rounds {
				post("/vector/collections/c/search", fmt.Sprintf(`{"vector":[%d,1,2,3],"k":5,"filter":{"field":"w","eq":%d}}`, i, w))
				post("/vector/collections/c/search", `{"vectors":[[1,1,1,1],[9,9,9,9]],"k":3}`)
				post("/vector/collections/gone/search", `{"vector":[1,1,1,1]}`)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.Drop("gone"); err != nil {
			errs <- err
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if out := mustCall(t, h, "GET", "/vector/collections/c", "", 200); !strings.Contains(out, fmt.Sprintf(`"vectors":%d,`, workers*rounds*20)) {
		t.Fatalf("stats after concurrent upserts: %s", out)
	}
	noPanics(t, s)
}

func TestOpenSkipsAndFails(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"empty", "bad.name"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "README"), []byte("x"), 0o644)
	s, err := New(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Names(); len(n) != 0 {
		t.Fatalf("opened %v", n)
	}
	// The empty directory left by a crashed create may be created again.
	if err := s.Create("empty", Config{Dim: 2}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(root, "broken", "x"), nil, 0o644); err == nil {
		t.Fatal("expected no directory")
	}
	os.MkdirAll(filepath.Join(root, "broken"), 0o755)
	os.WriteFile(filepath.Join(root, "broken", configFile), []byte("{"), 0o644)
	if _, err := New(root, Options{}); err == nil || !strings.Contains(err.Error(), "collection broken") {
		t.Fatalf("New over a broken collection: %v", err)
	}
}
