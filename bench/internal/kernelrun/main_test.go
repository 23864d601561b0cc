package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunCommand runs the command as the harness does and checks its report
// agrees with its latency file.
func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	cmds := filepath.Join(dir, "commands")
	if err := os.WriteFile(cmds, bytes.Join(testCommands(16), nil), 0o644); err != nil {
		t.Fatal(err)
	}
	data, lats := filepath.Join(dir, "data"), filepath.Join(dir, "latencies")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--engine", "octopii", "--dir", data, "--commands", cmds,
		"--command-bytes", "128", "--concurrency", "4", "--warmup", "20ms", "--run", "100ms", "--latencies", lats},
		&stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report %q: %v", stdout.String(), err)
	}
	fi, err := os.Stat(lats)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ops == 0 || fi.Size() != int64(rep.Ops)*8 {
		t.Fatalf("report %+v, latency file of %d bytes", rep, fi.Size())
	}
}

func TestRunUsage(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd")
	if err := os.WriteFile(odd, make([]byte, 130), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--engine", "zookeeper"}, exitUsage, "want octopii or hashicorp"},
		{[]string{"--engine", "octopii"}, exitUsage, "required"},
		{[]string{"--engine", "octopii", "--dir", dir, "--commands", odd, "--latencies", "l", "--command-bytes", "0", "--run", "1s"}, exitUsage, "positive"},
		{[]string{"--engine", "octopii", "--dir", dir, "--commands", odd, "--latencies", "l", "--command-bytes", "128", "--run", "1s"}, exitFailed, "not a positive multiple of 128"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("%v: exit %d, %q; want exit %d, %q", tc.args, code, stderr.String(), tc.code, tc.msg)
		}
	}
}

// TestPeerVersions checks --versions names the versions go.mod pins.
func TestPeerVersions(t *testing.T) {
	v, err := peerVersions()
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	want := map[string]string{
		"github.com/hashicorp/raft":           "v1.7.2",
		"github.com/hashicorp/raft-boltdb/v2": "v2.3.1",
		"go.etcd.io/bbolt":                    "v1.3.11",
	}
	for m, w := range want {
		if v[m] != w {
			t.Errorf("%s: %q, want %q", m, v[m], w)
		}
	}
}
