package nubmq

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/nubmq/resp"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// MaxClients bounds open connections (Redis's maxclients; default 10000).
	// A connection over the bound gets "-ERR max number of clients reached".
	MaxClients int
	// Timeout closes a connection idle this long (Redis's timeout; 0: never).
	Timeout time.Duration
	// ProtoMaxBulkLen bounds one bulk string of a request (default 512 MiB).
	ProtoMaxBulkLen int64
	// RequirePass, when set, makes clients AUTH before any other command
	// (Redis's requirepass).
	RequirePass string
	// Logger receives connection-level errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time
}

// DefaultMaxClients is Redis's default maxclients.
const DefaultMaxClients = 10000

// Validate reports an out-of-range field.
func (o *Options) Validate() error {
	if o.MaxClients < 0 || o.Timeout < 0 || o.ProtoMaxBulkLen < 0 {
		return errors.New("nubmq: options: negative bound")
	}
	return nil
}

// Server serves the Redis protocol over a keyspace.
type Server struct {
	opts    Options
	store   *store
	cfg     config // the settings CONFIG SET can change
	started time.Time

	mu      sync.Mutex
	conns   map[*conn]struct{}
	lns     []net.Listener
	closed  bool
	nextID  atomic.Int64
	wg      sync.WaitGroup
	metrics counters
}

type counters struct {
	commands, connections, rejected, protocolErrors atomic.Uint64
}

// New returns a Server with an empty keyspace.
func New(opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxClients == 0 {
		opts.MaxClients = DefaultMaxClients
	}
	if opts.ProtoMaxBulkLen == 0 {
		opts.ProtoMaxBulkLen = resp.DefaultMaxBulkBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, store: newStore(opts.Now), conns: map[*conn]struct{}{}, started: opts.Now()}
	s.cfg.set(opts)
	return s, nil
}

// Serve accepts connections on ln until Close. It returns nil after Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("nubmq: accept: %w", err)
		}
		s.start(nc)
	}
}

func (s *Server) start(nc net.Conn) {
	cfg := s.cfg.get()
	s.mu.Lock()
	if s.closed || len(s.conns) >= cfg.MaxClients {
		s.mu.Unlock()
		s.metrics.rejected.Add(1)
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	c := &conn{
		srv: s, nc: nc, id: s.nextID.Add(1), created: time.Now(),
		r:      resp.NewReader(nc, resp.Limits{MaxBulkBytes: cfg.ProtoMaxBulkLen}),
		w:      resp.NewWriter(nc),
		authed: cfg.RequirePass == "",
	}
	c.proto.Store(2)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.metrics.connections.Add(1)
	go c.serve()
}

// Close stops accepting, closes every connection and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Metrics is a snapshot of a Server's counters.
type Metrics struct {
	Commands       uint64 // commands executed
	Connections    uint64 // connections accepted
	Rejected       uint64 // connections refused by MaxClients
	ProtocolErrors uint64 // connections closed for malformed input
	Clients        int    // open connections
	Keys           int    // live keys
	Expires        int    // live keys with an expiry
}

// Metrics returns a snapshot.
func (s *Server) Metrics() Metrics {
	s.mu.Lock()
	clients := len(s.conns)
	s.mu.Unlock()
	keys, expires := s.store.count()
	return Metrics{
		Commands: s.metrics.commands.Load(), Connections: s.metrics.connections.Load(),
		Rejected: s.metrics.rejected.Load(), ProtocolErrors: s.metrics.protocolErrors.Load(),
		Clients: clients, Keys: keys, Expires: expires,
	}
}

// conn is one client connection, served by one goroutine.
type conn struct {
	srv  *Server
	nc   net.Conn
	id   int64
	r    *resp.Reader
	w    *resp.Writer
	quit bool
	cmd  []byte // scratch for the lower-cased command name

	authed     bool
	created    time.Time
	proto      atomic.Int32 // RESP version, for CLIENT LIST
	lastActive atomic.Int64 // unix ns of the last command
	lastCmd    atomic.Value // string: the last command's name

	// infoMu guards what CLIENT LIST shows of another connection.
	infoMu          sync.Mutex
	name            string
	libName, libVer string
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

func (c *conn) serve() {
	defer c.srv.wg.Done()
	defer func() {
		c.nc.Close()
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
	}()
	for !c.quit {
		if t := c.srv.cfg.get().Timeout; t > 0 && c.r.Buffered() == 0 {
			c.nc.SetReadDeadline(time.Now().Add(t))
		}
		args, err := c.r.ReadCommand()
		if err != nil {
			if resp.IsProtocolError(err) {
				c.srv.metrics.protocolErrors.Add(1)
				c.w.Error("ERR " + err.Error())
				c.w.Flush()
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.srv.opts.Logger.Debug("connection read", "id", c.id, "err", err)
			}
			return
		}
		c.exec(args)
		// Pipelining: reply once per batch of commands already received.
		if c.r.Buffered() == 0 || c.w.Buffered() > 64<<10 {
			if err := c.w.Flush(); err != nil {
				return
			}
		}
	}
	c.w.Flush()
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
	c.lastActive.Store(time.Now().UnixNano())
	c.lastCmd.Store(cmd.name)
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
