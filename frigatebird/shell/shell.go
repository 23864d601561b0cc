// Package shell is `reef sql`: Frigatebird's interactive SQL shell, with
// line editing and history (github.com/chzyer/readline), meta commands
// (\dt, \d, \timing, \format, \q), results as aligned tables, CSV or JSON,
// and `-c` for one-shot statements. With no terminal on standard input it
// runs the script it reads there.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/spf13/cobra"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/exec"
)

// Command returns `reef sql`.
func Command() *cobra.Command {
	var (
		commands []string
		format   string
	)
	cmd := &cobra.Command{
		Use:   "sql [DIR]",
		Short: "Frigatebird: columnar SQL database shell (in-memory without DIR)",
		Long: `Open the Frigatebird database in DIR (created if missing; in memory when
DIR is omitted) and run SQL: -c runs statements and exits; otherwise an
interactive shell reads statements ending in ';' (or a script from standard
input when it is not a terminal).

Meta commands: \dt (tables), \d TABLE (columns), \timing (toggle),
\format table|csv|json, \q (quit), \? (help).`,
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := ParseFormat(format)
			if err != nil {
				return err
			}
			var db *frigatebird.DB
			if len(args) == 1 {
				db, err = frigatebird.Open(args[0], nil)
			} else {
				db, err = frigatebird.OpenMemory(nil)
			}
			if err != nil {
				return err
			}
			defer db.Close()
			s := &Shell{DB: db, Out: cmd.OutOrStdout(), Err: cmd.ErrOrStderr(), Format: f}
			defer s.Close()
			if e, ok := cmd.ErrOrStderr().(*os.File); ok && readline.IsTerminal(int(e.Fd())) {
				s.Progress = true
			}
			if len(commands) > 0 {
				for _, c := range commands {
					if err := s.Do(cmd.Context(), c); err != nil {
						return err
					}
				}
				return nil
			}
			if in, ok := cmd.InOrStdin().(*os.File); ok && readline.IsTerminal(int(in.Fd())) {
				return s.Interactive(cmd.Context())
			}
			return s.Script(cmd.Context(), cmd.InOrStdin())
		},
	}
	cmd.Flags().StringArrayVarP(&commands, "command", "c", nil, "run SQL or a meta command and exit (repeatable)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	return cmd
}

// Shell runs statements and meta commands against a database.
type Shell struct {
	DB     *frigatebird.DB
	Out    io.Writer
	Err    io.Writer
	Format Format
	Timing bool
	// Progress draws a progress bar on Err for statements running longer
	// than half a second (set when Err is a terminal).
	Progress bool

	sess *frigatebird.Session
}

// session returns the shell's session: one for the shell's life, so a
// transaction stays open across inputs.
func (s *Shell) session() *frigatebird.Session {
	if s.sess == nil {
		s.sess = s.DB.Session()
	}
	return s.sess
}

// Close rolls back a transaction left open.
func (s *Shell) Close() error {
	if s.sess != nil {
		return s.sess.Close()
	}
	return nil
}

// errQuit is returned by \q.
var errQuit = errors.New("quit")

// Do runs one input: a meta command (starting with \) or SQL statements.
// SQL errors are returned; the interactive loop prints them and goes on.
func (s *Shell) Do(ctx context.Context, input string) error {
	in := strings.TrimSpace(input)
	if in == "" {
		return nil
	}
	if strings.HasPrefix(in, `\`) {
		return s.meta(in)
	}
	start := time.Now()
	if s.Progress {
		bar := newProgressBar(s.Err)
		defer bar.finish()
		ctx = exec.WithProgress(ctx, bar.update)
	}
	err := s.session().Run(ctx, in, func(r *frigatebird.Result) error {
		if r.Rows != nil {
			return printRows(s.Out, s.Format, r.Rows)
		}
		switch r.Tag {
		case "INSERT":
			fmt.Fprintf(s.Out, "INSERT 0 %d\n", r.RowsAffected)
		case "UPDATE", "DELETE":
			fmt.Fprintf(s.Out, "%s %d\n", r.Tag, r.RowsAffected)
		default:
			fmt.Fprintln(s.Out, r.Tag)
		}
		return nil
	})
	if s.Timing {
		fmt.Fprintf(s.Out, "Time: %.3f ms\n", float64(time.Since(start))/float64(time.Millisecond))
	}
	return err
}

func (s *Shell) meta(in string) error {
	fields := strings.Fields(in)
	switch fields[0] {
	case `\q`, `\quit`:
		return errQuit
	case `\timing`:
		s.Timing = !s.Timing
		if len(fields) > 1 {
			s.Timing = fields[1] == "on"
		}
		state := "off"
		if s.Timing {
			state = "on"
		}
		fmt.Fprintf(s.Out, "Timing is %s.\n", state)
		return nil
	case `\format`:
		if len(fields) != 2 {
			return fmt.Errorf(`usage: \format table|csv|json`)
		}
		f, err := ParseFormat(fields[1])
		if err != nil {
			return err
		}
		s.Format = f
		return nil
	case `\dt`:
		tables, err := s.DB.Tables()
		if err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "%-24s %8s %12s %10s\n", "table", "columns", "rows", "row groups")
		for _, t := range tables {
			fmt.Fprintf(s.Out, "%-24s %8d %12d %10d\n", t.Name, len(t.Columns), t.Rows, t.RowGroups)
		}
		return nil
	case `\d`:
		if len(fields) != 2 {
			return fmt.Errorf(`usage: \d TABLE`)
		}
		tables, err := s.DB.Tables()
		if err != nil {
			return err
		}
		for _, t := range tables {
			if t.Name != fields[1] {
				continue
			}
			fmt.Fprintf(s.Out, "Table %q (%d rows in %d row groups)\n", t.Name, t.Rows, t.RowGroups)
			fmt.Fprintf(s.Out, "%-24s %-16s %s\n", "column", "type", "nullable")
			for _, c := range t.Columns {
				null := "yes"
				if c.NotNull {
					null = "not null"
				}
				fmt.Fprintf(s.Out, "%-24s %-16s %s\n", c.Name, c.T, null)
			}
			if len(t.SortKey) > 0 {
				fmt.Fprintf(s.Out, "Sort key: %s\n", strings.Join(t.SortKey, ", "))
			}
			return nil
		}
		return fmt.Errorf("table %q does not exist", fields[1])
	case `\?`, `\h`, `\help`:
		fmt.Fprint(s.Out, `\dt               list tables
\d TABLE          describe a table
\timing [on|off]  print how long each statement takes
\format FORMAT    table, csv or json
\q                quit
`)
		return nil
	}
	return fmt.Errorf("unknown meta command %s (\\? lists them)", fields[0])
}

// Script runs statements read from r, stopping at the first error.
func (s *Shell) Script(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var pending strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), `\`) {
			if err := s.Do(ctx, line); err != nil {
				if errors.Is(err, errQuit) {
					return nil
				}
				return err
			}
			continue
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		if complete(pending.String()) {
			if err := s.Do(ctx, pending.String()); err != nil {
				return err
			}
			pending.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return s.Do(ctx, pending.String())
}

// Interactive is the read-eval-print loop on a terminal. Ctrl-C cancels
// the running statement, or clears the line being typed; Ctrl-D quits.
func (s *Shell) Interactive(ctx context.Context) error {
	home, _ := os.UserHomeDir()
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 "reef> ",
		HistoryFile:            filepath.Join(home, ".reef_sql_history"),
		DisableAutoSaveHistory: true,
		InterruptPrompt:        "^C",
		EOFPrompt:              `\q`,
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Fprintln(s.Out, `Frigatebird SQL shell. End statements with ";". \? for help, \q to quit.`)
	var pending strings.Builder
	for {
		if pending.Len() == 0 {
			rl.SetPrompt("reef> ")
		} else {
			rl.SetPrompt("   -> ")
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			pending.Reset()
			continue
		}
		if err != nil { // io.EOF
			return nil
		}
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), `\`) {
			_ = rl.SaveHistory(line)
			if err := s.Do(ctx, line); err != nil {
				if errors.Is(err, errQuit) {
					return nil
				}
				fmt.Fprintln(s.Err, "Error:", err)
			}
			continue
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		if !complete(pending.String()) {
			continue
		}
		stmt := pending.String()
		pending.Reset()
		_ = rl.SaveHistory(strings.TrimSpace(stmt))
		if err := s.runInterruptible(ctx, stmt); err != nil {
			fmt.Fprintln(s.Err, "Error:", err)
		}
	}
}

// runInterruptible runs stmt, cancelling it on Ctrl-C.
func (s *Shell) runInterruptible(ctx context.Context, stmt string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	return s.Do(ctx, stmt)
}

// complete reports whether sql ends with a ';' outside quotes and
// comments, so the statement can run.
func complete(sql string) bool {
	last := byte(0)
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(sql) {
				return false // open quote
			}
			i, last = j, c
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return false
			}
			i += end + 3
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			last = c
		}
	}
	return last == ';'
}
