package up

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUpServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Endpoints, 1)
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- Run(ctx, &out, Options{
			DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", KVAddr: "127.0.0.1:0",
			Logger: slog.New(slog.DiscardHandler),
			Ready:  func(e Endpoints) { ready <- e },
		})
	}()
	var ep Endpoints
	select {
	case ep = <-ready:
	case err := <-done:
		t.Fatalf("up exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("up did not become ready")
	}
	base := "http://" + ep.HTTP
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	resp, err := http.Post(base+"/walrus/topics/events/entries", "application/octet-stream", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != `{"offset":0}` {
		t.Fatalf("append: %d %s", resp.StatusCode, b)
	}
	if code, body := get("/walrus/topics/events/entries?from=0"); code != 200 || !strings.Contains(body, `"value":"hello"`) {
		t.Fatalf("read: %d %s", code, body)
	}
	if code, _ := get("/walrus/topics/nope/entries"); code != 404 {
		t.Fatalf("missing topic: %d", code)
	}
	if code, _ := get("/walrus/topics/events/entries?limit=0"); code != 400 {
		t.Fatalf("bad limit: %d", code)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "reef_walrus_appends_total 1") {
		t.Fatalf("metrics: %d %s", code, body)
	}
	// SatoriDB through the same listener: create, upsert, search.
	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do("PUT", "/vector/collections/docs", `{"dim":2,"durability":"none"}`); code != 201 {
		t.Fatalf("create collection: %d %s", code, body)
	}
	if code, body := do("POST", "/vector/collections/docs/points", `{"points":[{"id":1,"vector":[0,0]},{"id":2,"vector":[5,5],"attrs":{"tag":"b"}}]}`); code != 200 || body != "{\"count\":2}\n" {
		t.Fatalf("upsert: %d %s", code, body)
	}
	if code, body := do("POST", "/vector/collections/docs/search", `{"vector":[4,4],"k":1}`); code != 200 || !strings.Contains(body, `"results":[{"id":2,`) {
		t.Fatalf("search: %d %s", code, body)
	}
	if code, _ := do("POST", "/vector/collections/docs/search", `{"vector":[4]}`); code != 400 {
		t.Fatalf("search of the wrong dimension: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("up stopped with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("up did not stop")
	}
	for _, want := range []string{"data dir", "walrus", "satori  vector API http://127.0.0.1:", "stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}
