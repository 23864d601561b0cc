package nubmq

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/nubmq/internal/kv"
	"github.com/reefdb/reef/nubmq/internal/persist"
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
	// IOThreads is the number of event loops serving connections (default
	// GOMAXPROCS/2, at least 1, at most 8). Each loop owns its connections:
	// it reads their commands, runs them and writes the replies, so one loop
	// is Redis's single thread; more loops share the keyspace, whose shards
	// are locked independently.
	IOThreads int
	// PlainSyscalls makes the loops read and write each connection with its
	// own read(2) and write(2). By default a loop, where the kernel allows
	// io_uring, receives from all of a round's ready connections with one
	// system call and sends all of the round's replies with another
	// (internal/uring.Batch): system calls dominate a small request's cost.
	PlainSyscalls bool
	// PubSubBufferHard closes a subscriber whose unsent messages exceed this
	// many bytes (Redis's client-output-buffer-limit pubsub hard limit;
	// default 32 MiB), so a slow subscriber never stalls publishers.
	PubSubBufferHard int64
	// PubSubBufferSoft and PubSubBufferSoftTime close a subscriber whose
	// unsent messages stay above PubSubBufferSoft bytes for
	// PubSubBufferSoftTime (defaults 8 MiB and 60s, as Redis).
	PubSubBufferSoft     int64
	PubSubBufferSoftTime time.Duration
	// NotifyKeyspaceEvents selects keyspace notifications, in Redis's
	// notify-keyspace-events letters (default "": none).
	NotifyKeyspaceEvents string
	// MaxMemory bounds the keyspace's memory in bytes (Redis's maxmemory;
	// 0: none). Over it, MaxMemoryPolicy evicts keys, or write commands
	// that would add data get an OOM error (noeviction).
	MaxMemory int64
	// MaxMemoryPolicy is Redis's maxmemory-policy (default noeviction).
	MaxMemoryPolicy string
	// Dir holds persistence files (Redis's dir): the AOF and the snapshot
	// SAVE and BGSAVE write (and startup reads when appendonly is off).
	// Empty: nothing persists.
	Dir string
	// AppendOnly logs every change to an AOF on Walrus under Dir and
	// restores it at startup (Redis's appendonly).
	AppendOnly bool
	// AppendFsync is when the AOF is fsynced: "always" (before every reply:
	// an acknowledged write survives power loss), "everysec" (the default)
	// or "no". Every policy writes before replying, so an acknowledged write
	// survives kill -9.
	AppendFsync string
	// Logger receives connection-level errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time
}

// DefaultMaxClients is Redis's default maxclients.
const DefaultMaxClients = 10000

// Defaults of the pub/sub output buffer limits (Redis's
// client-output-buffer-limit pubsub 32mb 8mb 60).
const (
	DefaultPubSubBufferHard     = 32 << 20
	DefaultPubSubBufferSoft     = 8 << 20
	DefaultPubSubBufferSoftTime = 60 * time.Second
)

// Validate reports an out-of-range field.
func (o *Options) Validate() error {
	if o.MaxClients < 0 || o.Timeout < 0 || o.ProtoMaxBulkLen < 0 || o.IOThreads < 0 ||
		o.PubSubBufferHard < 0 || o.PubSubBufferSoft < 0 || o.PubSubBufferSoftTime < 0 {
		return errors.New("nubmq: options: negative bound")
	}
	if _, err := parseNotifyFlags(o.NotifyKeyspaceEvents); err != nil {
		return fmt.Errorf("nubmq: options: notify-keyspace-events: %w", err)
	}
	if o.MaxMemory < 0 {
		return errors.New("nubmq: options: negative maxmemory")
	}
	if o.MaxMemoryPolicy != "" {
		if _, err := kv.ParsePolicy(o.MaxMemoryPolicy); err != nil {
			return fmt.Errorf("nubmq: options: maxmemory-policy: %w", err)
		}
	}
	if o.AppendFsync != "" {
		if _, err := persist.ParseFsync(o.AppendFsync); err != nil {
			return fmt.Errorf("nubmq: options: appendfsync: %w", err)
		}
	}
	return nil
}

// Server serves the Redis protocol over a keyspace.
type Server struct {
	opts    Options
	store   *store
	aof     atomic.Pointer[persist.AOF] // nil while appendonly is off
	persist persistence
	cfg     config // the settings CONFIG SET can change
	pubsub  pubsub
	notify  atomic.Uint32 // keyspace notification flags (notify-keyspace-events)
	started time.Time
	nowMs   atomic.Int64 // the clock, read once per batch of commands
	loops   []*loop
	// batchedLoops counts the loops whose socket I/O goes through io_uring
	// batches (Options.PlainSyscalls).
	batchedLoops atomic.Int32
	next         atomic.Uint32 // round-robin loop for the next connection

	mu     sync.Mutex
	conns  map[*conn]struct{}
	lns    []net.Listener
	closed bool
	nextID atomic.Int64
	loopWG sync.WaitGroup // the event loops
	wg     sync.WaitGroup // the cron, background saves and rewrites
	done   chan struct{}

	metrics counters
}

type counters struct {
	commands, connections, rejected, protocolErrors, outputLimitKills atomic.Uint64
}

// New returns a Server with an empty keyspace. Its event loops start with
// the first Serve.
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
	if opts.IOThreads == 0 {
		opts.IOThreads = min(max(runtime.GOMAXPROCS(0)/2, 1), 8)
	}
	if opts.PubSubBufferHard == 0 {
		opts.PubSubBufferHard = DefaultPubSubBufferHard
	}
	if opts.PubSubBufferSoft == 0 {
		opts.PubSubBufferSoft = DefaultPubSubBufferSoft
	}
	if opts.PubSubBufferSoftTime == 0 {
		opts.PubSubBufferSoftTime = DefaultPubSubBufferSoftTime
	}
	if opts.MaxMemoryPolicy == "" {
		opts.MaxMemoryPolicy = "noeviction"
	}
	if opts.AppendFsync == "" {
		opts.AppendFsync = "everysec"
	}
	commandFlagsOnce.Do(setCommandFlags)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, conns: map[*conn]struct{}{}, started: opts.Now(), done: make(chan struct{})}
	s.tick()
	st, err := newStore(s)
	if err != nil {
		return nil, fmt.Errorf("nubmq: keyspace: %w", err)
	}
	s.store = st
	policy, _ := kv.ParsePolicy(opts.MaxMemoryPolicy)
	st.SetPolicy(policy)
	st.SetMaxMemory(opts.MaxMemory)
	s.cfg.set(opts)
	flags, _ := parseNotifyFlags(opts.NotifyKeyspaceEvents)
	s.notify.Store(uint32(flags))
	s.pubsub.init()
	if err := s.openPersistence(); err != nil {
		return nil, err
	}
	return s, nil
}

// tick reads the clock; commands see the time of their batch, as in Redis.
func (s *Server) tick() { s.nowMs.Store(s.opts.Now().UnixMilli()) }

// start launches the event loops and the cron once.
func (s *Server) startLoops() error {
	if s.loops != nil {
		return nil
	}
	for i := 0; i < s.opts.IOThreads; i++ {
		l, err := newLoop(s, i)
		if err != nil {
			for _, l := range s.loops {
				l.closeFDs()
			}
			s.loops = nil
			return err
		}
		s.loops = append(s.loops, l)
	}
	for _, l := range s.loops {
		if l.batch != nil {
			s.batchedLoops.Add(1)
		}
	}
	for _, l := range s.loops {
		s.loopWG.Add(1)
		go l.run()
	}
	s.wg.Add(1)
	go s.cron()
	return nil
}

// cron does the server's periodic work: the clock, active expiry and the
// keyspace's incremental resizing.
func (s *Server) cron() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.tick()
			s.store.cron()
			if aof := s.aof.Load(); aof != nil && aof.RewriteDue() {
				s.startRewrite() // busy: the next tick tries again
			}
		}
	}
}

// Serve accepts connections on ln until Close. It returns nil after Close.
// ln must give TCP or Unix connections (their sockets are served by the
// event loops).
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	if err := s.startLoops(); err != nil {
		s.mu.Unlock()
		ln.Close()
		return fmt.Errorf("nubmq: start event loops: %w", err)
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
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			// EMFILE and friends: back off instead of spinning.
			s.opts.Logger.Warn("accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.accept(nc)
	}
}

func (s *Server) accept(nc net.Conn) {
	cfg := s.cfg.get()
	s.mu.Lock()
	if s.closed || len(s.conns) >= cfg.MaxClients {
		s.mu.Unlock()
		s.metrics.rejected.Add(1)
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	s.mu.Unlock()
	fd, err := detachFD(nc)
	if err != nil {
		s.opts.Logger.Warn("accept: take over socket", "err", err)
		nc.Close()
		return
	}
	l := s.loops[int(s.next.Add(1))%len(s.loops)]
	c := newConn(s, l, fd, nc.RemoteAddr().String(), nc.LocalAddr().String(), cfg)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		closeFD(fd)
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.metrics.connections.Add(1)
	l.add(c)
}

// forget removes a closed connection.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops accepting, closes every connection, waits for the loops and
// the background work, and closes the AOF (written and fsynced).
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
	s.mu.Unlock()
	close(s.done)
	for _, l := range s.loops {
		l.stop()
	}
	s.loopWG.Wait()
	s.persist.mu.Lock()
	initial := s.persist.initial
	s.persist.mu.Unlock()
	if initial != nil {
		<-initial // the log is not complete before its first rewrite
	}
	var err error
	if aof := s.aof.Swap(nil); aof != nil {
		err = aof.Close() // interrupts a rewrite in progress
	}
	s.wg.Wait()
	for _, l := range s.loops {
		l.closeFDs()
	}
	return err
}

// Metrics is a snapshot of a Server's counters.
type Metrics struct {
	Commands         uint64 // commands executed
	Connections      uint64 // connections accepted
	Rejected         uint64 // connections refused by MaxClients
	ProtocolErrors   uint64 // connections closed for malformed input
	OutputLimitKills uint64 // subscribers closed for exceeding their output buffer limit
	Clients          int    // open connections
	Keys             int    // keys (as DBSIZE: expired ones not yet reclaimed count)
	Expires          int    // keys with an expiry
	ExpiredKeys      uint64 // keys deleted because they expired
	EvictedKeys      uint64 // keys evicted by maxmemory
	UsedMemory       int64  // bytes the keyspace holds (what maxmemory bounds)
	TableGrows       uint64 // keyspace tables resized bigger
	TableShrinks     uint64 // keyspace tables resized smaller
	Resizing         int    // shards migrating to a resized table now
}

// Metrics returns a snapshot.
func (s *Server) Metrics() Metrics {
	s.mu.Lock()
	clients := len(s.conns)
	s.mu.Unlock()
	st := s.store.Stats()
	return Metrics{
		Commands: s.metrics.commands.Load(), Connections: s.metrics.connections.Load(),
		Rejected: s.metrics.rejected.Load(), ProtocolErrors: s.metrics.protocolErrors.Load(),
		OutputLimitKills: s.metrics.outputLimitKills.Load(),
		Clients:          clients, Keys: st.Keys, Expires: st.VolatileKeys,
		ExpiredKeys: st.Expired, EvictedKeys: st.Evicted, UsedMemory: st.UsedMemory,
		TableGrows: st.Grows, TableShrinks: st.Shrinks, Resizing: st.Resizing,
	}
}
