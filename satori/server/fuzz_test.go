package server

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// FuzzHandler throws arbitrary bodies at the points and search endpoints
// (and arbitrary ids at the point endpoints): no answer may be a 5xx and
// no request may reach the recover middleware.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		`{"points":[{"id":1,"vector":[1,2,3],"attrs":{"a":"b","n":3}}]}`,
		`{"mode":"insert","points":[{"id":18446744073709551615,"vector":[0,0,1e-45]}]}`,
		`{"points":[{"id":2,"vector":[0,0,0]}]}`,
		`{"vector":[1,2,3],"k":5,"probes":2,"filter":{"or":[{"field":"a","in":["b",1]},{"not":{"field":"n","lt":2}}]}}`,
		`{"vectors":[[1,2,3],[3,2,1]],"k":1}`,
		`{"vector":[1,2,3],"filter":{"field":"n","gte":1,"lte":5}}`,
		`{"points":[{"id":-0,"vector":[-0,1E2,3.4e38]}]}`,
		`{"vector":[1,2,3],"k":10000}`,
		`{"points":[{"id":1,"vector":[1,2,3],"attrs":{"":1}}]}`,
		"\x00", `[`, `{"points":[{"id":1,"vector":[1,2,`,
	} {
		f.Add(seed, uint8(0))
		f.Add(seed, uint8(1))
	}
	var once sync.Once
	var s *Server
	root := f.TempDir()
	f.Cleanup(func() {
		if s != nil {
			s.Close()
		}
	})
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		once.Do(func() {
			var err error
			if s, err = New(root, Options{MaxBodyBytes: 1 << 16, MaxK: 100}); err != nil {
				t.Fatal(err)
			}
			h := s.Handler("/vector/")
			mustCall(t, h, "PUT", "/vector/collections/l2", `{"dim":3,"durability":"none"}`, 201)
			mustCall(t, h, "PUT", "/vector/collections/cos", `{"dim":3,"metric":"cosine","durability":"none"}`, 201)
		})
		h := s.Handler("/vector/")
		coll := []string{"l2", "cos"}[which&1]
		var method, path string
		switch which % 8 / 2 {
		case 0:
			method, path = "POST", "/vector/collections/"+coll+"/points"
		case 1:
			method, path = "POST", "/vector/collections/"+coll+"/search"
		case 2:
			method, path = "GET", "/vector/collections/"+coll+"/points/"+pathSafe(body)
			body = ""
		case 3:
			method, path = "PUT", "/vector/collections/"+pathSafe(body)
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL.Path = path
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body.String())
		}
		if m := s.Metrics(); m.Panics != 0 {
			t.Fatalf("panic on %s %s %q", method, path, body)
		}
	})
}

// pathSafe keeps the fuzzer's path segments free of '/', which would
// route elsewhere.
func pathSafe(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return strings.ReplaceAll(s, "/", "_")
}
