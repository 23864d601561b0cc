package resp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string, lim Limits) ([][]string, error) {
	t.Helper()
	return readAllCmds([]byte(in), lim)
}

func TestReadCommand(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     [][]string
		err      string // substring of the *ProtocolError, "" for none
	}{
		{"multibulk", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", [][]string{{"SET", "k", "hello"}}, ""},
		{"pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n", [][]string{{"PING"}, {"GET", "k"}, {"PING"}}, ""},
		{"binary and empty", "*2\r\n$4\r\na\r\nb\r\n$0\r\n\r\n", [][]string{{"a\r\nb", ""}}, ""},
		{"inline", "SET k v EX 10\r\n", [][]string{{"SET", "k", "v", "EX", "10"}}, ""},
		{"inline bare LF, extra spaces", "  get   k  \n", [][]string{{"get", "k"}}, ""},
		{"inline quotes", `SET "a b" 'c d' "\x41\n" "" 'it\'s'` + "\r\n", [][]string{{"SET", "a b", "c d", "A\n", "", "it's"}}, ""},
		{"empty lines skipped", "\r\n\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"negative count skipped", "*-10\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"zero count skipped", "*0\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"unbalanced quotes", "SET \"k v\r\n", nil, "unbalanced quotes in request"},
		{"quote then letter", "SET \"k\"x v\r\n", nil, "unbalanced quotes in request"},
		{"wrong payload header", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", nil, "expected '$', got 'f'"},
		{"bad multibulk length", "*x\r\n", nil, "invalid multibulk length"},
		{"too many args", "*20000000\r\n", nil, "invalid multibulk length"},
		{"bad bulk length", "*1\r\n$-5\r\n", nil, "invalid bulk length"},
		{"bulk over limit", "*1\r\n$600000000\r\n", nil, "invalid bulk length"},
		{"bulk without CRLF", "*1\r\n$1\r\nab\r\n", nil, "invalid bulk format"},
		{"inline too big", strings.Repeat("a", 70<<10), nil, "too big inline request"},
		{"count too big", "*" + strings.Repeat("1", 70<<10), nil, "too big mbulk count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, Limits{})
			if tc.err != "" {
				if !IsProtocolError(err) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want protocol error %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if strings.Join(got[i], "|") != strings.Join(tc.want[i], "|") || len(got[i]) != len(tc.want[i]) {
					t.Fatalf("command %d: got %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestTruncatedInput(t *testing.T) {
	full := "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n"
	for i := 1; i < len(full); i++ {
		_, err := readAll(t, full[:i], Limits{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("prefix %q: err %v, want unexpected EOF", full[:i], err)
		}
	}
}

// A client announcing a huge bulk and sending little gets memory for what it
// sent, not for what it announced.
func TestHugeAnnouncedBulkAllocatesLittle(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$500000000\r\nabc"), Limits{})
	if _, err := r.ReadCommand(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	if cap(r.data) > 4*bulkChunk {
		t.Fatalf("reader holds %d bytes for a 3-byte bulk", cap(r.data))
	}
}

func TestLimitsApply(t *testing.T) {
	if _, err := readAll(t, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", Limits{MaxArgs: 2}); !IsProtocolError(err) {
		t.Fatalf("MaxArgs: %v", err)
	}
	if _, err := readAll(t, "*1\r\n$10\r\n0123456789\r\n", Limits{MaxBulkBytes: 9}); !IsProtocolError(err) {
		t.Fatalf("MaxBulkBytes: %v", err)
	}
}

func TestWriterEncodings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		write  func(w *Writer)
		r2, r3 string
	}{
		{"simple", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n"},
		{"error", func(w *Writer) { w.Error("ERR bad\r\nthing") }, "-ERR bad  thing\r\n", "-ERR bad  thing\r\n"},
		{"integer", func(w *Writer) { w.Integer(-42) }, ":-42\r\n", ":-42\r\n"},
		{"bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"map", func(w *Writer) { w.MapHeader(1); w.BulkString("k"); w.Integer(1) }, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"set", func(w *Writer) { w.SetHeader(1); w.BulkString("m") }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n"},
		{"push", func(w *Writer) { w.PushHeader(1); w.BulkString("message") }, "*1\r\n$7\r\nmessage\r\n", ">1\r\n$7\r\nmessage\r\n"},
		{"double", func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double inf", func(w *Writer) { w.Double(posInf()) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"bool", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
	} {
		for _, proto := range []int{2, 3} {
			var b bytes.Buffer
			w := NewWriter(&b)
			w.SetProtocol(proto)
			tc.write(w)
			w.Flush()
			want := tc.r2
			if proto == 3 {
				want = tc.r3
			}
			if b.String() != want {
				t.Errorf("%s RESP%d: %q, want %q", tc.name, proto, b.String(), want)
			}
		}
	}
}

func TestReplyRoundTrip(t *testing.T) {
	for _, proto := range []int{2, 3} {
		var b bytes.Buffer
		w := NewWriter(&b)
		w.SetProtocol(proto)
		w.ArrayHeader(6)
		w.BulkString("x")
		w.Integer(7)
		w.Null()
		w.MapHeader(1)
		w.SimpleString("k")
		w.Double(0.25)
		w.Bool(false)
		w.Error("WRONGTYPE nope")
		w.Flush()
		v, err := NewReader(&b, Limits{}).ReadReply()
		if err != nil {
			t.Fatalf("RESP%d: %v", proto, err)
		}
		if len(v.Elems) != 6 || string(v.Elems[0].Str) != "x" || v.Elems[1].Int != 7 || !v.Elems[2].IsNull() ||
			len(v.Elems[3].Elems) != 2 || v.Elems[5].Kind != '-' {
			t.Fatalf("RESP%d: read back %v", proto, v)
		}
		if proto == 3 && (v.Elems[3].Kind != '%' || v.Elems[3].Elems[1].Float != 0.25 || v.Elems[4].Kind != '#') {
			t.Fatalf("RESP3 types lost: %v", v)
		}
	}
}

func TestReplyDepthBounded(t *testing.T) {
	in := strings.Repeat("*1\r\n", 100) + ":1\r\n"
	if _, err := NewReader(strings.NewReader(in), Limits{}).ReadReply(); !IsProtocolError(err) {
		t.Fatalf("deep nesting: %v", err)
	}
}

// Reading pipelined multibulk commands allocates nothing once warm.
func TestReadCommandAllocs(t *testing.T) {
	cmd := "*3\r\n$3\r\nSET\r\n$8\r\nkey:1234\r\n$32\r\n" + strings.Repeat("v", 32) + "\r\n"
	in := strings.Repeat(cmd, 2000)
	r := NewReader(strings.NewReader(in), Limits{})
	r.ReadCommand() // warm up the buffers
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per command", allocs)
	}
}

func BenchmarkReadCommand(b *testing.B) {
	cmd := "*3\r\n$3\r\nSET\r\n$8\r\nkey:1234\r\n$32\r\n" + strings.Repeat("v", 32) + "\r\n"
	in := strings.Repeat(cmd, 1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd)))
	r := NewReader(strings.NewReader(""), Limits{})
	src := strings.NewReader(in)
	for i := 0; i < b.N; i++ {
		if i%1000 == 0 {
			src.Reset(in)
			r.r.Reset(src)
		}
		if _, err := r.ReadCommand(); err != nil {
			b.Fatal(err)
		}
	}
}
