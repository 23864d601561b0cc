package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// peerModules are the modules whose versions --versions prints.
var peerModules = []string{
	"github.com/hashicorp/raft",
	"github.com/hashicorp/raft-boltdb/v2",
	"go.etcd.io/bbolt",
}

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kernelrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	versions := fs.Bool("versions", false, "print the peer's module versions as JSON and exit")
	engine := fs.String("engine", "", "octopii or hashicorp")
	dir := fs.String("dir", "", "an empty `directory` for the cluster's data")
	commandsPath := fs.String("commands", "", "the commands, back to back (`file`)")
	commandBytes := fs.Int("command-bytes", 0, "the size of every command")
	concurrency := fs.Int("concurrency", 1, "proposer goroutines, each with one proposal in flight")
	warmup := fs.Duration("warmup", 0, "how long the proposers run before the measured window")
	window := fs.Duration("run", 0, "the measured window")
	latenciesPath := fs.String("latencies", "", "where to write the measured latencies (`file`)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *versions {
		v, err := peerVersions()
		if err != nil {
			fmt.Fprintf(stderr, "kernelrun: %v\n", err)
			return exitFailed
		}
		b, _ := json.Marshal(v)
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	open, ok := engines[*engine]
	switch {
	case !ok:
		fmt.Fprintf(stderr, "kernelrun: --engine %q: want octopii or hashicorp\n", *engine)
		return exitUsage
	case *dir == "" || *commandsPath == "" || *latenciesPath == "":
		fmt.Fprintln(stderr, "kernelrun: --dir, --commands and --latencies are required")
		return exitUsage
	case *commandBytes <= 0 || *concurrency <= 0 || *warmup < 0 || *window <= 0:
		fmt.Fprintln(stderr, "kernelrun: --command-bytes, --concurrency and --run must be positive, --warmup not negative")
		return exitUsage
	}
	commands, err := readCommands(*commandsPath, *commandBytes)
	if err != nil {
		fmt.Fprintf(stderr, "kernelrun: %v\n", err)
		return exitFailed
	}
	w := workload{commands: commands, concurrency: *concurrency, warmup: *warmup, window: *window}
	rep, lats, err := w.run(ctx, open, *dir)
	if err == nil {
		err = writeLatencies(*latenciesPath, lats)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kernelrun: %s: %v\n", *engine, err)
		return exitFailed
	}
	b, err := json.Marshal(rep)
	if err != nil {
		panic("kernelrun: marshal report: " + err.Error()) // integers only
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
		fmt.Fprintf(stderr, "kernelrun: write report: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// readCommands splits the file at path into commands of size bytes each.
func readCommands(path string, size int) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read commands: %w", err)
	}
	if len(b) == 0 || len(b)%size != 0 {
		return nil, fmt.Errorf("read commands: %s holds %d bytes, not a positive multiple of %d", path, len(b), size)
	}
	cmds := make([][]byte, 0, len(b)/size)
	for i := 0; i < len(b); i += size {
		cmds = append(cmds, b[i:i+size:i+size])
	}
	return cmds, nil
}

// writeLatencies writes lats to path as little-endian uint64 nanoseconds.
func writeLatencies(path string, lats []time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write latencies: %w", err)
	}
	bw := bufio.NewWriter(f)
	var buf [8]byte
	for _, l := range lats {
		binary.LittleEndian.PutUint64(buf[:], uint64(max(l, 0)))
		bw.Write(buf[:]) // an error sticks in bw and comes out of Flush
	}
	if err := errors.Join(bw.Flush(), f.Close()); err != nil {
		return fmt.Errorf("write latencies: %w", err)
	}
	return nil
}

// peerVersions returns the version of every peer module built in.
func peerVersions() (map[string]string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("no build information in this binary")
	}
	v := map[string]string{}
	for _, d := range bi.Deps {
		ver := d.Version
		if d.Replace != nil {
			ver = d.Replace.Version
		}
		v[d.Path] = ver
	}
	out := map[string]string{}
	for _, m := range peerModules {
		if v[m] == "" {
			return nil, fmt.Errorf("%s is not in the build information", m)
		}
		out[m] = v[m]
	}
	return out, nil
}
