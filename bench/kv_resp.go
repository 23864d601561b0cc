//go:build !reefonly

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// A minimal Redis protocol (RESP2) client: enough to PING a server, check
// DBSIZE, spot-check a GET and preload keys through a pipeline. The load
// generator of every measurement is redis-benchmark; this client only prepares
// and verifies state, the same way on both sides.

// respConn is one connection; it is not safe for concurrent use.
type respConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func dialRESP(ctx context.Context, addr string) (*respConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &respConn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}, nil
}

func (c *respConn) Close() error { return c.c.Close() }

// respReply is one reply: a simple string (kind '+'), an integer (':'), a bulk
// string ('$', nil when Null) or an error ('-', returned as respError).
type respReply struct {
	kind byte
	str  []byte
	num  int64
	null bool
}

// respError is an error reply from the server.
type respError string

func (e respError) Error() string { return "server: " + string(e) }

// Do sends one command and reads its reply; deadline bounds both.
func (c *respConn) Do(deadline time.Time, args ...[]byte) (respReply, error) {
	if err := c.c.SetDeadline(deadline); err != nil {
		return respReply{}, err
	}
	c.w.Write(appendCommand(nil, args...))
	if err := c.w.Flush(); err != nil {
		return respReply{}, err
	}
	return c.readReply()
}

// appendCommand appends args as a RESP array of bulk strings.
func appendCommand(b []byte, args ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// readReply reads one non-array reply.
func (c *respConn) readReply() (respReply, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return respReply{}, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return respReply{}, fmt.Errorf("resp: malformed reply line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return respReply{kind: kind, str: bytes.Clone(body)}, nil
	case '-':
		return respReply{kind: kind}, respError(body)
	case ':':
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil {
			return respReply{}, fmt.Errorf("resp: malformed integer %q", body)
		}
		return respReply{kind: kind, num: n}, nil
	case '$':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 {
			return respReply{}, fmt.Errorf("resp: malformed bulk length %q", body)
		}
		if n == -1 {
			return respReply{kind: kind, null: true}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return respReply{}, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return respReply{}, errors.New("resp: bulk string not terminated by CRLF")
		}
		return respReply{kind: kind, str: buf[:n]}, nil
	}
	return respReply{}, fmt.Errorf("resp: unexpected reply type %q", kind)
}

// kvKey appends the name redis-benchmark gives key i with -r: "key:" and i in
// 12 zero-padded digits ("key:000000000042").
func kvKey(b []byte, i int) []byte {
	b = append(b, "key:"...)
	var d [12]byte
	for j := len(d) - 1; j >= 0; j-- {
		d[j] = byte('0' + i%10)
		i /= 10
	}
	return append(b, d[:]...)
}

// kvLoadBatch is how many SETs the loader writes per flush, and
// kvLoadWindow how many flushed batches may await their replies: at most
// 16,384 commands in flight per connection, so neither side buffers unbounded
// replies.
const (
	kvLoadBatch  = 1024
	kvLoadWindow = 16
	// kvLoadStall fails a load whose server neither takes nor answers a
	// batch for this long, rather than hanging the harness.
	kvLoadStall = 30 * time.Second
)

// kvLoad stores keys key:000000000000 … key:<keys-1>, key i holding
// values.At(i), through conns connections, each loading a contiguous range
// with a pipeline (a writer and a reader goroutine, at most kvLoadWindow
// batches of kvLoadBatch SETs in flight). Every reply must be +OK.
func kvLoad(ctx context.Context, addr string, keys, conns int, values *Payloads) error {
	if conns < 1 {
		conns = 1
	}
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		lo, hi := keys*i/conns, keys*(i+1)/conns
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = kvLoadRange(ctx, addr, lo, hi, values)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func kvLoadRange(ctx context.Context, addr string, lo, hi int, values *Payloads) error {
	c, err := dialRESP(ctx, addr)
	if err != nil {
		return err
	}
	// Cancellation (or a failed reader) closes the connection, which unblocks
	// the writer and the reader.
	var closeOnce sync.Once
	closeConn := func() { closeOnce.Do(func() { c.Close() }) }
	defer closeConn()
	stop := context.AfterFunc(ctx, closeConn)
	defer stop()

	batches := make(chan int, kvLoadWindow)
	readErr := make(chan error, 1)
	go func() {
		var err error
	read:
		for n := range batches {
			if err = c.c.SetReadDeadline(time.Now().Add(kvLoadStall)); err != nil {
				closeConn()
				break
			}
			for ; n > 0; n-- {
				var rep respReply
				rep, err = c.readReply()
				if err == nil && (rep.kind != '+' || string(rep.str) != "OK") {
					err = fmt.Errorf("SET replied %c%q, want +OK", rep.kind, rep.str)
				}
				if err != nil {
					closeConn()
					break read
				}
			}
		}
		// Let the writer finish (it fails on the closed connection).
		for range batches {
		}
		readErr <- err
	}()

	var writeErr error
	buf := make([]byte, 0, kvLoadBatch*96)
	set := []byte("SET")
	var key []byte
	for i := lo; i < hi; {
		buf = buf[:0]
		n := 0
		for ; n < kvLoadBatch && i < hi; n, i = n+1, i+1 {
			key = kvKey(key[:0], i)
			buf = appendCommand(buf, set, key, values.At(i))
		}
		if writeErr = c.c.SetWriteDeadline(time.Now().Add(kvLoadStall)); writeErr != nil {
			break
		}
		if _, writeErr = c.c.Write(buf); writeErr != nil {
			break
		}
		batches <- n
	}
	close(batches)
	err = <-readErr
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("load keys %d…%d: %w", lo, hi-1, err)
	}
	if writeErr != nil {
		return fmt.Errorf("load keys %d…%d: %w", lo, hi-1, writeErr)
	}
	return nil
}
