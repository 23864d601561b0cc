// Package killtest is the kill -9 half of the engines' crash tests: it runs
// one test of the current test binary as a child process that writes and
// prints a line per acknowledgement, and kills it with SIGKILL mid-stream.
//
// Only tests import it.
package killtest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Run starts the test binary running only the test named test (the child
// side, which reads its settings from env, "NAME=value" entries added to
// this process's environment), reads its output until it has printed
// killAfter lines, kills it with SIGKILL, and returns every complete line
// it printed, those it flushed just before dying included. A line cut by
// the kill is left out: it is no acknowledgement.
//
// The child failing first (its output ending early, or a line containing
// "error") fails t, naming round.
func Run(t testing.TB, round int, test string, env []string, killAfter int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	var lines []string
	for len(lines) < killAfter {
		line, err := r.ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child stopped early: %v (last: %q)", round, err, lines[max(0, len(lines)-3):])
		}
		if strings.Contains(line, "error") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child: %s", round, line)
		}
		lines = append(lines, line)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	rest, _ := io.ReadAll(r) // acknowledgements printed before the kill
	cmd.Wait()
	for _, line := range strings.SplitAfter(string(rest), "\n") {
		if strings.HasSuffix(line, "\n") {
			lines = append(lines, line)
		}
	}
	return lines
}
