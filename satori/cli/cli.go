package cli

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

	"github.com/reefdb/reef/satori"
	"github.com/reefdb/reef/satori/server"
	"github.com/reefdb/reef/walrus"
)

// Command returns the `vector` command tree.
func Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vector",
		Short: "SatoriDB: embedded vector database (serve, import, bench)",
	}
	cmd.AddCommand(serveCmd(), importCmd(), benchCmd())
	return cmd
}

// ServeOptions configure `reef vector serve`; flags map onto fields.
type ServeOptions struct {
	// Dir is the root of the collections.
	Dir string
	// Addr is the HTTP listener (default 127.0.0.1:7071).
	Addr string
	// Logger receives lifecycle events; nil logs to stderr.
	Logger *slog.Logger
	// Ready, if set, is called with the bound address once serving.
	Ready func(addr string)
}

func serveCmd() *cobra.Command {
	var o ServeOptions
	cmd := &cobra.Command{
		Use:   "serve --dir DIR [--addr 127.0.0.1:7071]",
		Short: "Serve the collections under DIR over HTTP/JSON at /vector/ until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			cmd.SilenceUsage = true
			return Serve(ctx, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.Dir, "dir", "", "root directory of the collections (required)")
	cmd.Flags().StringVar(&o.Addr, "addr", "127.0.0.1:7071", "HTTP listen address")
	cmd.MarkFlagRequired("dir")
	return cmd
}

// Serve runs the HTTP API until ctx ends, then closes every collection.
func Serve(ctx context.Context, out io.Writer, o ServeOptions) error {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:7071"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s, err := server.New(o.Dir, server.Options{Logger: o.Logger.With("engine", "satori")})
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("satori: listen %s: %w", o.Addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/vector/", s.Handler("/vector/"))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	fmt.Fprintf(out, "satori: serving %d collections from %s on http://%s/vector/collections\n", len(s.Names()), s.Root(), addr)
	fmt.Fprintf(out, "  curl -X PUT http://%s/vector/collections/demo -d '{\"dim\":3}'\n", addr)
	fmt.Fprintf(out, "  curl http://%s/vector/collections/demo/points -d '{\"points\":[{\"id\":1,\"vector\":[0.1,0.2,0.3]}]}'\n", addr)
	fmt.Fprintf(out, "  curl http://%s/vector/collections/demo/search -d '{\"vector\":[0.1,0.2,0.3],\"k\":10}'\n", addr)
	fmt.Fprintf(out, "press Ctrl-C to stop\n")
	if o.Ready != nil {
		o.Ready(addr)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("satori: serve: %w", err)
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		o.Logger.Warn("http shutdown", "err", err)
	}
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "satori: stopped\n")
	return nil
}

// openCollection opens DIR/NAME, creating it with dim when missing (an
// existing one keeps its dimension: the caller compares). metric and
// durability may be "" (the stored metric; sync).
func openCollection(dir, name string, dim int, metric, durability string) (*satori.DB, error) {
	if err := server.ValidName(name); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name)
	if entries, err := os.ReadDir(path); err == nil && len(entries) > 0 {
		dim = 0
	}
	o := satori.Options{Dim: dim}
	if metric != "" {
		m, err := satori.ParseMetric(metric)
		if err != nil {
			return nil, err
		}
		o.Metric = m
	}
	if durability != "" {
		d, err := walrus.ParseDurability(durability)
		if err != nil {
			return nil, err
		}
		o.Durability = d
	}
	return satori.Open(path, o)
}

type importOptions struct {
	dir, collection, file, format string
	metric, durability            string
	startID                       uint64
	batch                         int
	idColumn                      bool
}

func importCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --dir DIR --collection NAME --file F",
		Short: "Upsert the vectors of a .fvecs, .bvecs, .npy or .csv file into a collection (created if missing)",
		Long: `Import streams F into the collection DIR/NAME, creating it with F's
dimension if it does not exist, in UpsertBatch calls of --batch vectors.
Vector i of the file (0-based) gets id --start-id + i, or with --id-column
(csv) the integer in the line's first field. A csv line holds comma-separated
floats; a first line that is not all numbers is a header and is skipped; lines
starting with # are comments. The collection is flushed at the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SilenceUsage = true
			return runImport(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "root directory of the collections (required)")
	f.StringVar(&o.collection, "collection", "", "collection name (required)")
	f.StringVar(&o.file, "file", "", "input file (required)")
	f.StringVar(&o.format, "format", "auto", "auto (from the extension), fvecs, bvecs, npy or csv")
	f.StringVar(&o.metric, "metric", "", "l2, cosine or ip for a new collection (default l2; an existing one keeps its own)")
	f.StringVar(&o.durability, "durability", "none", "sync, interval or none while importing (the final flush makes everything durable)")
	f.Uint64Var(&o.startID, "start-id", 0, "id of the file's first vector")
	f.IntVar(&o.batch, "batch", 1000, "vectors per UpsertBatch")
	f.BoolVar(&o.idColumn, "id-column", false, "csv: the first field of each line is the id")
	for _, n := range []string{"dir", "collection", "file"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runImport(out, errw io.Writer, o importOptions) error {
	if o.batch < 1 || o.batch > 1_000_000 {
		return fmt.Errorf("--batch must be 1..1000000, not %d", o.batch)
	}
	if o.idColumn && o.startID != 0 {
		return errors.New("--start-id and --id-column exclude each other")
	}
	format, err := formatOf(o.format, o.file)
	if err != nil {
		return err
	}
	if o.idColumn && format != "csv" {
		return errors.New("--id-column applies to csv only")
	}
	f, err := os.Open(o.file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	cr := &countingReader{r: f}
	rd, err := newReader(format, cr, o.idColumn)
	if err != nil {
		return fmt.Errorf("import %s: %w", o.file, err)
	}
	db, err := openCollection(o.dir, o.collection, rd.Dim(), o.metric, o.durability)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dim() != rd.Dim() {
		return fmt.Errorf("import %s: the file has dimension %d, collection %s has %d", o.file, rd.Dim(), o.collection, db.Dim())
	}
	start := time.Now()
	prog := newProgress(errw, st.Size())
	dim := rd.Dim()
	items := make([]satori.Item, 0, o.batch)
	flat := make([]float32, 0, o.batch*dim)
	n := 0
	write := func() error {
		if len(items) == 0 {
			return nil
		}
		if err := db.UpsertBatch(items); err != nil {
			return fmt.Errorf("import %s: vectors %d..%d: %w", o.file, n-len(items), n-1, err)
		}
		items = items[:0]
		// A fresh buffer: the DB may keep the vectors it was given.
		flat = make([]float32, 0, o.batch*dim)
		prog.update(n, cr.n)
		return nil
	}
	for {
		id, hasID, v, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			prog.finish()
			return fmt.Errorf("import %s: %w", o.file, err)
		}
		if !hasID {
			id = o.startID + uint64(n)
		}
		flat = append(flat, v...)
		items = append(items, satori.Item{ID: id, Vector: flat[len(flat)-dim:]})
		n++
		if len(items) == o.batch {
			if err := write(); err != nil {
				prog.finish()
				return err
			}
		}
	}
	if err := write(); err != nil {
		prog.finish()
		return err
	}
	if err := db.Flush(); err != nil {
		prog.finish()
		return err
	}
	prog.finish()
	elapsed := time.Since(start)
	fmt.Fprintf(out, "imported %d vectors (dim %d) into %s in %v: %.0f vectors/s; collection has %d vectors\n",
		n, dim, filepath.Join(o.dir, o.collection), elapsed.Round(time.Millisecond), float64(n)/max(elapsed.Seconds(), 1e-9), db.Len())
	return db.Close()
}
