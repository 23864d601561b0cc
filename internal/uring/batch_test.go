//go:build linux

package uring

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func newTestBatch(t *testing.T, entries uint32) *Batch {
	t.Helper()
	b, err := NewBatch(entries)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("io_uring sockets unavailable here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// socketPair returns a connected pair of non-blocking stream sockets.
func socketPair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// TestBatchSendRecv sends on many sockets in one Run (more than the ring
// holds, so Run splits), receives on their peers in another, and checks
// every byte and count; a receive on an empty socket is EAGAIN, and one on
// a socket whose peer closed reads 0.
func TestBatchSendRecv(t *testing.T) {
	b := newTestBatch(t, 4)
	const n = 11
	var ends [n][2]int
	sends := make([]Op, n)
	for i := range n {
		ends[i][0], ends[i][1] = socketPair(t)
		sends[i] = Op{Fd: ends[i][0], Buf: []byte(fmt.Sprintf("message %d", i))}
	}
	if err := b.Run(sends); err != nil {
		t.Fatal(err)
	}
	for i, op := range sends {
		if op.Err != nil || op.N != len(op.Buf) {
			t.Fatalf("send %d: n %d err %v", i, op.N, op.Err)
		}
	}
	recvs := make([]Op, n+2)
	for i := range n {
		recvs[i] = Op{Recv: true, Fd: ends[i][1], Buf: make([]byte, 64)}
	}
	idle, _ := socketPair(t)
	recvs[n] = Op{Recv: true, Fd: idle, Buf: make([]byte, 64)}
	closedPeer, other := socketPair(t)
	unix.Close(other)
	recvs[n+1] = Op{Recv: true, Fd: closedPeer, Buf: make([]byte, 64)}
	if err := b.Run(recvs); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		got := recvs[i].Buf[:recvs[i].N]
		if recvs[i].Err != nil || !bytes.Equal(got, sends[i].Buf) {
			t.Fatalf("recv %d: %q, %v; want %q", i, got, recvs[i].Err, sends[i].Buf)
		}
	}
	if !errors.Is(recvs[n].Err, unix.EAGAIN) {
		t.Errorf("recv on an empty socket: n %d err %v, want EAGAIN", recvs[n].N, recvs[n].Err)
	}
	if recvs[n+1].Err != nil || recvs[n+1].N != 0 {
		t.Errorf("recv after the peer closed: n %d err %v, want 0, nil", recvs[n+1].N, recvs[n+1].Err)
	}
}

// TestBatchPartialAndErrors fills a socket until a send is partial and then
// EAGAIN, never blocking; a closed descriptor and an empty buffer fail only
// their own op.
func TestBatchPartialAndErrors(t *testing.T) {
	b := newTestBatch(t, 8)
	w, _ := socketPair(t)
	big := bytes.Repeat([]byte("x"), 1<<20)
	var sent int
	for round := 0; ; round++ {
		ops := []Op{{Fd: w, Buf: big}}
		if err := b.Run(ops); err != nil {
			t.Fatal(err)
		}
		if errors.Is(ops[0].Err, unix.EAGAIN) {
			break
		}
		if ops[0].Err != nil || ops[0].N <= 0 {
			t.Fatalf("send: n %d err %v", ops[0].N, ops[0].Err)
		}
		sent += ops[0].N
		if round > 1000 {
			t.Fatal("a full socket never answered EAGAIN")
		}
	}
	if sent == 0 || sent >= 1000<<20 {
		t.Fatalf("sent %d bytes before EAGAIN", sent)
	}
	const fd = 1 << 20 // past any open descriptor (a closed one could be reused below)
	ok1, ok2 := socketPair(t)
	ops := []Op{
		{Fd: fd, Buf: []byte("to a closed descriptor")},
		{Fd: ok1, Buf: nil},
		{Fd: ok1, Buf: []byte("fine")},
	}
	if err := b.Run(ops); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(ops[0].Err, unix.EBADF) {
		t.Errorf("send on a closed descriptor: %v, want EBADF", ops[0].Err)
	}
	if !errors.Is(ops[1].Err, syscall.EINVAL) {
		t.Errorf("empty buffer: %v, want EINVAL", ops[1].Err)
	}
	if ops[2].Err != nil || ops[2].N != 4 {
		t.Errorf("send beside failing ones: n %d err %v", ops[2].N, ops[2].Err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Read(ok2, buf); err != nil || string(buf[:n]) != "fine" {
		t.Errorf("peer read %q, %v", buf[:max(n, 0)], err)
	}
}

func TestBatchClosed(t *testing.T) {
	b := newTestBatch(t, 2)
	a, _ := socketPair(t)
	b.Close()
	ops := []Op{{Fd: a, Buf: []byte("x")}}
	if err := b.Run(ops); !errors.Is(err, ErrClosed) || !errors.Is(ops[0].Err, ErrClosed) {
		t.Fatalf("Run after Close: %v, op %v; want ErrClosed", err, ops[0].Err)
	}
}
