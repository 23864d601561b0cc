package nubmq

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reefdb/reef/internal/uring"
)

// loop is one event loop: an epoll instance and the connections it owns. It
// reads a ready socket once, runs every complete command it received and
// writes the replies with one write, so a batch of pipelined commands costs
// one read and one write, as in Redis. Other goroutines reach a loop only
// through add (a new connection) and queueFlush (pub/sub messages for one of
// its connections), both of which wake it through an eventfd.
type loop struct {
	srv    *Server
	idx    int
	epfd   int
	wakefd int
	conns  map[int32]*conn // by fd; loop goroutine only
	events []unix.EpollEvent

	mu       sync.Mutex
	incoming []*conn // connections to register
	flushq   []*conn // connections with pushes waiting
	stopping bool
	woken    atomic.Bool // a wake is pending: no need to write the eventfd again

	// pushBytes counts the pushes queued for this loop's connections since
	// it last wrote them; a long batch of PUBLISH writes them mid-batch.
	pushBytes atomic.Int64

	lastIdleCheck time.Time
	writeq        []*conn // connections whose replies wait for the end of the round

	// batch runs a round's receives, and its sends, each in one system
	// call; nil when io_uring is unavailable or Options.PlainSyscalls.
	batch *uring.Batch
	ops   []uring.Op
	readq []*conn // connections to receive from this round (with batch)
	sendq []*conn // the connections of ops while sending
}

func newLoop(s *Server, idx int) (*loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	l := &loop{srv: s, idx: idx, epfd: epfd, wakefd: wakefd, conns: map[int32]*conn{}, events: make([]unix.EpollEvent, 256)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}); err != nil {
		l.closeFDs()
		return nil, fmt.Errorf("epoll_ctl eventfd: %w", err)
	}
	if !s.opts.PlainSyscalls {
		if b, err := uring.NewBatch(batchEntries); err == nil {
			l.batch = b
		} else if idx == 0 {
			s.opts.Logger.Info("io_uring unavailable: one system call per socket read and write", "err", err)
		}
	}
	return l, nil
}

// batchEntries bounds the transfers of one batched system call.
const batchEntries = 256

func (l *loop) closeFDs() {
	unix.Close(l.wakefd)
	unix.Close(l.epfd)
	l.dropBatch()
}

// dropBatch goes back to plain system calls for good.
func (l *loop) dropBatch() {
	if l.batch != nil {
		l.batch.Close()
		l.batch = nil
		l.srv.batchedLoops.Add(-1)
	}
}

// wake makes epoll_wait return (at most one eventfd write per wake-up).
func (l *loop) wake() {
	if l.woken.CompareAndSwap(false, true) {
		var one = [8]byte{1}
		unix.Write(l.wakefd, one[:])
	}
}

func (l *loop) add(c *conn) {
	l.mu.Lock()
	l.incoming = append(l.incoming, c)
	l.mu.Unlock()
	l.wake()
}

// queueFlush asks the loop to write c's pushes. from is the loop the caller
// runs on (nil if none): a loop flushes its own queue before it sleeps, so
// it needs no wake-up.
func (l *loop) queueFlush(c *conn, from *loop) {
	l.mu.Lock()
	l.flushq = append(l.flushq, c)
	l.mu.Unlock()
	if from != l {
		l.wake()
	}
}

func (l *loop) stop() {
	l.mu.Lock()
	l.stopping = true
	l.mu.Unlock()
	l.woken.Store(false)
	l.wake()
}

func (l *loop) run() {
	defer l.srv.loopWG.Done()
	// A busy loop waits in epoll_wait outside the scheduler's syscall
	// bookkeeping (RawSyscall), for at most rawWaitMs at a time: a blocking
	// Syscall costs the hand-off of the loop's P and its return, which
	// measured as a 1.5x p99 latency at 50 clients. It keeps its P while it
	// waits, so only when GOMAXPROCS leaves a P for the rest of the process
	// (the cron, the AOF flusher, accepts, other engines), and a garbage
	// collection waits at most rawWaitMs for it. Idle for idleRoundsToBlock
	// waits, the loop blocks the ordinary way until the next event.
	raw := runtime.GOMAXPROCS(0) > len(l.srv.loops)
	idleRounds := 0
	for {
		timeout := -1
		if l.srv.cfg.get().Timeout > 0 {
			timeout = 1000
		}
		var n int
		var err error
		if raw && idleRounds < idleRoundsToBlock {
			n, err = rawEpollWait(l.epfd, l.events, rawWaitMs)
		} else {
			n, err = rawEpollWait(l.epfd, l.events, 0)
			if n == 0 && err == nil {
				n, err = unix.EpollWait(l.epfd, l.events, timeout)
			}
		}
		if n > 0 {
			idleRounds = 0
		} else {
			idleRounds++
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			l.srv.opts.Logger.Error("epoll_wait", "err", err)
			n = 0
			time.Sleep(time.Millisecond)
		}
		l.srv.tick()
		for i := 0; i < n; i++ {
			ev := l.events[i]
			if int(ev.Fd) == l.wakefd {
				var buf [8]byte
				unix.Read(l.wakefd, buf[:])
				l.woken.Store(false)
				continue
			}
			c := l.conns[ev.Fd]
			if c == nil {
				continue
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && !c.readPaused {
				if l.batch != nil {
					l.readq = append(l.readq, c)
				} else {
					l.readable(c)
				}
			}
			if ev.Events&unix.EPOLLOUT != 0 && !c.closed && l.flush(c) && c.stalled && !c.readPaused {
				l.serve(c)
			}
		}
		if len(l.readq) > 0 {
			l.receiveBatch()
		}
		l.finishRound()
		if l.drainQueues() {
			return
		}
		if timeout > 0 {
			l.closeIdle()
		}
	}
}

// drainQueues registers new connections and writes queued pushes. It
// reports whether the loop is stopping (then every connection is closed).
func (l *loop) drainQueues() bool {
	l.mu.Lock()
	incoming, flushq, stopping := l.incoming, l.flushq, l.stopping
	l.incoming, l.flushq = nil, nil
	l.mu.Unlock()
	for _, c := range incoming {
		if stopping {
			closeFD(c.fd)
			c.closed = true
			l.srv.forget(c)
			continue
		}
		c.events = unix.EPOLLIN
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, c.fd, &unix.EpollEvent{Events: c.events, Fd: int32(c.fd)}); err != nil {
			l.srv.opts.Logger.Warn("epoll_ctl add", "err", err)
			closeFD(c.fd)
			c.closed = true
			l.srv.forget(c)
			continue
		}
		l.conns[int32(c.fd)] = c
	}
	l.flushPushes(flushq)
	if stopping {
		for _, c := range l.conns {
			l.close(c)
		}
	}
	return stopping
}

// flushPushes writes the pushes queued for the given connections.
func (l *loop) flushPushes(flushq []*conn) {
	l.pushBytes.Store(0)
	for _, c := range flushq {
		if !c.closed {
			l.flush(c)
		}
	}
}

// flushPushesNow writes the queued pushes in the middle of a batch of
// commands, when they have grown large enough to matter to subscribers'
// output buffer limits.
func (l *loop) flushPushesNow() {
	l.mu.Lock()
	flushq := l.flushq
	l.flushq = nil
	l.mu.Unlock()
	l.flushPushes(flushq)
}

// receiveBatch receives from the round's readable connections with one
// system call, then runs what each received.
func (l *loop) receiveBatch() {
	q := l.readq
	l.readq = l.readq[:0]
	if len(q) == 1 || l.batch == nil {
		for _, c := range q {
			if !c.closed {
				l.readable(c)
			}
		}
		return
	}
	l.ops = l.ops[:0]
	for _, c := range q {
		l.ops = append(l.ops, uring.Op{Recv: true, Fd: c.fd, Buf: c.inSpace()})
	}
	runErr := l.batch.Run(l.ops)
	if runErr != nil {
		l.srv.opts.Logger.Error("io_uring: back to plain system calls", "err", runErr)
		l.dropBatch()
	}
	for i, c := range q {
		op := &l.ops[i]
		switch {
		case c.closed:
		case op.Err == nil && op.N > 0:
			c.in = c.in[:len(c.in)+op.N]
			l.serve(c)
		case runErr != nil && op.Err == runErr: // not run
			l.readable(c)
		case op.Err == unix.EAGAIN || op.Err == unix.EINTR:
		default: // EOF or a socket error: the client is gone
			l.close(c)
		}
	}
	clear(l.ops) // drop the buffers
}

// sendBatch writes the replies of the round's connections (all of whose
// effects are written to the AOF) with one system call. What a socket did
// not take, flush writes or leaves to EPOLLOUT as usual.
func (l *loop) sendBatch(q []*conn) {
	l.ops, l.sendq = l.ops[:0], l.sendq[:0]
	for _, c := range q {
		if c.closed {
			continue
		}
		c.takePush()
		if c.w.Buffered() > 0 {
			l.ops = append(l.ops, uring.Op{Fd: c.fd, Buf: c.w.Bytes()})
			l.sendq = append(l.sendq, c)
		}
	}
	if len(l.ops) > 1 {
		if err := l.batch.Run(l.ops); err != nil {
			l.srv.opts.Logger.Error("io_uring: back to plain system calls", "err", err)
			l.dropBatch()
		}
		for i, c := range l.sendq {
			if op := &l.ops[i]; op.Err == nil && op.N > 0 {
				c.w.Discard(op.N)
			}
		}
	}
	clear(l.ops)
	clear(l.sendq)
}

func (l *loop) readable(c *conn) {
	buf := c.inSpace()
	n, err := sysRead(c.fd, buf)
	switch {
	case n > 0:
		c.in = c.in[:len(c.in)+n]
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	default: // EOF or a socket error: the client is gone
		l.close(c)
		return
	}
	l.serve(c)
}

// serve runs c's received commands and writes the replies, repeating while
// commands were left over because replies piled up and the socket took them.
func (l *loop) serve(c *conn) {
	for {
		c.process()
		if !c.queued {
			// Replies are written at the end of the round, as Redis does:
			// after one AOF sync for every connection of the round (group
			// commit), and in a burst that a client multiplexing many
			// connections (redis-benchmark, a pool) takes in one wake-up.
			c.queued = true
			l.writeq = append(l.writeq, c)
			return
		}
		if !l.flush(c) || !c.stalled || c.readPaused {
			return
		}
	}
}

// finishRound makes the effects of this round's commands durable per
// appendfsync with one AOF sync, then writes their replies. If the AOF
// cannot be written, the clients are disconnected unanswered: nothing
// unwritten is acknowledged.
func (l *loop) finishRound() {
	for len(l.writeq) > 0 {
		q := l.writeq
		l.writeq = nil
		var seq uint64
		for _, c := range q {
			if c.aofSeq > c.aofSynced {
				seq = max(seq, c.aofSeq)
			}
		}
		err := l.srv.syncAOF(seq)
		if err == nil && l.batch != nil && len(q) > 1 {
			l.sendBatch(q)
		}
		for _, c := range q {
			if c.closed {
				continue
			}
			c.queued = false
			if err != nil && c.aofSeq > c.aofSynced {
				l.srv.opts.Logger.Error("aof sync: closing client unanswered", "id", c.id, "err", err)
				l.close(c)
				continue
			}
			c.aofSynced = c.aofSeq
			if l.flush(c) && c.stalled && !c.readPaused {
				l.serve(c)
			}
		}
	}
}

// flush writes c's replies and pushes, then sets the epoll interest: write
// readiness while replies remain, reads paused while they pile up. It
// reports false when it closed the connection.
func (l *loop) flush(c *conn) bool {
	if c.aofSeq > c.aofSynced {
		return true // finishRound writes the replies once the AOF has them
	}
	c.takePush()
	for c.w.Buffered() > 0 {
		n, err := sysWrite(c.fd, c.w.Bytes())
		if n > 0 {
			c.w.Discard(n)
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err != unix.EAGAIN {
			l.close(c)
			return false
		}
		break
	}
	c.outPending.Store(int64(c.w.Buffered()))
	c.pushMu.Lock()
	c.trackOutputLocked(int64(c.w.Buffered() + len(c.push)))
	c.pushMu.Unlock()
	if c.killed.Load() {
		l.srv.metrics.outputLimitKills.Add(1)
		l.close(c)
		return false
	}
	if c.quit && c.w.Buffered() == 0 {
		l.close(c)
		return false
	}
	want := uint32(unix.EPOLLIN)
	c.readPaused = c.w.Buffered() >= pauseReadsBytes || c.quit
	if c.readPaused {
		want = 0
	}
	if c.w.Buffered() > 0 {
		want |= unix.EPOLLOUT
	}
	if want != c.events {
		c.events = want
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: want, Fd: int32(c.fd)}); err != nil {
			l.close(c)
			return false
		}
	}
	return true
}

func (l *loop) close(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	delete(l.conns, int32(c.fd))
	closeFD(c.fd)
	l.srv.pubsub.dropAll(c)
	l.srv.forget(c)
}

// closeIdle closes connections idle longer than the timeout (checked once
// a second; subscribers are exempt, as in Redis).
func (l *loop) closeIdle() {
	now := time.UnixMilli(l.srv.nowMs.Load())
	if now.Sub(l.lastIdleCheck) < time.Second {
		return
	}
	l.lastIdleCheck = now
	t := l.srv.cfg.get().Timeout
	if t <= 0 {
		return
	}
	for _, c := range l.conns {
		if c.subs.count() == 0 && now.Sub(time.Unix(0, c.lastActive.Load())) > t {
			l.close(c)
		}
	}
}

// detachFD takes a connection's socket out of Go's runtime poller: it
// returns a non-blocking duplicate of the descriptor, closes nc, and leaves
// the socket to an event loop.
func detachFD(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, fmt.Errorf("nubmq: %T has no socket", nc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(s uintptr) {
		fd, dupErr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, fmt.Errorf("dup socket: %w", dupErr)
	}
	nc.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func closeFD(fd int) { unix.Close(fd) }

// sysRead and sysWrite are read(2) and write(2) on a non-blocking socket.
// They never block, so they skip the scheduler's syscall bookkeeping
// (RawSyscall), which costs as much as the call itself on a fast path.
func sysRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}

// Bounds of the raw wait (see loop.run).
const (
	rawWaitMs         = 1
	idleRoundsToBlock = 50
)

// rawEpollWait is epoll_wait for at most timeoutMs, through RawSyscall:
// timeoutMs must be small (the thread keeps its P meanwhile).
func rawEpollWait(epfd int, events []unix.EpollEvent, timeoutMs int) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(timeoutMs), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func sysWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}
