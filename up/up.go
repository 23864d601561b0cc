// Package up is `reef up`: it opens every engine on one data directory,
// serves them, prints each endpoint and data directory, and stops cleanly on
// SIGINT or SIGTERM (buffered log data is written and synced before exit).
//
// Engines served today: Walrus (the embedded log, reachable over the HTTP API
// of walrus/httpapi), Nubmq (the Redis-protocol key-value server, in
// memory) and SatoriDB (vector collections under <data-dir>/satori, over the
// HTTP API of satori/server at /vector/). The HTTP listener also serves /healthz and /metrics (Prometheus
// text format).
package up

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/reefdb/reef/nubmq"
	satoriserver "github.com/reefdb/reef/satori/server"
	"github.com/reefdb/reef/walrus"
	"github.com/reefdb/reef/walrus/httpapi"
)

// Options configure `reef up`. Flags map one-to-one onto fields.
type Options struct {
	// DataDir holds every engine's data (default "reef-data").
	DataDir string
	// HTTPAddr is the admin and Walrus HTTP listener (default 127.0.0.1:7070).
	HTTPAddr string
	// WalrusDurability is the Walrus acknowledgement mode (default sync).
	WalrusDurability string
	// WalrusIO is the Walrus write path: auto (default), pwrite, direct or uring.
	WalrusIO string
	// KVAddr is Nubmq's Redis-protocol listener (default 127.0.0.1:6380).
	KVAddr string
	// KVAppendOnly turns on Nubmq's AOF under <DataDir>/nubmq (Redis's
	// appendonly); its snapshots (SAVE, BGSAVE) go there too.
	KVAppendOnly bool
	// KVAppendFsync is the AOF's fsync policy: always, everysec (default), no.
	KVAppendFsync string
	// Logger receives lifecycle events; nil logs to stderr.
	Logger *slog.Logger
	// Ready, if set, is called with the bound addresses once serving.
	Ready func(Endpoints)
}

// Endpoints are the addresses `reef up` serves on.
type Endpoints struct {
	HTTP string
	KV   string
}

// Command returns the `up` command.
func Command() *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Serve every engine on one data directory until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return Run(ctx, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.DataDir, "data-dir", "reef-data", "data directory for every engine")
	cmd.Flags().StringVar(&o.HTTPAddr, "http-addr", "127.0.0.1:7070", "HTTP listener: /healthz, /metrics, /walrus/...")
	cmd.Flags().StringVar(&o.WalrusDurability, "walrus-durability", "sync", "sync, interval or none")
	cmd.Flags().StringVar(&o.KVAddr, "kv-addr", "127.0.0.1:6380", "Nubmq (Redis protocol) listener")
	cmd.Flags().BoolVar(&o.KVAppendOnly, "kv-appendonly", false, "Nubmq: log every change to an AOF under <data-dir>/nubmq and restore it at startup")
	cmd.Flags().StringVar(&o.KVAppendFsync, "kv-appendfsync", "everysec", "Nubmq AOF fsync policy: always, everysec or no")
	cmd.Flags().StringVar(&o.WalrusIO, "walrus-io", "auto", "write path: auto (O_DIRECT in sync mode), pwrite, direct or uring (io_uring)")
	return cmd
}

// Run serves until ctx ends, then shuts everything down.
func Run(ctx context.Context, out io.Writer, o Options) error {
	if o.DataDir == "" {
		o.DataDir = "reef-data"
	}
	if o.HTTPAddr == "" {
		o.HTTPAddr = "127.0.0.1:7070"
	}
	if o.KVAddr == "" {
		o.KVAddr = "127.0.0.1:6380"
	}
	if o.WalrusDurability == "" {
		o.WalrusDurability = "sync"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	dur, err := walrus.ParseDurability(o.WalrusDurability)
	if err != nil {
		return err
	}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	walrusDir := filepath.Join(dataDir, "walrus")
	wopts, err := walrus.IOOptions(walrus.Options{Durability: dur, Logger: o.Logger.With("engine", "walrus")}, o.WalrusIO)
	if err != nil {
		return err
	}
	log, err := walrus.Open(walrusDir, wopts)
	if err != nil {
		return fmt.Errorf("up: walrus: %w", err)
	}
	defer log.Close()

	satoriDir := filepath.Join(dataDir, "satori")
	vectors, err := satoriserver.New(satoriDir, satoriserver.Options{Logger: o.Logger.With("engine", "satori")})
	if err != nil {
		return fmt.Errorf("up: %w", err)
	}
	defer vectors.Close()

	ln, err := net.Listen("tcp", o.HTTPAddr)
	if err != nil {
		return fmt.Errorf("up: listen %s: %w", o.HTTPAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/walrus/", httpapi.Handler(log, walrus.DefaultMaxEntryBytes))
	mux.Handle("/vector/", vectors.Handler("/vector/"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		writeMetrics(w, log.Metrics())
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	kvDir := filepath.Join(dataDir, "nubmq")
	kv, err := nubmq.New(nubmq.Options{Logger: o.Logger.With("engine", "nubmq"),
		Dir: kvDir, AppendOnly: o.KVAppendOnly, AppendFsync: o.KVAppendFsync})
	if err != nil {
		return err
	}
	kvln, err := net.Listen("tcp", o.KVAddr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("up: listen %s: %w", o.KVAddr, err)
	}
	go func() {
		if err := kv.Serve(kvln); err != nil {
			errc <- fmt.Errorf("nubmq: %w", err)
		}
	}()
	defer kv.Close()

	addr := ln.Addr().String()
	fmt.Fprintf(out, "reef up: data dir %s\n", dataDir)
	fmt.Fprintf(out, "  walrus  log %s (durability %s); HTTP API http://%s/walrus/topics\n", walrusDir, dur, addr)
	persistence := "snapshots (SAVE, BGSAVE) in " + kvDir
	if o.KVAppendOnly {
		persistence = "AOF (appendfsync " + o.KVAppendFsync + ") in " + kvDir
	}
	fmt.Fprintf(out, "  nubmq   redis protocol on %s (%s; redis-cli -p %d)\n", kvln.Addr(), persistence, kvln.Addr().(*net.TCPAddr).Port)
	fmt.Fprintf(out, "  satori  vector API http://%s/vector/collections (%d collections in %s)\n", addr, len(vectors.Names()), satoriDir)
	fmt.Fprintf(out, "  admin   http://%s/healthz  http://%s/metrics\n", addr, addr)
	fmt.Fprintf(out, "press Ctrl-C to stop\n")
	if o.Ready != nil {
		o.Ready(Endpoints{HTTP: addr, KV: kvln.Addr().String()})
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("up: %w", err)
	}
	fmt.Fprintf(out, "reef up: stopping\n")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		o.Logger.Warn("http shutdown", "err", err)
	}
	kv.Close()
	if err := vectors.Close(); err != nil {
		o.Logger.Warn("close satori", "err", err)
	}
	if err := log.Close(); err != nil {
		return fmt.Errorf("up: close walrus: %w", err)
	}
	fmt.Fprintf(out, "reef up: stopped\n")
	return nil
}

// writeMetrics renders Walrus metrics in the Prometheus text format.
func writeMetrics(w io.Writer, m walrus.Metrics) {
	counter := func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	counter("reef_walrus_appends_total", "Entries appended.", m.Appends)
	counter("reef_walrus_append_bytes_total", "Value bytes appended.", m.AppendBytes)
	counter("reef_walrus_writes_total", "Write calls to segment files.", m.Writes)
	counter("reef_walrus_syncs_total", "fdatasync calls on segment files.", m.Syncs)
	fmt.Fprintf(w, "# HELP reef_walrus_sync_seconds_total Time spent in fdatasync.\n# TYPE reef_walrus_sync_seconds_total counter\nreef_walrus_sync_seconds_total %g\n", m.SyncTime.Seconds())
	counter("reef_walrus_rolls_total", "Segments sealed.", m.Rolls)
	counter("reef_walrus_read_entries_total", "Entries returned by reads.", m.ReadEntries)
	counter("reef_walrus_corruptions_total", "Corrupt frames or segments detected.", m.Corruptions)
	counter("reef_walrus_recovery_cuts_total", "Active segments cut at an invalid frame on open.", m.RecoveryCuts)
	counter("reef_walrus_retention_deleted_total", "Segments deleted by retention.", m.RetentionDeleted)
	gauge("reef_walrus_topics", "Open topics.", int64(m.Topics))
	gauge("reef_walrus_segments", "Segment files of open topics.", int64(m.Segments))
	gauge("reef_walrus_open_files", "File handles held.", int64(m.OpenFiles))
	gauge("reef_walrus_size_bytes", "Bytes in segment files.", m.SizeBytes)
}
