package octopii_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/octopii"
)

// counter is the README's state machine: it counts the bytes of the
// commands applied.
type counter struct{ n uint64 }

func (c *counter) Apply(index uint64, cmd []byte) []byte {
	c.n += uint64(len(cmd))
	return binary.AppendUvarint(nil, c.n)
}
func (c *counter) Query(q []byte) ([]byte, error) { return binary.AppendUvarint(nil, c.n), nil }
func (c *counter) Snapshot(w io.Writer) error     { return binary.Write(w, binary.BigEndian, c.n) }
func (c *counter) Restore(r io.Reader) error      { return binary.Read(r, binary.BigEndian, &c.n) }

// Example runs a one-node cluster in memory: propose, then read.
func Example() {
	net := octopii.NewMemNetwork()
	node, err := octopii.Start(octopii.Options{
		ID: 1, Dir: "/svc", FS: vfs.NewMem(),
		Peers:        map[uint64]string{1: "mem"},
		Transport:    net.Transport(1),
		TickInterval: 5 * time.Millisecond,
	}, &counter{})
	if err != nil {
		panic(err)
	}
	defer node.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for node.Leader() == 0 {
		time.Sleep(time.Millisecond)
	}
	res, err := node.Propose(ctx, []byte("abc"))
	n, _ := binary.Uvarint(res)
	fmt.Println(n, err)
	res, err = node.Read(ctx, nil)
	n, _ = binary.Uvarint(res)
	fmt.Println(n, err)
	// Output:
	// 3 <nil>
	// 3 <nil>
}
