//go:build !reefonly

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server processes of the kv suite: every run starts its own server as a
// child process on a free 127.0.0.1 port, with the run's fresh directory as
// its working directory, and kills it when the run ends. Children are killed
// when the harness's context ends (interrupt), and on Linux also when the
// harness dies without cleaning up (PR_SET_PDEATHSIG, see kv_linux.go); they
// run in their own process group, so a Ctrl-C on the terminal reaches the
// harness only, which then stops them.

// kvServerSpec says how to start one kind of server on a port.
type kvServerSpec struct {
	// name is the side's name: "reef" or "redis-7.0.15".
	name string
	// command returns the argv that serves the Redis protocol on
	// 127.0.0.1:port in the foreground.
	command func(port int) []string
}

// reefKVSpec serves Nubmq: `reef kv serve --addr 127.0.0.1:PORT`, defaults
// otherwise.
func reefKVSpec(bin string) kvServerSpec {
	return kvServerSpec{name: "reef", command: func(port int) []string {
		return []string{bin, "kv", "serve", "--addr", "127.0.0.1:" + strconv.Itoa(port)}
	}}
}

// redisKVSpec serves Redis without persistence (no RDB snapshots, no AOF),
// as Nubmq keeps its data in memory only.
func redisKVSpec(bin, version string) kvServerSpec {
	return kvServerSpec{name: "redis-" + version, command: func(port int) []string {
		return []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no"}
	}}
}

// kvServer is one running server process.
type kvServer struct {
	cmd  *exec.Cmd
	addr string
	port int
	out  *tailWriter
	// done is closed once the process exited and waitErr is set.
	done    chan struct{}
	waitErr error
}

// kvStartTimeout bounds how long a server may take to answer PING.
const kvStartTimeout = 15 * time.Second

// startKVServer starts spec on a free port in dir and returns once it answers
// PING. A port taken between choosing and binding it makes the server exit;
// that is retried on another port.
func startKVServer(ctx context.Context, spec kvServerSpec, dir string) (*kvServer, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var s *kvServer
		s, err = startKVServerOnce(ctx, spec, dir)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, err
}

func startKVServerOnce(ctx context.Context, spec kvServerSpec, dir string) (*kvServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := spec.command(port)
	s := &kvServer{
		cmd:  exec.CommandContext(ctx, argv[0], argv[1:]...),
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		port: port,
		out:  &tailWriter{max: 4 << 10},
		done: make(chan struct{}),
	}
	s.cmd.Dir = dir
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	s.cmd.SysProcAttr = childSysProcAttr()
	s.cmd.WaitDelay = 2 * time.Second
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", spec.name, argv[0], err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w", spec.name, err)
	}
	return s, nil
}

// waitReady polls PING until the server answers +PONG, exits, or
// kvStartTimeout passes.
func (s *kvServer) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(kvStartTimeout)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("exited before answering PING (%v); output: %s", s.waitErr, s.out)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if err := s.ping(ctx); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v: %v; output: %s", s.addr, kvStartTimeout, err, s.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *kvServer) ping(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := dialRESP(dctx, s.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := c.Do(time.Now().Add(time.Second), []byte("PING"))
	if err != nil {
		return err
	}
	if rep.kind != '+' || string(rep.str) != "PONG" {
		return fmt.Errorf("PING replied %c%q", rep.kind, rep.str)
	}
	return nil
}

// alive returns an error if the server has exited.
func (s *kvServer) alive() error {
	select {
	case <-s.done:
		return fmt.Errorf("server exited (%v); output: %s", s.waitErr, s.out)
	default:
		return nil
	}
}

// stop kills the server and waits for it. Nothing it holds is worth a
// graceful shutdown: every run starts from an empty server.
func (s *kvServer) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// pid is the server's process id, whose /proc entry gives its RSS.
func (s *kvServer) pid() int { return s.cmd.Process.Pid }

// freePort asks the kernel for a free 127.0.0.1 port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return port, ln.Close()
}

// tailWriter keeps the last max bytes written to it, for error messages.
type tailWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.b))
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

// kvTools are the external programs of the suite, found and identified once.
type kvTools struct {
	redisServer, redisBenchmark string
	// redisVersion is redis-server's version ("7.0.15"), benchVersion
	// redis-benchmark's.
	redisVersion, benchVersion string
}

// kvSetupHint is appended to every "not installed" error.
const kvSetupHint = "install Redis 7 with `./setup.sh kv` (Debian packages redis-server and redis-tools)"

// findKVTools looks redis-server and redis-benchmark up in PATH and asks each
// for its version.
func findKVTools(ctx context.Context) (kvTools, error) {
	var t kvTools
	var err error
	if t.redisServer, err = exec.LookPath("redis-server"); err != nil {
		return t, fmt.Errorf("redis-server not found in PATH: %s", kvSetupHint)
	}
	if t.redisBenchmark, err = exec.LookPath("redis-benchmark"); err != nil {
		return t, fmt.Errorf("redis-benchmark not found in PATH: %s", kvSetupHint)
	}
	out, err := exec.CommandContext(ctx, t.redisServer, "--version").Output()
	if err != nil {
		return t, fmt.Errorf("%s --version: %w", t.redisServer, err)
	}
	// "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=…"
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			t.redisVersion = v
		}
	}
	if t.redisVersion == "" {
		return t, fmt.Errorf("%s --version: no version in %q", t.redisServer, out)
	}
	out, err = exec.CommandContext(ctx, t.redisBenchmark, "--version").Output()
	if err != nil {
		return t, fmt.Errorf("%s --version: %w", t.redisBenchmark, err)
	}
	// "redis-benchmark 7.0.15"
	if f := strings.Fields(string(out)); len(f) >= 2 {
		t.benchVersion = f[1]
	} else {
		return t, fmt.Errorf("%s --version: no version in %q", t.redisBenchmark, out)
	}
	return t, nil
}

// buildReef builds the reef binary (`go build ./cmd/reef` in the Reef
// module, i.e. bench/..) into outDir and describes what it was built from.
func buildReef(ctx context.Context, outDir string) (bin, from string, err error) {
	goBin, err := goCommand()
	if err != nil {
		return "", "", err
	}
	modDir, err := reefModuleDir(ctx, goBin)
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(outDir, "reef")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./cmd/reef")
	cmd.Dir = modDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/reef in %s: %v\n%s(to measure a binary built elsewhere, pass --reef-bin FILE)",
			modDir, err, out)
	}
	return bin, describeSource(ctx, modDir), nil
}

// describeSource names the commit a directory is checked out at and whether
// it has uncommitted changes: "/work/main at git 0e855a6 (+ uncommitted
// changes)".
func describeSource(ctx context.Context, dir string) string {
	rev, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return dir + " (not a git checkout)"
	}
	s := fmt.Sprintf("%s at git %s", dir, strings.TrimSpace(string(rev)))
	status, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output()
	if err == nil && len(bytes.TrimSpace(status)) > 0 {
		s += " (+ uncommitted changes)"
	}
	return s
}
