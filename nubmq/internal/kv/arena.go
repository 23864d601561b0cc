package kv

import "fmt"

// An arena holds one shard's records in byte chunks. Records are appended to
// the active chunk; when a record does not fit, the active chunk is sealed
// and a new one is allocated. A record of tuning.bigRecord bytes or more gets
// a dedicated chunk of its own. Chunks contain no pointers, so the garbage
// collector never scans them, and a shard costs a handful of heap objects
// however many keys it holds.
//
// A ref addresses a record: chunk index << refOffsetBits | offset. Dead
// records (overwritten or deleted) stay in their chunk until the chunk is
// freed: a chunk whose live bytes drop to zero is freed at once; a sealed
// chunk whose live bytes drop below half its size is queued for compaction,
// which relocates its live records to the active chunk in bounded steps
// (compactStepLocked), after which it is empty and freed.
const (
	refOffsetBits = 18
	refOffsetMask = 1<<refOffsetBits - 1
	refChunkLimit = 1 << (refBits - refOffsetBits) // chunks per shard

	largeObjectBytes = 32 << 10 // above this Go allocates whole 8 KiB pages
	pageBytes        = 8 << 10
)

type chunkState uint8

const (
	chunkFree       chunkState = iota // slot unused, on arena.free
	chunkActive                       // appended to (arena.active)
	chunkSealed                       // full, at least half live
	chunkQueued                       // on arena.queue for compaction
	chunkCompacting                   // being compacted (arena.compacting)
	chunkDedicated                    // holds exactly one big record
)

type chunkMeta struct {
	liveBytes int64
	state     chunkState
}

type arena struct {
	chunks     [][]byte // a chunk's len is its used bytes, its cap its size
	meta       []chunkMeta
	free       []uint32 // indexes of chunkFree slots
	queue      []uint32 // chunks in state chunkQueued, each once
	active     int      // chunkActive chunk or -1
	compacting int      // chunkCompacting chunk or -1
	compactOff int      // next record of the compacting chunk
	totalBytes int64    // sum of chunk sizes
	liveBytes  int64    // sum of live record sizes
	bigBytes   int64    // live bytes in dedicated chunks
}

func (a *arena) reset() { *a = arena{active: -1, compacting: -1} }

func makeRef(chunk, off int) uint64 { return uint64(chunk)<<refOffsetBits | uint64(off) }

func refChunk(ref uint64) int { return int(ref >> refOffsetBits) }

func (a *arena) record(ref uint64) record {
	return decodeRecord(a.chunks[ref>>refOffsetBits], int(ref&refOffsetMask))
}

// alloc reserves n bytes for a new record, counts them live, and returns the
// record's ref and its bytes.
func (a *arena) alloc(n int, tu *tuning) (uint64, []byte) {
	if n >= tu.bigRecord {
		capBytes := n
		if n > largeObjectBytes {
			capBytes = (n + pageBytes - 1) &^ (pageBytes - 1)
		}
		i := a.newChunk(capBytes, chunkDedicated)
		a.chunks[i] = a.chunks[i][:n]
		a.meta[i].liveBytes += int64(n)
		a.liveBytes += int64(n)
		a.bigBytes += int64(n)
		return makeRef(i, 0), a.chunks[i]
	}
	if a.active >= 0 {
		c := a.chunks[a.active]
		if off := len(c); cap(c)-off >= n {
			a.chunks[a.active] = c[:off+n]
			a.meta[a.active].liveBytes += int64(n)
			a.liveBytes += int64(n)
			return makeRef(a.active, off), c[off : off+n : off+n]
		}
		a.seal(a.active)
	}
	i := a.newChunk(a.nextChunkBytes(n, tu), chunkActive)
	a.active = i
	a.chunks[i] = a.chunks[i][:n]
	a.meta[i].liveBytes += int64(n)
	a.liveBytes += int64(n)
	return makeRef(i, 0), a.chunks[i][:n:n]
}

// nextChunkBytes sizes a new shared chunk at about 1/8 of the live bytes in
// shared chunks, so that a small shard wastes little on a half-empty active
// chunk and a large one allocates rarely.
func (a *arena) nextChunkBytes(n int, tu *tuning) int {
	size := tu.chunkMinBytes
	for size < tu.chunkMaxBytes && (int64(size) < (a.liveBytes-a.bigBytes)/8 || size < n) {
		size *= 2
	}
	if size < n {
		panic(fmt.Sprintf("kv: record of %d bytes does not fit a chunk of %d", n, size))
	}
	return size
}

func (a *arena) newChunk(capBytes int, state chunkState) int {
	var i int
	if k := len(a.free); k > 0 {
		i = int(a.free[k-1])
		a.free = a.free[:k-1]
	} else {
		i = len(a.chunks)
		if i >= refChunkLimit {
			panic(fmt.Sprintf("kv: shard has %d arena chunks, the most a ref can address", i))
		}
		a.chunks = append(a.chunks, nil)
		a.meta = append(a.meta, chunkMeta{})
	}
	a.chunks[i] = make([]byte, 0, capBytes)
	a.meta[i] = chunkMeta{state: state}
	a.totalBytes += int64(capBytes)
	return i
}

// seal retires the active chunk: it is freed if nothing in it is live, and
// queued for compaction if less than half of it is.
func (a *arena) seal(i int) {
	a.active = -1
	m := &a.meta[i]
	m.state = chunkSealed
	if m.liveBytes == 0 {
		a.freeChunk(i)
	} else if m.liveBytes*2 < int64(cap(a.chunks[i])) {
		m.state = chunkQueued
		a.queue = append(a.queue, uint32(i))
	}
}

// kill marks the record at ref dead and updates its chunk's live bytes.
func (a *arena) kill(ref uint64, r record) {
	i := refChunk(ref)
	r.c[r.off] |= flagDead
	m := &a.meta[i]
	n := int64(r.size())
	m.liveBytes -= n
	a.liveBytes -= n
	if m.liveBytes < 0 {
		panic("kv: negative live bytes")
	}
	if m.state == chunkDedicated {
		a.bigBytes -= n
	}
	if m.state == chunkActive {
		return
	}
	if m.liveBytes == 0 {
		a.freeChunk(i)
		return
	}
	if m.state == chunkSealed && m.liveBytes*2 < int64(cap(a.chunks[i])) {
		m.state = chunkQueued
		a.queue = append(a.queue, uint32(i))
	}
}

func (a *arena) freeChunk(i int) {
	m := &a.meta[i]
	switch m.state {
	case chunkQueued:
		a.unqueue(i)
	case chunkCompacting:
		a.compacting = -1
		a.compactOff = 0
	case chunkActive:
		a.active = -1
	case chunkFree:
		panic("kv: chunk freed twice")
	}
	a.totalBytes -= int64(cap(a.chunks[i]))
	a.chunks[i] = nil
	*m = chunkMeta{state: chunkFree}
	a.free = append(a.free, uint32(i))
}

func (a *arena) unqueue(i int) {
	for k, q := range a.queue {
		if int(q) == i {
			a.queue = append(a.queue[:k], a.queue[k+1:]...)
			return
		}
	}
	panic("kv: queued chunk missing from the queue")
}

// garbageBytes is the dead space of the arena outside the active chunk's
// unwritten tail: what compaction can give back.
func (a *arena) garbageBytes() int64 {
	g := a.totalBytes - a.liveBytes
	if a.active >= 0 {
		c := a.chunks[a.active]
		g -= int64(cap(c) - len(c))
	}
	return g
}
