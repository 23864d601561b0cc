package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// parseAll feeds in to a Parser in chunks whose sizes come from rng (all at
// once when rng is nil), the way a server's reads would arrive, and returns
// the commands and the error that ended the stream (nil: clean end, or
// io.ErrUnexpectedEOF when the stream stopped inside a command).
func parseAll(in []byte, lim Limits, rng *rand.Rand) ([][]string, error) {
	p := NewParser(lim)
	var cmds [][]string
	var buf []byte
	fed := 0
	for {
		args, n, err := p.Parse(buf)
		if err != nil {
			return cmds, err
		}
		if args != nil {
			cmd := make([]string, len(args))
			for i, a := range args {
				cmd[i] = string(a)
			}
			cmds = append(cmds, cmd)
			buf = buf[n:]
			continue
		}
		buf = buf[n:]
		if fed == len(in) {
			if len(buf) > 0 {
				return cmds, io.ErrUnexpectedEOF
			}
			return cmds, nil
		}
		step := len(in) - fed
		if rng != nil {
			step = 1 + rng.IntN(min(step, 64))
		}
		if need := p.Need(); need > len(buf)+step {
			step = min(len(in)-fed, need-len(buf))
		}
		buf = append(buf, in[fed:fed+step]...)
		fed += step
	}
}

// readAllCmds is the Reader's view of the same stream.
func readAllCmds(in []byte, lim Limits) ([][]string, error) {
	r := NewReader(bytes.NewReader(in), lim)
	var cmds [][]string
	for {
		args, err := r.ReadCommand()
		if err == io.EOF {
			return cmds, nil
		}
		if err != nil {
			return cmds, err
		}
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = string(a)
		}
		cmds = append(cmds, cmd)
	}
}

// sameOutcome compares a Parser run with a Reader run: same commands, and
// the same kind of ending (clean, truncated, or the same protocol error).
func sameOutcome(in []byte, lim Limits, rng *rand.Rand) error {
	want, werr := readAllCmds(in, lim)
	got, gerr := parseAll(in, lim, rng)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("parser %q, reader %q", got, want)
	}
	switch {
	case werr == nil && gerr == nil:
	case errors.Is(werr, io.ErrUnexpectedEOF) && errors.Is(gerr, io.ErrUnexpectedEOF):
	case IsProtocolError(werr) && IsProtocolError(gerr) && werr.Error() == gerr.Error():
	default:
		return fmt.Errorf("parser ended with %v, reader with %v", gerr, werr)
	}
	return nil
}

var parserCorpus = []string{
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
	"SET k v EX 10\r\n", "  get   k  \n",
	`SET "a b" 'c d' "\x41\n" "" 'it\'s'` + "\r\n",
	"\r\n\r\nPING\r\n", "*-10\r\nPING\r\n", "*0\r\nPING\r\n",
	"SET \"k v\r\n", "SET \"k\"x v\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
	"*x\r\n", "*20000000\r\n", "*1\r\n$-5\r\n", "*1\r\n$600000000\r\n", "*1\r\n$1\r\nab\r\n",
	strings.Repeat("a", 70<<10), "*" + strings.Repeat("1", 70<<10),
	"*1\r\n$" + strings.Repeat("1", 70<<10),
	"*2\r\n$3\r\nGET\r\n$100000\r\n" + strings.Repeat("v", 100000) + "\r\nPING\r\n",
	"*1\r\n$4\r\nPI", "PING", "*2\r\n$3\r\nGET\r\n",
}

func TestParserMatchesReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, in := range parserCorpus {
		for round := 0; round < 20; round++ {
			r := rng
			if round == 0 {
				r = nil
			}
			if err := sameOutcome([]byte(in), Limits{}, r); err != nil {
				t.Fatalf("%.60q: %v", in, err)
			}
		}
	}
}

func TestParserAliasesBuffer(t *testing.T) {
	buf := []byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
	args, n, err := NewParser(Limits{}).Parse(buf)
	if err != nil || n != len(buf) || len(args) != 2 {
		t.Fatalf("args %q n %d err %v", args, n, err)
	}
	buf[len(buf)-3] = 'x'
	if string(args[1]) != "x" {
		t.Fatalf("argument does not alias the buffer: %q", args[1])
	}
	if cap(args[0]) != len(args[0]) {
		t.Fatal("an argument's capacity reaches into the next one")
	}
}

func TestParserNeed(t *testing.T) {
	p := NewParser(Limits{})
	in := []byte("*2\r\n$3\r\nSET\r\n$1000\r\n")
	args, n, err := p.Parse(in)
	if args != nil || n != 0 || err != nil {
		t.Fatalf("args %q n %d err %v", args, n, err)
	}
	if want := len(in) + 1002; p.Need() != want {
		t.Fatalf("Need = %d, want %d", p.Need(), want)
	}
}

func TestParserZeroAllocs(t *testing.T) {
	p := NewParser(Limits{})
	buf := []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$32\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n")
	p.Parse(buf)
	if a := testing.AllocsPerRun(100, func() { p.Parse(buf) }); a != 0 {
		t.Fatalf("%v allocs per command", a)
	}
}

func FuzzParser(f *testing.F) {
	for _, s := range parserCorpus {
		if len(s) < 4096 {
			f.Add([]byte(s))
		}
	}
	lim := Limits{MaxBulkBytes: 1 << 16, MaxArgs: 1 << 10, MaxInlineBytes: 1 << 12}
	f.Fuzz(func(t *testing.T, in []byte) {
		// The chunking of the stream comes from the input too.
		seed := uint64(len(in))
		if len(in) > 0 {
			seed = seed<<8 | uint64(in[0])
		}
		if err := sameOutcome(in, lim, rand.New(rand.NewPCG(seed, 0))); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	p := NewParser(Limits{})
	buf := bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$32\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"), 16)
	b.ReportAllocs()
	for b.Loop() {
		for rest := buf; len(rest) > 0; {
			_, n, _ := p.Parse(rest)
			rest = rest[n:]
		}
	}
}
