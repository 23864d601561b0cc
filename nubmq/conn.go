package nubmq

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/nubmq/resp"
)

// conn is one client connection. Its loop goroutine owns everything but the
// fields marked otherwise: it reads the socket into in, runs the commands
// found there and writes the replies from w.
type conn struct {
	srv  *Server
	loop *loop
	fd   int
	id   int64

	in        []byte // received bytes; in[inPos:] not parsed yet
	inPos     int
	parser    *resp.Parser
	w         *resp.Writer // replies not yet written to the socket
	cmd       []byte       // scratch for the lower-cased command name
	num       []byte       // scratch for formatting numbers
	aofSeq    uint64       // the AOF sequence of this client's last effect
	aofSynced uint64       // effects up to it are written per appendfsync

	quit       bool   // close once the replies are written
	closed     bool   // the socket is closed
	events     uint32 // the epoll events registered
	readPaused bool   // EPOLLIN is off until the replies drain
	stalled    bool   // process stopped with commands left because replies piled up
	queued     bool   // in the loop's write queue

	authed bool
	subs   subscriptions // channels and patterns (loop goroutine only; pubsub.mu for the registry)

	// pushMu guards the messages other connections' PUBLISH leave for this
	// one, and the bookkeeping of the output buffer limits.
	pushMu     sync.Mutex
	push       []byte    // encoded pushes waiting for the loop to write
	pushQueued bool      // the loop has this conn in its flush queue
	overSoft   time.Time // when the pending output first passed the soft limit
	killed     atomic.Bool
	outPending atomic.Int64 // replies not yet written, as of the last flush

	created      time.Time
	remote, addr string
	proto        atomic.Int32            // RESP version, for CLIENT LIST
	lastActive   atomic.Int64            // unix ns of the last command batch
	lastCmd      atomic.Pointer[command] // the last command run

	// infoMu guards what CLIENT LIST shows of another connection.
	infoMu          sync.Mutex
	name            string
	libName, libVer string
}

// Bounds of a connection's buffers.
const (
	readChunk       = 16 << 10 // bytes asked of one read
	maxKeptInBuf    = 1 << 20  // a larger input buffer is freed once empty
	pauseReadsBytes = 1 << 20  // stop reading a client whose replies pile up past this
	// midBatchPushBytes of pub/sub messages queued for a loop's
	// connections are written out before the batch of commands ends.
	midBatchPushBytes = 256 << 10
)

func newConn(s *Server, l *loop, fd int, remote, local string, cfg Options) *conn {
	c := &conn{
		srv: s, loop: l, fd: fd, id: s.nextID.Add(1), created: time.Now(),
		remote: remote, addr: local,
		parser: resp.NewParser(resp.Limits{MaxBulkBytes: cfg.ProtoMaxBulkLen}),
		w:      resp.NewBuffer(),
		authed: cfg.RequirePass == "",
	}
	c.proto.Store(2)
	c.lastActive.Store(time.Now().UnixNano())
	return c
}

func (c *conn) setInfo(fn func()) {
	c.infoMu.Lock()
	fn()
	c.infoMu.Unlock()
}

func (c *conn) setProtocol(v int) {
	c.w.SetProtocol(v)
	c.proto.Store(int32(v))
}

// inSpace makes room for the next read and returns the free part of in.
func (c *conn) inSpace() []byte {
	if c.inPos > 0 && c.inPos == len(c.in) {
		if cap(c.in) > maxKeptInBuf {
			c.in = nil
		} else {
			c.in = c.in[:0]
		}
		c.inPos = 0
	}
	want := readChunk
	if need := c.parser.Need(); need > len(c.in)-c.inPos+want {
		want = need - (len(c.in) - c.inPos)
	}
	if cap(c.in)-len(c.in) < want {
		if c.inPos > 0 && cap(c.in)-len(c.in)+c.inPos >= want {
			n := copy(c.in, c.in[c.inPos:])
			c.in, c.inPos = c.in[:n], 0
		} else {
			grown := make([]byte, len(c.in)-c.inPos, len(c.in)-c.inPos+max(want, 2*cap(c.in)))
			copy(grown, c.in[c.inPos:])
			c.in, c.inPos = grown, 0
		}
	}
	return c.in[len(c.in):cap(c.in)]
}

// process runs every complete command in the input buffer. It stops early
// when the connection is to close (QUIT, a protocol error) or its replies
// pile up (the loop pauses reading and resumes once they drain).
func (c *conn) process() {
	c.lastActive.Store(c.srv.nowMs.Load() * int64(time.Millisecond))
	c.stalled = false
	for !c.quit {
		if c.w.Buffered() >= pauseReadsBytes {
			c.stalled = c.inPos < len(c.in)
			return
		}
		if need := c.parser.Need(); need > 0 && len(c.in)-c.inPos < need {
			return
		}
		args, n, err := c.parser.Parse(c.in[c.inPos:])
		c.inPos += n
		if err != nil {
			c.srv.metrics.protocolErrors.Add(1)
			c.w.Error("ERR " + err.Error())
			c.quit = true
			return
		}
		if args == nil {
			return
		}
		c.exec(args)
		if c.loop.pushBytes.Load() > midBatchPushBytes {
			c.loop.flushPushesNow()
			if c.closed {
				return
			}
		}
	}
}

// exec runs one command. A panic is a bug: it is logged, the client gets an
// error and the connection is closed; the server keeps running.
func (c *conn) exec(args [][]byte) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.opts.Logger.Error("command panicked", "command", string(args[0]), "panic", p)
			c.w.Error("ERR internal error")
			c.quit = true
		}
	}()
	c.cmd = append(c.cmd[:0], args[0]...)
	for i, b := range c.cmd {
		if b >= 'A' && b <= 'Z' {
			c.cmd[i] = b + 'a' - 'A'
		}
	}
	cmd, ok := commandTable[string(c.cmd)]
	if !ok {
		c.unknownCommand(args)
		return
	}
	if (cmd.arity > 0 && len(args) != cmd.arity) || (cmd.arity < 0 && len(args) < -cmd.arity) {
		c.w.Error(fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.name))
		return
	}
	if !c.authed && !noAuth[cmd.name] {
		c.w.Error("NOAUTH Authentication required.")
		return
	}
	if cmd.write {
		if msg := c.srv.misconf(); msg != "" {
			c.w.Error(msg)
			return
		}
	}
	if cmd.denyOOM && c.srv.store.MaxMemory() > 0 {
		if err := c.srv.store.Evict(); err != nil {
			c.w.Error("OOM command not allowed when used memory > 'maxmemory'.")
			return
		}
	}
	if c.subs.count() > 0 && c.w.Protocol() < 3 && !subscribedOK[cmd.name] {
		c.w.Error(fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd.name))
		return
	}
	c.lastCmd.Store(cmd)
	c.srv.metrics.commands.Add(1)
	cmd.fn(c, args)
}

func (c *conn) unknownCommand(args [][]byte) {
	msg := fmt.Sprintf("ERR unknown command '%s', with args beginning with: ", truncate(args[0], 128))
	for _, a := range args[1:min(len(args), 21)] {
		msg += fmt.Sprintf("'%s' ", truncate(a, 128))
	}
	c.w.Error(msg)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// takePush moves the messages other connections left into the reply
// buffer; the loop calls it before writing.
func (c *conn) takePush() {
	c.pushMu.Lock()
	if len(c.push) > 0 {
		c.w.Raw(c.push)
		if cap(c.push) > 64<<10 {
			c.push = nil
		} else {
			c.push = c.push[:0]
		}
	}
	c.pushQueued = false
	c.pushMu.Unlock()
}
