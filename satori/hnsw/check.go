package hnsw

import "fmt"

// Check verifies the graph's invariants: every link points to an existing
// node whose level reaches the link's level and lists fit their capacity;
// the entry node has the top level; the id map and the removed flags agree
// with Len. It returns an error wrapping ErrCorrupt describing the first
// violation. It takes the read lock and costs O(nodes × links).
func (g *Graph) Check() error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n := len(g.ids)
	switch {
	case len(g.levels) != n || len(g.deleted) != n || len(g.upper) != n ||
		len(g.codes) != n*g.opts.Dim || len(g.l0) != n*(g.m0+1):
		return corruptCheck("node arrays disagree on %d nodes", n)
	case n == 0 && (g.entry != noNode || g.live != 0 || len(g.byID) != 0):
		return corruptCheck("empty graph with entry %d, %d live", g.entry, g.live)
	case n > 0 && (g.entry >= uint32(n) || int(g.levels[g.entry]) != g.maxLevel):
		return corruptCheck("entry %d with max level %d", g.entry, g.maxLevel)
	}
	live := 0
	for i := 0; i < n; i++ {
		node := uint32(i)
		if int(g.levels[i]) > g.maxLevel {
			return corruptCheck("node %d level %d above max level %d", i, g.levels[i], g.maxLevel)
		}
		if len(g.upper[i]) != int(g.levels[i])*(g.m+1) {
			return corruptCheck("node %d has %d upper slots for level %d", i, len(g.upper[i]), g.levels[i])
		}
		if !g.deleted[i] {
			live++
			if m, ok := g.byID[g.ids[i]]; !ok || m != node {
				return corruptCheck("live node %d (id %d) not in the id map", i, g.ids[i])
			}
		}
		for l := 0; l <= int(g.levels[i]); l++ {
			b := g.linkBlock(node, l)
			if int(b[0]) > len(b)-1 {
				return corruptCheck("node %d level %d: %d links, capacity %d", i, l, b[0], len(b)-1)
			}
			for _, x := range b[1 : 1+b[0]] {
				if int(x) >= n || int(g.levels[x]) < l || x == node {
					return corruptCheck("node %d level %d: bad link to %d", i, l, x)
				}
			}
		}
	}
	if live != g.live || live != len(g.byID) {
		return corruptCheck("%d live nodes, counted %d, id map %d", live, g.live, len(g.byID))
	}
	return nil
}

func corruptCheck(format string, args ...any) error {
	return fmt.Errorf("hnsw: check: "+format+": %w", append(args, ErrCorrupt)...)
}
