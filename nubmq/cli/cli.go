// Package cli is the `reef kv` command: serve Nubmq on a TCP address.
package cli

import (
	"fmt"
	"net"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/reefdb/reef/nubmq"
)

// Command returns the `kv` command tree.
func Command() *cobra.Command {
	cmd := &cobra.Command{Use: "kv", Short: "Nubmq: an in-memory key-value server for Redis clients"}
	var addr string
	var o nubmq.Options
	serve := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:6380] [--dir DIR [--appendonly]]",
		Short: "Serve the Redis protocol until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := nubmq.New(o)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("kv: listen %s: %w", addr, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "nubmq: serving redis protocol on %s (redis-cli -p %d)\n", ln.Addr(), ln.Addr().(*net.TCPAddr).Port)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- s.Serve(ln) }()
			select {
			case <-ctx.Done():
			case err := <-errc:
				return err
			}
			return s.Close()
		},
	}
	serve.Flags().StringVar(&addr, "addr", "127.0.0.1:6380", "TCP address to listen on")
	serve.Flags().IntVar(&o.MaxClients, "maxclients", nubmq.DefaultMaxClients, "open connections at most")
	serve.Flags().DurationVar(&o.Timeout, "timeout", 0, "close connections idle this long (0: never)")
	serve.Flags().Int64Var(&o.ProtoMaxBulkLen, "proto-max-bulk-len", 512<<20, "largest bulk string a request may carry")
	serve.Flags().StringVar(&o.Dir, "dir", "", "directory of the AOF and of SAVE/BGSAVE snapshots (empty: nothing persists)")
	serve.Flags().BoolVar(&o.AppendOnly, "appendonly", false, "log every change to an AOF under --dir and restore it at startup")
	serve.Flags().StringVar(&o.AppendFsync, "appendfsync", "everysec", "AOF fsync policy: always, everysec or no")
	serve.Flags().Int64Var(&o.MaxMemory, "maxmemory", 0, "bound on the keyspace's memory in bytes (0: none)")
	serve.Flags().StringVar(&o.MaxMemoryPolicy, "maxmemory-policy", "noeviction", "what to evict over maxmemory: noeviction, allkeys-lru, allkeys-lfu, volatile-lru, volatile-lfu, volatile-ttl, allkeys-random, volatile-random")
	serve.Flags().StringVar(&o.NotifyKeyspaceEvents, "notify-keyspace-events", "", "keyspace notifications, in Redis's letters (e.g. KEA)")
	serve.Flags().IntVar(&o.IOThreads, "io-threads", 0, "event loops (default GOMAXPROCS/2, at least 1)")
	serve.Flags().BoolVar(&o.PlainSyscalls, "plain-syscalls", false, "one read(2)/write(2) per socket instead of a round's transfers batched through io_uring")
	cmd.AddCommand(serve)
	return cmd
}
