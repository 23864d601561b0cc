package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func runKernel(args ...string) (string, error) {
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestSimCommand(t *testing.T) {
	out, err := runKernel("sim", "--seeds", "3", "--ops", "60")
	if err != nil {
		t.Fatalf("sim: %v\n%s", err, out)
	}
	hashes := regexp.MustCompile(`(?m)^seed (\d) .* hash ([0-9a-f]{16}) ok$`).FindAllStringSubmatch(out, -1)
	if len(hashes) != 3 || !strings.Contains(out, "seeds 3, ops 180") || !strings.Contains(out, "violations 0") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	// Replaying one seed prints the same trace hash.
	again, err := runKernel("sim", "--seed", "2", "--ops", "60")
	if err != nil || !strings.Contains(again, "hash "+hashes[1][2]) {
		t.Fatalf("replay of seed 2 did not give hash %s: %v\n%s", hashes[1][2], err, again)
	}
	// The planted bug makes the command fail and print a replay line.
	out, err = runKernel("sim", "--seeds", "12", "--ops", "200", "--faults", "crash", "--plant-nosync", "--quiet")
	if err == nil || !strings.Contains(out, "replay: reef kernel sim --seed") {
		t.Fatalf("planted bug not reported: %v\n%s", err, out)
	}
	if _, err := runKernel("sim", "--faults", "bogus"); err == nil {
		t.Fatal("unknown fault class accepted")
	}
}
