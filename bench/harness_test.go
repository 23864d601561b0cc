package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		in := append([]float64(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("median reordered its argument: %v", tc.in)
			}
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Errorf("median(nil) = %v, want NaN", median(nil))
	}
}

// fakeSide returns a side whose i-th run (warm-up included) yields values[i]
// and records its name in order.
func fakeSide(name string, order *[]string, values ...float64) Side {
	n := 0
	return Side{Name: name, Run: func(ctx context.Context, r Run) (Sample, error) {
		if fi, err := os.Stat(r.Dir); err != nil || !fi.IsDir() {
			return nil, errors.New("no fresh directory")
		}
		tag := name
		if r.Warmup {
			tag += "(warm-up)"
		}
		*order = append(*order, tag)
		v := values[n]
		n++
		return Sample{"ops_per_s": v}, nil
	}}
}

func TestRunCaseAlternatesAndCompares(t *testing.T) {
	var order []string
	c := Case{
		Name:    "GET c50 P1",
		Metrics: []Metric{{"ops_per_s", Higher}},
		Reef:    fakeSide("reef", &order, 999, 100, 300, 200),
		Peers: []Side{
			fakeSide("a-1.0", &order, 999, 50, 100, 400),
			{Name: "b-2.0", NA: "no such mode"},
		},
	}
	rn := &Runner{Suite: "kv", Cfg: Config{Pairs: 3, Dir: t.TempDir()}}
	res := rn.RunCase(context.Background(), c)

	wantOrder := "reef(warm-up) a-1.0(warm-up) reef a-1.0 reef a-1.0 reef a-1.0"
	if got := strings.Join(order, " "); got != wantOrder {
		t.Fatalf("run order\n got %s\nwant %s", got, wantOrder)
	}
	if len(res) != 2 {
		t.Fatalf("%d results, want 2", len(res))
	}
	r := res[0]
	// Medians ignore the warm-up: reef {100,300,200} → 200, a {50,100,400} → 100.
	if r.Reef != 200 || r.PeerValue != 100 || r.Ratio != 2 || r.NA != "" {
		t.Errorf("result %+v, want reef 200, peer 100, ratio 2", r)
	}
	if want := []float64{2, 3, 0.5}; len(r.Pairs) != 3 || r.Pairs[0] != want[0] || r.Pairs[1] != want[1] || r.Pairs[2] != want[2] {
		t.Errorf("pair ratios %v, want %v", r.Pairs, want)
	}
	if res[1].NA != "no such mode" {
		t.Errorf("n/a peer: NA = %q, want the side's reason", res[1].NA)
	}
	if rn.Failed {
		t.Errorf("runner failed, though no side returned an error")
	}
}

func TestRunCaseReportsFailure(t *testing.T) {
	c := Case{
		Name:    "x",
		Metrics: []Metric{{"ops_per_s", Higher}},
		Reef: Side{Name: "reef", Run: func(ctx context.Context, r Run) (Sample, error) {
			return nil, errors.New("disk on fire")
		}},
		Peers: []Side{{Name: "p", Run: func(ctx context.Context, r Run) (Sample, error) {
			return Sample{"ops_per_s": 1}, nil
		}}},
	}
	rn := &Runner{Suite: "s", Cfg: Config{Pairs: 3, Dir: t.TempDir()}}
	res := rn.RunCase(context.Background(), c)
	if !rn.Failed || len(res) != 1 || !strings.Contains(res[0].NA, "disk on fire") {
		t.Fatalf("failed=%v results %+v, want a failure carrying the error", rn.Failed, res)
	}
	if got := string(res[0].JSON()); !strings.Contains(got, `"reef":null`) || !strings.Contains(got, `"ratio":null`) {
		t.Errorf("n/a RESULT %s, want null values", got)
	}
}

func TestResultLine(t *testing.T) {
	r := Result{
		Suite: "walrus", Case: "interval 128B p16",
		Metric: Metric{"appends_per_s", Higher},
		Peer:   "pebble-v1.1.2",
		Reef:   152000.4, PeerValue: 139999.6, Ratio: 152000.4 / 139999.6,
	}
	var out, js bytes.Buffer
	if err := WriteResults(&out, &js, []Result{r}); err != nil {
		t.Fatal(err)
	}
	want := `{"suite":"walrus","case":"interval 128B p16","metric":"appends_per_s","reef":152000,"peer":"pebble-v1.1.2","peer_value":140000,"ratio":1.09,"better":"higher"}`
	if out.String() != "RESULT "+want+"\n" {
		t.Errorf("RESULT line\n got %s\nwant RESULT %s", out.String(), want)
	}
	if js.String() != want+"\n" {
		t.Errorf("JSON line\n got %s\nwant %s", js.String(), want)
	}
}

func TestFilterCases(t *testing.T) {
	cases := []Case{{Name: "sync 128B p1"}, {Name: "sync 128B p16"}, {Name: "none 128B p16"}}
	names := func(cs []Case) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Name)
		}
		return strings.Join(s, ",")
	}
	for filter, want := range map[string]string{
		"sync 128B p1": "sync 128B p1",
		"p16":          "sync 128B p16,none 128B p16",
		"":             "sync 128B p1,sync 128B p16,none 128B p16",
		"zzz":          "",
	} {
		if got := names(filterCases(cases, filter)); got != want {
			t.Errorf("filter %q: got %q, want %q", filter, got, want)
		}
	}
}
