package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestAppendReadTopicsVerify(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "append", "--dir", dir, "--topic", "t", "a", "b", "c")
	if err != nil || out != "0\n1\n2\n" {
		t.Fatalf("append: %q %v", out, err)
	}
	out, err = run(t, "read", "--dir", dir, "--topic", "t", "--from", "1")
	if err != nil || out != "1\tb\n2\tc\n" {
		t.Fatalf("read --from 1: %q %v", out, err)
	}
	out, err = run(t, "append", "--dir", dir, "--topic", "t", "bin\x00ary")
	if err != nil || out != "3\n" {
		t.Fatalf("append binary: %q %v", out, err)
	}
	out, _ = run(t, "read", "--dir", dir, "--topic", "t", "--from", "3")
	if out != "3\t\"bin\\x00ary\"\n" {
		t.Fatalf("binary value printed as %q", out)
	}
	out, err = run(t, "topics", "--dir", dir)
	if err != nil || out != "t\t0\t4\t1\n" {
		t.Fatalf("topics: %q %v", out, err)
	}
	out, err = run(t, "verify", "--dir", dir)
	if err != nil || !strings.HasPrefix(out, "t\tok\t") {
		t.Fatalf("verify: %q %v", out, err)
	}
	if _, err := run(t, "read", "--dir", dir, "--topic", "missing"); err == nil {
		t.Fatal("read of a missing topic succeeded")
	}
	if _, err := run(t, "append", "--dir", dir, "--topic", "bad/name", "x"); err == nil {
		t.Fatal("append to an invalid topic name succeeded")
	}
}

func TestReadFollow(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, "append", "--dir", dir, "--topic", "t", "first"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := Command()
	var out safeBuffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"read", "--dir", dir, "--topic", "t", "--follow"})
	done := make(chan error)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	if _, err := run(t, "append", "--dir", dir, "--topic", "t", "second"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "0\tfirst\n1\tsecond\n" {
		if time.Now().After(deadline) {
			t.Fatalf("follow printed %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("follow ended with %v", err)
	}
}
