package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/reefdb/reef/octopii"
	"github.com/reefdb/reef/octopii/kv"
	"github.com/reefdb/reef/octopii/quic"
)

func certsCmd() *cobra.Command {
	var dir, nodes, hosts string
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Create a development CA and node certificates for mutual TLS",
		Long: `certs writes ca.pem, ca-key.pem and node-<id>.pem / node-<id>-key.pem for each
node id into --dir. Node certificates name their node id (URI SAN
octopii://node/<id>) and are valid for both ends of a connection; every
connection verifies the peer's certificate against the CA and its id.
For development and tests: the CA key sits next to the certificates.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ids, err := parseIDs(nodes)
			if err != nil {
				return err
			}
			if err := quic.GenerateDevCerts(dir, ids, splitList(hosts)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote a CA and certificates for nodes %v to %s\n", ids, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "certs", "directory to write the certificates to")
	cmd.Flags().StringVar(&nodes, "nodes", "1,2,3", "node ids, comma-separated")
	cmd.Flags().StringVar(&hosts, "hosts", "127.0.0.1,localhost", "host names and IPs the node certificates are valid for")
	return cmd
}

func parseIDs(s string) ([]uint64, error) {
	var ids []uint64
	for _, f := range splitList(s) {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("bad node id %q (want a positive integer)", f)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, errors.New("no node ids")
	}
	return ids, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parsePeers reads "1=127.0.0.1:7401,2=127.0.0.1:7402".
func parsePeers(s string) (map[uint64]string, error) {
	peers := map[uint64]string{}
	for _, f := range splitList(s) {
		id, addr, ok := strings.Cut(f, "=")
		n, err := strconv.ParseUint(id, 10, 64)
		if !ok || err != nil || n == 0 || addr == "" {
			return nil, fmt.Errorf("bad peer %q (want id=host:port)", f)
		}
		peers[n] = addr
	}
	return peers, nil
}

func demoCmd() *cobra.Command {
	var (
		dir                string
		nodes              int
		raftBase, httpBase int
		snapshotEntries    uint64
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a three-node replicated key-value service on loopback (QUIC, mutual TLS)",
		Long: `demo starts --nodes local processes (default 3), each an Octopii node of
one cluster serving the kv state machine, talking QUIC with mutual TLS on
127.0.0.1 (certificates are created in <dir>/certs if missing), each with an
HTTP API:

  curl -X PUT --data-binary hello http://127.0.0.1:8401/kv/greeting
  curl http://127.0.0.1:8402/kv/greeting        (linearizable read, any node)
  curl -X DELETE http://127.0.0.1:8403/kv/greeting
  curl http://127.0.0.1:8401/status

Kill one node (kill -9 <pid>): the others keep answering. Run the printed
command to restart it: it catches up from the log, or from a snapshot when
it fell far behind. Ctrl-C stops them all.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			certs := filepath.Join(dir, "certs")
			var ids []uint64
			peers := map[uint64]string{}
			for i := 1; i <= nodes; i++ {
				ids = append(ids, uint64(i))
				peers[uint64(i)] = fmt.Sprintf("127.0.0.1:%d", raftBase+i-1)
			}
			if _, err := os.Stat(filepath.Join(certs, "ca.pem")); err != nil {
				if err := quic.GenerateDevCerts(certs, ids, nil); err != nil {
					return err
				}
				fmt.Fprintf(out, "created development certificates in %s\n", certs)
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			var procs []*exec.Cmd
			defer func() {
				for _, p := range procs {
					p.Process.Signal(syscall.SIGTERM)
				}
				for _, p := range procs {
					p.Wait()
				}
			}()
			exited := make(chan string, nodes)
			for _, id := range ids {
				args := []string{"kernel", "demo", "node",
					"--id", fmt.Sprint(id),
					"--data", filepath.Join(dir, fmt.Sprintf("node-%d", id)),
					"--certs", certs,
					"--peers", formatPeers(peers),
					"--http", fmt.Sprintf("127.0.0.1:%d", httpBase+int(id)-1),
					"--snapshot-entries", fmt.Sprint(snapshotEntries)}
				p := exec.Command(self, args...)
				p.Stdout, p.Stderr = os.Stdout, os.Stderr
				if err := p.Start(); err != nil {
					return err
				}
				procs = append(procs, p)
				fmt.Fprintf(out, "node %d: pid %d, raft %s (QUIC), http http://127.0.0.1:%d\n  restart: %s %s\n",
					id, p.Process.Pid, peers[id], httpBase+int(id)-1, self, strings.Join(args, " "))
				go func(id uint64, p *exec.Cmd) {
					err := p.Wait()
					exited <- fmt.Sprintf("node %d (pid %d) exited: %v", id, p.Process.Pid, err)
				}(id, p)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case msg := <-exited:
					fmt.Fprintln(out, msg)
				}
			}
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "reef-kernel-demo", "directory for the certificates and the nodes' data")
	fl.IntVar(&nodes, "nodes", 3, "number of nodes")
	fl.IntVar(&raftBase, "raft-port", 7401, "QUIC port of node 1 (node i uses port+i-1)")
	fl.IntVar(&httpBase, "http-port", 8401, "HTTP port of node 1 (node i uses port+i-1)")
	fl.Uint64Var(&snapshotEntries, "snapshot-entries", 1000, "take a snapshot every this many applied entries")
	cmd.AddCommand(demoNodeCmd())
	return cmd
}

func formatPeers(peers map[uint64]string) string {
	ids := make([]uint64, 0, len(peers))
	for id := range peers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%d=%s", id, peers[id]))
	}
	return strings.Join(parts, ",")
}

func demoNodeCmd() *cobra.Command {
	var (
		id                     uint64
		data, certs, peersFlag string
		httpAddr               string
		snapshotEntries        uint64
		join                   bool
	)
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run one node of the demo cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			peers, err := parsePeers(peersFlag)
			if err != nil {
				return err
			}
			listen, ok := peers[id]
			if !ok {
				return fmt.Errorf("node %d is not in --peers", id)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDemoNode(ctx, demoNode{id: id, data: data, certs: certs, listen: listen, peers: peers,
				http: httpAddr, snapshotEntries: snapshotEntries, join: join}, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&id, "id", 0, "this node's id (required)")
	fl.StringVar(&data, "data", "", "data directory (required)")
	fl.StringVar(&certs, "certs", "certs", "directory with ca.pem and node-<id>.pem (see reef kernel certs)")
	fl.StringVar(&peersFlag, "peers", "", "every node as id=host:port, comma-separated, this one included (required)")
	fl.StringVar(&httpAddr, "http", "127.0.0.1:8401", "HTTP API address")
	fl.Uint64Var(&snapshotEntries, "snapshot-entries", 1000, "take a snapshot every this many applied entries")
	fl.BoolVar(&join, "join", false, "start empty and wait to be added to an existing cluster")
	cmd.MarkFlagRequired("id")
	cmd.MarkFlagRequired("data")
	cmd.MarkFlagRequired("peers")
	return cmd
}

type demoNode struct {
	id              uint64
	data, certs     string
	listen          string
	peers           map[uint64]string
	http            string
	snapshotEntries uint64
	join            bool
}

func runDemoNode(ctx context.Context, d demoNode, out io.Writer) error {
	tlsConf, err := quic.LoadTLS(d.certs, d.id)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	node, err := octopii.Start(octopii.Options{
		ID: d.id, Dir: d.data, Peers: d.peers, Join: d.join,
		TickInterval: 50 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1,
		SnapshotEntries: d.snapshotEntries, CompactKeepEntries: d.snapshotEntries / 2,
		Logger: logger,
		Transport: func(h octopii.Handler) (octopii.Transport, error) {
			return quic.New(quic.Config{ID: d.id, ListenAddr: d.listen, TLS: tlsConf, Handler: h, Logger: logger})
		},
	}, kv.New())
	if err != nil {
		return err
	}
	defer node.Stop()
	ln, err := net.Listen("tcp", d.http)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: demoHandler(node), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Fprintf(out, "node %d serving: raft %s, http http://%s\n", d.id, d.listen, ln.Addr())
	select {
	case <-ctx.Done():
		return nil
	case <-node.Done():
		return node.Stop()
	}
}

// demoHandler is the demo's HTTP API: /kv/<key> (GET, PUT, DELETE) and
// /status.
func demoHandler(node *octopii.Node) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		key := []byte(r.PathValue("key"))
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		switch r.Method {
		case http.MethodGet:
			res, err := node.Read(ctx, kv.Get(key))
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			v, ok := kv.Value(res)
			if !ok {
				http.Error(w, "not found", http.StatusNotFound)
				return
			}
			w.Write(v)
		case http.MethodPut, http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, kv.MaxValueBytes+1))
			if err != nil || len(body) > kv.MaxValueBytes {
				http.Error(w, "value too large or unreadable", http.StatusBadRequest)
				return
			}
			if _, err := node.Propose(ctx, kv.Put(key, body)); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "OK")
		case http.MethodDelete:
			if _, err := node.Propose(ctx, kv.Delete(key)); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "OK")
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			ID uint64 `json:"id"`
			octopii.Metrics
		}{node.ID(), node.Metrics()})
	})
	return mux
}
