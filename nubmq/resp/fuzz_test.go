package resp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadCommand: any input gives commands, EOF or an error, never a panic
// or an argument over the limits; every command re-encodes and reads back
// the same.
func FuzzReadCommand(f *testing.F) {
	for _, s := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "PING\r\n", `SET "a\x41" 'b'` + "\n",
		"*-1\r\n", "*1\r\n$-1\r\n", "*2\r\n$1\r\na\r\n", "\r\n\r\n", "\"", "*1\r\n$3\r\nabcd",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBulkBytes: 1 << 16, MaxArgs: 1 << 10, MaxInlineBytes: 1 << 12}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), lim)
		for i := 0; i < 1000; i++ {
			args, err := r.ReadCommand()
			if err != nil {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !IsProtocolError(err) {
					t.Fatalf("unexpected error type: %v", err)
				}
				return
			}
			if len(args) == 0 || len(args) > lim.MaxArgs {
				t.Fatalf("%d args", len(args))
			}
			var b bytes.Buffer
			w := NewWriter(&b)
			w.ArrayHeader(len(args))
			for _, a := range args {
				if int64(len(a)) > lim.MaxBulkBytes {
					t.Fatalf("arg of %d bytes", len(a))
				}
				w.Bulk(a)
			}
			w.Flush()
			back, err := NewReader(&b, lim).ReadCommand()
			if err != nil || len(back) != len(args) {
				t.Fatalf("re-encoded command does not read back: %v", err)
			}
			for j := range args {
				if !bytes.Equal(back[j], args[j]) {
					t.Fatalf("arg %d changed", j)
				}
			}
		}
	})
}

// FuzzReadReply: the client-side reader never panics and stays within its
// depth and size limits.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "%1\r\n$1\r\nk\r\n,1.5\r\n", "*2\r\n_\r\n#t\r\n", "=7\r\ntxt:abc\r\n", "*1\r\n*1\r\n*1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), Limits{MaxBulkBytes: 1 << 16, MaxArgs: 1 << 10, MaxDepth: 16})
		for i := 0; i < 100; i++ {
			if _, err := r.ReadReply(); err != nil {
				return
			}
		}
	})
}
