package octopii

import (
	"fmt"
	"io"
	"sync"

	"go.etcd.io/raft/v3/raftpb"
)

// MemNetwork connects nodes of one process: a test's cluster without
// sockets. Messages are handed to the receiver's Handler directly (its
// HandleMessage never blocks); snapshots are streamed through a pipe on a
// goroutine. Links can be cut to make partitions.
type MemNetwork struct {
	mu       sync.Mutex
	handlers map[uint64]Handler
	cut      map[[2]uint64]bool
}

// NewMemNetwork returns an empty network.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{handlers: map[uint64]Handler{}, cut: map[[2]uint64]bool{}}
}

// Transport returns the Options.Transport of node id.
func (net *MemNetwork) Transport(id uint64) func(Handler) (Transport, error) {
	return func(h Handler) (Transport, error) {
		net.mu.Lock()
		defer net.mu.Unlock()
		if _, ok := net.handlers[id]; ok {
			return nil, fmt.Errorf("octopii: mem transport: node %d already attached", id)
		}
		net.handlers[id] = h
		return &memTransport{net: net, id: id, h: h}, nil
	}
}

// Isolate cuts (or, with false, restores) every link to and from id.
func (net *MemNetwork) Isolate(id uint64, isolated bool) {
	net.mu.Lock()
	defer net.mu.Unlock()
	for other := range net.handlers {
		net.setLocked(id, other, isolated)
		net.setLocked(other, id, isolated)
	}
}

func (net *MemNetwork) setLocked(a, b uint64, cut bool) {
	if cut {
		net.cut[[2]uint64{a, b}] = true
	} else {
		delete(net.cut, [2]uint64{a, b})
	}
}

func (net *MemNetwork) route(from, to uint64) Handler {
	net.mu.Lock()
	defer net.mu.Unlock()
	if net.cut[[2]uint64{from, to}] {
		return nil
	}
	return net.handlers[to]
}

type memTransport struct {
	net  *MemNetwork
	id   uint64
	h    Handler
	wg   sync.WaitGroup
	once sync.Once
}

func (t *memTransport) Send(msgs []raftpb.Message) {
	for _, m := range msgs {
		if h := t.net.route(t.id, m.To); h != nil {
			h.HandleMessage(m)
		} else {
			t.h.ReportUnreachable(m.To)
		}
	}
}

func (t *memTransport) SendSnapshot(m raftpb.Message, body io.ReadCloser, size int64) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer body.Close()
		h := t.net.route(t.id, m.To)
		failed := h == nil
		if h != nil {
			err := h.HandleSnapshot(m, io.LimitReader(body, size))
			failed = err != nil
		}
		t.h.ReportSnapshot(m.To, failed)
	}()
}

func (t *memTransport) AddPeer(id uint64, addr string) {}
func (t *memTransport) RemovePeer(id uint64)           {}

func (t *memTransport) Close() error {
	t.once.Do(func() {
		t.net.mu.Lock()
		delete(t.net.handlers, t.id)
		t.net.mu.Unlock()
	})
	t.wg.Wait()
	return nil
}
