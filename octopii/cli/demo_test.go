package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reefdb/reef/octopii/quic"
)

const demoChildEnv = "OCTOPII_DEMO_CHILD"

// TestDemoChild is the child side of TestDemoKillLeader: one demo node
// process, configured through the environment. It runs until killed.
func TestDemoChild(t *testing.T) {
	spec := os.Getenv(demoChildEnv)
	if spec == "" {
		t.Skip("child process of TestDemoKillLeader only")
	}
	var d demoNode
	var peers string
	fmt.Sscanf(spec, "%d %s %s %s %s %d", &d.id, &d.data, &d.certs, &peers, &d.http, &d.snapshotEntries)
	p, err := parsePeers(peers)
	if err != nil {
		t.Fatal(err)
	}
	d.peers, d.listen = p, p[d.id]
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := runDemoNode(ctx, d, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type demoStatus struct {
	ID                uint64 `json:"id"`
	Applied, Commit   uint64
	Leader            uint64 `json:"leader"`
	State             string `json:"state"`
	SnapshotsReceived uint64 `json:"snapshots_received"`
}

func status(addr string) (demoStatus, error) {
	var st demoStatus
	resp, err := http.Get("http://" + addr + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

func do(method, url, body string) (int, string, error) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func eventually(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDemoKillLeader is acceptance 4 of the kernel issue, end to end: three
// demo node processes over QUIC with mutual TLS; the leader is killed with
// SIGKILL and the service keeps answering; restarted, the node catches up
// from a snapshot because the others compacted their logs meanwhile.
func TestDemoKillLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for elections (about 10 s)")
	}
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	if err := quic.GenerateDevCerts(certs, []uint64{1, 2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	raft, httpAddr := map[uint64]string{}, map[uint64]string{}
	for id := uint64(1); id <= 3; id++ {
		raft[id] = fmt.Sprintf("127.0.0.1:%d", freePort(t, "udp"))
		httpAddr[id] = fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	}
	procs := map[uint64]*exec.Cmd{}
	start := func(id uint64) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDemoChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %s %s %s %s %d", demoChildEnv, id,
			filepath.Join(dir, fmt.Sprint("node-", id)), certs, formatPeers(raft), httpAddr[id], 20))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[id] = cmd
	}
	t.Cleanup(func() {
		for _, p := range procs {
			p.Process.Kill()
			p.Wait()
		}
	})
	for id := uint64(1); id <= 3; id++ {
		start(id)
	}
	var leader uint64
	eventually(t, "a leader", 20*time.Second, func() bool {
		st, err := status(httpAddr[1])
		leader = st.Leader
		return err == nil && st.Leader != 0
	})
	follower := leader%3 + 1
	put := func(via uint64, k, v string) bool {
		code, _, err := do("PUT", "http://"+httpAddr[via]+"/kv/"+k, v)
		return err == nil && code == 200
	}
	// A follower that does not know the leader yet refuses a put at once
	// (503); a client retries.
	putEventually := func(via uint64, k, v string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !put(via, k, v) {
			if time.Now().After(deadline) {
				t.Fatalf("put %s through node %d kept failing", k, via)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i := 0; i < 10; i++ {
		putEventually(follower, fmt.Sprint("before", i), "x")
	}

	// Kill the leader: the two others elect a new one and keep answering.
	procs[leader].Process.Signal(syscall.SIGKILL)
	procs[leader].Wait()
	delete(procs, leader)
	ok := 0
	for i := 0; i < 100; i++ {
		putEventually(follower, fmt.Sprint("after", i), fmt.Sprint("v", i))
		ok++
	}
	other := 6 - leader - follower
	eventually(t, "a read of after99 on the third node", 10*time.Second, func() bool {
		code, v, err := do("GET", "http://"+httpAddr[other]+"/kv/after99", "")
		return err == nil && code == 200 && v == "v99"
	})

	// Restart the old leader: it catches up, from a snapshot.
	start(leader)
	eventually(t, "the restarted node to catch up", 20*time.Second, func() bool {
		st, err := status(httpAddr[leader])
		ref, err2 := status(httpAddr[follower])
		return err == nil && err2 == nil && st.Applied >= ref.Commit && st.Commit > 0
	})
	st, _ := status(httpAddr[leader])
	if st.SnapshotsReceived == 0 {
		t.Fatalf("restarted node caught up without a snapshot: %+v", st)
	}
	for k, want := range map[string]string{"before0": "x", "after99": "v99"} {
		eventually(t, "restarted node to serve "+k, 10*time.Second, func() bool {
			code, v, err := do("GET", "http://"+httpAddr[leader]+"/kv/"+k, "")
			return err == nil && code == 200 && v == want
		})
	}
	t.Logf("leader %d killed; %d puts answered by the others; restarted node applied %d, snapshots received %d", leader, ok, st.Applied, st.SnapshotsReceived)
}
