package vfs

import (
	"bytes"
	"fmt"
	"slices"
)

// CheckInvariants walks every file reachable from the root and reports one
// whose current content is not its durable content with its pending
// mutations applied, the invariant Crash and Sync rely on.
func (fs *MemFS) CheckInvariants() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var check func(name string, n *memNode) error
	check = func(name string, n *memNode) error {
		if n.dir {
			for child, c := range n.children {
				if err := check(name+"/"+child, c); err != nil {
					return err
				}
			}
			return nil
		}
		replayed := slices.Clone(n.durable)
		for _, op := range n.pending {
			replayed = op.apply(replayed)
		}
		if !bytes.Equal(replayed, n.data) {
			return fmt.Errorf("%s: durable content with %d pending mutations replays to %d bytes, not the current %d",
				name, len(n.pending), len(replayed), len(n.data))
		}
		return nil
	}
	return check("", fs.root)
}
