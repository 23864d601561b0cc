package persist

import (
	"bytes"
	"errors"
	"testing"
)

func TestRESPRoundTrip(t *testing.T) {
	cmds := [][][]byte{
		{[]byte("SET"), []byte("k"), []byte("v")},
		{[]byte("DEL"), {}},
		{bytes.Repeat([]byte("x"), 1000), []byte("a\r\nb")},
		{[]byte("FLUSHALL")},
	}
	var b []byte
	for _, c := range cmds {
		before := len(b)
		b = appendRESP(b, c)
		if len(b)-before != respLen(c) {
			t.Fatalf("respLen %d, encoded %d", respLen(c), len(b)-before)
		}
	}
	if n, err := countCommands(b); err != nil || n != uint64(len(cmds)) {
		t.Fatalf("countCommands: %d, %v", n, err)
	}
	p := b
	for i, c := range cmds {
		var args [][]byte
		var err error
		args, p, err = parseCommand(p, nil)
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		if len(args) != len(c) {
			t.Fatalf("command %d: %q", i, args)
		}
		for j := range c {
			if !bytes.Equal(args[j], c[j]) {
				t.Fatalf("command %d arg %d: %q", i, j, args[j])
			}
		}
	}
	for _, bad := range []string{"", "*0\r\n", "*1\r\n", "*01\r\n$1\r\na\r\n", "*1\r\n$2\r\na\r\n", "*1\r\n$1\r\nab\r\n",
		"*1\r\n$-1\r\n", "+OK\r\n", "*1\r\n$1\r\na\n", "*1\n$1\r\na\r\n", "*1\r\n$99999999999999999999\r\na\r\n"} {
		if _, _, err := parseCommand([]byte(bad), nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

// entriesFor encodes commands the way Append does, with the given entry
// size, and returns the Walrus entries.
func entriesFor(t testing.TB, maxEntry int, first uint64, cmds [][][]byte) [][]byte {
	a := &AOF{opts: Options{MaxEntryBytes: maxEntry}}
	for i, c := range cmds {
		a.encodeLocked(first+uint64(i), c, respLen(c))
	}
	var out [][]byte
	for _, e := range a.ents {
		v := a.buf[e.start:e.end]
		if len(v) > maxEntry {
			t.Fatalf("entry of %d bytes, limit %d", len(v), maxEntry)
		}
		out = append(out, v)
	}
	return out
}

func TestSplitCommands(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 100)
	cmds := [][][]byte{
		{[]byte("SET"), []byte("a"), []byte("1")},
		{[]byte("SET"), []byte("big"), big},
		{[]byte("SET"), []byte("b"), []byte("2")},
		{[]byte("HSET"), []byte("h"), big, big, []byte("f"), big},
	}
	for _, maxEntry := range []int{64, 100, 333, 1100, 1 << 20} {
		ents := entriesFor(t, maxEntry, 5, cmds)
		var got [][][]byte
		r := &replayer{expect: 5, apply: func(args [][]byte) error {
			c := make([][]byte, len(args))
			for i := range args {
				c[i] = bytes.Clone(args[i])
			}
			got = append(got, c)
			return nil
		}}
		kinds := ""
		for _, e := range ents {
			kinds += string(e[0])
			if err := r.entry(e); err != nil {
				t.Fatalf("entry size %d: %v", maxEntry, err)
			}
		}
		if len(got) != len(cmds) || r.expect != 5+uint64(len(cmds)) || r.open {
			t.Fatalf("entry size %d (%s): %d commands, expect %d", maxEntry, kinds, len(got), r.expect)
		}
		for i := range cmds {
			if !bytes.Equal(appendRESP(nil, got[i]), appendRESP(nil, cmds[i])) {
				t.Fatalf("entry size %d: command %d differs", maxEntry, i)
			}
		}
		t.Logf("entry size %d: %s", maxEntry, kinds)
	}
}

// The replayer refuses holes, interleavings and pieces out of place, and
// accepts an abort only for the open command.
func TestReplayerChecks(t *testing.T) {
	big := bytes.Repeat([]byte("z"), 300)
	ents := entriesFor(t, 100, 1, [][][]byte{{[]byte("SET"), []byte("k"), big}})
	whole := entriesFor(t, 100, 2, [][][]byte{{[]byte("DEL"), []byte("k")}})[0]
	abort := appendEntryHeader(nil, entryAbort, 1)
	nop := func([][]byte) error { return nil }
	run := func(es ...[]byte) (*replayer, error) {
		r := &replayer{expect: 1, apply: nop}
		for _, e := range es {
			if err := r.entry(e); err != nil {
				return r, err
			}
		}
		return r, nil
	}
	bad := map[string][][]byte{
		"hole":              {whole},
		"part without head": ents[1:],
		"interleaved":       {ents[0], whole},
		"abort not open":    {abort},
		"repeated":          append(append([][]byte{}, ents...), ents[len(ents)-1]),
	}
	for name, es := range bad {
		if _, err := run(es...); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// A cut command, its abort, then the same sequence number again.
	r, err := run(append(append([][]byte{}, ents[:2]...), abort, ents[0], ents[1], ents[2], ents[3], whole)...)
	if err != nil || r.commands != 2 || r.aborted != 1 || r.expect != 3 {
		t.Fatalf("abort then retry: %v, %d commands, %d aborted", err, r.commands, r.aborted)
	}
}

// FuzzEntry: decodeEntry and the command parser never panic; the commands
// of a whole entry they accept re-encode to its payload.
func FuzzEntry(f *testing.F) {
	for _, e := range entriesFor(f, 80, 1, [][][]byte{{[]byte("SET"), []byte("k"), bytes.Repeat([]byte("v"), 200)}, {[]byte("DEL"), []byte("k")}}) {
		f.Add(e)
	}
	f.Add(appendEntryHeader(nil, entryAbort, 3))
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := decodeEntry(in)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		if e.kind != entryWhole {
			return
		}
		var out []byte
		for p := e.payload; len(p) > 0; {
			var args [][]byte
			if args, p, err = parseCommand(p, nil); err != nil {
				return
			}
			out = appendRESP(out, args)
		}
		if !bytes.Equal(out, e.payload) {
			t.Fatalf("accepted payload does not re-encode to itself")
		}
	})
}

// FuzzReplay: any sequence of entries (the input cut by length prefixes)
// replays into well-formed commands or stops with ErrCorrupt, never panics.
func FuzzReplay(f *testing.F) {
	var seed []byte
	for _, e := range entriesFor(f, 70, 1, [][][]byte{{[]byte("SET"), []byte("k"), bytes.Repeat([]byte("v"), 150)}, {[]byte("HDEL"), []byte("h"), []byte("f")}}) {
		seed = append(seed, byte(len(e)))
		seed = append(seed, e...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &replayer{expect: 1, apply: func(args [][]byte) error {
			if len(args) == 0 {
				t.Fatal("empty command applied")
			}
			return nil
		}}
		for len(in) > 0 {
			n := min(int(in[0]), len(in)-1)
			e := in[1 : 1+n]
			in = in[1+n:]
			if err := r.entry(e); err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error not ErrCorrupt: %v", err)
				}
				return
			}
		}
	})
}
