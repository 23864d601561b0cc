// Package cli is the `reef walrus` command: append to, read, list and verify
// a Walrus log directory from the shell.
//
// Output formats: `read` prints one entry per line as "<offset>\t<value>"
// (values printed as text, with non-printable bytes escaped as Go string
// escapes); `topics` prints "<name>\t<first>\t<next>\t<segments>"; `verify`
// prints one line per topic and exits non-zero when anything is corrupt.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"strconv"
	"syscall"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/reefdb/reef/walrus"
)

// Command returns the `walrus` command tree.
func Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "walrus",
		Short: "Walrus: a segmented, checksummed append-only log",
	}
	cmd.AddCommand(appendCmd(), readCmd(), topicsCmd(), verifyCmd())
	return cmd
}

type common struct {
	dir        string
	durability string
	io         string
}

func (c *common) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.dir, "dir", "", "log directory (required)")
	cmd.Flags().StringVar(&c.durability, "durability", "sync", "sync, interval or none")
	cmd.Flags().StringVar(&c.io, "io", "auto", "write path: auto (O_DIRECT in sync mode), pwrite, direct or uring (io_uring)")
	cmd.MarkFlagRequired("dir")
}

func (c *common) open() (*walrus.Log, error) {
	d, err := walrus.ParseDurability(c.durability)
	if err != nil {
		return nil, err
	}
	o, err := walrus.IOOptions(walrus.Options{Durability: d}, c.io)
	if err != nil {
		return nil, err
	}
	return walrus.Open(c.dir, o)
}

// openReadOnly opens the log without its lock, beside any writer.
func (c *common) openReadOnly() (*walrus.Log, error) {
	return walrus.Open(c.dir, walrus.Options{ReadOnly: true})
}

func appendCmd() *cobra.Command {
	var c common
	var topic string
	cmd := &cobra.Command{
		Use:   "append --dir D --topic T VALUE...",
		Short: "Append each VALUE as one entry (as one atomic batch) and print the offsets",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := c.open()
			if err != nil {
				return err
			}
			defer l.Close()
			t, err := l.Topic(topic)
			if errors.Is(err, walrus.ErrTopicNotFound) {
				if err = l.CreateTopic(topic); err == nil {
					t, err = l.Topic(topic)
				}
			}
			if err != nil {
				return err
			}
			values := make([][]byte, len(args))
			for i, a := range args {
				values[i] = []byte(a)
			}
			first, err := t.AppendBatch(values)
			if err != nil {
				return err
			}
			for i := range values {
				fmt.Fprintf(cmd.OutOrStdout(), "%d\n", first+uint64(i))
			}
			return l.Close()
		},
	}
	c.flags(cmd)
	cmd.Flags().StringVar(&topic, "topic", "", "topic name; created if missing (required)")
	cmd.MarkFlagRequired("topic")
	return cmd
}

func readCmd() *cobra.Command {
	var c common
	var topic string
	var from uint64
	var limit int
	var follow bool
	cmd := &cobra.Command{
		Use:   "read --dir D --topic T [--from N] [--limit K] [--follow]",
		Short: "Print entries as \"<offset>\\t<value>\"; --follow keeps waiting for new ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Read-only: no lock, so it runs beside a writer and follows it.
			l, err := c.openReadOnly()
			if err != nil {
				return err
			}
			defer l.Close()
			t, err := l.Topic(topic)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return readLoop(ctx, t, cmd.OutOrStdout(), from, limit, follow)
		},
	}
	c.flags(cmd)
	cmd.Flags().StringVar(&topic, "topic", "", "topic name (required)")
	cmd.MarkFlagRequired("topic")
	cmd.Flags().Uint64Var(&from, "from", 0, "first offset to print")
	cmd.Flags().IntVar(&limit, "limit", 0, "stop after this many entries (0: no limit)")
	cmd.Flags().BoolVar(&follow, "follow", false, "wait for new entries until interrupted")
	return cmd
}

// readLoop prints entries from `from`, in pages, until the end (or, with
// follow, until ctx ends).
func readLoop(ctx context.Context, t *walrus.Topic, w io.Writer, from uint64, limit int, follow bool) error {
	const pageEntries, pageBytes = 1024, 1 << 20
	printed := 0
	for limit <= 0 || printed < limit {
		n := pageEntries
		if limit > 0 {
			n = min(n, limit-printed)
		}
		var es []walrus.Entry
		var err error
		if follow {
			es, err = t.Poll(ctx, from, n, pageBytes)
			if errors.Is(err, context.Canceled) {
				return nil
			}
		} else {
			es, err = t.Read(from, n, pageBytes)
		}
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		for _, e := range es {
			if _, err := fmt.Fprintf(w, "%d\t%s\n", e.Offset, printable(e.Value)); err != nil {
				return err
			}
		}
		printed += len(es)
		from = es[len(es)-1].Offset + 1
	}
	return nil
}

// printable returns v as is when it is valid UTF-8 without control
// characters, and Go-quoted otherwise.
func printable(v []byte) string {
	if utf8.Valid(v) {
		ok := true
		for _, c := range v {
			if c < 0x20 || c == 0x7f {
				ok = false
				break
			}
		}
		if ok {
			return string(v)
		}
	}
	return strconv.Quote(string(v))
}

func topicsCmd() *cobra.Command {
	var c common
	cmd := &cobra.Command{
		Use:   "topics --dir D",
		Short: "List topics as \"<name>\\t<first offset>\\t<next offset>\\t<segments>\"",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := c.openReadOnly()
			if err != nil {
				return err
			}
			defer l.Close()
			for _, name := range l.Topics() {
				t, err := l.Topic(name)
				if err != nil {
					return err
				}
				first, next := t.Bounds()
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d\t%d\t%d\n", name, first, next, t.Segments())
			}
			return nil
		},
	}
	c.flags(cmd)
	return cmd
}

func verifyCmd() *cobra.Command {
	var c common
	cmd := &cobra.Command{
		Use:   "verify --dir D",
		Short: "Check every frame of every segment; exit 1 if anything is corrupt",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := walrus.Verify(c.dir, walrus.Options{})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, tr := range rep.Topics {
				status := "ok"
				if len(tr.Problems) > 0 {
					status = fmt.Sprintf("CORRUPT (%d problems)", len(tr.Problems))
				}
				fmt.Fprintf(out, "%s\t%s\tsegments=%d entries=%d bytes=%d\n", tr.Name, status, tr.Segments, tr.Entries, tr.Bytes)
				for _, p := range tr.Problems {
					fmt.Fprintf(out, "  %v\n", p)
				}
			}
			if rep.Err() != nil {
				cmd.SilenceUsage = true
				return rep.Err()
			}
			return nil
		},
	}
	c.flags(cmd)
	return cmd
}
